"""Graph construction, the graph's fields and exports, and the lenses."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from topoalign.errors import InvalidParameterError
from topoalign.mapper import (
    DBSCAN,
    KMapperCover,
    MapperGraph,
    PCALens,
    UniformCover,
    build_mapper_graph,
    compute_lens,
    edges_from_members,
    make_lens,
)
from topoalign.mapper.graph import MapperNode
from topoalign.representation import Representation


@pytest.fixture(scope="module")
def two_rings():
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 400)
    X = np.c_[np.cos(t), np.sin(t)] + rng.normal(0, 0.03, size=(400, 2))
    X[200:] += [4, 0]
    labels = pd.DataFrame(
        {"ring": ["a"] * 200 + ["b"] * 200, "t": t}, index=pd.Index([f"s{i}" for i in range(400)], name="stimulus_id")
    )
    return X, labels


def test_graph_fields_and_exports(two_rings, tmp_path):
    X, labels = two_rings
    ids = labels.index.to_numpy()
    calls = []
    g = build_mapper_graph(
        X,
        X[:, 1],
        UniformCover(6, 0.3),
        DBSCAN(eps=0.3, min_samples=3),
        stimulus_ids=ids,
        labels=labels,
        progress=lambda f, m="": calls.append(f),
        params={"lens": "y"},
    )
    assert calls[-1] == 1.0 and calls == sorted(calls)
    assert len(g.nodes) >= 10
    for node in g.nodes:
        assert np.all(np.diff(node.members) > 0) and len(node.cover_element) == 1
        assert np.isclose(node.lens_mean[0], X[node.members, 1].mean())
        assert g.label_summary(node)["ring"]["purity"] == 1.0  # the rings are far apart
    assert g.params["cover"] == {"kind": "uniform", "n_intervals": 6, "overlap": 0.3}
    assert g.params["clusterer"]["eps"] == 0.3 and g.params["lens"] == "y"
    payload = g.to_json()
    assert payload["nodes"][0]["members"] == g.nodes[0].members.tolist()
    assert set(payload["edges"][0]) >= {"source", "target", "jaccard", "shared"}
    back = MapperGraph.from_json(payload)
    assert back.member_sets() == g.member_sets() and len(back.edges) == len(g.edges)
    nx_graph = g.to_networkx()
    assert nx_graph.number_of_nodes() == len(g.nodes) and nx_graph.number_of_edges() == len(g.edges)
    g.to_graphml(tmp_path / "g.graphml")
    assert (tmp_path / "g.graphml").stat().st_size > 0
    # a ring gives a cycle: one connected component per ring in the graph
    import networkx as nx

    assert nx.number_connected_components(nx_graph) == 2


def test_edges_from_members_against_brute_force():
    rng = np.random.default_rng(0)
    nodes = [
        MapperNode(f"n{i}", np.unique(rng.integers(0, 60, size=rng.integers(1, 15))), (i,), (0.0,)) for i in range(40)
    ]
    expected = {}
    for a, b in itertools.combinations(range(40), 2):
        k = len(set(nodes[a].members) & set(nodes[b].members))
        if k:
            expected[(f"n{a}", f"n{b}")] = (k, k / len(set(nodes[a].members) | set(nodes[b].members)))
    got = {(e.source, e.target): (e.shared, e.jaccard) for e in edges_from_members(nodes)}
    assert got.keys() == expected.keys()
    assert all(got[k][0] == expected[k][0] and np.isclose(got[k][1], expected[k][1]) for k in got)


def test_dedupe_and_determinism():
    X = np.random.default_rng(1).normal(size=(400, 5))
    lens = X[:, 0]
    a = build_mapper_graph(X, lens, KMapperCover(12, 0.6), DBSCAN(eps=1.4, min_samples=3))
    b = build_mapper_graph(X, lens, KMapperCover(12, 0.6), DBSCAN(eps=1.4, min_samples=3))
    assert a.to_json() == b.to_json()
    d = build_mapper_graph(X, lens, KMapperCover(12, 0.6), DBSCAN(eps=1.4, min_samples=3), dedupe=True)
    assert len(d.nodes) == len(a.member_sets()) <= len(a.nodes)


def test_sparse_and_dense_paths_agree(monkeypatch):
    from topoalign.mapper import cluster

    X = np.random.default_rng(2).normal(size=(600, 6))
    dense = build_mapper_graph(X, X[:, :2], KMapperCover(4, 0.3), DBSCAN(eps=1.0, min_samples=4))
    monkeypatch.setattr(cluster, "DENSE_LIMIT", 0)
    sparse_ = build_mapper_graph(X, X[:, :2], KMapperCover(4, 0.3), DBSCAN(eps=1.0, min_samples=4))
    assert dense.to_json() == sparse_.to_json()


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(cover=UniformCover(10, 1.0)), "'overlap' parameter of UniformCover must be in \\[0, 1\\)"),
        (dict(cover=UniformCover(0, 0.3)), "'n_intervals' parameter of UniformCover"),
        (dict(clusterer=DBSCAN(eps=0)), "'eps' parameter of DBSCAN"),
        (dict(clusterer=DBSCAN(eps=1.0, min_samples=1000)), "'min_samples' parameter of DBSCAN"),
    ],
)
def test_bad_parameters_name_the_parameter(kwargs, match):
    X = np.random.default_rng(0).normal(size=(50, 3))
    args = {"cover": UniformCover(5, 0.3), "clusterer": DBSCAN(eps=1.0), **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        build_mapper_graph(X, X[:, 0], args["cover"], args["clusterer"])


def test_lenses():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)) * [5, 1, 1, 1, 1, 1]
    pca = compute_lens(X, "pca:2")
    assert pca.shape == (300, 2) and pca[:, 0].var() > pca[:, 1].var()
    assert np.allclose(compute_lens(X, "norm")[:, 0], np.linalg.norm(X, axis=1))
    dens = compute_lens(X, {"kind": "density", "bandwidth": 1.0})[:, 0]
    center = np.argmin(np.linalg.norm(X, axis=1))
    assert dens[center] > np.median(dens)
    ecc = compute_lens(X, "eccentricity")[:, 0]
    assert ecc[center] < np.median(ecc)
    knn = compute_lens(X, "knn:3")[:, 0]
    from sklearn.neighbors import NearestNeighbors

    assert np.allclose(knn, NearestNeighbors(n_neighbors=4).fit(X).kneighbors(X)[0][:, 3])
    cos = compute_lens(X, "pca:1", metric="cosine")
    assert cos.shape == (300, 1)
    vals = compute_lens(X, np.arange(300.0))
    assert np.array_equal(vals[:, 0], np.arange(300.0))
    # reference subsampling is deterministic
    a = compute_lens(X, {"kind": "eccentricity", "max_reference": 50, "random_state": 1})
    b = compute_lens(X, {"kind": "eccentricity", "max_reference": 50, "random_state": 1})
    assert np.array_equal(a, b)


def test_label_lens_and_representation():
    ids = [f"s{i}" for i in range(30)]
    labels = pd.DataFrame({"digit": [str(i % 3) for i in range(30)], "score": np.arange(30.0)}, index=ids)
    rep = Representation(np.random.default_rng(0).normal(size=(30, 4)), ids, labels=labels)
    assert compute_lens(rep, "label:digit")[:, 0].tolist() == [float(i % 3) for i in range(30)]
    assert compute_lens(rep, "label:score")[:, 0].tolist() == list(np.arange(30.0))
    with pytest.raises(InvalidParameterError, match="'column' parameter of LabelLens"):
        compute_lens(rep, "label:nope")


def test_lens_validation_and_params():
    X = np.zeros((20, 3)) + np.arange(3)
    with pytest.raises(InvalidParameterError, match="'n_components' parameter of PCALens"):
        compute_lens(X, "pca:5")
    with pytest.raises(InvalidParameterError, match="'lens' parameter of Mapper must be one of"):
        make_lens("wavelet")
    with pytest.raises(InvalidParameterError, match="has no parameter"):
        make_lens({"kind": "pca", "bogus": 1})
    assert (
        make_lens("pca:3").params()
        == PCALens(3).params()
        == {"kind": "pca", "n_components": 3, "metric": "euclidean", "random_state": 0}
    )
    assert make_lens(np.ones(4)).params() != make_lens(np.zeros(4)).params()


@pytest.mark.slow
def test_umap_lens_is_deterministic():
    pytest.importorskip("umap")
    X = np.random.default_rng(0).normal(size=(120, 5)).astype(np.float32)
    a = compute_lens(X, {"kind": "umap", "n_components": 2, "n_neighbors": 10, "random_state": 3})
    b = compute_lens(X, {"kind": "umap", "n_components": 2, "n_neighbors": 10, "random_state": 3})
    assert a.shape == (120, 2) and np.array_equal(a, b)
