"""Components and loops of a Mapper graph: Betti numbers b0 and b1 of its clique complex, with representatives.

A Mapper graph is read as the 2-skeleton of its clique complex: every triangle of nodes is filled, so three nodes
that pairwise share stimuli bound no hole (a 2-D cover makes such triangles wherever four cover elements meet).

- ``b0``: connected components;
- ``b1 = dim Z1 - rank d2`` over GF(2): independent loops left once the triangles are filled. Z1 has one coordinate
  per edge outside a breadth-first spanning forest (each such edge closes one fundamental cycle), so d2 is a
  (triangles x non-tree edges) matrix with at most three ones per row, reduced with Python integers as bit rows.
- representatives: the fundamental cycles of the non-tree edges that are not pivots of the reduced d2 span a
  complement of the boundaries, so they are one loop per independent hole (``loops``, as node index cycles).

``loop_persists`` answers whether a loop of one graph is still a hole in another graph of the same stimuli (a
bootstrap resample): the loop's nodes are mapped to their best-overlapping nodes there, consecutive images are joined
by shortest paths, and the closed walk is tested against the other graph's boundaries.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from scipy import sparse

    from topoalign.mapper.graph import MapperGraph

MAX_EDGES = 50_000  # above this many edges b1 is not computed (triangle listing would dominate a build)


@dataclass
class GraphHomology:
    """Homology of a graph's clique complex. Nodes are indices 0..n-1; ``edges`` an (m x 2) array."""

    n_nodes: int
    edges: np.ndarray
    component: np.ndarray  # (n_nodes,) component index, components numbered by their lowest node
    b0: int
    b1: int | None  # None when the graph has more than MAX_EDGES edges
    loops: list[list[int]] = field(
        default_factory=list
    )  # one node cycle per independent loop (first node not repeated)
    _edge_col: dict[tuple[int, int], int] = field(default_factory=dict, repr=False)
    _pivots: dict[int, int] = field(default_factory=dict, repr=False)
    _tree_parent: np.ndarray | None = field(default=None, repr=False)
    _adjacency: list[list[int]] = field(default_factory=list, repr=False)

    @classmethod
    def of(cls, n_nodes: int, edges: npt.ArrayLike) -> "GraphHomology":
        e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        if len(e):
            e = np.sort(e, axis=1)
            e = e[e[:, 0] != e[:, 1]]
            e = np.unique(e, axis=0)
        adjacency: list[list[int]] = [[] for _ in range(n_nodes)]
        for u, v in e.tolist():
            adjacency[u].append(v)
            adjacency[v].append(u)
        parent, component, order = _bfs_forest(n_nodes, adjacency)
        b0 = int(component.max() + 1) if n_nodes else 0
        h = cls(
            n_nodes=n_nodes, edges=e, component=component, b0=b0, b1=None, _tree_parent=parent, _adjacency=adjacency
        )
        if len(e) > MAX_EDGES:
            return h
        tree = {(min(u, int(p)), max(u, int(p))) for u, p in enumerate(parent.tolist()) if p >= 0}
        cols: dict[tuple[int, int], int] = {}
        for u, v in e.tolist():
            if (u, v) not in tree:
                cols[(u, v)] = len(cols)
        h._edge_col = cols
        pivots: dict[int, int] = {}
        if cols:
            nbr = [set(a) for a in adjacency]
            for u, v in e.tolist():
                for w in nbr[u] & nbr[v]:
                    if w <= v:
                        continue
                    row = 0
                    for a, b in ((u, v), (u, w), (v, w)):
                        j = cols.get((a, b))
                        if j is not None:
                            row ^= 1 << j
                    _reduce_into(row, pivots)
        h._pivots = pivots
        h.b1 = len(cols) - len(pivots)
        free = [edge for edge, j in cols.items() if j not in pivots]
        h.loops = [_fundamental_cycle(parent, u, v) for u, v in free]
        return h

    def components(self) -> list[np.ndarray]:
        """Node indices of each component, in component order."""
        order = np.argsort(self.component, kind="stable")
        cuts = np.flatnonzero(np.diff(self.component[order])) + 1
        return np.split(order, cuts) if self.n_nodes else []

    def is_hole(self, walk: list[int]) -> bool:
        """Whether a closed walk (consecutive nodes adjacent; the last joins the first) is not a boundary here."""
        if self.b1 is None:
            return False
        row = 0
        for a, b in zip(walk, walk[1:] + walk[:1]):
            if a == b:
                continue
            j = self._edge_col.get((min(a, b), max(a, b)))
            if j is not None:
                row ^= 1 << j
        return _reduce(row, self._pivots) != 0

    def shortest_path(self, a: int, b: int) -> list[int] | None:
        """Nodes of a shortest path from a to b (both included), or None when they are not connected."""
        if a == b:
            return [a]
        if self.component[a] != self.component[b]:
            return None
        prev = {a: -1}
        queue = deque([a])
        while queue:
            x = queue.popleft()
            for y in self._adjacency[x]:
                if y not in prev:
                    prev[y] = x
                    if y == b:
                        path = [b]
                        while prev[path[-1]] != -1:
                            path.append(prev[path[-1]])
                        return path[::-1]
                    queue.append(y)
        return None  # pragma: no cover - same component means reachable


