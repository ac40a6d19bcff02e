import dataclasses

import numpy as np
import pytest

from topoalign.errors import InvalidParameterError
from topoalign.topo.regions import find_regions
from topoalign.topo.score import topological_alignment_score


def shuffled(graph, seed):
    return dataclasses.replace(graph, stimulus_ids=np.random.default_rng(seed).permutation(graph.stimulus_ids))


def test_rotated_copy_regions_cover_everything(blobs_pair):
    ga, gb, ids, _ = blobs_pair
    res = find_regions([ga, gb], ["A", "B"], n_null=19)
    assert res.regions and all(r.score == pytest.approx(1.0) for r in res.regions)
    covered = set().union(*(r.stimuli for r in res.regions))
    covered_by_graph = set(ga.stimulus_ids[ga.covered_rows()])
    assert covered == covered_by_graph
    assert len(covered_by_graph) < len(ids)  # DBSCAN left some stimuli out: coverage counts the placed ones
    assert res.coverage == pytest.approx(1.0, abs=1e-12)
    assert all(r.significant for r in res.regions)
    assert [r.id for r in res.regions] == [f"r{i + 1}" for i in range(len(res.regions))]


@pytest.mark.parametrize("method", ["louvain", "components"])
def test_planted_split_regions_separate_the_blobs(blobs_pair, method):
    ga, gb, ids, blob = blobs_pair
    res = find_regions([ga, gb], ["A", "B"], method=method, n_null=0)
    label_of = dict(zip(ids, blob))
    seen = set()
    for r in res.regions:
        blobs = {label_of[s] for s in r.stimuli}
        assert len(blobs) == 1  # no region mixes the two blobs
        seen |= blobs
        assert r.dominant_labels["blob"]["share"] == 1.0
    assert seen == {0, 1}
    if method == "components":  # coarse regions: nothing matched across the gap
        assert len({tuple(sorted(r.nodes["A"])) for r in res.regions}) >= 2


def test_regions_connected_in_each_graph(circle_pair):
    import networkx as nx

    ga, gb = circle_pair
    res = find_regions([ga, gb], ["A", "B"], n_null=0)
    for r in res.regions:
        for name, graph in (("A", ga), ("B", gb)):
            if name in r.nodes:
                assert nx.is_connected(graph.to_networkx().subgraph(r.nodes[name]))


def test_three_graphs_regions_span_all(blobs_pair):
    ga, gb, _, _ = blobs_pair
    res = find_regions([ga, gb, ga], ["A", "B", "C"], n_null=0)
    assert all(set(r.nodes) == {"A", "B", "C"} for r in res.regions)


def test_shuffled_stimuli_regions_not_significant(blobs_pair):
    ga, gb, _, _ = blobs_pair
    res = find_regions([ga, shuffled(gb, 11)], n_null=19)
    assert not any(r.significant for r in res.regions)


def test_bad_parameter_message():
    with pytest.raises(InvalidParameterError, match="'method' parameter of find_regions must be one of"):
        find_regions([_dummy(), _dummy()], method="kmeans")


def _dummy():
    from topoalign.mapper.graph import MapperGraph, MapperNode

    return MapperGraph([MapperNode("n0", np.arange(3), (0,), (0.0,))], [], np.array(["a", "b", "c"]))


def test_score_rotated_is_one_and_shuffled_is_chance(blobs_pair):
    ga, gb, _, _ = blobs_pair
    same = topological_alignment_score(ga, gb, n_null=9)
    assert same["score"] > 0.95 and same["p_value"] == pytest.approx(0.1)
    assert 0 <= same["chance"] < 0.5
    noise = topological_alignment_score(ga, shuffled(gb, 3), n_null=9)
    assert abs(noise["score"] - noise["chance"]) < 4 * noise["chance_sd"] + 0.03
    assert noise["p_value"] > 0.1
    assert set(same) >= {"score", "chance", "p_value", "transport_overlap", "region_coverage", "n_shared"}


def test_identical_graphs_score_one_even_when_the_clusterer_drops_stimuli():
    """A graph compared with itself (or the graph of a rotated copy) scores 1, although DBSCAN leaves about half of
    these digits in no node: stimuli that no graph places say nothing about agreement. Shuffled ids stay at chance."""
    from sklearn.datasets import load_digits

    from topoalign.topo.score import topological_score

    from topoalign.mapper import DBSCAN, KMapperCover, build_mapper_graph, compute_lens

    X = load_digits().data[:600].astype(np.float32)
    ids = np.array([f"d{i}" for i in range(len(X))])
    g = build_mapper_graph(
        X, compute_lens(X, "pca:2"), KMapperCover(10, 0.3), DBSCAN(eps="auto", min_samples=3), stimulus_ids=ids
    )  # KeplerMapper's usual parameters drop stimuli as noise
    assert len(g.covered_rows()) < 0.8 * len(ids)
    same = topological_alignment_score(g, g, n_null=9)
    assert same["score"] == pytest.approx(1.0, abs=1e-9)
    assert same["region_coverage"] == pytest.approx(1.0, abs=1e-9)
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(X.shape[1], X.shape[1])))
    assert topological_score(X, X @ q).score > 0.99
    noise = topological_alignment_score(g, shuffled(g, 1), n_null=19)
    assert noise["score"] < 0.3
    assert abs(noise["score"] - noise["chance"]) < 4 * noise["chance_sd"] + 0.03
    assert noise["p_value"] > 0.05  # not significant (the observed shuffle is one more draw of the null)


def test_identical_fixture_graphs_score_one(blobs_pair, circle_pair):
    for g in (blobs_pair[0], circle_pair[0]):
        assert topological_alignment_score(g, g, n_null=0)["score"] == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("transform", ["identity", "rotation", "rescale", "rotation+rescale+shift"])
def test_default_graphs_score_one_under_rotation_and_rescaling(transform):
    """The default graphs (cover and scale chosen from the data) place every stimulus and are equivariant: the same
    representation, or a rotated / rescaled / shifted copy of it, scores exactly 1 against it."""
    from sklearn.datasets import load_digits

    from topoalign.topo.score import default_mapper_graph, topological_score

    X = load_digits().data[:500].astype(np.float64)
    ids = np.array([f"d{i}" for i in range(len(X))])
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(X.shape[1], X.shape[1])))
    Y = {"identity": X, "rotation": X @ q, "rescale": 4.5 * X, "rotation+rescale+shift": 0.3 * X @ q + 7.0}[transform]
    g = default_mapper_graph(X.astype(np.float32), ids)
    assert g.coverage()[1] == 1.0
    assert topological_score(X, Y).score == pytest.approx(1.0, abs=1e-9)


def test_default_graphs_of_shuffled_stimuli_score_at_chance():
    from sklearn.datasets import load_digits

    from topoalign.topo.score import default_mapper_graph

    X = load_digits().data[:500].astype(np.float32)
    ids = np.array([f"d{i}" for i in range(len(X))])
    g = default_mapper_graph(X, ids)
    res = topological_alignment_score(g, shuffled(g, 2), n_null=19)
    assert res["score"] < 0.3
    assert abs(res["score"] - res["chance"]) < 4 * res["chance_sd"] + 0.03
    assert res["p_value"] > 0.05
