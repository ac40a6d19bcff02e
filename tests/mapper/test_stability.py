"""Stability under resampling and stability-based parameter choice."""

from __future__ import annotations

import numpy as np
import pytest

from topoalign.errors import InvalidParameterError
from topoalign.mapper import (
    DBSCAN,
    HDBSCAN,
    KMapperCover,
    SingleLinkage,
    UniformCover,
    build_mapper_graph,
    mapper_graph,
)
from topoalign.mapper.stability import choose_parameters, graph_stability, sweep


@pytest.fixture(scope="module")
def planted():
    """Three well separated blobs along a line: a stable graph of three components."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal([c, 0, 0], 0.2, size=(120, 3)) for c in (0, 4, 8)])
    return X, X[:, :1]


def test_planted_structure_is_stable(planted):
    X, lens = planted
    cover = UniformCover(3, 0.2)
    clusterer = DBSCAN(eps=0.6, min_samples=4)
    graph = build_mapper_graph(X, lens, cover, clusterer)
    assert len(graph.nodes) == 3
    calls = []
    result = graph_stability(
        graph, X, lens, cover, clusterer, n_resamples=4, random_state=1, progress=lambda f, m="": calls.append(f)
    )
    assert result.score == 1.0 and np.all(result.node_stability == 1.0)
    assert calls[-1] == 1.0
    result.apply(graph)
    assert graph.nodes[0].stability == 1.0 and graph.params["stability"]["score"] == 1.0
    assert graph.to_json()["nodes"][0]["stability"] == 1.0


def test_noise_is_less_stable_and_deterministic():
    X = np.random.default_rng(1).uniform(size=(300, 2))
    cover = KMapperCover(8, 0.3)
    clusterer = DBSCAN(eps=0.05, min_samples=3)
    graph = build_mapper_graph(X, X, cover, clusterer)
    a = graph_stability(graph, X, X, cover, clusterer, n_resamples=4, random_state=3)
    b = graph_stability(graph, X, X, cover, clusterer, n_resamples=4, random_state=3)
    assert np.array_equal(a.node_stability, b.node_stability, equal_nan=True)
    assert np.array_equal(a.edge_stability, b.edge_stability, equal_nan=True)
    assert a.score < 1.0
    assert len(a.edge_stability) == len(graph.edges)
    boot = graph_stability(graph, X, X, cover, clusterer, n_resamples=2, bootstrap=True, random_state=3)
    assert 0 <= boot.score <= 1


def test_sweep_reports_grid_and_prefers_simple_ties(planted):
    X, lens = planted
    grid = {"n_intervals": [3, 5], "overlap": [0.2], "eps": [0.6]}
    calls = []
    result = sweep(
        X,
        lens,
        grid,
        cover="uniform",
        clusterer=DBSCAN(eps=0.6, min_samples=4),
        n_resamples=3,
        progress=lambda f, m="": calls.append(f),
    )
    assert len(result.table) == 2 and {r["n_intervals"] for r in result.table} == {3, 5}
    assert all(0 <= r["score"] <= 1 for r in result.table)
    # both settings are perfectly stable here: the simpler graph wins
    assert result.best["n_intervals"] == 3
    assert result.graph is not None and len(result.graph.nodes) == result.best["n_nodes"]
    assert sorted(r["rank"] for r in result.table) == [1, 2]
    assert max(calls) == pytest.approx(1.0)
    again = choose_parameters(X, lens, grid, cover="uniform", clusterer=DBSCAN(eps=0.6, min_samples=4), n_resamples=3)
    assert again.to_json() == result.to_json()


def test_sweep_auto_eps_and_bad_grid(planted):
    X, lens = planted
    result = sweep(X, lens, {"n_intervals": [4], "eps": ["auto:0.5"]}, n_resamples=2)
    assert result.table[0]["eps_resolved"] > 0
    with pytest.raises(InvalidParameterError, match="unknown key"):
        sweep(X, lens, {"intervals": [4]})


def test_grid_keys_must_be_parameters_of_the_clusterer(planted):
    """A grid's ``eps`` or ``min_samples`` sets that parameter of the clusterer, so a clusterer without it is refused
    (an ``eps`` grid with single linkage used to fail with AttributeError in the resamples, and with HDBSCAN it
    changed nothing the table reported); the default grid varies only what the clusterer has."""
    X, lens = planted
    single = SingleLinkage(distance_threshold=0.6)
    with pytest.raises(InvalidParameterError, match="'eps' is not a parameter of SingleLinkage"):
        sweep(X, lens, {"n_intervals": [3], "eps": ["auto:0.5"]}, clusterer=single, n_resamples=2)
    with pytest.raises(InvalidParameterError, match="'eps' is not a parameter of HDBSCAN"):
        sweep(X, lens, {"n_intervals": [3], "eps": [0.5]}, clusterer=HDBSCAN(), n_resamples=2)
    request = {"auto": "stability", "clusterer": {"kind": "single", "distance_threshold": 0.6}}
    with pytest.raises(InvalidParameterError, match="'auto_grid' parameter of Mapper is invalid.*'eps'"):
        mapper_graph(X, {**request, "auto_grid": {"n_intervals": [3], "eps": ["auto:0.5"]}})
    default = sweep(X, lens, cover="uniform", clusterer=single, n_resamples=2)
    assert len(default.table) == 6 and all("eps" not in row for row in default.table)
    assert default.graph is not None
