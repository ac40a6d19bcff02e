"""Joint layout of k Mapper graphs: matching structure lands at matching places.

The algorithm is the "merged" simultaneous layout of Erten, Kobourov, Le and Navabi (JGAA 2005) and multiforce
(arXiv 1607.03914) on top of stress majorisation (Gansner, Koren and North 2004): one copy of each node per graph;
within each graph the stress sum w_ij (|x_i - x_j| - d_ij)^2 over graph distances (w_ij = d_ij^-2), across graphs
springs from each node to its corresponding position in every other graph (the containment-weighted centroid of its
strong partners there, weighted by its best Jaccard; stimuli matched by id), plus optional anchors to previous
positions (warm start). The springs are the quality figure itself: the distance |s_g x_i - c_ih| between a node and
its corresponding position, each graph in its own unit scale s_g, summed (L1, by iteratively reweighted least
squares) with every ordered pair of graphs weighted alike. Every iteration is the localised majorisation update of
all nodes at once (whole-matrix numpy operations per graph, the springs as sparse products over all graphs)::

    x_i <- [sum_j w_ij (x_j + d_ij (x_i - x_j) / |x_i - x_j|) + spring_i + mu a_i] / [sum_j w_ij + L_i + mu]

with ``L_i`` a separable majoriser of the spring energy, so the joint update never overshoots.

All graphs share one coordinate frame (units: graph hops); ``mode='panels'`` shifts each graph into its own panel
(corresponding positions mirrored), ``mode='overlay'`` draws them on top of each other. The start: the first graph
is laid out on its own (exactly its independent layout), every other node starts at the barycentre of its partners
among the graphs already placed (unmatched nodes at their own pivot-MDS position, rotated onto the placed graphs by
Procrustes), so all graphs settle into the same basin; with a warm start the warm graphs are placed first and
anchored. Deterministic for a ``random_state``; identical graphs get their independent layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path
from threadpoolctl import threadpool_limits

from topoalign.errors import InvalidParameterError, check_param
from topoalign.jobs.progress import Progress
from topoalign.mapper.graph import MapperGraph
from topoalign.topo.correspondence import CorrespondenceSet

MODES = ("panels", "overlay")
RELATIVE = 0.5
COUPLING = 0.24


# -- per-graph geometry --------------------------------------------------------------------------------------------
@dataclass
class GraphGeometry:
    """Graph distances and stress weights of one graph.

    ``distances`` (n x n): hop counts; pairs in different components get (largest finite distance + 1), so
    components keep apart. ``weights`` = distances^-2 (0 on the diagonal). ``edges`` (m x 2) node indices.
    """

    node_ids: list[str]
    distances: np.ndarray
    weights: np.ndarray
    edges: np.ndarray

    @property
    def n(self) -> int:
        return len(self.node_ids)


def graph_geometry(graph: MapperGraph) -> GraphGeometry:
    ids = [nd.id for nd in graph.nodes]
    index = {v: i for i, v in enumerate(ids)}
    n = len(ids)
    edges = np.array([(index[e.source], index[e.target]) for e in graph.edges], dtype=np.int64).reshape(-1, 2)
    adj = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n)).tocsr()
    d = shortest_path(adj, directed=False, unweighted=True) if n else np.zeros((0, 0))
    finite = np.isfinite(d)
    far = (d[finite].max() if finite.any() else 0.0) + 1.0
    d[~finite] = far
    with np.errstate(divide="ignore"):
        w = np.where(d > 0, 1.0 / np.maximum(d, 1e-12) ** 2, 0.0)
    np.fill_diagonal(w, 0.0)
    return GraphGeometry(ids, d, w, edges)


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


# -- the majorisation kernel ---------------------------------------------------------------------------------------
class _Kernel:
    """Per-graph float32 weight matrices and the localised majorisation sweep over all graphs.

    Within a sweep the springs are evaluated once for all graphs (sparse products), then each graph's stress part
    is a handful of whole-matrix float32 numpy operations and one (n x n) @ (n x 2) product; the same pass yields the
    graph's optimal scale, which puts the springs in each graph's own units.
    """

    def __init__(self, geoms: Sequence[GraphGeometry]):
        self.k = len(geoms)
        self.sizes = np.array([g.n for g in geoms])
        self.offsets = np.r_[0, np.cumsum(self.sizes)].astype(np.int64)
        self.W = [g.weights.astype(np.float32) for g in geoms]
        self.WD = [(g.weights * g.distances).astype(np.float32) for g in geoms]
        self.wsum = np.concatenate([w.sum(axis=1) for w in self.W]) if self.k else np.zeros(0)

    def run(self, X: np.ndarray, coupling: "_Coupling | None", lam: float, anchors: np.ndarray | None,
            mu: np.ndarray | None, n_iter: int, tol: float) -> tuple[np.ndarray, int]:
        """Sweeps of the localised majorisation update until the largest move is below ``tol`` x the layout size.

        With ``coupling`` each node is also pulled towards its corresponding position in every other graph, an
        iteratively reweighted (L1) spring measured in each graph's own unit scale, exactly the distance that
        :func:`correspondence_distance` reports; ``anchors`` pull warm-started nodes to their previous positions.
        """
        X = np.asarray(X, dtype=np.float64).copy()
        wsum = self.wsum.astype(np.float64)
        pull = np.zeros_like(X) if anchors is None or mu is None else mu[:, None] * anchors
        mu_d = np.zeros(len(X)) if anchors is None or mu is None else np.asarray(mu, dtype=np.float64)
        scale = np.ones(self.k)
        it = 0
        for it in range(1, n_iter + 1):
            if coupling is not None and lam > 0:
                cnum, cden = coupling.pull(X, scale, self.offsets, lam)
            else:
                cnum, cden = 0.0, 0.0
            change, size = 0.0, 0.0
            for g in range(self.k):
                lo, hi = self.offsets[g], self.offsets[g + 1]
                if hi - lo < 2 and coupling is None:
                    continue
                x = X[lo:hi]
                part, scale[g] = self._stress_part(g, x.astype(np.float32))
                num = part.astype(np.float64) + pull[lo:hi]
                den = wsum[lo:hi] + mu_d[lo:hi]
                if coupling is not None and lam > 0:
                    num = num + cnum[lo:hi]
                    den = den + cden[lo:hi]
                new = num / np.maximum(den, 1e-9)[:, None]
                if len(x):
                    change = max(change, float(np.abs(new - x).max()))
                    size = max(size, float(np.abs(new).max()))
                X[lo:hi] = new
            if change < tol * max(size, 1e-12):
                break
        return X, it

    def _stress_part(self, g: int, x: np.ndarray) -> tuple[np.ndarray, float]:
        """sum_j w_ij (x_j + d_ij (x_i - x_j) / |x_i - x_j|) for every node i of graph g, and the optimal scale of x
        (the factor that best fits its distances to the graph distances, as in :func:`stress`)."""
        x0, x1 = np.ascontiguousarray(x[:, 0]), np.ascontiguousarray(x[:, 1])
        r = np.subtract.outer(x0, x0)
        r *= r
        e = np.subtract.outer(x1, x1)
        e *= e
        r += e
        np.maximum(r, 1e-12, out=r)
        wr2 = float(np.vdot(self.W[g], r))  # sum w |x_i - x_j|^2
        np.sqrt(r, out=r)
        wdr = float(np.vdot(self.WD[g], r))  # sum w d |x_i - x_j|
        np.divide(self.WD[g], r, out=r)  # r_ij = w_ij d_ij / |x_i - x_j|
        rs = r.sum(axis=1)
        np.subtract(self.W[g], r, out=r)  # (W - R) x + rowsum(R) x_i
        out = r @ x
        out += rs[:, None] * x
        return out, (wdr / wr2 if wr2 > 0 else 1.0)


class _Coupling:
    """The correspondence springs as measured: one row per (node i of graph g, other graph h) with the residual
    r = s_g x_i - (barycentre of i's partners in h, in h's scale s_h), weighted by the match strength over the pair's
    total (every ordered pair of graphs counts alike, as in the quality figure). The L1 energy sum c |r| is
    majorised by sum c |r|^2 / max(|r_old|, eps) (iteratively reweighted least squares), so the springs minimise
    the mean corresponding distance itself rather than its square (most nodes can meet their partners exactly;
    the few that cannot do not drag their neighbourhoods along)."""

    def __init__(self, springs: sp.csr_matrix, offsets: np.ndarray, eps: float = 0.05):
        k = len(offsets) - 1
        n = int(offsets[-1])
        coo = springs.tocoo()
        block = np.searchsorted(offsets, coo.col, side="right") - 1
        key = coo.row.astype(np.int64) * k + block
        rows, inv = np.unique(key, return_inverse=True)
        self.owner = rows // k
        strength = np.bincount(inv, weights=coo.data, minlength=len(rows))
        pair = (np.searchsorted(offsets, self.owner, side="right") - 1) * k + rows % k
        total = np.bincount(pair, weights=strength, minlength=k * k)
        self.weight = strength / total[pair] * (total[total > 0].mean() if (total > 0).any() else 1.0)
        bary = sp.csr_matrix((coo.data / strength[inv], (inv, coo.col)), shape=(len(rows), n))
        own = sp.csr_matrix((np.ones(len(rows)), (np.arange(len(rows)), self.owner)), shape=(len(rows), n))
        self.A = (own - bary).tocsr()  # residual operator: (A X)_r = x_owner - barycentre
        self.At = self.A.T.tocsr()
        # separable majoriser of the coupling energy: sum_r c_r |A_r x|^2 <= ... + sum_i L_i |x_i - x_i'|^2 with
        # L_i = sum_r c_r |A_ri| sum_j |A_rj| = 2 sum_r c_r |A_ri|, so updating all graphs at once cannot overshoot
        self.Lt = (2.0 * abs(self.A)).T.tocsr()
        self.eps = eps

    def pull(self, X: np.ndarray, scale: np.ndarray, offsets: np.ndarray, lam: float):
        """Numerator and denominator terms of the coupling in the localised (Jacobi) update of every node."""
        srow = np.repeat(scale, np.diff(offsets))
        Xs = X * srow[:, None]
        R = self.A @ Xs
        om = lam * self.weight / np.maximum(np.sqrt((R * R).sum(axis=1)), self.eps)
        Md = self.Lt @ om
        num = -srow[:, None] * (self.At @ (om[:, None] * R) - Md[:, None] * Xs)
        return num, srow * srow * Md


# -- correspondence springs ----------------------------------------------------------------------------------------
def correspondence_springs(corr: CorrespondenceSet, min_jaccard: float = 0.05) -> sp.csr_matrix:
    """Correspondence pulls (N x N, N = all nodes, graphs in order; not symmetric).

    Row i, block of graph h: where node i's members went in h, i.e. the containment |i & j| / |i| of i in each node
    j of h, normalised to sum 1 and scaled by how well i is matched there (its best Jaccard in h; blocks whose
    best Jaccard is below ``min_jaccard`` are dropped). ``(P @ X)_i`` is then the sum over graphs of i's
    corresponding position (the centroid of its members' nodes) times the match strength, and ``P.sum(axis=1)_i``
    the total strength: the zero-length springs of the joint layout and the targets of its quality figure.
    """
    sizes = [len(g.nodes) for g in corr.graphs]
    offsets = np.r_[0, np.cumsum(sizes)]
    blocks = []
    for g in range(len(sizes)):
        for h in range(len(sizes)):
            if g == h:
                continue
            ov = corr.overlap(g, h)
            cont, jac = ov.containment_ab.tocsr(), ov.jaccard.tocsr()  # same sparsity structure
            rows = np.repeat(np.arange(cont.shape[0]), np.diff(cont.indptr))
            best = np.zeros(cont.shape[0])
            np.maximum.at(best, rows, jac.data)
            # only the strong partners (Jaccard >= RELATIVE x the best): a neighbour sharing the cover's overlap
            # would otherwise pull every node towards the middle of its partners and shrink the layout
            share = np.where(jac.data >= RELATIVE * best[rows], cont.data, 0.0)
            total = np.bincount(rows, weights=share, minlength=cont.shape[0])
            strength = np.where(best >= min_jaccard, best, 0.0)
            vals = share / np.maximum(total[rows], 1e-300) * strength[rows]
            keep = vals > 0
            blocks.append((rows[keep] + offsets[g], cont.indices[keep] + offsets[h], vals[keep]))
    n = int(offsets[-1])
    if not blocks:
        return sp.csr_matrix((n, n))
    r, c, v = (np.concatenate(x) for x in zip(*blocks))
    return sp.csr_matrix((v, (r, c)), shape=(n, n))


def _procrustes(src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted orthogonal Procrustes (rotation/reflection + translation): returns (R, mu_src, mu_dst)."""
    w = w / w.sum()
    ms, md = w @ src, w @ dst
    u, _, vt = np.linalg.svd(((src - ms) * w[:, None]).T @ (dst - md))
    return u @ vt, ms, md


# -- the layout ----------------------------------------------------------------------------------------------------
@dataclass
class JointLayout:
    """Positions per node per graph in one frame (graph-hop units), plus the panel offsets of the chosen mode."""

    names: list[str]
    node_ids: list[list[str]]
    positions: list[np.ndarray]  # per graph (n_g x 2), shared frame
    offsets: np.ndarray  # (k x 2) added to a graph's positions when drawn
    mode: str
    params: dict[str, Any]
    n_iter: int
    quality: dict[str, Any] | None = None
    springs: sp.csr_matrix | None = field(default=None, repr=False)

    def drawn(self, g: int) -> np.ndarray:
        return self.positions[g] + self.offsets[g]

    def position_map(self) -> dict[str, dict[str, tuple[float, float]]]:
        """Shared-frame positions, the shape ``joint_layout(initial=...)`` takes for a warm start."""
        return {name: {nid: (float(x), float(y)) for nid, (x, y) in zip(ids, pos)}
                for name, ids, pos in zip(self.names, self.node_ids, self.positions)}

    def to_json(self) -> dict[str, Any]:
        allpos = np.vstack([self.drawn(g) for g in range(len(self.names))]) if self.names else np.zeros((0, 2))
        lo, hi = (allpos.min(axis=0), allpos.max(axis=0)) if len(allpos) else (np.zeros(2), np.zeros(2))
        return {
            "mode": self.mode, "params": self.params, "n_iter": self.n_iter,
            "bbox": [float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])],
            "graphs": [{"name": name, "offset": [float(v) for v in self.offsets[g]],
                        "nodes": [{"id": nid, "x": round(float(x), 4), "y": round(float(y), 4)}
                                  for nid, (x, y) in zip(self.node_ids[g], self.drawn(g))]}
                       for g, name in enumerate(self.names)],
            "quality": self.quality,
        }


