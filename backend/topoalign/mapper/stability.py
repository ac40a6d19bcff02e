"""How much of a Mapper graph survives resampling, and parameters chosen by it.

``graph_stability`` rebuilds the graph on ``n_resamples`` random subsamples (80% of rows without replacement, or the
distinct rows of a bootstrap sample) with the same lens values, the same cover intervals and the same clusterer
(``eps="auto"`` resolved once on all rows), then reports:

- node stability: the fraction of resamples in which the node's members, restricted to the subsample, reappear as a
  node with Jaccard >= ``threshold`` (0.5); resamples that drop all of a node's members do not count;
- edge stability: the fraction of resamples in which both ends reappear (as above) as two adjacent nodes;
- ``score``: the mean node stability; ``edge_score``: the mean edge stability (1.0 for a graph without edges).

``sweep`` builds and scores a grid of cover/clusterer parameters in one call; ``choose_parameters`` (``auto``)
picks the most stable setting, ties (scores within ``tie_tolerance``) going to the simpler graph (fewer nodes + edges),
and returns the grid's table so the choice can be explained. All of it is deterministic given ``random_state``.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from topoalign import limits
from topoalign.errors import InvalidParameterError, check_param
from topoalign.progress import Progress, null_progress, scaled
from topoalign.mapper.build import build_mapper_graph
from topoalign.mapper.cluster import DBSCAN, Clusterer, make_clusterer
from topoalign.mapper.cover import Cover, make_cover
from topoalign.mapper.graph import MapperGraph
from topoalign.mapper.graph_topology import membership_matrix, restricted


@dataclass
class StabilityResult:
    node_stability: np.ndarray  # (n_nodes,) in [0, 1], NaN where no resample kept a member
    edge_stability: np.ndarray  # (n_edges,)
    score: float
    edge_score: float
    n_resamples: int
    fraction: float
    bootstrap: bool

    def apply(self, graph: MapperGraph) -> MapperGraph:
        """Write the stabilities onto the graph's nodes and edges (in place) and record the scores in its params."""
        for node, s in zip(graph.nodes, self.node_stability):
            node.stability = None if np.isnan(s) else float(s)
        for edge, s in zip(graph.edges, self.edge_stability):
            edge.stability = None if np.isnan(s) else float(s)
        graph.params["stability"] = self.summary()
        return graph

    def summary(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "edge_score": self.edge_score,
            "n_resamples": self.n_resamples,
            "fraction": self.fraction,
            "bootstrap": self.bootstrap,
        }


def _resolved(clusterer: Clusterer) -> Clusterer:
    """A copy whose data-dependent parameters (eps='auto') are fixed to the values found on all rows."""
    c = copy.deepcopy(clusterer)
    if isinstance(c, DBSCAN) and c.eps == "auto":
        c.eps = float(c.eps_)
    return c


