"""Joint layout of k Mapper graphs: matching structure lands at matching places.

The algorithm is the "merged" simultaneous layout of Erten, Kobourov, Le and Navabi (JGAA 2005) and multiforce
(arXiv 1607.03914) on top of stress majorisation (Gansner, Koren and North 2004; :mod:`topoalign.topo.stress`): one
copy of each node per graph; within each graph its stress, across graphs springs from each node to its
corresponding position in every other graph (the containment-weighted centroid of its strong partners there,
weighted by its best Jaccard; stimuli matched by id), plus optional anchors to previous positions (warm start). The
springs are the quality figure itself: the distance |s_g x_i - c_ih| between a node and its corresponding position,
each graph in its own unit scale s_g, summed (L1, by iteratively reweighted least squares) with every ordered pair of
graphs weighted alike. Every iteration is the localised majorisation update of all nodes at once, accelerated by
momentum::

    x_i <- [sum_j w_ij (x_j + d_ij (x_i - x_j) / |x_i - x_j|) + spring_i + mu a_i] / [sum_j w_ij + L_i + mu]

with ``L_i`` a separable majoriser of the spring energy, so the joint update never overshoots.

The start is a consensus of the independent layouts (as in consensus / Procrustes-averaged embeddings): every graph
is laid out on its own, the layouts are rotated onto each other (weighted Procrustes on corresponding positions, in
turn), and every node starts at the mean of its own position and its corresponding positions in the other graphs
(weighted by match strength). All graphs then start at the same central shape instead of one graph's, so the
stress each pays to agree is shared out (8 graphs x 500 nodes: largest per-graph stress ratio ~1.21 instead of
~1.24 from one graph's layout, at the same mean).
With a warm start the warm nodes keep their positions, define the frame and are anchored.

All graphs share one coordinate frame (units: graph hops); ``mode='panels'`` shifts each graph into its own panel
(corresponding positions mirrored), ``mode='overlay'`` draws them on top of each other. Deterministic for a
``random_state``; identical graphs get their independent layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from topoalign.cores import one_blas_thread
from topoalign.errors import InvalidParameterError, check_param
from topoalign.progress import Progress
from topoalign.mapper.graph import MapperGraph
from topoalign.topo.correspondence import CorrespondenceSet
from topoalign.topo.layout_quality import (
    correspondence_distance,
    correspondence_springs,
    edge_crossings,
    layout_quality,
    quality_figures,
    weighted_procrustes,
)
from topoalign.topo.stress import (
    GraphGeometry,
    StressKernel,
    auto_iterations,
    graph_geometry,
    independent_layouts,
    optimal_scale,
    pivot_mds,
    stress,
)

__all__ = [
    "MODES",
    "JointLayout",
    "joint_layout",
    "correspondence_springs",
    "correspondence_distance",
    "edge_crossings",
    "layout_quality",
    "quality_figures",
    "GraphGeometry",
    "graph_geometry",
    "pivot_mds",
    "independent_layouts",
    "stress",
    "optimal_scale",
    "auto_iterations",
]

MODES = ("panels", "overlay")
MAX_WARM_COORD = 1e6  # warm-start coordinates are graph hops; far beyond this the majorisation's sums overflow
COUPLING = 0.27
START_SWEEPS = 0.75  # sweeps of the independent layouts of the start, relative to the joint sweeps


# -- the springs ---------------------------------------------------------------------------------------------------
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


# -- the layout -----------------------------------------------------------------------------------------------------
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
        return {
            name: {nid: (float(x), float(y)) for nid, (x, y) in zip(ids, pos)}
            for name, ids, pos in zip(self.names, self.node_ids, self.positions)
        }

    def to_json(self) -> dict[str, Any]:
        allpos = np.vstack([self.drawn(g) for g in range(len(self.names))]) if self.names else np.zeros((0, 2))
        lo, hi = (allpos.min(axis=0), allpos.max(axis=0)) if len(allpos) else (np.zeros(2), np.zeros(2))
        return {
            "mode": self.mode,
            "params": self.params,
            "n_iter": self.n_iter,
            "bbox": [float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])],
            "graphs": [
                {
                    "name": name,
                    "offset": [float(v) for v in self.offsets[g]],
                    "nodes": [
                        {"id": nid, "x": round(float(x), 4), "y": round(float(y), 4)}
                        for nid, (x, y) in zip(self.node_ids[g], self.drawn(g))
                    ],
                }
                for g, name in enumerate(self.names)
            ],
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
    graphs : k >= 1 graphs (or their ``CorrespondenceSet``); stimuli matched by id; one graph gets its own layout
    mode : 'panels' (side by side, corresponding positions mirrored) or 'overlay'
    coupling_strength : weight of the correspondence springs relative to a node's typical stress weight (the
        default 2 puts 8 graphs x 500 nodes at ~14% extra stress; lower it for few or small graphs, see
        bench/RESULTS.md)
    n_iter : sweeps of the joint phase (None: :func:`auto_iterations`); the independent layouts of the start get
        ``START_SWEEPS`` x as many
    initial : warm start, {graph name: {node id: (x, y)}} in the shared frame (``JointLayout.position_map()``);
        nodes found there start there and are anchored with ``anchor_strength``, so other graphs do not reshuffle
    quality : also compute :func:`layout_quality` (independent layouts, stress, corresponding distances, crossings)
    """
    # one BLAS thread: the kernel's products are small, and threaded OpenBLAS stalls badly on a busy machine
    with one_blas_thread():
        return _joint_layout(
            graphs,
            names,
            mode=mode,
            coupling_strength=coupling_strength,
            min_jaccard=min_jaccard,
            n_iter=n_iter,
            tol=tol,
            initial=initial,
            anchor_strength=anchor_strength,
            columns=columns,
            gap=gap,
            random_state=random_state,
            quality=quality,
            progress=progress,
        )