def joint_layout(
    graphs: Sequence[MapperGraph] | CorrespondenceSet,
    names: Sequence[str] | None = None,
    *,
    mode: str = "panels",
    coupling_strength: float = 2.0,
    min_jaccard: float = 0.05,
    n_iter: int | None = None,
    tol: float = 1e-4,
    initial: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
    anchor_strength: float = 5.0,
    columns: int | None = None,
    gap: float = 0.15,
    random_state: int = 0,
    quality: bool = False,
    progress: Progress | None = None,
) -> JointLayout:
    """Joint stress-majorisation layout of k graphs with springs between corresponding nodes.

    Parameters
    ----------
    graphs : k >= 2 graphs (or their ``CorrespondenceSet``); stimuli matched by id
    mode : 'panels' (side by side, corresponding positions mirrored) or 'overlay'
    coupling_strength : weight of the correspondence springs relative to a node's typical stress weight (the
        default 2 puts 8 graphs x 500 nodes at ~15% extra stress; lower it for few or small graphs, see
        bench/RESULTS.md)
    initial : warm start, {graph name: {node id: (x, y)}} in the shared frame (``JointLayout.position_map()``);
        nodes found there start there and are anchored with ``anchor_strength``, so other graphs do not reshuffle
    quality : also compute :func:`layout_quality` (independent layouts, stress, corresponding distances, crossings)
    """
    # one BLAS thread: the kernel's products are small, and threaded OpenBLAS stalls badly on a busy machine
    with threadpool_limits(1, user_api="blas"):
        return _joint_layout(graphs, names, mode=mode, coupling_strength=coupling_strength, min_jaccard=min_jaccard,
                             n_iter=n_iter, tol=tol, initial=initial, anchor_strength=anchor_strength, columns=columns,
                             gap=gap, random_state=random_state, quality=quality, progress=progress)


