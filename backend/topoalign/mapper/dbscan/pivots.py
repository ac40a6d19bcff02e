"""Exact DBSCAN of a cover element where nearly every pair is within eps, from a few columns of distances.

On dense clusters under a large eps (ten Gaussian clusters in 384-D, eps 40) a cover element holds one or two
clusters whose rows are almost all within eps of each other. Listing those pairs, or even the leaders method's
128 columns per row (``dbscan.leaders``), costs far more than the labels need. Here:

1. bound: every row within eps / 2 of the element's centre (the centred squared norms the fused products keep
   anyway, with their float32 error) puts every pair within eps: one cluster of all rows, no product at all;
2. pivots: distances of every row to ``q`` pivot rows (a fixed random choice; 16, then 64 and 160 while many rows
   stay unsettled), thin products. A row within eps of at least ``min_samples`` pivots (itself included, as
   scikit-learn counts it) is a core point; a core row within eps of a core pivot is in that pivot's cluster, and
   pivots sharing such a row are one cluster (a pivot group). These rows are "settled";
3. the other rows (noise, border points, rows no core pivot reaches) get their whole row of distances: their exact
   neighbour counts, their joins to clusters, and the border rule (the lowest cluster number among core
   neighbours, clusters numbered by their lowest core row, as scikit-learn numbers them);
4. clusters of settled rows that reach different pivot groups could still touch through two settled rows: only
   groups whose pivots are within 3 eps can (triangle inequality), and of those only the rows whose projections on
   the line through the two groups' means come within eps of the other group's (|x - y| >= |(x - y) . u| for a
   unit u); these are tested block by block, nearest projections first, stopping at the first pair within eps.

When too many rows stay unsettled, or the step 4 tests would cost too much, ``dbscan_labels_pivots`` returns None
and the caller uses the leaders method. Every "within eps" decision is ``WithinEps``'s (float32 products with the
float64 re-check of the rounding band), so the labels equal scikit-learn's.
"""

from __future__ import annotations

import numpy as np

from topoalign.mapper.components import UnionFind, pair_components
from topoalign.mapper.dbscan.within import WithinEps, any_within

_F32_EPS = float(np.finfo(np.float32).eps)
PIVOTS = (16, 64, 160)  # pivot columns per round (the first at least 4 x min_samples); more while rows stay unsettled
UNSETTLED_MAX = 1 / 8  # share of the rows (at least 256) that may need whole rows
TOUCH_BUDGET = 256  # step 4 may compute at most this many distances per row of the element

# element outcomes in this process, by path (diagnostics for tests and benchmarks)
OUTCOMES = {"clique": 0, "pivots": 0, "fallback": 0}


def within_half_eps_of_centre(w: WithinEps) -> bool:
    """Whether every row of ``w`` lies within eps / 2 of one point, so that every pair is within eps. The rows are
    centred on a point c (float32 rows minus a float32 mean, one rounding each), and each centred squared norm errs
    by at most (d + 3) u of itself (u = eps32 / 2); ``(2 d + 8) eps32`` doubles that, and a relative 1e-6 on eps^2
    keeps float64 decisions of pairs at the radius (scikit-learn's) out of reach."""
    if w.metric != "euclidean" or not w.n:
        return False
    r_sq = w.max_sqn * (1.0 + (2 * w.d + 8) * _F32_EPS)
    return 4.0 * r_sq <= w.sq * (1.0 - 1e-6)