def _joint_layout(
    graphs,
    names,
    *,
    mode,
    coupling_strength,
    min_jaccard,
    n_iter,
    tol,
    initial,
    anchor_strength,
    columns,
    gap,
    random_state,
    quality,
    progress,
) -> JointLayout:
    # one graph is laid out alone (no springs): the dashboard opens a single graph through the same path
    corr = graphs if isinstance(graphs, CorrespondenceSet) else CorrespondenceSet(graphs, names, min_graphs=1)
    check_param("joint_layout", "mode", mode, mode in MODES, f"one of {list(MODES)}")
    check_param("joint_layout", "coupling_strength", coupling_strength, coupling_strength >= 0, "a float >= 0")
    check_param(
        "joint_layout",
        "n_iter",
        n_iter,
        n_iter is None or (isinstance(n_iter, int) and 1 <= n_iter <= 10000),
        "None (automatic) or an int in [1, 10000]",
    )
    check_param("joint_layout", "anchor_strength", anchor_strength, anchor_strength >= 0, "a float >= 0")
    check_param("joint_layout", "min_jaccard", min_jaccard, 0 <= min_jaccard <= 1, "in [0, 1]")
    check_param("joint_layout", "gap", gap, 0 <= gap <= 10, "in [0, 10]")
    params = {
        "mode": mode,
        "coupling_strength": coupling_strength,
        "min_jaccard": min_jaccard,
        "n_iter": n_iter,
        "anchor_strength": anchor_strength,
        "random_state": random_state,
        "warm_start": initial is not None,
    }
    geoms = [graph_geometry(g) for g in corr.graphs]
    n_iter = n_iter or auto_iterations(geoms)
    params["n_iter"] = n_iter
    if progress is not None:
        progress(0.1, "graph distances")
    springs = correspondence_springs(corr, min_jaccard)
    kernel = StressKernel(geoms)
    typical = float(np.median(kernel.wsum)) if len(kernel.wsum) else 1.0
    # strength independent of the number of graphs; COUPLING maps the public scale (default 2) onto the L1 springs
    lam = COUPLING * coupling_strength * typical / max(len(geoms) - 1, 1)
    X0, anchors, mu = _initial_positions(
        corr,
        geoms,
        springs,
        kernel.offsets,
        initial,
        anchor_strength * typical,
        random_state,
        max(1, int(round(START_SWEEPS * n_iter))),
        tol,
    )
    if progress is not None:
        progress(0.3, "majorisation")
    coupling = _Coupling(springs, kernel.offsets) if lam > 0 and springs.nnz else None
    X, it = kernel.run(X0, coupling, lam, anchors, mu, n_iter, tol)
    positions = [X[kernel.offsets[g] : kernel.offsets[g + 1]] for g in range(kernel.k)]
    layout = JointLayout(
        corr.names,
        [g.node_ids for g in geoms],
        positions,
        _panel_offsets(positions, mode, columns, gap),
        mode,
        params,
        it,
        springs=springs,
    )
    if quality:
        layout.quality = layout_quality(layout, corr, geoms=geoms, random_state=random_state)
    if progress is not None:
        progress(1.0, "layout done")
    return layout