def _joint_layout(graphs, names, *, mode, coupling_strength, min_jaccard, n_iter, tol, initial, anchor_strength,
                  columns, gap, random_state, quality, progress) -> JointLayout:
    corr = graphs if isinstance(graphs, CorrespondenceSet) else CorrespondenceSet(graphs, names)
    check_param("joint_layout", "mode", mode, mode in MODES, f"one of {list(MODES)}")
    check_param("joint_layout", "coupling_strength", coupling_strength, coupling_strength >= 0, "a float >= 0")
    check_param("joint_layout", "n_iter", n_iter, n_iter is None or (isinstance(n_iter, int) and 1 <= n_iter <= 10000),
                "None (automatic) or an int in [1, 10000]")
    check_param("joint_layout", "anchor_strength", anchor_strength, anchor_strength >= 0, "a float >= 0")
    check_param("joint_layout", "min_jaccard", min_jaccard, 0 <= min_jaccard <= 1, "in [0, 1]")
    check_param("joint_layout", "gap", gap, 0 <= gap <= 10, "in [0, 10]")
    params = {"mode": mode, "coupling_strength": coupling_strength, "min_jaccard": min_jaccard, "n_iter": n_iter,
              "anchor_strength": anchor_strength, "random_state": random_state, "warm_start": initial is not None}
    geoms = [graph_geometry(g) for g in corr.graphs]
    n_iter = n_iter or auto_iterations(geoms)
    params["n_iter"] = n_iter
    if progress is not None:
        progress(0.1, "graph distances")
    springs = correspondence_springs(corr, min_jaccard)
    kernel = _Kernel(geoms)
    typical = float(np.median(kernel.wsum)) if len(kernel.wsum) else 1.0
    # strength independent of the number of graphs; COUPLING maps the public scale (default 2) onto the L1 springs
    lam = COUPLING * coupling_strength * typical / max(len(geoms) - 1, 1)
    X0, anchors, mu = _initial_positions(corr, geoms, springs, kernel.offsets, initial, anchor_strength * typical,
                                         random_state, n_iter, tol)
    if progress is not None:
        progress(0.3, "majorisation")
    coupling = _Coupling(springs, kernel.offsets) if lam > 0 and springs.nnz else None
    X, it = kernel.run(X0, coupling, lam, anchors, mu, n_iter, tol)
    positions = [X[kernel.offsets[g]:kernel.offsets[g + 1]] for g in range(kernel.k)]
    layout = JointLayout(corr.names, [g.node_ids for g in geoms], positions,
                         _panel_offsets(positions, mode, columns, gap), mode, params, it, springs=springs)
    if quality:
        layout.quality = layout_quality(layout, corr, geoms=geoms, random_state=random_state, n_iter=n_iter)
    if progress is not None:
        progress(1.0, "layout done")
    return layout


