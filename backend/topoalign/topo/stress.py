"""Stress of graph layouts and its majorisation: the single-graph engine under the joint layout.

Stress (Kamada-Kawai / Gansner, Koren and North 2004) of positions X (n x 2) of a graph with hop distances d::

    stress(X) = sum_{i<j} w_ij (|x_i - x_j| - d_ij)^2,   w_ij = d_ij^-2

over the pairs joined by a path (pairs in different components have no graph distance, hence w = 0; the layout
kernel adds a weak repulsion between components so that they do not overlap, see ``SEPARATION``). The quality
figures use the normalised stress at the layout's optimal scale (:func:`stress`).

The kernel runs the localised majorisation update of every node at once (a fused float32 loop over node pairs per
graph, :mod:`topoalign.topo.stress_numba`, with whole-matrix numpy as the fallback and the reference),
accelerated by heavy-ball momentum (extrapolation ``Y = X_new + beta (X_new - X_old)``, restarted per graph when a
step reverses; O'Donoghue and Candes 2015): 15 sweeps reach what 30-60 plain sweeps reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

from topoalign.cores import one_blas_thread
from topoalign.mapper.graph import MapperGraph
from topoalign.topo import stress_numba

ENGINES = ("auto", "numba", "numpy")  # of the kernel's stress part: numba's fused loop, or whole-matrix numpy
SEPARATION = 0.1  # weight (relative to d^-2, d = largest distance + 1) keeping components apart in layouts
MOMENTUM = 0.7


@dataclass
class GraphGeometry:
    """Graph distances and stress weights of one graph.

    ``distances`` (n x n): hop counts; pairs in different components get (largest finite distance + 1), which only
    the pivot-MDS start and the separation term use. ``weights`` = distances^-2 within components, 0 across them and
    on the diagonal. ``components`` (n,) component label per node; ``edges`` (m x 2) node indices.
    """

    node_ids: list[str]
    distances: np.ndarray
    weights: np.ndarray
    edges: np.ndarray
    components: np.ndarray

    @property
    def n(self) -> int:
        return len(self.node_ids)

    def layout_weights(self) -> np.ndarray:
        """The kernel's weights: the stress weights plus ``SEPARATION`` x d^-2 between components."""
        cross = self.components[:, None] != self.components[None, :]
        if not cross.any():
            return self.weights
        return self.weights + SEPARATION * np.where(cross, 1.0 / np.maximum(self.distances, 1.0) ** 2, 0.0)


def graph_geometry(graph: MapperGraph) -> GraphGeometry:
    ids = [nd.id for nd in graph.nodes]
    index = {v: i for i, v in enumerate(ids)}
    n = len(ids)
    edges = np.array([(index[e.source], index[e.target]) for e in graph.edges], dtype=np.int64).reshape(-1, 2)
    adj = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n)).tocsr()
    # scipy-stubs compare an spmatrix with sparse matrices only; a scalar works
    adj = ((adj + adj.T) > 0).tocsr()  # type: ignore[operator]
    labels = connected_components(adj, directed=False)[1] if n else np.zeros(0, dtype=np.int64)
    d = hop_distances(adj, labels)
    finite = np.isfinite(d)
    far = (d[finite].max() if finite.any() else 0.0) + 1.0
    d[~finite] = far
    with np.errstate(divide="ignore"):
        w = np.where(finite & (d > 0), 1.0 / np.maximum(d, 1e-12) ** 2, 0.0)
    return GraphGeometry(ids, d, w, edges, labels)