# -- the start -----------------------------------------------------------------------------------------------------
def _initial_positions(corr, geoms, springs, offsets, initial, mu_value, random_state, n_iter, tol):
    """Warm nodes at their given positions (anchored); every other graph's independent layout rotated into the
    frame, then every non-warm node at the consensus of its own and its corresponding positions."""
    k = len(geoms)
    X = np.zeros((int(offsets[-1]), 2))
    warm = np.zeros(len(X), dtype=bool)
    anchors, mu = np.zeros_like(X), np.zeros(len(X))
    initial = initial or {}
    unknown = [n for n in initial if n not in corr.names]
    if unknown:
        raise InvalidParameterError(
            f"Warm-start positions name graphs {unknown} that are not being laid out ({corr.names})."
        )
    for g, name in enumerate(corr.names):
        given = initial.get(name, {})
        for i, nid in enumerate(geoms[g].node_ids):
            p = given.get(nid)
            if p is not None:
                X[offsets[g] + i] = _warm_position(p, name, nid)
                warm[offsets[g] + i] = True
    anchors[warm], mu[warm] = X[warm], mu_value
    cold = [g for g in range(k) if not warm[offsets[g] : offsets[g + 1]].all()]
    own = dict(
        zip(cold, independent_layouts([geoms[g] for g in cold], n_iter=n_iter, tol=tol, random_state=random_state))
    )
    A = X.copy()  # every node's own position in the shared frame
    placed = warm.copy()
    # graphs with the most warm nodes first, then in the given order; each is fitted onto what is placed
    for g in sorted(cold, key=lambda g: -warm[offsets[g] : offsets[g + 1]].sum()):
        lo, hi = offsets[g], offsets[g + 1]
        pos = own[g]
        if placed.any():
            sub = springs[lo:hi][:, placed]
            weight = np.asarray(sub.sum(axis=1)).ravel()
            target = np.zeros((hi - lo, 2))
            has = weight > 0
            target[has] = (sub @ A[placed])[has] / weight[has, None]
            mine = warm[lo:hi]
            target[mine], weight[mine] = X[lo:hi][mine], 1.0
            use = weight > 0
            if use.sum() >= 3:
                R, ms, md = weighted_procrustes(pos[use], target[use], weight[use])
                pos = (pos - ms) @ R + md
            else:  # nothing to align with: put it beside what is placed
                pos = pos - pos.mean(axis=0) + A[placed].mean(axis=0)
        block = A[lo:hi]
        block[~warm[lo:hi]] = pos[~warm[lo:hi]]
        placed[lo:hi] = True
    consensus = (A + springs @ A) / (1.0 + np.asarray(springs.sum(axis=1)).ravel())[:, None]
    X[~warm] = consensus[~warm]
    return X, (anchors if warm.any() else None), (mu if warm.any() else None)


def _warm_position(p, graph: str, node: str) -> tuple[float, float]:
    """A warm-start position as two finite floats within +-MAX_WARM_COORD (NaN or 1e308 break the solver)."""
    try:
        x, y = (float(v) for v in p)
        ok = bool(np.isfinite([x, y]).all()) and max(abs(x), abs(y)) <= MAX_WARM_COORD
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InvalidParameterError(
            f"The 'initial' parameter of joint_layout must give each node two finite numbers "
            f"within +-{MAX_WARM_COORD:g}. Got {p!r} for node {node!r} of graph {graph!r} "
            "instead."
        )
    return x, y


def _panel_offsets(positions, mode, columns, gap) -> np.ndarray:
    k = len(positions)
    if mode == "overlay" or k == 0:
        return np.zeros((k, 2))
    allpos = np.vstack(positions)
    span = allpos.max(axis=0) - allpos.min(axis=0) if len(allpos) else np.ones(2)
    cols = columns or k
    step = span * (1.0 + gap)
    return np.array([[(g % cols) * step[0], -(g // cols) * step[1]] for g in range(k)], dtype=float)
