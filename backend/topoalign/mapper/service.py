"""Mapper graphs of stored representations, cached in the store.

Lens values are cached as ``lens`` artifacts keyed by the representation id and the lens parameters; graphs as
``graph`` artifacts keyed by the representation id and every parameter of the build, so an identical request returns
the stored graph without recomputation. The API and the CLI both go through ``graph_for_representation``.

Parameters (``MapperParams``), all JSON-able::

    {"lens": "pca:2" | {"kind": "pca", "n_components": 2, ...},
     "auto": "shape" | "cmo" | "stability" | false,
     "cover": {"kind": "kmapper" | "uniform" | "balanced", "n_intervals": 10, "overlap": 0.3},
     "clusterer": {"kind": "dbscan", "eps": 0.5 | "auto", "min_samples": 3, "metric": "euclidean"} | ...,
     "metric": "euclidean", "dedupe": false, "stability": 0, "auto_grid": {...}, "random_state": 0}

``auto`` says who sets the cover and the clusterer:

- ``"shape"`` (the default when neither ``cover`` nor ``clusterer`` is given): chosen so the graph shows the data's
  components and loops (``mapper.auto``), single linkage placing every stimulus in a node; with a ``cover`` given
  (and ``auto: "shape"`` said), that cover is kept and only the clustering scale is chosen;
- ``"cmo"``: the Carriere-Michel-Oudot estimator alone (as GUDHI's automatic Mapper);
- ``"stability"`` (or ``true``): the most stable setting of a grid (``auto_grid``) around the given clusterer;
- ``false`` (the default when ``cover`` or ``clusterer`` is given): exactly the given cover and clusterer, missing
  fields from KeplerMapper's usual parameters (10 intervals, 30% overlap, DBSCAN with eps="auto", min_samples 3).

The chosen cover and clusterer are recorded in the graph's ``params`` (``cover``, ``clusterer``, and under ``auto``
the reason and the candidates), so a graph can be rebuilt, or edited, with ``auto: false``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from topoalign.errors import InvalidParameterError, check_param
from topoalign.progress import Progress, null_progress, scaled
from topoalign.mapper.auto import choose_parameters
from topoalign.mapper.build import build_mapper_graph
from topoalign.mapper.cluster import Clusterer, make_clusterer
from topoalign.mapper.confidence import topology_summary
from topoalign.mapper.cover import Cover, check_cover_cost, check_intervals_overlap, make_cover
from topoalign.mapper.graph import MapperGraph
from topoalign.mapper.graph_cache import GRAPH_KIND as GRAPH_KIND  # the artifact kind of graphs, for the API
from topoalign.mapper.graph_cache import stored_graph
from topoalign.mapper.graph_cache import remember as remember_graph
from topoalign.mapper.lens import make_lens
from topoalign.mapper.neighbors import METRICS
from topoalign.mapper.stability import graph_stability, sweep
from topoalign.representation import Representation

if TYPE_CHECKING:
    import pandas as pd

    from topoalign.store import ArtifactRecord, Store

LENS_KIND = "lens"


AUTO_STRATEGIES = ("shape", "cmo", "stability")
EXPLICIT_COVER = {"kind": "kmapper", "n_intervals": 10, "overlap": 0.3}
EXPLICIT_CLUSTERER = {"kind": "dbscan", "eps": "auto", "min_samples": 3}


@dataclass
class MapperParams:
    """A normalised, validated build request (``to_dict`` is the cache key part). ``cover`` and ``clusterer`` are
    None when ``auto`` chooses them (with ``auto`` "shape" or "cmo" a given cover is kept and only the clustering
    scale is chosen)."""

    lens: dict[str, Any]
    cover: dict[str, Any] | None
    clusterer: dict[str, Any] | None
    metric: str = "euclidean"
    dedupe: bool = False
    stability: int = 0
    auto: str | bool = "shape"
    auto_grid: dict[str, list[Any]] | None = None
    random_state: int = 0

    @property
    def chooses(self) -> bool:
        """Whether the cover and clusterer are chosen from the data (``shape`` or ``cmo``)."""
        return self.auto in ("shape", "cmo")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "MapperParams":
        raw = dict(raw or {})
        unknown = sorted(
            set(raw)
            - {"lens", "cover", "clusterer", "metric", "dedupe", "stability", "auto", "auto_grid", "random_state"}
        )
        if unknown:
            raise InvalidParameterError(f"Unknown Mapper parameter {unknown[0]!r}.")
        metric = raw.get("metric", "euclidean")
        check_param("Mapper", "metric", metric, metric in METRICS, f"one of {list(METRICS)}")
        lens = make_lens(raw.get("lens", "pca:2"), metric=metric)
        given = raw.get("cover") is not None or raw.get("clusterer") is not None
        auto = raw.get("auto")
        if auto is None:
            auto = False if given else "shape"
        elif auto is True:
            auto = "stability"
        check_param(
            "Mapper", "auto", auto, auto is False or auto in AUTO_STRATEGIES, f"one of {list(AUTO_STRATEGIES)} or false"
        )
        if auto in ("shape", "cmo") and raw.get("clusterer") is not None:
            raise InvalidParameterError(
                f"The 'auto' parameter of Mapper is {auto!r}, which chooses the clusterer (and the cover, unless one "
                "is given); drop 'clusterer', or set auto to false to give it."
            )
        stability = raw.get("stability", 0)
        check_param(
            "Mapper",
            "stability",
            stability,
            isinstance(stability, int) and 0 <= stability <= 100,
            "an int in [0, 100] (number of resamples; 0 = off)",
        )
        random_state = raw.get("random_state", 0)
        check_param(
            "Mapper", "random_state", random_state, isinstance(random_state, int) and random_state >= 0, "an int >= 0"
        )
        cover_params = clusterer_params = None
        if auto in ("shape", "cmo") and raw.get("cover") is not None:  # a fixed cover, the scale chosen
            cover_raw = {**EXPLICIT_COVER, **dict(raw["cover"])}
            check_intervals_overlap("Cover", cover_raw["n_intervals"], cover_raw["overlap"])
            cover = make_cover(cover_raw["kind"], cover_raw["n_intervals"], cover_raw["overlap"])
            cover.check_params()
            cover_params = cover.params()
        if auto not in ("shape", "cmo"):
            cover_raw = {**EXPLICIT_COVER, **dict(raw.get("cover") or {})}
            check_intervals_overlap("Cover", cover_raw["n_intervals"], cover_raw["overlap"])
            cover = make_cover(cover_raw["kind"], cover_raw["n_intervals"], cover_raw["overlap"])
            clu_raw = dict(raw.get("clusterer") or EXPLICIT_CLUSTERER)
            clu_raw.setdefault("metric", metric)
            clusterer_params = make_clusterer(clu_raw).check_params().params()
            cover.check_params()
            cover_params = cover.params()
        return cls(
            lens=lens.params(),
            cover=cover_params,
            clusterer=clusterer_params,
            metric=metric,
            dedupe=bool(raw.get("dedupe", False)),
            stability=stability,
            auto=auto,
            auto_grid=raw.get("auto_grid"),
            random_state=random_state,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "lens": self.lens,
            "cover": self.cover,
            "clusterer": self.clusterer,
            "metric": self.metric,
            "dedupe": self.dedupe,
            "stability": self.stability,
            "auto": self.auto,
            "auto_grid": self.auto_grid,
            "random_state": self.random_state,
        }

    def make_cover(self) -> Cover:
        c = dict(_given(self.cover, "cover"))
        kind = c.pop("kind")
        return make_cover(kind, *c.values())

    def make_clusterer(self) -> Clusterer:
        c = {k: v for k, v in _given(self.clusterer, "clusterer").items() if k != "eps_resolved"}
        return make_clusterer(c)


def _given(part: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """The parameters of the cover or clusterer of a request that gives them (None: ``auto`` chooses them)."""
    if part is None:
        raise InvalidParameterError(f"This Mapper request gives no {name}: 'auto' chooses it during the build.")
    return part


def validate_against(params: MapperParams, n: int, d: int, label_columns: list[str] | None = None) -> None:
    """Checks that need the data's shape or labels, done before any work (or job) starts: lens dimension vs d,
    per-dimension cover lists vs lens dimension, k of the k-NN lens and min_samples vs n, the label lens column,
    the keys of ``auto_grid``."""
    from topoalign.mapper.stability import _grid_settings

    kind = params.lens["kind"]
    k = params.lens.get("n_components")
    if k is not None:
        owner = {"pca": "PCALens", "umap": "UMAPLens"}[kind]
        check_param(owner, "n_components", k, k <= d and k <= n, f"at most the data's dimension ({d}) and rows ({n})")
    lens_dim = k if k is not None else 1
    for name, key in (("n_intervals", "n_cubes"), ("overlap", "perc_overlap")):
        value = (params.cover or {}).get(key, (params.cover or {}).get(name))
        if isinstance(value, (list, tuple)):
            check_param(
                "Cover",
                name,
                value,
                len(value) == lens_dim,
                f"one value per lens dimension ({lens_dim}) or a single value",
            )
    # costs before any work (and on a re-run): the cover's elements and membership tables on n rows
    intervals = (params.cover or {}).get("n_cubes", (params.cover or {}).get("n_intervals"))
    grid_intervals = (params.auto_grid or {}).get("n_intervals", []) if params.auto == "stability" else []
    for n_int in ([intervals] if intervals is not None else []) + [v for v in grid_intervals if isinstance(v, int)]:
        ns = list(n_int) if isinstance(n_int, (list, tuple)) else [n_int] * lens_dim
        check_cover_cost("Cover", ns, n)
    if kind == "knn":
        kk = params.lens.get("k")
        check_param("KNNDistanceLens", "k", kk, kk is None or kk < n, f"less than the number of points ({n})")
    if kind == "label" and label_columns is not None:
        col = params.lens.get("column")
        check_param(
            "LabelLens", "column", col, col in label_columns, f"a label column of the collection {label_columns}"
        )
    if params.chooses:
        check_param("Mapper", "auto", params.auto, n >= 3, f"given at least 3 stimuli (got {n})")
        return
    clusterer = _given(params.clusterer, "clusterer")
    ms = clusterer.get("min_samples")
    if isinstance(ms, int):
        check_param(
            "DBSCAN" if clusterer["kind"] == "dbscan" else "HDBSCAN",
            "min_samples",
            ms,
            ms <= n,
            f"at most the number of points ({n})",
        )
    if params.auto == "stability" and params.auto_grid:
        try:
            _grid_settings(params.auto_grid, params.make_clusterer())
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"The 'auto_grid' parameter of Mapper is invalid: {exc}") from None


def lens_values(
    store: Store, rep_id: str, rep: Representation, lens_params: dict[str, Any], progress: Progress | None = None
) -> np.ndarray:
    """Lens values of a stored representation, from the ``lens`` cache or computed and cached."""
    key = {"representation_id": rep_id, **lens_params}
    found = store.find_artifact(LENS_KIND, key)
    if found is not None:
        stored: np.ndarray = store.load_artifact(found.id)["values"]
        return stored
    (progress or null_progress)(0.0, f"computing the {lens_params['kind']} lens")
    lens = make_lens(dict(lens_params))
    labels = rep.label_frame() if rep.labels is not None else None
    values = lens.fit_transform(rep.matrix, labels)
    store.put_artifact(LENS_KIND, key, {"values": values}, representation_ids=[rep_id])
    return values


def cached_graph(store: Store, rep_id: str, params: MapperParams) -> tuple[ArtifactRecord, MapperGraph] | None:
    """The cached (artifact record, graph) for an identical request, or None."""
    rec = store.find_artifact(GRAPH_KIND, {"representation_id": rep_id, **params.to_dict()})
    if rec is None:
        return None
    return rec, load_graph(store, rec.id)


def load_graph(store: Store, artifact_id: str) -> MapperGraph:
    return stored_graph(store, artifact_id)


def graph_for_representation(
    store: Store,
    rep_id: str,
    params: dict[str, Any] | MapperParams,
    progress: Progress | None = None,
    *,
    max_nodes: int | None = None,
) -> tuple[ArtifactRecord, MapperGraph]:
    """``(artifact record, MapperGraph)`` for a stored representation: cached when an identical request was built."""
    progress = progress or null_progress
    params = params if isinstance(params, MapperParams) else MapperParams.from_dict(params)
    hit = cached_graph(store, rep_id, params)
    if hit is not None:
        progress(1.0, "cached")
        return hit
    rep = store.load_representation(rep_id)
    validate_against(params, rep.n, rep.d)
    lens = lens_values(store, rep_id, rep, params.lens, scaled(progress, 0.0, 0.3))
    graph = build_graph(
        rep.matrix,
        lens,
        params,
        stimulus_ids=rep.stimulus_ids,
        labels=rep.label_frame() if rep.labels is not None else None,
        progress=scaled(progress, 0.3, 1.0),
        max_nodes=max_nodes,
    )
    graph.representation_id = rep_id
    payload = graph.to_json()
    rec = store.put_artifact(
        GRAPH_KIND,
        {"representation_id": rep_id, **params.to_dict()},
        payload,
        representation_ids=[rep_id],
        meta={
            "n_nodes": len(graph.nodes),
            "n_edges": len(graph.edges),
            "representation_id": rep_id,
            "stability": graph.params.get("stability"),
        },
    )
    remember_graph(store, rec.id, payload)
    return rec, graph


def mapper_graph(
    X: np.ndarray,
    params: dict[str, Any] | None = None,
    *,
    stimulus_ids: np.ndarray | list[str] | None = None,
    labels: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> MapperGraph:
    """The Mapper graph of an (n x d) matrix with the parameters and defaults of the API and the CLI: ``{}`` (or
    None) chooses the cover and clustering scale from the data (``auto="shape"``), ``{"lens": "umap:2"}`` changes the
    lens, ``{"auto": False, "cover": {...}, "clusterer": {...}}`` builds exactly what is given. ``labels``: a label
    frame indexed by stimulus id (for label summaries and a label lens)."""
    X = np.asarray(X)
    p = MapperParams.from_dict(params or {})
    validate_against(p, X.shape[0], X.shape[1], list(labels.columns) if labels is not None else None)
    lens = make_lens(dict(p.lens)).fit_transform(X, labels)
    return build_graph(X, lens, p, stimulus_ids=stimulus_ids, labels=labels, progress=progress)


def build_graph(
    X: np.ndarray,
    lens: np.ndarray,
    params: MapperParams,
    *,
    stimulus_ids: np.ndarray | list[str] | None = None,
    labels: pd.DataFrame | None = None,
    progress: Progress | None = None,
    max_nodes: int | None = None,
) -> MapperGraph:
    """Build (with ``auto`` parameters and optional stability) from a matrix and its lens values."""
    progress = progress or null_progress
    record = {"lens": params.lens, "metric": params.metric}
    if params.chooses:
        return _build_chosen(
            X, lens, params, record, stimulus_ids=stimulus_ids, labels=labels, progress=progress, max_nodes=max_nodes
        )
    if params.auto == "stability":
        result = sweep(
            X,
            lens,
            params.auto_grid,
            cover=_given(params.cover, "cover")["kind"],
            clusterer=params.make_clusterer(),
            n_resamples=max(params.stability, 3),
            random_state=params.random_state,
            progress=progress,
            dedupe=params.dedupe,
            stimulus_ids=stimulus_ids,
            labels=labels,
        )
        graph = result.graph
        if graph is None:
            raise InvalidParameterError("The 'auto_grid' parameter of Mapper gave no graph; widen the grid.")
        graph.params.update(record, auto={"strategy": "stability", **result.to_json()})
        return graph
    cover = params.make_cover()
    clusterer = params.make_clusterer()
    build_progress = scaled(progress, 0.0, 0.4 if params.stability else 1.0)
    graph = build_mapper_graph(
        X,
        lens,
        cover,
        clusterer,
        stimulus_ids=stimulus_ids,
        labels=labels,
        dedupe=params.dedupe,
        progress=build_progress,
        params=record,
        random_state=params.random_state,
        max_nodes=max_nodes,
    )
    if params.stability:
        _stability(graph, X, lens, cover, clusterer, params, scaled(progress, 0.4, 1.0))
    return graph


CONFIDENCE_RESAMPLES = 8  # resamples of the auto choice's sample behind the components' and loops' confidence


def _build_chosen(
    X: np.ndarray,
    lens: np.ndarray,
    params: MapperParams,
    record: dict[str, Any],
    *,
    stimulus_ids: np.ndarray | list[str] | None,
    labels: pd.DataFrame | None,
    progress: Progress,
    max_nodes: int | None,
) -> MapperGraph:
    """The cover and clusterer chosen from the data (``mapper.auto``), then the graph on every row, with the
    confidence of its components and loops from resamples of the choice's sample (or, with ``stability``, of the
    data)."""
    choice = choose_parameters(
        X,
        lens,
        strategy=str(params.auto),  # "shape" or "cmo" (``params.chooses``)
        metric=params.metric,
        cover=params.make_cover() if params.cover else None,
        random_state=params.random_state,
        progress=scaled(progress, 0.0, 0.5),
    )
    cover, clusterer = choice.cover(), choice.clusterer()
    end = 0.8 if params.stability else 0.95
    graph = build_mapper_graph(
        X,
        lens,
        cover,
        clusterer,
        stimulus_ids=stimulus_ids,
        labels=labels,
        dedupe=params.dedupe,
        progress=scaled(progress, 0.5, end),
        params=record,
        random_state=params.random_state,
        max_nodes=max_nodes,
    )
    graph.params["auto"] = choice.to_json()
    if params.stability:
        _stability(graph, X, lens, cover, clusterer, params, scaled(progress, 0.8, 1.0))
    else:
        graph.topology = topology_summary(
            graph, choice.resampled_graphs(CONFIDENCE_RESAMPLES, random_state=params.random_state)
        )
    topology = graph.topology_summary()
    progress(1.0, f"{len(graph.nodes)} nodes, {len(graph.edges)} edges; b0={topology['b0']}, b1={topology['b1']}")
    return graph


def _stability(
    graph: MapperGraph,
    X: np.ndarray,
    lens: np.ndarray,
    cover: Cover,
    clusterer: Clusterer,
    params: MapperParams,
    progress: Progress,
) -> None:
    """Node and edge stability over ``params.stability`` resamples of the data, and from the same resamples the
    confidence of the graph's components and loops."""
    resamples: list[tuple[np.ndarray, MapperGraph]] = []  # (rows, graph) of each resample
    graph_stability(
        graph,
        X,
        lens,
        cover,
        clusterer,
        n_resamples=params.stability,
        random_state=params.random_state,
        progress=progress,
        keep=resamples,
    ).apply(graph)
    graph.topology = topology_summary(graph, resamples)
