"""Build a Mapper graph: cover the lens image, cluster each cover element's rows in the data space, join nodes
that share rows.

    >>> graph = build_mapper_graph(X, PCALens(2).fit_transform(X), KMapperCover(10, 0.3), DBSCAN(eps=0.5))

With ``KMapperCover`` and ``DBSCAN`` or ``SingleLinkage(distance_threshold=...)`` the distinct node member sets
equal those of ``kmapper.KeplerMapper().map(lens, X, cover=Cover(...), clusterer=...)``. KeplerMapper can emit the
same member set twice (found in two overlapping cubes); so do we unless ``dedupe=True``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import numpy as np
import pandas as pd

from topoalign.errors import InvalidInputError, LimitExceededError
from topoalign.jobs.progress import Progress, null_progress
from topoalign.mapper.cluster import DBSCAN, Clusterer, SingleLinkage, make_clusterer
from topoalign.mapper.cover import Cover, _as_lens
from topoalign.mapper.graph import MapperGraph, MapperNode, edges_from_members
from topoalign.mapper.neighbors import default_device


def build_mapper_graph(
    X: np.ndarray,
    lens: np.ndarray,
    cover: Cover,
    clusterer: Clusterer | dict[str, Any] | str,
    *,
    stimulus_ids: np.ndarray | list[str] | None = None,
    labels: pd.DataFrame | None = None,
    dedupe: bool = False,
    progress: Progress | None = None,
    params: dict[str, Any] | None = None,
    representation_id: str | None = None,
    device: str | None = "auto",
    random_state: int | None = 0,
    max_nodes: int | None = None,
    fit_cover: bool = True,
) -> MapperGraph:
    """The Mapper graph of the rows of ``X`` (n x d) under ``lens`` values (n,) or (n x k).

    Parameters
    ----------
    cover : a fitted or unfitted ``Cover``; it is fitted on ``lens``
    clusterer : a ``Clusterer`` (or spec) run on the rows of ``X`` in each cover element
    stimulus_ids : (n,) row names (default "0".."n-1"); labels : row-aligned label frame for node summaries
    dedupe : keep one node per distinct member set (the first in cover order)
    device : "auto" (CUDA when available), None/"cpu", or a torch device for the radius-graph step
    params : extra parameters recorded on the graph (lens spec, ...); max_nodes : raise past this many nodes
    fit_cover : False keeps the intervals of an already fitted cover (stability resamples use the full data's)

    Returns
    -------
    MapperGraph with nodes in cover-element order, then cluster order.
    """
    progress = progress or null_progress
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise InvalidInputError(f"Mapper needs a non-empty 2-D matrix (n x d); got shape {X.shape}.")
    lens = _as_lens(lens)
    n = X.shape[0]
    if lens.shape[0] != n:
        raise InvalidInputError(f"{lens.shape[0]} lens values for {n} rows of data.")
    if stimulus_ids is None:
        stimulus_ids = np.arange(n).astype(str)
    stimulus_ids = np.asarray(stimulus_ids, dtype=str)
    if len(stimulus_ids) != n:
        raise InvalidInputError(f"{len(stimulus_ids)} stimulus ids for {n} rows of data.")
    clusterer = make_clusterer(clusterer).prepare(X, random_state=random_state)
    if device == "auto":
        device = default_device()

    elements = cover.fit_elements(lens) if fit_cover or not hasattr(cover, "intervals_") else list(cover.elements(lens))
    progress(0.0, f"{len(elements)} non-empty cover elements")
    nodes: list[MapperNode] = []
    seen: set[bytes] = set()
    min_points = clusterer.min_cube_points
    for k, (index, rows), labels_ in _cluster_elements(clusterer, X, elements, min_points, device):
        if labels_ is not None:
            for lab in np.unique(labels_[labels_ >= 0]):
                members = rows[labels_ == lab]
                if dedupe:
                    key = members.tobytes()
                    if key in seen:
                        continue
                    seen.add(key)
                nodes.append(MapperNode(id=f"n{len(nodes)}", members=members, cover_element=index,
                                        lens_mean=tuple(float(v) for v in lens[members].mean(axis=0))))
            if max_nodes is not None and len(nodes) > max_nodes:
                raise LimitExceededError(
                    f"The Mapper graph has more than {max_nodes} nodes (max_graph_nodes); use fewer intervals or a "
                    "larger eps."
                )
        progress((k + 1) / len(elements) * 0.95, f"cover element {k + 1}/{len(elements)}: {len(nodes)} nodes")
    edges = edges_from_members(nodes)
    progress(1.0, f"{len(nodes)} nodes, {len(edges)} edges")
    all_params = {"cover": cover.params(), "clusterer": clusterer.params(), "dedupe": bool(dedupe), **(params or {})}
    if labels is not None:
        labels = labels.reindex(stimulus_ids) if labels.index.isin(stimulus_ids).any() else labels
    return MapperGraph(nodes=nodes, edges=edges, stimulus_ids=stimulus_ids, params=all_params, labels=labels,
                       representation_id=representation_id)


def _threads() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, min(os.cpu_count() or 1, 8))


def _cluster_elements(clusterer: Clusterer, X: np.ndarray, elements: list, min_points: int,
                      device: str | None) -> Iterator[tuple[int, tuple, np.ndarray | None]]:
    """``(k, element, labels or None)`` in cover order. On the CPU, DBSCAN and single linkage cluster the cover
    elements on a thread pool (one thread per core), each with single-threaded BLAS: numpy releases the GIL in the
    products, and independent elements scale better than threaded BLAS on small products (whose threads spin when
    the cores are shared)."""
    def run(item):
        _, rows = item
        return clusterer.fit_predict(X[rows], device=device) if len(rows) >= min_points else None

    workers = _threads()
    parallel = (device is None or device == "cpu") and isinstance(clusterer, (DBSCAN, SingleLinkage))
    if not parallel or len(elements) < 2:
        for k, item in enumerate(elements):
            yield k, item, run(item)
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        if workers == 1:
            for k, item in enumerate(elements):
                yield k, item, run(item)
            return
        # largest elements first, so that the pool does not end on one big element; results in cover order
        order = sorted(range(len(elements)), key=lambda k: -len(elements[k][1]))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {k: pool.submit(run, elements[k]) for k in order}
            for k, item in enumerate(elements):
                yield k, item, futures[k].result()