def hop_distances(adj: sp.csr_matrix, labels: np.ndarray, max_levels: int = 64) -> np.ndarray:
    """All-pairs hop counts (inf between components) of a symmetric 0/1 adjacency, by bit-parallel BFS: bit s of
    row v says "source s reaches v", and one sparse gather-OR per level advances all n searches at once; each
    level's new bits are added into binary planes of the distance. Graphs of larger diameter (bounded from one BFS
    per component) go to scipy's Dijkstra, whose cost does not grow with the diameter.

    Returns
    -------
    (n x n) float64 distances.
    """
    n = adj.shape[0]
    if n == 0:
        return np.zeros((0, 0))
    ecc = shortest_path(adj, directed=False, unweighted=True, indices=np.unique(labels, return_index=True)[1])
    if 2 * ecc[np.isfinite(ecc)].max() > max_levels:
        return shortest_path(adj, directed=False, unweighted=True)
    words = (n + 63) // 64
    reached = np.zeros((n, words), dtype=np.uint64)
    own = np.arange(n)
    reached[own, own // 64] = np.left_shift(np.uint64(1), (own % 64).astype(np.uint64))
    rows = np.flatnonzero(np.diff(adj.indptr) > 0)
    planes = [np.zeros_like(reached) for _ in range(max_levels.bit_length())]
    for level in range(1, max_levels + 1):
        if len(rows) == 0:
            break
        new = np.bitwise_or.reduceat(reached[adj.indices], adj.indptr[rows], axis=0) & ~reached[rows]
        if not new.any():
            break
        reached[rows] |= new
        for b in range(level.bit_length()):
            if (level >> b) & 1:
                planes[b][rows] |= new
    d = np.zeros((n, n), dtype=np.uint16)
    for b, plane in enumerate(planes):
        if plane.any():
            d += np.unpackbits(plane.view(np.uint8), axis=1, bitorder="little", count=n).astype(np.uint16) << b
    out = d.astype(np.float64)
    out[np.unpackbits(reached.view(np.uint8), axis=1, bitorder="little", count=n) == 0] = np.inf
    return out


def pivot_mds(geom: GraphGeometry, n_pivots: int = 50, random_state: int = 0) -> np.ndarray:
    """Pivot MDS (Brandes and Pich 2006): a fast classical-MDS start from distances to max-min pivots.

    Returns
    -------
    (n x 2) positions in graph-distance units.
    """
    n = geom.n
    if n <= 2:
        return np.c_[np.arange(n, dtype=float), np.zeros(n)]
    rng = np.random.default_rng(random_state)
    m = min(n_pivots, n)
    pivots = [int(rng.integers(n))]
    mind = geom.distances[pivots[0]].copy()
    for _ in range(m - 1):
        nxt = int(np.argmax(mind))
        pivots.append(nxt)
        mind = np.minimum(mind, geom.distances[nxt])
    c = geom.distances[:, pivots] ** 2
    c = -0.5 * (c - c.mean(axis=0) - c.mean(axis=1, keepdims=True) + c.mean())
    # top-2 left singular vectors of c (n x m) via the small m x m eigenproblem
    evals, evecs = np.linalg.eigh(c.T @ c)
    top = np.argsort(evals)[::-1][:2]
    sv = np.sqrt(np.maximum(evals[top], 1e-24))
    u = (c @ evecs[:, top]) / sv
    x = u * np.sqrt(sv)
    x = x * np.sign(x[np.argmax(np.abs(x), axis=0), np.arange(2)])  # fix signs for determinism
    return x + rng.normal(scale=1e-3, size=x.shape)


class Pull(Protocol):
    """Extra terms of the localised update (the correspondence springs of the joint layout)."""

    def pull(
        self, X: np.ndarray, scale: np.ndarray, offsets: np.ndarray, lam: float
    ) -> tuple[np.ndarray, np.ndarray]: ...


class StressKernel:
    """Per-graph float32 weight matrices and the accelerated localised majorisation of k graphs at once.

    Within a sweep the extra pulls (springs) are evaluated once for all graphs, then each graph's stress part is a
    handful of whole-matrix float32 numpy operations and one (n x n) @ (n x 3) product; the same pass yields the
    graph's optimal scale, which the springs use to compare graphs in their own units.
    """

    def __init__(self, geoms: Sequence[GraphGeometry], engine: str = "auto"):
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}; got {engine!r}")
        if engine == "numba" and not stress_numba.AVAILABLE:
            raise ValueError("engine='numba' needs numba installed")
        self.engine = ("numba" if stress_numba.AVAILABLE else "numpy") if engine == "auto" else engine
        self.k = len(geoms)
        self.sizes = np.array([g.n for g in geoms], dtype=np.int64)
        self.offsets = np.r_[0, np.cumsum(self.sizes)].astype(np.int64)
        W = [g.layout_weights() for g in geoms]
        self.W = [w.astype(np.float32) for w in W]
        self.WD = [(w * g.distances).astype(np.float32) for w, g in zip(W, geoms)]
        self.wsum = np.concatenate([w.sum(axis=1) for w in W]) if self.k else np.zeros(0)
        self.wsum32 = [w.sum(axis=1) for w in self.W]

    def run(
        self,
        X: np.ndarray,
        pull: Pull | None = None,
        lam: float = 0.0,
        anchors: np.ndarray | None = None,
        mu: np.ndarray | None = None,
        n_iter: int = 30,
        tol: float = 1e-4,
        momentum: float = MOMENTUM,
    ) -> tuple[np.ndarray, int]:
        """Sweeps of the update below until the largest move is below ``tol`` x the layout size::

            x_i <- [sum_j w_ij (y_j + d_ij (y_i - y_j) / |y_i - y_j|) + spring_i + mu_i a_i] / [sum_j w_ij + L_i + mu_i]

        evaluated at the extrapolated positions ``y``; ``anchors`` (with weights ``mu``) pull nodes to fixed
        positions (warm start), ``pull`` adds the springs' numerator and denominator terms.
        """
        X = np.asarray(X, dtype=np.float64).copy()
        Y, step = X.copy(), np.zeros_like(X)
        wsum = self.wsum.astype(np.float64)
        anchor_num: np.ndarray | float = 0.0
        anchor_den: np.ndarray | float = 0.0
        if anchors is not None and mu is not None:
            anchor_num = mu[:, None] * anchors
            anchor_den = np.asarray(mu, dtype=np.float64)
        scale = np.ones(self.k)
        springs = pull is not None and lam > 0
        it = 0
        for it in range(1, n_iter + 1):
            cnum, cden = pull.pull(Y, scale, self.offsets, lam) if pull is not None and springs else (0.0, 0.0)
            num = np.empty_like(X)
            for g in range(self.k):
                lo, hi = self.offsets[g], self.offsets[g + 1]
                if hi - lo >= 2:
                    part, scale[g] = self._stress_part(g, Y[lo:hi], springs)
                    num[lo:hi] = part
                else:
                    num[lo:hi] = 0.0
            den = wsum + cden + anchor_den
            new = np.where((den > 1e-12)[:, None], (num + cnum + anchor_num) / np.maximum(den, 1e-12)[:, None], X)
            moved = new - X
            change = float(np.abs(moved).max()) if len(X) else 0.0
            size = float(np.abs(new).max()) if len(X) else 0.0
            # momentum restart: a graph whose step turns back against the previous one loses its momentum
            keep = np.array(
                [float(np.vdot(moved[lo:hi], step[lo:hi])) > 0 for lo, hi in zip(self.offsets[:-1], self.offsets[1:])]
            )
            beta = np.repeat(np.where(keep, momentum, 0.0) if it > 1 else np.full(self.k, momentum), self.sizes)
            X, step = new, moved
            Y = X + beta[:, None] * step
            if change < tol * max(size, 1e-12):
                break
        return X, it

    def _stress_part(self, g: int, x: np.ndarray, scale: bool = True) -> tuple[np.ndarray, float]:
        kernel = stress_numba.stress_part
        if self.engine == "numba" and kernel is not None:  # (the engine is numba only when it is available)
            x32 = x.astype(np.float32)
            return kernel(
                np.ascontiguousarray(x32[:, 0]), np.ascontiguousarray(x32[:, 1]), self.W[g], self.WD[g], self.wsum32[g]
            )
        return self._stress_part_numpy(g, x.astype(np.float32), scale)

    def _stress_part_numpy(self, g: int, x: np.ndarray, scale: bool = True) -> tuple[np.ndarray, float]:
        """sum_j w_ij (x_j + d_ij (x_i - x_j) / |x_i - x_j|) for every node i of graph g, and (when ``scale``) the
        optimal scale of x (the factor that best fits its distances to the graph distances, as in :func:`stress`)."""
        x0, x1 = np.ascontiguousarray(x[:, 0]), np.ascontiguousarray(x[:, 1])
        r = np.subtract.outer(x0, x0)
        r *= r
        e = np.subtract.outer(x1, x1)
        e *= e
        r += e
        np.maximum(r, 1e-12, out=r)
        wr2 = float(np.vdot(self.W[g], r)) if scale else 0.0  # sum w |x_i - x_j|^2
        np.sqrt(r, out=r)
        wdr = float(np.vdot(self.WD[g], r)) if scale else 0.0  # sum w d |x_i - x_j|
        np.divide(self.WD[g], r, out=r)  # r_ij = w_ij d_ij / |x_i - x_j|
        np.subtract(self.W[g], r, out=r)  # (W - R) x + rowsum(R) x_i; the row sums ride along in the product
        prod = r @ np.c_[x, np.ones(len(x), dtype=x.dtype)]
        out = prod[:, :2] + (self.wsum32[g] - prod[:, 2])[:, None] * x
        return out, (wdr / wr2 if wr2 > 0 else 1.0)


