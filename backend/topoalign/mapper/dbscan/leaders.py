"""The leaders method: exact DBSCAN for cover elements whose points mostly have many neighbours (dense clusters, a
large eps).

All-pairs distances cost n^2 d; when most points are core points with hundreds of neighbours, far fewer
distances decide the same labels:

1. core points: distances to column chunks in a fixed order; a row stops once it has ``min_samples`` neighbours.
   Rows that never get there (noise, border points) see every column, so their status is exact too.
2. clusters: leaders (the lowest-index core point not yet in a group) gather the core points within eps into their
   group; groups that share a neighbour of a leader are merged. Two groups can still touch through two non-leader
   core points; that needs their leaders within 3 eps (triangle inequality), and only such pairs of groups not
   already joined are tested, block by block, stopping at the first pair within eps.
3. border points: distances from the non-core points to the core points; each takes the lowest cluster number
   among its core neighbours (clusters numbered by their lowest-index core point, as scikit-learn numbers them).

Every "within eps" decision goes through ``within.WithinEps``: float32 products with the float64 re-check of pairs
near the radius (see ``neighbors``), so the labels equal those of the all-pairs path. ``dbscan_labels_leaders`` returns
None when the element turns out sparse (most rows unsettled after the first chunks, or too many leaders), and the
caller uses the all-pairs path instead.
"""

from __future__ import annotations

import numpy as np

from topoalign.mapper.components import UnionFind, pair_components
from topoalign.mapper.dbscan.within import WithinEps, any_within
from topoalign.mapper.neighbors import _band

_CHUNK = 1024
_FIRST_CHUNK = 128


def dbscan_labels_leaders(
    X: np.ndarray,
    eps: float,
    min_samples: int,
    metric: str = "euclidean",
    max_leaders: int = 512,
    w: "WithinEps | None" = None,
) -> np.ndarray | None:
    """scikit-learn DBSCAN labels of the rows of ``X``, or None when the rows are too sparse for this method.
    ``w``: a ``WithinEps`` of the same rows, radius and metric, when the caller has one."""
    n = len(X)
    w = WithinEps(X, eps, metric) if w is None else w
    core = _core_points(w, n, min_samples)
    if core is None:
        return None
    labels = np.full(n, -1, dtype=np.int64)
    core_idx = np.flatnonzero(core)
    if not len(core_idx):
        return labels
    comp = _core_components(w, core_idx, max_leaders)
    if comp is None:
        return None
    # clusters numbered by their lowest core row; comp[k] is the root (lowest position) of core_idx[k]'s cluster
    roots, rank_of = np.unique(comp, return_inverse=True)  # roots ascend, as do their lowest core rows
    labels[core_idx] = rank_of
    others = np.flatnonzero(~core)
    for a in range(0, len(others), _CHUNK):
        rows = others[a : a + _CHUNK]
        M = w.block(rows, core_idx)
        has = M.any(axis=1)
        if has.any():
            big = np.iinfo(np.int64).max
            labels[rows[has]] = np.where(M[has], rank_of[None, :], big).min(axis=1)
    return labels


def _core_points(w: WithinEps, n: int, min_samples: int) -> np.ndarray | None:
    order = np.random.default_rng(0).permutation(n)  # a fixed column order; any order gives exact counts
    count = np.zeros(n, dtype=np.int64)
    active = np.arange(n)
    # a small first chunk settles the rows of dense clusters; later chunks are larger (fewer, bigger products)
    starts = [0] + list(range(_FIRST_CHUNK, n, _CHUNK))
    for k, a in enumerate(starts):
        cols = order[a : (_FIRST_CHUNK if k == 0 else a + _CHUNK)]
        for b in range(0, len(active), 4096):
            rows = active[b : b + 4096]
            count[rows] += np.count_nonzero(w.block(rows, cols), axis=1)
        active = active[count[active] < min_samples]
        if not len(active):
            break
        if k == 0 and len(active) > n // 4:  # mostly unsettled: the all-pairs path is cheaper
            return None
    return count >= min_samples


def _core_components(w: WithinEps, core_idx: np.ndarray, max_leaders: int) -> np.ndarray | None:
    """Cluster root (lowest position) of every core point; positions index ``core_idx``."""
    m = len(core_idx)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    wc = WithinEps(w.X[core_idx], float(np.sqrt(w.sq)) if w.metric != "cosine" else w.sq / 2.0, w.metric)
    group = np.full(m, -1, dtype=np.int64)
    leaders: list[int] = []
    pairs_a: list[np.ndarray] = []
    pairs_b: list[np.ndarray] = []
    while True:
        free = np.flatnonzero(group < 0)
        if not len(free):
            break
        batch = free[:32]
        M = wc.block(batch)
        for row, leader in zip(M, batch):
            near = np.flatnonzero(row)
            if group[leader] < 0:  # a leader: every member of its group is within eps of it
                group[leader] = leader
                leaders.append(int(leader))
                new = near[group[near] < 0]
                group[new] = leader
            # groups sharing a neighbour of this row are one cluster
            g = np.unique(group[near])
            g = g[g >= 0]
            pairs_a.append(np.full(len(g), group[leader]))
            pairs_b.append(g)
        if len(leaders) > max_leaders:
            return None
    a, b = np.concatenate(pairs_a), np.concatenate(pairs_b)
    comp = pair_components(m, a, b)
    uf = UnionFind(m)
    L = np.asarray(leaders)
    root = np.full(comp.max() + 1, m, dtype=np.int64)
    np.minimum.at(root, comp[L], L)
    for leader, r in zip(L.tolist(), root[comp[L]].tolist()):
        uf.parent[leader] = r
    lead_d = wc.sq_dist(L, L)
    limit = 9.0 * wc.sq * (1 + 1e-5) + _band(wc.d + 2, wc.max_sqn, wc.max_sqn, 9.0 * wc.sq)
    ii, jj = np.nonzero(np.triu(lead_d <= limit, k=1))
    cross = comp[L[ii]] != comp[L[jj]]  # leader pairs already in one cluster need no test
    ii, jj = ii[cross], jj[cross]
    order = np.argsort(lead_d[ii, jj], kind="stable")
    members: dict[int, np.ndarray] = {}
    for a_, b_ in zip(L[ii[order]].tolist(), L[jj[order]].tolist()):
        if uf.find(a_) == uf.find(b_):
            continue
        for x in (a_, b_):
            if x not in members:
                members[x] = np.flatnonzero(group == x)
        if any_within(wc, members[a_], members[b_]):
            uf.union(a_, b_)
    roots = np.array([uf.find(l) for l in L.tolist()], dtype=np.int64)
    root_of_leader = np.zeros(m, dtype=np.int64)
    root_of_leader[L] = roots
    return root_of_leader[group]