def dbscan_labels_pivots(w: WithinEps, min_samples: int) -> tuple[np.ndarray | None, float]:
    """scikit-learn DBSCAN labels of the rows of ``w`` (or None when this method does not pay here), and the mean
    number of neighbours of the pivots (the caller's estimate of how dense the element is; inf after step 1)."""
    m = w.n
    if within_half_eps_of_centre(w):
        OUTCOMES["clique"] += 1
        return np.full(m, 0 if m >= min_samples else -1, dtype=np.int64), np.inf
    order = np.random.default_rng(0).permutation(m)
    steps = [min(m, max(PIVOTS[0], 4 * min_samples))] + [min(m, s) for s in PIVOTS[1:]]
    M = np.zeros((m, 0), dtype=bool)  # (m x q): every row against the pivots order[:q]
    for q in steps:
        if q <= M.shape[1]:
            break
        M = np.hstack([M, w.block(None, order[M.shape[1] : q])])
        degree = (np.count_nonzero(M) - q) / q
        count = np.count_nonzero(M, axis=1)
        core = count >= min_samples
        piv = order[:q]
        core_piv = np.flatnonzero(core[piv])
        Mc = M[:, core_piv]
        settled = core & Mc.any(axis=1)
        unsettled = np.flatnonzero(~settled)
        if len(unsettled) <= max(256, m * UNSETTLED_MAX):
            break
        if 2.0 * min_samples * m / max(degree, 1.0) > PIVOTS[-1]:
            return _fallback(degree)  # too sparse for any round to settle most rows
    if len(unsettled) > max(256, m * UNSETTLED_MAX) or not len(core_piv):
        return _fallback(degree)
    # 2. pivot groups: core pivots joined through the settled rows within eps of both (a q x q product, not the
    # up to m x q pairs, so that the components stay small)
    settled_rows = np.flatnonzero(settled)
    Ms = Mc[settled_rows].astype(np.float32)
    gi, gj = np.nonzero(np.triu((Ms.T @ Ms) > 0.5))
    group = pair_components(len(core_piv), gi, gj)  # values in 0..len(core_piv)-1
    first = np.full(m, -1, dtype=np.int64)  # each settled row's first core pivot (column of Mc)
    first[settled_rows] = np.argmax(Mc[settled_rows], axis=1)
    # 3. whole rows for the others: exact counts, and every pair that touches them
    u = len(unsettled)
    n_nodes = len(core_piv) + u  # union-find nodes: pivot groups, then the unsettled rows
    node = np.full(m, -1, dtype=np.int64)
    node[settled_rows] = group[first[settled_rows]]
    W = w.block(unsettled, None) if u else np.zeros((0, m), dtype=bool)
    core[unsettled] = np.count_nonzero(W, axis=1) >= min_samples
    core_u = np.flatnonzero(core[unsettled])
    node[unsettled[core_u]] = len(core_piv) + core_u
    core_rows = np.flatnonzero(core)
    a, b = _node_pairs(W[core_u][:, core_rows], node[unsettled[core_u]], node[core_rows])
    uf = UnionFind(n_nodes)
    uf.parent = _roots_as_forest(pair_components(n_nodes, a, b))
    # 4. pivot groups in different clusters whose pivots are within 3 eps
    if not _join_touching_groups(w, uf, group, core_piv, piv, first, settled_rows, m):
        return _fallback(degree)
    # labels: clusters numbered by their lowest core row; border rows take the lowest cluster among core neighbours
    labels = np.full(m, -1, dtype=np.int64)
    root = np.array([uf.find(x) for x in range(n_nodes)], dtype=np.int64)[node[core_rows]]
    lowest = np.full(n_nodes, m, dtype=np.int64)
    np.minimum.at(lowest, root, core_rows)
    firsts = np.unique(lowest[root])
    labels[core_rows] = np.searchsorted(firsts, lowest[root])
    others = ~core[unsettled]
    if others.any():
        B = W[others][:, core_rows]
        has = B.any(axis=1)
        if has.any():
            big = np.iinfo(np.int64).max
            labels[unsettled[others][has]] = np.where(B[has], labels[core_rows][None, :], big).min(axis=1)
    OUTCOMES["pivots"] += 1
    return labels, degree


def _fallback(degree: float) -> tuple[None, float]:
    OUTCOMES["fallback"] += 1
    return None, degree