MAX_SWEEPS = 60


def auto_iterations(geoms: Sequence[GraphGeometry]) -> int:
    """Sweeps for a fixed work budget: 20 for 8 graphs x 500 nodes, up to ``MAX_SWEEPS`` for small graphs (small
    layouts get the extra sweeps they need to settle; more cost the dashboard's redraw time, a few hundred ms for two
    graphs of 150 nodes, for no visible change; the loop also stops once moves fall below tol)."""
    work = sum(g.n**2 for g in geoms)
    return int(np.clip(20 * 8 * 500**2 / max(work, 1), 20, MAX_SWEEPS))


def independent_layouts(
    geoms: Sequence[GraphGeometry], *, n_iter: int | None = None, tol: float = 1e-4, random_state: int = 0
) -> list[np.ndarray]:
    """Stress layout of each graph alone from its pivot-MDS start (the same seed for every graph, so identical
    graphs get identical layouts): the joint layout's start and the reference of its quality figures (by default
    run to convergence: twice the automatic sweeps)."""
    kernel = StressKernel(geoms)
    with one_blas_thread():
        X0 = np.vstack([pivot_mds(g, random_state=random_state) for g in geoms]) if geoms else np.zeros((0, 2))
        X, _ = kernel.run(X0, n_iter=n_iter or 2 * auto_iterations(geoms), tol=tol)
    return [X[kernel.offsets[g] : kernel.offsets[g + 1]] for g in range(kernel.k)]


def _pair_distances(X: np.ndarray) -> np.ndarray:
    diff = X[:, None, :] - X[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def optimal_scale(X: np.ndarray, geom: GraphGeometry) -> float:
    """argmin_s sum w (s |x_i - x_j| - d_ij)^2: the factor that puts ``X`` in graph-distance units."""
    dist = _pair_distances(X)
    w, d = geom.weights, geom.distances
    return float((w * d * dist).sum() / max((w * dist**2).sum(), 1e-300))


def stress(X: np.ndarray, geom: GraphGeometry) -> float:
    """Normalised stress of ``X`` at its optimal scale: min_s sum w (s|x_i - x_j| - d)^2 / sum w d^2 (pairs i<j
    joined by a path)."""
    if geom.n < 2:
        return 0.0
    dist = _pair_distances(X)
    w, d = geom.weights, geom.distances
    s = (w * d * dist).sum() / max((w * dist**2).sum(), 1e-300)
    return float((w * (s * dist - d) ** 2).sum() / max((w * d**2).sum(), 1e-300))