def graph_stability(
    graph: MapperGraph,
    X: np.ndarray,
    lens: np.ndarray,
    cover: Cover,
    clusterer: Clusterer,
    *,
    n_resamples: int = 10,
    fraction: float = 0.8,
    bootstrap: bool = False,
    threshold: float = 0.5,
    random_state: int | None = 0,
    progress: Progress | None = None,
    keep: list[tuple[np.ndarray, MapperGraph]] | None = None,
) -> StabilityResult:
    """Stability of ``graph`` (built from ``X``, ``lens``, ``cover``, ``clusterer``) under resampling.

    ``cover`` must be the (fitted) cover that built the graph; its intervals are kept for every resample. ``keep``:
    a list that receives ``(rows, resampled graph)`` per resample, members as rows of ``X`` (for
    ``confidence.topology_summary``).
    """
    from scipy import sparse

    progress = progress or null_progress
    check_param(
        "graph_stability", "n_resamples", n_resamples, isinstance(n_resamples, int) and n_resamples >= 1, "an int >= 1"
    )
    check_param("graph_stability", "fraction", fraction, 0 < fraction <= 1, "in (0, 1]")
    n = graph.n_stimuli
    lens = np.asarray(lens, dtype=np.float64).reshape(n, -1)
    clusterer = _resolved(make_clusterer(clusterer))
    if not hasattr(cover, "intervals_"):
        cover.fit(lens)
    A = membership_matrix([nd.members for nd in graph.nodes], n)
    hits = np.zeros(len(graph.nodes))
    counted = np.zeros(len(graph.nodes))
    edge_hits = np.zeros(len(graph.edges))
    edge_counted = np.zeros(len(graph.edges))
    index = {nd.id: i for i, nd in enumerate(graph.nodes)}
    eu = np.array([index[e.source] for e in graph.edges], dtype=np.int64)
    ev = np.array([index[e.target] for e in graph.edges], dtype=np.int64)
    rng = np.random.default_rng(random_state)
    for r in range(n_resamples):
        if bootstrap:
            rows = np.unique(rng.integers(0, n, size=n))
        else:
            rows = np.sort(rng.choice(n, size=max(1, int(round(fraction * n))), replace=False))
        sub = build_mapper_graph(X[rows], lens[rows], cover, clusterer, fit_cover=False, device="auto")
        if keep is not None:
            keep.append(
                (
                    rows,
                    dataclasses.replace(
                        sub, nodes=[dataclasses.replace(nd, members=rows[nd.members]) for nd in sub.nodes]
                    ),
                )
            )
        B = membership_matrix([rows[nd.members] for nd in sub.nodes], n)
        in_sample = np.zeros(n, dtype=np.int32)
        in_sample[rows] = 1
        A_s = restricted(A, in_sample)
        kept = np.asarray(A_s.sum(axis=1)).ravel()
        overlap = (A_s @ B.T).tocoo()
        b_sizes = np.asarray(B.sum(axis=1)).ravel()
        jac = overlap.data / (kept[overlap.row] + b_sizes[overlap.col] - overlap.data)
        good = jac >= threshold
        match = sparse.csr_matrix(
            (np.ones(good.sum()), (overlap.row[good], overlap.col[good])), shape=(len(graph.nodes), len(sub.nodes))
        )
        matched = np.asarray(match.sum(axis=1)).ravel() > 0
        counted += kept > 0
        hits += matched & (kept > 0)
        if len(graph.edges):
            sub_index = {nd.id: i for i, nd in enumerate(sub.nodes)}
            su = np.array([sub_index[e.source] for e in sub.edges], dtype=np.int64)
            sv = np.array([sub_index[e.target] for e in sub.edges], dtype=np.int64)
            adj = sparse.csr_matrix((np.ones(len(su)), (su, sv)), shape=(len(sub.nodes), len(sub.nodes)))
            adj = adj + adj.T
            reach = (match @ adj).tocsr()  # original node -> resample nodes adjacent to one of its matches
            both = np.asarray(reach[eu].multiply(match[ev]).sum(axis=1)).ravel() > 0
            alive = (kept[eu] > 0) & (kept[ev] > 0)
            edge_counted += alive
            edge_hits += both & alive
        progress((r + 1) / n_resamples, f"resample {r + 1}/{n_resamples}: {len(sub.nodes)} nodes")
    with np.errstate(invalid="ignore", divide="ignore"):
        node_s = np.where(counted > 0, hits / np.maximum(counted, 1), np.nan)
        edge_s = np.where(edge_counted > 0, edge_hits / np.maximum(edge_counted, 1), np.nan)
    score = float(np.nanmean(node_s)) if np.isfinite(node_s).any() else 0.0
    edge_score = float(np.nanmean(edge_s)) if np.isfinite(edge_s).any() else 1.0
    return StabilityResult(node_s, edge_s, score, edge_score, n_resamples, float(fraction), bool(bootstrap))


@dataclass
class SweepResult:
    """One row per grid setting (its parameters, graph size and scores) and the chosen setting."""

    table: list[dict[str, Any]]
    best: dict[str, Any] | None = None
    graph: MapperGraph | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "best": self.best}


DEFAULT_GRID: dict[str, list[Any]] = {
    "n_intervals": [6, 10, 14],
    "overlap": [0.25, 0.4],
    "eps": ["auto:0.3", "auto:0.6"],
}
CLUSTERER_KEYS = ("eps", "min_samples")  # grid keys that set a parameter of the clusterer


