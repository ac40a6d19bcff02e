"""The DBSCAN rules on an explicit within-eps graph, which every engine ends in or reproduces.

- core rows: at least ``min_samples`` rows within eps, themselves included;
- clusters: connected components of the core rows, numbered by their lowest-index core row (the order in which
  ``sklearn.cluster._dbscan_inner`` expands them);
- border rows: the lowest cluster number among their core neighbours; other rows are noise (-1).

``labels_from_pairs`` takes the pairs (i < j) within eps, ``labels_from_mask`` the (n x n) within-eps matrix.
"""

from __future__ import annotations

import numpy as np

from topoalign.mapper.components import pair_components


def assign_border_points(labels: np.ndarray, core: np.ndarray, pa: np.ndarray, pb: np.ndarray) -> None:
    """Give every non-core row with a core neighbour (pairs ``pa``-``pb`` within eps) the lowest cluster number
    among its core neighbours, as scikit-learn's DBSCAN does; ``labels`` holds the core rows' clusters, in place."""
    cb = core[pa] & ~core[pb]
    bc = core[pb] & ~core[pa]
    border = np.concatenate([pb[cb], pa[bc]])
    if len(border):
        cluster = np.concatenate([labels[pa[cb]], labels[pb[bc]]])
        best = np.full(len(labels), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, border, cluster)
        hit = np.unique(border)
        labels[hit] = best[hit]


def labels_from_pairs(n: int, ii: np.ndarray, jj: np.ndarray, min_samples: int) -> np.ndarray:
    """scikit-learn DBSCAN labels of n rows from the pairs (i < j) within eps."""
    degree = 1 + np.bincount(ii, minlength=n) + np.bincount(jj, minlength=n)
    core = degree >= min_samples
    labels = np.full(n, -1, dtype=np.int64)
    if not core.any():
        return labels
    both = core[ii] & core[jj]
    comp = pair_components(n, ii[both], jj[both]) if both.any() else np.arange(n)
    core_idx = np.flatnonzero(core)
    # number clusters by their lowest-index core point, as scikit-learn's expansion order does
    _, first = np.unique(comp[core_idx], return_index=True)
    rank = np.empty(comp.max() + 1, dtype=np.int64)
    order = np.argsort(core_idx[first], kind="stable")
    rank[comp[core_idx[first]][order]] = np.arange(len(order))
    labels[core_idx] = rank[comp[core_idx]]
    assign_border_points(labels, core, ii, jj)
    return labels


def labels_from_mask(mask: np.ndarray, min_samples: int) -> np.ndarray:
    """scikit-learn DBSCAN labels from the (n x n) within-eps matrix (diagonal set, as each point counts itself).

    Clusters are found by breadth-first search over rows of the matrix, starting from the lowest unlabelled core
    point, so they are numbered as scikit-learn numbers them; border points then take the lowest cluster number
    among their core neighbours.
    """
    n = len(mask)
    degree = np.count_nonzero(mask, axis=1)
    core = degree >= min_samples
    labels = np.full(n, -1, dtype=np.int64)
    core_idx = np.flatnonzero(core)
    if not len(core_idx):
        return labels
    if degree.sum() < 24 * n:  # few pairs: a pair list and sparse connected components are cheaper than BFS
        ii, jj = np.nonzero(mask)
        upper = jj > ii
        return labels_from_pairs(n, ii[upper], jj[upper], min_samples)
    M = mask[np.ix_(core_idx, core_idx)]
    lab = np.full(len(core_idx), -1, dtype=np.int64)
    k = 0
    for start in range(len(core_idx)):
        if lab[start] != -1:
            continue
        lab[start] = k
        frontier = np.array([start])
        while len(frontier):
            reached = M[frontier].any(axis=0)
            reached &= lab == -1
            frontier = np.flatnonzero(reached)
            lab[frontier] = k
        k += 1
    labels[core_idx] = lab
    others = np.flatnonzero(~core)
    if len(others):
        B = mask[np.ix_(others, core_idx)]
        has = B.any(axis=1)
        if has.any():
            big = np.iinfo(np.int64).max
            first = np.where(B[has], lab[None, :], big).min(axis=1)
            labels[others[has]] = first
    return labels
