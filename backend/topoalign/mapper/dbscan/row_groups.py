"""Rows of a large cover element in k-means groups, with exact lower bounds between groups (``dbscan.grouped``).

A large, dense cover element (1M x 256 rows under a 10 x 10 cover puts 100k+ rows in one element) holds several
well-separated clusters, and all-pairs products spend most of their time proving that rows of different clusters
are far apart. Here the rows are split into ~``GROUP_ROWS``-row groups by a few k-means steps (a seeded sample, then
one assignment of every row), and a pair of groups (I, J) is known to hold no pair within the radius when every row
of I is farther than the radius from every row of J along the line through the two centres:

    |x - y| >= |(x - y) . u|,  u = (c_I - c_J) / |c_I - c_J|,

so the gap between the two groups' intervals of ``x . u`` is an exact lower bound for all their pairs. The bounds
of all group pairs take one pass of products with the centres, in row chunks (O(n G d) time, O(G^2) memory).
The groups only decide which products are made, never a pair.
"""

from __future__ import annotations

import numpy as np

GROUP_ROWS = 256  # target rows per group
_SAMPLE = 16384  # rows the centres are fitted on
_ITERATIONS = 4
_CHUNK = 4096  # rows per product with the centres
_F32_EPS = float(np.finfo(np.float32).eps)


def kmeans_groups(X: np.ndarray, groups: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row groups from Lloyd steps on a seeded sample, float32 throughout (the groups only steer the work, they
    decide no pair): ``(group of every row, centres C (G x d), lo, hi)`` with ``lo[I, J]``, ``hi[I, J]`` the range
    of ``x . (c_I - c_J)`` over the rows x of group I (for ``far_group_pairs``)."""
    rng = np.random.default_rng(seed)
    n = len(X)
    sample = X[np.sort(rng.choice(n, min(n, _SAMPLE), replace=False))] if n > _SAMPLE else X
    C = sample[np.sort(rng.choice(len(sample), groups, replace=False))].copy()
    for _ in range(_ITERATIONS):
        C = _means(sample, _nearest(sample, C), C)
    G = len(C)
    assign = np.empty(n, dtype=np.int64)
    lo = np.full((G, G), np.inf, dtype=np.float64)
    hi = np.full((G, G), -np.inf, dtype=np.float64)
    csq = np.einsum("ij,ij->i", C, C)
    for s in range(0, n, _CHUNK):  # chunks: n x G products would grow as n^2 / GROUP_ROWS
        P = X[s : s + _CHUNK] @ C.T
        g = (csq[None, :] - 2.0 * P).argmin(axis=1)
        assign[s : s + _CHUNK] = g
        by = np.argsort(g, kind="stable")
        g, P = g[by], P[by]
        D = P[np.arange(len(g)), g][:, None] - P  # x . (c_own - c_J)
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        gs = g[starts]
        lo[gs] = np.minimum(lo[gs], np.minimum.reduceat(D, starts, axis=0))
        hi[gs] = np.maximum(hi[gs], np.maximum.reduceat(D, starts, axis=0))
    return assign, C, lo, hi


def _nearest(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    score = X @ C.T
    score *= -2.0
    score += np.einsum("ij,ij->i", C, C)[None, :]
    nearest: np.ndarray = score.argmin(axis=1)
    return nearest


def _means(X: np.ndarray, assign: np.ndarray, C: np.ndarray) -> np.ndarray:
    order = np.argsort(assign, kind="stable")
    counts = np.bincount(assign, minlength=len(C))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    nonempty = counts > 0
    sums = np.add.reduceat(X[order], starts[nonempty], axis=0)
    out = C.copy()  # an empty group keeps its centre
    out[nonempty] = sums / counts[nonempty, None]
    return out


def far_group_pairs(C: np.ndarray, lo: np.ndarray, hi: np.ndarray, radius: float, max_norm: float) -> np.ndarray:
    """(G x G) boolean: True where no row of group I is within ``radius`` of a row of group J (exact lower bounds
    along the centre-to-centre lines, with a margin for the float32 products)."""
    from scipy.spatial.distance import cdist

    G = len(C)
    # rows of I lie in [lo[I, J], hi[I, J]] along c_I - c_J; rows of J, along the same vector, in
    # [-hi[J, I], -lo[J, I]]
    C64 = C.astype(np.float64)
    dist = cdist(C64, C64)  # from coordinate differences: no cancellation between close centres
    gap = np.maximum(lo + lo.T, -(hi + hi.T))
    # float32 products err by at most ~d u |x| |c| each (u = eps / 2); four of them meet in a gap; doubled, plus
    # the centring's rounding of the rows (a relative 1e-3 on the radius, as elsewhere)
    d = C.shape[1]
    max_c = float(np.sqrt(np.einsum("ij,ij->i", C64, C64).max())) if G else 0.0
    err = 8.0 * (d + 2) * _F32_EPS * max_norm * max_c
    with np.errstate(divide="ignore", invalid="ignore"):
        far: np.ndarray = (gap - err) / dist > (1 + 1e-3) * radius
    np.fill_diagonal(far, False)
    return far  # empty groups (no rows: an infinite gap) come out far; they have no pairs anyway