def _bfs_forest(n: int, adjacency: list[list[int]]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    parent = np.full(n, -1, dtype=np.int64)
    component = np.full(n, -1, dtype=np.int64)
    order: list[int] = []
    k = 0
    for s in range(n):
        if component[s] >= 0:
            continue
        component[s] = k
        queue = deque([s])
        while queue:
            x = queue.popleft()
            order.append(x)
            for y in adjacency[x]:
                if component[y] < 0:
                    component[y] = k
                    parent[y] = x
                    queue.append(y)
        k += 1
    return parent, component, order


def _fundamental_cycle(parent: np.ndarray, u: int, v: int) -> list[int]:
    """Tree path u -> lowest common ancestor -> v in the BFS forest ``parent``: with the edge (v, u) it closes the
    cycle."""
    up, seen = [u], {u: 0}
    while parent[up[-1]] >= 0:
        up.append(int(parent[up[-1]]))
        seen[up[-1]] = len(up) - 1
    down = [v]
    while down[-1] not in seen:
        down.append(int(parent[down[-1]]))
    return up[: seen[down[-1]] + 1] + down[-2::-1]


def _reduce(row: int, pivots: dict[int, int]) -> int:
    while row:
        p = row.bit_length() - 1
        r = pivots.get(p)
        if r is None:
            return row
        row ^= r
    return 0


def _reduce_into(row: int, pivots: dict[int, int]) -> None:
    row = _reduce(row, pivots)
    if row:
        pivots[row.bit_length() - 1] = row


def graph_homology(graph: MapperGraph) -> GraphHomology:
    """``GraphHomology`` of a ``MapperGraph`` (nodes in graph order)."""
    index = {nd.id: i for i, nd in enumerate(graph.nodes)}
    edges = np.array([(index[e.source], index[e.target]) for e in graph.edges], dtype=np.int64).reshape(-1, 2)
    return GraphHomology.of(len(graph.nodes), edges)


def betti_numbers(graph: MapperGraph) -> tuple[int, int | None]:
    """(b0, b1) of a ``MapperGraph``'s clique complex."""
    h = graph_homology(graph)
    return h.b0, h.b1


def membership_matrix(members: list[np.ndarray], n: int) -> sparse.csr_matrix:
    """(n_sets x n) 0/1 int32 matrix of the member rows of each set."""
    from scipy import sparse  # imported where used: scipy.sparse costs ~0.1 s of every command-line start

    if not members:
        # an empty (0 x n) matrix: scipy-stubs type the shape-only constructor as float64
        return sparse.csr_matrix((0, n), dtype=np.int32)  # type: ignore[arg-type]
    rows = np.concatenate([np.full(len(m), i) for i, m in enumerate(members)])
    cols = np.concatenate(members)
    return sparse.csr_matrix((np.ones(len(cols), dtype=np.int32), (rows, cols)), shape=(len(members), n))


def restricted(M: sparse.csr_matrix, keep: np.ndarray) -> sparse.csr_matrix:
    """``M`` with its columns outside ``keep`` (an (n,) 0/1 int32 mask) zeroed."""
    out: sparse.csr_matrix = M.multiply(keep[None, :]).tocsr()
    return out


def best_matches(
    members_a: list[np.ndarray],
    members_b: list[np.ndarray],
    n: int,
    rows: np.ndarray | None = None,
    threshold: float = 0.5,
) -> np.ndarray:
    """For each member set of A, the index of the member set of B with the highest Jaccard overlap (>= threshold),
    else -1. With ``rows`` (the stimuli B was built on), A's sets are first restricted to those rows."""
    A, B = membership_matrix(members_a, n), membership_matrix(members_b, n)
    if rows is not None:
        keep = np.zeros(n, dtype=np.int32)
        keep[rows] = 1
        A = restricted(A, keep)
    out = np.full(len(members_a), -1, dtype=np.int64)
    if not members_a or not members_b:
        return out
    size_a = np.asarray(A.sum(axis=1)).ravel()
    size_b = np.asarray(B.sum(axis=1)).ravel()
    inter = (A @ B.T).tocoo()
    jac = inter.data / (size_a[inter.row] + size_b[inter.col] - inter.data)
    best = np.full(len(members_a), -1.0)
    for i, j, v in zip(inter.row.tolist(), inter.col.tolist(), jac.tolist()):
        if v >= threshold and v > best[i]:
            best[i], out[i] = v, j
    return out


def loop_persists(loop: list[int], node_map: np.ndarray, other: GraphHomology) -> bool:
    """Whether ``loop`` (node indices of graph A) is a hole in ``other`` once each node is mapped by ``node_map``
    (A node -> other node or -1) and consecutive images are joined by shortest paths."""
    images = [int(node_map[v]) for v in loop]
    if any(i < 0 for i in images):
        return False
    walk: list[int] = []
    for a, b in zip(images, images[1:] + images[:1]):
        path = other.shortest_path(a, b)
        if path is None:
            return False
        walk.extend(path[:-1])
    return len(walk) >= 3 and other.is_hole(walk)