def auto_iterations(geoms: Sequence[GraphGeometry]) -> int:
    """Sweeps for a fixed work budget: 30 for 8 graphs x 500 nodes, up to 400 for small graphs (small layouts get
    the extra sweeps they need to settle, at no noticeable cost; the loop also stops once moves fall below tol)."""
    work = sum(g.n ** 2 for g in geoms)
    return int(np.clip(30 * 8 * 500 ** 2 / max(work, 1), 30, 400))


def _initial_positions(corr, geoms, springs, offsets, initial, mu_value, random_state, n_iter, tol):
    """The first graph's own stress layout (or the warm positions), then every other graph's matched nodes at the
    barycentre of their partners among the graphs placed before, the rest at their pivot-MDS position rotated onto
    those (Procrustes)."""
    k = len(geoms)
    placed = np.zeros(int(offsets[-1]), dtype=bool)
    X = np.zeros((int(offsets[-1]), 2))
    anchors = np.zeros_like(X)
    mu = np.zeros(len(X))
    initial = initial or {}
    unknown = [n for n in initial if n not in corr.names]
    if unknown:
        raise InvalidParameterError(f"Warm-start positions name graphs {unknown} that are not being laid out "
                                    f"({corr.names}).")
    warm_idx, warm_pos = [], []
    for g, name in enumerate(corr.names):
        for i, nid in enumerate(geoms[g].node_ids):
            p = initial.get(name, {}).get(nid)
            if p is not None:
                warm_idx.append(offsets[g] + i)
                warm_pos.append((float(p[0]), float(p[1])))
    warm_idx = np.asarray(warm_idx, dtype=np.int64)
    if len(warm_idx):
        X[warm_idx] = warm_pos
        anchors[warm_idx] = warm_pos
        mu[warm_idx] = mu_value
        placed[warm_idx] = True
    # graphs with the most warm nodes first, then in the given order
    order = sorted(range(k), key=lambda g: -placed[offsets[g]:offsets[g + 1]].sum())
    for g in order:
        lo, hi = offsets[g], offsets[g + 1]
        own_warm = placed[lo:hi].copy()
        if own_warm.all():
            continue
        mds = pivot_mds(geoms[g], random_state=random_state + g)
        if not placed.any():
            # the reference graph: its own stress layout (what independent_layouts gives it); the others start from
            # it, so every graph settles into the same basin
            mds, _ = _Kernel([geoms[g]]).run(mds, None, 0.0, None, None, n_iter, tol)
        # targets: own warm positions, else the spring-weighted mean of already placed partners
        sub = springs[lo:hi][:, placed]
        wsum = np.asarray(sub.sum(axis=1)).ravel()
        target = np.zeros((hi - lo, 2))
        has = wsum > 0
        target[has] = (sub @ X[placed])[has] / wsum[has, None]
        weight = np.where(own_warm, 1.0, wsum)
        target[own_warm] = X[lo:hi][own_warm]
        use = weight > 0
        if use.sum() >= 3:
            R, ms, md = _procrustes(mds[use], target[use], weight[use])
            mds = (mds - ms) @ R + md
        elif placed.any():  # nothing to align with: put it beside what is placed
            mds = mds - mds.mean(axis=0) + X[placed].mean(axis=0)
        # matched nodes start where their partners are (the barycentre), the rest at their aligned own position
        start = np.where(has[:, None], target, mds)
        block = X[lo:hi]
        block[~own_warm] = start[~own_warm]
        placed[lo:hi] = True
    return X, (anchors if len(warm_idx) else None), (mu if len(warm_idx) else None)


