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
    assert res.coverage == pytest.approx(len(covered_by_graph) / len(ids))
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
