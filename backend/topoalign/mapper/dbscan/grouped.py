"""Exact DBSCAN of a large, dense cover element from a fraction of its pairs: groups, gap bounds, and Kruskal order.

A 1M x 256 data set under a 10 x 10 cover puts 100k+ rows of intrinsically low-dimensional clusters in one element,
every row with hundreds of neighbours. DBSCAN's labels need far less than all those pairs:

1. the rows are split into ~``GROUP_ROWS``-row groups (k-means, ``row_groups``); group pairs whose gap bound
   exceeds eps have no pair within eps (exact lower bounds) and are never looked at;
2. the pairs inside each group are listed (rows are counted towards ``min_samples``; core rows joined);
3. the other group pairs are visited nearest centres first, as Kruskal's algorithm would. A pair of groups whose
   rows are all core points of one cluster already is skipped: its pairs could join nothing new. Rows not yet
   core ("unsettled") are always compared with the other group, so every count below ``min_samples`` is exact and
   every pair of a row that ends up as noise or border is seen. When the core rows of the two groups are split
   between clusters the whole block is computed.

At the end a row is core when its count reaches ``min_samples``; pairs kept aside because one end was not core yet
join clusters once both ends are core; border rows take the lowest cluster number among their core neighbours
(clusters numbered by their lowest-index core row, as scikit-learn numbers them). Every within-eps decision is the
fused float32 product with the float64 re-check of its rounding band (``FusedRadius``), so the labels equal those
of the all-pairs path.
"""

from __future__ import annotations

import numpy as np

from topoalign.mapper.components import UnionFind, pair_components
from topoalign.mapper.dbscan import row_groups as _gp
from topoalign.mapper.dbscan.row_groups import far_group_pairs, kmeans_groups
from topoalign.mapper.dbscan.rules import assign_border_points
from topoalign.mapper.neighbors import FusedRadius, sparse_nonzero

# group pairs visited so far in this process, by what was computed (diagnostics for tests and benchmarks)
VISITS = {"skipped": 0, "unsettled rows": 0, "whole block": 0}