def _panel_offsets(positions, mode, columns, gap) -> np.ndarray:
    k = len(positions)
    if mode == "overlay" or k == 0:
        return np.zeros((k, 2))
    allpos = np.vstack(positions)
    span = allpos.max(axis=0) - allpos.min(axis=0) if len(allpos) else np.ones(2)
    cols = columns or k
    step = span * (1.0 + gap)
    return np.array([[(g % cols) * step[0], -(g // cols) * step[1]] for g in range(k)], dtype=float)


# -- independent layouts and quality -------------------------------------------------------------------------------
def independent_layouts(geoms: Sequence[GraphGeometry], *, n_iter: int | None = None, tol: float = 1e-4,
                        random_state: int = 0) -> list[np.ndarray]:
    """Stress-majorisation layout of each graph alone (the reference for the quality figures)."""
    kernel = _Kernel(geoms)
    with threadpool_limits(1, user_api="blas"):
        X0 = np.vstack([pivot_mds(g, random_state=random_state + i) for i, g in enumerate(geoms)])
        X, _ = kernel.run(X0, None, 0.0, None, None, n_iter or auto_iterations(geoms), tol)
    return [X[kernel.offsets[g]:kernel.offsets[g + 1]] for g in range(kernel.k)]


def stress(X: np.ndarray, geom: GraphGeometry) -> float:
    """Normalised stress of ``X`` at its optimal scale: min_s sum w (s|x_i - x_j| - d)^2 / sum w d^2 (pairs i<j)."""
    if geom.n < 2:
        return 0.0
    diff = X[:, None, :] - X[None, :, :]
    dist = np.sqrt((diff ** 2).sum(axis=2))
    w, d = geom.weights, geom.distances
    s = (w * d * dist).sum() / max((w * dist ** 2).sum(), 1e-300)
    return float((w * (s * dist - d) ** 2).sum() / max((w * d ** 2).sum(), 1e-300))


def optimal_scale(X: np.ndarray, geom: GraphGeometry) -> float:
    diff = X[:, None, :] - X[None, :, :]
    dist = np.sqrt((diff ** 2).sum(axis=2))
    w, d = geom.weights, geom.distances
    return float((w * d * dist).sum() / max((w * dist ** 2).sum(), 1e-300))


def edge_crossings(X: np.ndarray, edges: np.ndarray, chunk: int = 1024) -> int:
    """Number of pairs of edges (without a shared endpoint) whose segments properly cross."""
    m = len(edges)
    if m < 2:
        return 0
    p, q = X[edges[:, 0]], X[edges[:, 1]]
    total = 0
    for lo in range(0, m, chunk):
        a, b = p[lo:lo + chunk, None, :], q[lo:lo + chunk, None, :]
        c, d = p[None, :, :], q[None, :, :]

        def orient(u, v, w):
            return np.sign((v[..., 0] - u[..., 0]) * (w[..., 1] - u[..., 1]) - (v[..., 1] - u[..., 1]) * (w[..., 0] - u[..., 0]))

        cross = (orient(a, b, c) * orient(a, b, d) < 0) & (orient(c, d, a) * orient(c, d, b) < 0)
        ea, eb = edges[lo:lo + chunk, None, :], edges[None, :, :]
        share = ((ea[..., 0] == eb[..., 0]) | (ea[..., 0] == eb[..., 1]) | (ea[..., 1] == eb[..., 0])
                 | (ea[..., 1] == eb[..., 1]))
        upper = np.arange(lo, min(lo + chunk, m))[:, None] < np.arange(m)[None, :]
        total += int((cross & ~share & upper).sum())
    return total


def correspondence_distance(positions: Sequence[np.ndarray], springs: sp.csr_matrix, offsets: np.ndarray,
                            *, fit: bool = True) -> dict[str, float]:
    """Mean distance between each node and its corresponding position in another graph (weighted by the match
    strength), per ordered pair of graphs "g-h", after a Procrustes fit (rotation, reflection, translation) of h's
    positions onto g's when ``fit``. Positions of all graphs must share units."""
    out = {}
    for g in range(len(positions)):
        for h in range(len(positions)):
            if g == h:
                continue
            block = springs[offsets[g]:offsets[g + 1], offsets[h]:offsets[h + 1]].tocsr()
            strength = np.asarray(block.sum(axis=1)).ravel()
            has = strength > 0
            if has.sum() == 0:
                continue
            xh = positions[h]
            target = (block @ xh)[has] / strength[has, None]
            mine = positions[g][has]
            w = strength[has]
            if fit and has.sum() >= 3:
                # fit h onto g: targets are linear in h's positions, so transform them the same way
                R, ms, md = _procrustes(target, mine, w)
                target = (target - ms) @ R + md
            out[f"{g}-{h}"] = float((w * np.sqrt(((mine - target) ** 2).sum(axis=1))).sum() / w.sum())
    return out


def layout_quality(layout: JointLayout, corr: CorrespondenceSet, *, geoms: Sequence[GraphGeometry] | None = None,
                   independent: Sequence[np.ndarray] | None = None, random_state: int = 0,
                   n_iter: int | None = None) -> dict[str, Any]:
    """Quality figures of a joint layout against independent layouts of the same graphs.

    - ``stress_ratio``: per graph, normalised stress of the joint layout / of the independent layout (1 = no cost);
    - ``distance_ratio``: mean distance between corresponding nodes in independent layouts (Procrustes-fitted per
      pair) / in the joint layout (also fitted); positions are first put in graph-distance units (optimal scale);
    - ``crossings``: edge crossings per graph, joint and independent.
    """
    geoms = list(geoms) if geoms is not None else [graph_geometry(g) for g in corr.graphs]
    independent = list(independent) if independent is not None else independent_layouts(
        geoms, n_iter=n_iter, random_state=random_state)
    springs = layout.springs if layout.springs is not None else correspondence_springs(corr)
    return quality_figures(layout.positions, independent, geoms, springs)


def quality_figures(positions: Sequence[np.ndarray], independent: Sequence[np.ndarray],
                    geoms: Sequence[GraphGeometry], springs: sp.csr_matrix) -> dict[str, Any]:
    """The figures of :func:`layout_quality` for any per-graph positions (also used on baseline layouts)."""
    offsets = np.r_[0, np.cumsum([g.n for g in geoms])]
    s_joint = [stress(p, g) for p, g in zip(positions, geoms)]
    s_ind = [stress(p, g) for p, g in zip(independent, geoms)]
    ratio = [sj / si if si > 0 else 1.0 for sj, si in zip(s_joint, s_ind)]
    unit_joint = [p * optimal_scale(p, g) for p, g in zip(positions, geoms)]
    unit_ind = [p * optimal_scale(p, g) for p, g in zip(independent, geoms)]
    d_joint = correspondence_distance(unit_joint, springs, offsets)
    d_ind = correspondence_distance(unit_ind, springs, offsets)
    pair_ratio = {key: d_ind[key] / max(d_joint[key], 1e-12) for key in d_joint}
    mean_joint = float(np.mean(list(d_joint.values()))) if d_joint else 0.0
    mean_ind = float(np.mean(list(d_ind.values()))) if d_ind else 0.0
    return {
        "stress_joint": s_joint, "stress_independent": s_ind, "stress_ratio": ratio,
        "stress_ratio_mean": float(np.mean(ratio)) if ratio else 1.0,
        "stress_ratio_max": float(np.max(ratio)) if ratio else 1.0,
        "corr_distance_joint": mean_joint, "corr_distance_independent": mean_ind,
        "distance_ratio": mean_ind / max(mean_joint, 1e-12), "distance_ratio_pairs": pair_ratio,
        "crossings_joint": [edge_crossings(p, g.edges) for p, g in zip(positions, geoms)],
        "crossings_independent": [edge_crossings(p, g.edges) for p, g in zip(independent, geoms)],
    }
