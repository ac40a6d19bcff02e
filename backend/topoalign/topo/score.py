"""Topological alignment score of two Mapper graphs over shared stimuli, with a shuffled-stimuli chance baseline.

score = mean of two parts, each in [0, 1]:

- ``transport_overlap`` = 1 - normalised co-optimal-transport distance of the graphs as hypergraphs over the shared
  stimuli (a transported Dice overlap of node member sets; 1 for identical graphs);
- ``region_coverage`` = share of the placed stimuli (members of a node in either graph) inside matching regions, each
  stimulus weighted by the best score of a region holding it (1 when every placed stimulus lies in a perfectly
  matching region). Stimuli that neither graph puts in a node (clusterer noise) are left out: they say nothing
  about agreement, and counting them capped identical graphs at ~0.74 when DBSCAN dropped half the stimuli.

A graph compared with itself, or with the graph of a rotated copy of the same data, scores 1.

The chance level is the mean score after permuting the stimulus ids of graph B (structure kept, correspondence
broken); ``p_value`` = (1 + #{null >= observed}) / (1 + n_null). This is the function the audit calls.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from topoalign.errors import check_param
from topoalign.progress import Progress
from topoalign.mapper.graph import MapperGraph
from topoalign.topo.correspondence import (
    coot_from_overlap,
    incidence_matrix,
    overlap_from_incidence,
    shared_stimulus_ids,
)
from topoalign.topo.regions import find_regions

if TYPE_CHECKING:
    from topoalign.alignment_result import AlignmentResult, MatrixLike


def _score_parts(graph_a: MapperGraph, graph_b: MapperGraph, ids: np.ndarray, random_state: int) -> dict[str, float]:
    inc_a, inc_b = incidence_matrix(graph_a, ids), incidence_matrix(graph_b, ids)
    overlap = overlap_from_incidence(inc_a, inc_b, [n.id for n in graph_a.nodes], [n.id for n in graph_b.nodes])
    coot = coot_from_overlap(overlap, inc_a, inc_b)
    regions = find_regions([graph_a, graph_b], n_null=0, random_state=random_state)
    transport = 1.0 - coot["normalized"]
    return {
        "transport_overlap": float(transport),
        "region_coverage": float(regions.coverage),
        "score": float(0.5 * (transport + regions.coverage)),
        "coot_distance": float(coot["distance"]),
        "n_regions": len(regions.regions),
    }


def topological_alignment_score(
    graph_a: MapperGraph,
    graph_b: MapperGraph,
    *,
    random_state: int = 0,
    n_null: int = 20,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Topological alignment of two Mapper graphs in [0, 1] with its chance level.

    Returns
    -------
    dict: ``score``, ``chance`` (mean null score), ``chance_sd``, ``p_value``, ``score_above_chance``
    ((score - chance) / (1 - chance), clipped to [0, 1]), the parts ``transport_overlap`` and ``region_coverage``,
    ``n_regions``, ``n_shared`` and ``n_null``.
    """
    check_param(
        "topological_alignment_score",
        "n_null",
        n_null,
        isinstance(n_null, int) and 0 <= n_null <= 10000,
        "an int in [0, 10000]",
    )
    from topoalign import limits

    nodes = len(graph_a.nodes) + len(graph_b.nodes)
    limits.check(
        f"The score's null model ({n_null} shuffles x {nodes} nodes)",
        float(n_null) * nodes,
        "max_null_work",
        hint="Use fewer shuffles (n_null).",
    )
    ids = shared_stimulus_ids([graph_a, graph_b])
    observed = _score_parts(graph_a, graph_b, ids, random_state)
    rng = np.random.default_rng(random_state)
    null = []
    for t in range(n_null):
        shuffled = dataclasses.replace(
            graph_b, stimulus_ids=rng.permutation(np.asarray(graph_b.stimulus_ids)), labels=None
        )
        null.append(_score_parts(graph_a, shuffled, ids, random_state)["score"])
        if progress is not None:
            progress((t + 1) / n_null, f"chance baseline {t + 1}/{n_null}")
    chance = float(np.mean(null)) if null else None
    p_value = float((1 + sum(v >= observed["score"] - 1e-12 for v in null)) / (1 + n_null)) if null else None
    above = None
    if chance is not None:
        above = float(np.clip((observed["score"] - chance) / (1 - chance), 0.0, 1.0)) if chance < 1 else 0.0
    return {
        **observed,
        "chance": chance,
        "chance_sd": float(np.std(null)) if null else None,
        "p_value": p_value,
        "score_above_chance": above,
        "n_shared": int(len(ids)),
        "n_null": n_null,
    }


def default_mapper_graph(X: np.ndarray, stimulus_ids: np.ndarray) -> MapperGraph:
    """The graph the audit's topological family compares: the defaults of every other path (PCA-2 lens, cover and
    clustering scale chosen for the data's shape, every stimulus in a node; ``mapper.service``)."""
    from topoalign.mapper import compute_lens
    from topoalign.mapper.service import MapperParams, build_graph

    lens_spec = "pca:2" if X.shape[1] >= 2 else "pca:1"
    params = MapperParams.from_dict({"lens": lens_spec})
    return build_graph(X, compute_lens(X, lens_spec), params, stimulus_ids=stimulus_ids)


def topological_score(
    X: MatrixLike, Y: MatrixLike, *, folds: int = 5, random_state: int | None = 0, n_null: int = 0, **_: Any
) -> AlignmentResult:
    """Topological alignment as one more family of ``topoalign.align`` (``metric="topological"``).

    X, Y : (n_stimuli x d1), (n_stimuli x d2) arrays with paired rows, or two Representations (matched by id).
    Builds the default Mapper graph of each and returns their :func:`topological_alignment_score` as an
    ``AlignmentResult``. Nothing is fitted, so there are no folds: ``folds`` holds the one score. The chance level
    comes from ``n_null`` shuffles here, or from ``alignment_score(..., n_permutations=...)`` like every metric.
    """
    from topoalign.alignment_result import AlignmentResult, as_matrices

    Xm, Ym = as_matrices(X, Y)
    ids = np.asarray([f"s{i}" for i in range(Xm.shape[0])])
    result = topological_alignment_score(
        default_mapper_graph(np.asarray(Xm, np.float32), ids),
        default_mapper_graph(np.asarray(Ym, np.float32), ids),
        random_state=random_state or 0,
        n_null=n_null,
    )
    details = {k: result[k] for k in ("transport_overlap", "region_coverage", "coot_distance", "n_regions")}
    return AlignmentResult(
        metric="topological",
        score=result["score"],
        std=0.0,
        folds=[result["score"]],
        n_stimuli=int(Xm.shape[0]),
        details=details,
        chance=result["chance"],
        p_value=result["p_value"],
    )
