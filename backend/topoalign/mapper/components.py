"""Connected components of a graph given as a pair list, and a union-find for joins made one at a time.

Used by the clusterers (single linkage, every DBSCAN engine) and the sample graphs of the parameter search."""

from __future__ import annotations

import numpy as np

_NUMPY_COMPONENTS_MAX_PAIRS = 200_000


def pair_components(n: int, ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
    """Connected-component label per row (labels are arbitrary row numbers; equal labels = one component).

    Small pair lists (a cover element's) use min-label hooking with pointer jumping in numpy: a few vectorised
    rounds, without scipy.sparse's per-call construction and validation, which cost more than the search itself
    there. Large ones use scipy's ``connected_components`` (tests compare the two)."""
    if len(ii) > _NUMPY_COMPONENTS_MAX_PAIRS:
        from scipy.sparse import coo_matrix  # here, not at import: scipy.sparse costs ~0.1 s of a CLI start
        from scipy.sparse.csgraph import connected_components

        graph = coo_matrix((np.ones(len(ii), dtype=np.int8), (ii, jj)), shape=(n, n)).tocsr()
        return connected_components(graph, directed=False)[1]
    comp = np.arange(n)
    while True:
        ci, cj = comp[ii], comp[jj]  # roots: comp is fully compressed here
        if np.array_equal(ci, cj):
            return comp
        low = np.minimum(ci, cj)
        np.minimum.at(comp, ci, low)  # hook each root onto the smallest root it touches
        np.minimum.at(comp, cj, low)
        while True:  # compress: every row points at its root
            nxt = comp[comp]
            if np.array_equal(nxt, comp):
                break
            comp = nxt


class UnionFind:
    """Disjoint sets of 0..n-1; a union makes the lower of the two roots the root of both."""

    def __init__(self, n: int):
        self.parent = list(range(n))  # a list: scalar access to numpy arrays is slow

    def find(self, a: int) -> int:
        p = self.parent
        root = a
        while p[root] != root:
            root = p[root]
        while p[a] != root:
            p[a], a = root, p[a]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