def _grid_settings(grid: dict[str, list[Any]], clusterer: Clusterer | None = None) -> list[dict[str, Any]]:
    """Every setting of the grid (its product); with ``clusterer``, its clusterer keys must be parameters of it."""
    allowed = {"n_intervals", "overlap", *CLUSTERER_KEYS}
    unknown = sorted(set(grid) - allowed)
    if unknown:
        raise InvalidParameterError(f"The grid has an unknown key {unknown[0]!r}; use some of {sorted(allowed)}.")
    if clusterer is not None:
        foreign = sorted(k for k in grid if k in CLUSTERER_KEYS and k not in clusterer._param_names)
        if foreign:
            raise InvalidParameterError(
                f"The grid key {foreign[0]!r} is not a parameter of {type(clusterer).__name__}; its parameters are "
                f"{list(clusterer._param_names)}."
            )
    keys = sorted(grid)
    for k in keys:
        check_param(
            "sweep", k, grid[k], isinstance(grid[k], (list, tuple)) and len(grid[k]) >= 1, "a non-empty list of values"
        )
    # the grid's size from its lists' lengths, before the product is built
    size = math.prod(len(grid[k]) for k in keys)
    limits.check(
        f"The 'auto_grid' ({' x '.join(str(len(grid[k])) for k in keys)} values)",
        size,
        "max_grid_settings",
        hint="Give fewer values per key.",
    )
    return [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]


def _clusterer_for(base: Clusterer, setting: dict[str, Any]) -> Clusterer:
    """A copy of ``base`` with the clusterer parameters of one grid setting (keys checked by ``_grid_settings``)."""
    c = copy.deepcopy(base)
    given: dict[str, Any] = {}
    eps = setting.get("eps")
    if eps is not None:
        if isinstance(eps, str) and eps.startswith("auto"):
            given["eps"] = "auto"
            if ":" in eps:
                given["eps_quantile"] = float(eps.split(":", 1)[1])
        else:
            given["eps"] = eps
    if "min_samples" in setting:
        given["min_samples"] = setting["min_samples"]
    for name, value in given.items():  # parameters by name, as the grid names them
        setattr(c, name, value)
    return c


def sweep(
    X: np.ndarray,
    lens: np.ndarray,
    grid: dict[str, list[Any]] | None = None,
    *,
    cover: str = "kmapper",
    clusterer: Clusterer | dict[str, Any] | str = "dbscan",
    n_resamples: int = 5,
    fraction: float = 0.8,
    random_state: int | None = 0,
    tie_tolerance: float = 0.02,
    min_nodes: int = 2,
    progress: Progress | None = None,
    **build_kwargs: Any,
) -> SweepResult:
    """Build and score every setting of ``grid`` (keys ``n_intervals``, ``overlap``, ``eps``, ``min_samples``;
    ``eps`` values may be ``"auto:Q"``); choose the most stable graph with at least ``min_nodes`` nodes.

    The clusterer keys must be parameters of ``clusterer``; the default grid varies those it has."""
    progress = progress or null_progress
    base = make_clusterer(clusterer)
    if not grid:
        grid = {k: v for k, v in DEFAULT_GRID.items() if k not in CLUSTERER_KEYS or k in base._param_names}
    settings = _grid_settings(dict(grid), base)
    table: list[dict[str, Any]] = []
    graphs: list[MapperGraph] = []
    for k, setting in enumerate(settings):
        step = scaled(progress, k / len(settings), (k + 1) / len(settings))
        cov = make_cover(cover, setting.get("n_intervals", 10), setting.get("overlap", 0.3))
        clu = _clusterer_for(base, setting)
        graph = build_mapper_graph(
            X, lens, cov, clu, random_state=random_state, progress=scaled(step, 0, 0.2), **build_kwargs
        )
        result = graph_stability(
            graph,
            X,
            lens,
            cov,
            clu,
            n_resamples=n_resamples,
            fraction=fraction,
            random_state=random_state,
            progress=scaled(step, 0.2, 1.0),
        )
        row = {
            **setting,
            "eps_resolved": getattr(clu, "eps_", None),
            "n_nodes": len(graph.nodes),
            "n_edges": len(graph.edges),
            "score": result.score,
            "edge_score": result.edge_score,
        }
        table.append(row)
        graphs.append(result.apply(graph))
    order = sorted(
        range(len(table)),
        key=lambda i: (
            table[i]["n_nodes"] < min_nodes,
            -round(table[i]["score"] / tie_tolerance),
            table[i]["n_nodes"] + table[i]["n_edges"],
            i,
        ),
    )
    best = order[0] if order else None
    for rank, i in enumerate(order):
        table[i]["rank"] = rank + 1
    return SweepResult(
        table=table, best=None if best is None else table[best], graph=None if best is None else graphs[best]
    )


def choose_parameters(
    X: np.ndarray, lens: np.ndarray, grid: dict[str, list[Any]] | None = None, **kwargs: Any
) -> SweepResult:
    """``auto`` parameters: ``sweep`` over a small grid; ``.best`` is the choice, ``.table`` the scores behind it."""
    return sweep(X, lens, grid, **kwargs)