def _node_pairs(W: np.ndarray, row_node: np.ndarray, col_node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (node of row i, node of column j) over the set entries of W (rows x columns): one OR per run of
    columns of one node instead of every entry (columns of settled rows share their pivot group's node)."""
    if not W.size:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    by = np.argsort(col_node, kind="stable")
    nodes = col_node[by]
    starts = np.flatnonzero(np.r_[True, nodes[1:] != nodes[:-1]])
    touched = np.logical_or.reduceat(W[:, by], starts, axis=1)
    i, k = np.nonzero(touched)
    return row_node[i], nodes[starts][k]


def _roots_as_forest(comp: np.ndarray) -> list[int]:
    """Parent pointers with each component's lowest node as its root (a valid union-find forest)."""
    low = np.full(len(comp), len(comp), dtype=np.int64)
    np.minimum.at(low, comp, np.arange(len(comp)))
    parents: list[int] = low[comp].tolist()
    return parents


def _join_touching_groups(
    w: WithinEps,
    uf: UnionFind,
    group: np.ndarray,
    core_piv: np.ndarray,
    piv: np.ndarray,
    first: np.ndarray,
    settled_rows: np.ndarray,
    m: int,
) -> bool:
    """Join pivot groups in different clusters that hold a pair of settled rows within eps (each within eps of a
    pivot of its group, so only groups with pivots within 3 eps can); False when the tests would cost too much."""
    groups = np.unique(group)
    if len(groups) < 2:
        return True
    P = np.asarray(w.Xexact[piv[core_piv]], dtype=np.float64)  # unit rows for the cosine metric
    d = np.sqrt(np.maximum(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1), 0.0))
    near = np.full((len(groups), len(groups)), np.inf)
    gi = np.searchsorted(groups, group)
    np.minimum.at(near, (gi[:, None], gi[None, :]), d)  # closest pivots of each pair of groups
    reach = 3.0 * np.sqrt(w.sq) * (1 + 1e-3)  # eps (|u - v| units for cosine), with a margin for rounding
    ga, gb = np.nonzero(np.triu(near <= reach, k=1))
    order = np.argsort(near[ga, gb], kind="stable")
    members = {}
    row_group = gi[first[settled_rows]]
    budget = TOUCH_BUDGET * m
    for a, b in zip(ga[order].tolist(), gb[order].tolist()):
        if uf.find(int(groups[a])) == uf.find(int(groups[b])):
            continue
        for g in (a, b):
            if g not in members:
                members[g] = settled_rows[row_group == g]
        near_a, near_b = _facing(w, members[a], members[b])
        if not len(near_a) or not len(near_b):
            continue
        budget -= len(near_a) * len(near_b)
        if budget < 0:
            return False
        if any_within(w, near_a, near_b):
            uf.union(int(groups[a]), int(groups[b]))
    return True


def _facing(w: WithinEps, rows_a: np.ndarray, rows_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``rows_a`` and ``rows_b`` that may have a partner within eps in the other set: their projections
    on the unit vector joining the two sets' means (float64, from the exact rows) come within eps of the other
    set's range, with a relative 1e-3 margin. Nearest projections first."""
    A = np.asarray(w.Xexact[rows_a], dtype=np.float64)
    B = np.asarray(w.Xexact[rows_b], dtype=np.float64)
    u = A.mean(axis=0) - B.mean(axis=0)
    norm = float(np.linalg.norm(u))
    if not norm > 0:
        return rows_a, rows_b
    u /= norm
    pa, pb = A @ u, B @ u  # A lies on the side of larger projections
    reach = np.sqrt(w.sq) * (1 + 1e-3)
    keep_a = (pa >= pb.min() - reach) & (pa <= pb.max() + reach)
    keep_b = (pb >= pa.min() - reach) & (pb <= pa.max() + reach)
    ia, ib = np.flatnonzero(keep_a), np.flatnonzero(keep_b)
    return rows_a[ia[np.argsort(pa[ia], kind="stable")]], rows_b[ib[np.argsort(-pb[ib], kind="stable")]]