def grouped_dbscan_labels(f: FusedRadius, min_samples: int) -> np.ndarray:
    """scikit-learn DBSCAN labels of the rows of ``f`` (a ``FusedRadius`` at radius eps)."""
    n, d = f.n, f.d
    G = max(2, min(n, n // _gp.GROUP_ROWS))
    assign, C, lo, hi = kmeans_groups(f.A[:, :d], G)
    far = far_group_pairs(C, lo, hi, float(np.sqrt(f.sq)), float(np.sqrt(f.A[:, d].max())) * 1.001)
    order = np.argsort(assign, kind="stable")  # position p holds row order[p]; work in positions
    counts = np.bincount(assign, minlength=G)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    A, B = f.A[order], f.B[order]
    pos = np.arange(n)

    def within(R: slice | np.ndarray, Cc: slice | np.ndarray, upper: bool) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (positions) of rows R x columns Cc within eps; R and Cc are slices or index arrays."""
        g = A[R] @ B[Cc].T
        r, c = sparse_nonzero(g <= f.hi)
        if upper:
            keep = c > r
            r, c = r[keep], c[keep]
        sure = f._sure(g[r, c])
        r = pos[R][r]
        c = pos[Cc][c]
        if not sure.all():
            amb = ~sure
            sure[amb] = f._exact(order[r[amb]], order[c[amb]])
        return r[sure], c[sure]

    count = np.ones(n, dtype=np.int64)  # every row is its own neighbour, as in scikit-learn
    pend_a: list[np.ndarray] = []
    pend_b: list[np.ndarray] = []

    # 2. pairs inside each group
    da: list[np.ndarray] = []
    db: list[np.ndarray] = []
    for I in range(G):
        s, e = bounds[I], bounds[I + 1]
        if e - s > 1:
            r, c = within(slice(s, e), slice(s, e), upper=True)
            da.append(r)
            db.append(c)
    da_, db_ = (np.concatenate(da), np.concatenate(db)) if da else (np.zeros(0, int), np.zeros(0, int))
    count += np.bincount(da_, minlength=n) + np.bincount(db_, minlength=n)
    core = count >= min_samples
    both = core[da_] & core[db_]
    comp = pair_components(n, da_[both], db_[both])
    rep = np.full(n, n, dtype=np.int64)
    np.minimum.at(rep, comp, pos)
    comp = rep[comp]  # each row's label: the lowest position of its component (which labels itself)
    roots = UnionFind(n)
    roots.parent = comp.tolist()  # each label is a position that labels itself: a valid forest
    pend_a.append(da_[~both])
    pend_b.append(db_[~both])
    del da, db, da_, db_

    # 3. the other group pairs, nearest centres first
    gi, gj = np.nonzero(np.triu(~far, k=1) & (counts[:, None] > 0) & (counts[None, :] > 0))
    dist = np.einsum("ij,ij->i", C[gi] - C[gj], C[gi] - C[gj])
    visit = np.argsort(dist, kind="stable")
    labs: list[np.ndarray | None] = [None] * G  # distinct labels of each group's core rows (None: stale)
    for I, J in zip(gi[visit].tolist(), gj[visit].tolist()):
        sI, eI, sJ, eJ = bounds[I], bounds[I + 1], bounds[J], bounds[J + 1]
        for K, s, e in ((I, sI, eI), (J, sJ, eJ)):
            if labs[K] is None:
                labs[K] = np.unique(comp[s:e][core[s:e]])
        if _one_cluster(roots, labs[I], labs[J]):
            cI, cJ = core[sI:eI], core[sJ:eJ]
            uI = sI + np.flatnonzero(~cI)
            uJ = sJ + np.flatnonzero(~cJ)
            if not len(uI) and not len(uJ):
                VISITS["skipped"] += 1
                continue  # all core, one cluster: nothing to learn here
            VISITS["unsettled rows"] += 1
            parts = []
            if len(uI):
                parts.append(within(uI, slice(sJ, eJ), upper=False))
            if len(uJ):
                settled_I = sI + np.flatnonzero(cI)
                if len(settled_I):
                    parts.append(within(uJ, settled_I, upper=False))
            if not parts:
                continue
            r = np.concatenate([p[0] for p in parts])
            c = np.concatenate([p[1] for p in parts])
        else:
            VISITS["whole block"] += 1
            r, c = within(slice(sI, eI), slice(sJ, eJ), upper=False)
        if not len(r):
            continue
        np.add.at(count, r, 1)
        np.add.at(count, c, 1)
        newly = np.flatnonzero(~core[r] & (count[r] >= min_samples))
        core[r[newly]] = True
        if len(newly):
            labs[I] = labs[J] = None
        newly = np.flatnonzero(~core[c] & (count[c] >= min_samples))
        core[c[newly]] = True
        if len(newly):
            labs[I] = labs[J] = None
        both = core[r] & core[c]
        if both.any():
            ra = comp[r[both]]
            rb = comp[c[both]]
            differ = ra != rb
            if differ.any():
                key = np.unique(ra[differ] * n + rb[differ])  # distinct label pairs
                for x, y in zip((key // n).tolist(), (key % n).tolist()):
                    roots.union(x, y)
        pend_a.append(r[~both])
        pend_b.append(c[~both])

    # final: clusters over all core rows (pending pairs with both ends core join them), then border rows
    pa, pb = np.concatenate(pend_a), np.concatenate(pend_b)
    label_root = np.array([roots.find(x) for x in comp.tolist()], dtype=np.int64)
    both = core[pa] & core[pb]
    if both.any():
        # rows that became core late carry their own label; join along the pending core pairs
        merged = pair_components(n, label_root[pa[both]], label_root[pb[both]])
        label_root = merged[label_root]
    labels_pos = np.full(n, -1, dtype=np.int64)
    core_pos = np.flatnonzero(core)
    if len(core_pos):
        cl = label_root[core_pos]
        lowest = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(lowest, cl, order[core_pos])  # lowest original row of each cluster
        firsts = np.unique(lowest[cl])
        labels_pos[core_pos] = np.searchsorted(firsts, lowest[cl])
    assign_border_points(labels_pos, core, pa, pb)
    labels = np.empty(n, dtype=np.int64)
    labels[order] = labels_pos
    return labels


def _one_cluster(roots: UnionFind, a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two groups' core rows (their distinct labels ``a``, ``b``) all lie in one cluster, as far as the
    unions made so far know."""
    first = None
    for lab in a.tolist() + b.tolist():
        r = roots.find(lab)
        if first is None:
            first = r
        elif r != first:
            return False
    return True
