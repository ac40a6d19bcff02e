import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from topoalign.errors import InvalidInputError, InvalidParameterError
from topoalign.topo.labels import select_stimuli
from topoalign.topo.motifs import benjamini_hochberg, concept_footprint, find_motifs, parse_motif, search_motifs


def test_planted_loop_found_in_both_graphs(circle_pair):
    ga, gb = circle_pair
    res = search_motifs([ga, gb], ["A", "B"], pattern="cycle:6+")
    for g in res["graphs"]:
        assert g["n_matches"] >= 1
        best = g["matches"][0]
        assert best["n_members"] >= 0.9 * 300  # the loop goes round the whole circle
        assert best["in_other_graphs"][0]["present"]
        assert best["in_other_graphs"][0]["coverage"] > 0.9


def test_exact_cycle_and_path_are_induced(circle_pair):
    ga, _ = circle_pair
    g = ga.to_networkx()
    loop = len(nx.minimum_cycle_basis(g)[0])
    if loop <= 12:
        res = find_motifs(ga, f"cycle:{loop}")
        assert res.matches and len(res.matches[0]["nodes"]) == loop
    paths = find_motifs(ga, "path:4", max_matches=3)
    assert paths.truncated and paths.reason.startswith("max_matches")
    for m in paths.matches:
        assert len(m["edges"]) == 3  # induced: no chords


def test_branch_flare_and_user_pattern():
    t = nx.Graph([(0, 1), (1, 2), (2, 3), (0, 4), (4, 5), (5, 6), (0, 7), (7, 8), (8, 9), (9, 10), (10, 11)])
    assert find_motifs(t, "branch:3").matches[0]["nodes"][0] == 0
    assert not find_motifs(t, "branch:4").matches
    flares = find_motifs(t, "flare:4").matches
    assert [m["nodes"] for m in flares] == [[0, 7, 8, 9, 10, 11]]
    for n in t.nodes:
        t.nodes[n].update(size=10 + n, labels={"class": ("3" if n < 5 else "8", 0.9)})
    pattern = {
        "nodes": [{"id": "hub", "min_size": 10, "label": "3"}, {"id": "x", "label": "8", "min_purity": 0.8}],
        "edges": [["hub", "x"]],
    }
    hits = find_motifs(t, pattern).matches
    assert sorted(tuple(sorted(m["nodes"])) for m in hits) == [(0, 7), (4, 5)]


def test_time_limit_is_respected_without_matches():
    g = nx.gnp_random_graph(120, 0.25, seed=1)
    nx.set_node_attributes(g, 1, "size")
    pattern = {
        "nodes": [{"id": i} for i in range(7)] + [{"id": 7, "min_size": 99}],
        "edges": [[i, i + 1] for i in range(7)],
    }
    start = time.monotonic()
    res = find_motifs(g, pattern, time_limit=0.3)
    assert time.monotonic() - start < 1.5
    assert res.truncated and "time_limit" in res.reason and not res.matches


def test_motif_spec_errors():
    for bad in ("star", "cycle:2", "path:99", "branch:3+", "cycle:x"):
        with pytest.raises(InvalidParameterError):
            parse_motif(bad)
    with pytest.raises(InvalidInputError):
        parse_motif("/nonexistent/pattern.json")
    with pytest.raises(InvalidParameterError, match="Unknown pattern node keys"):
        parse_motif({"nodes": [{"id": "a", "colour": "red"}]})
    assert parse_motif("cycle:5+").at_least


def test_concept_query_errors_are_clear():
    df = pd.DataFrame({"class": [3.0, 8.0, 1.0], "negation": ["yes", "no", "yes"]}, index=["a", "b", "c"])
    assert select_stimuli(df, "class in {3, 8}").tolist() == ["a", "b"]
    assert select_stimuli(df, "negation == yes and not class == 1").tolist() == ["a"]
    for bad, msg in [
        ("class ==", "expected a value"),
        ("colour == red", "Unknown label column 'colour'"),
        ("class >= x", "needs a number"),
        ("class in {3", "expected '}'"),
        ("", "empty"),
        ("__import__('os').system('x')", "Unknown label column"),
    ]:
        with pytest.raises(InvalidParameterError, match=msg):
            select_stimuli(df, bad)


def test_concept_footprint_on_blobs(blobs_pair):
    ga, gb, ids, blob = blobs_pair
    fp = concept_footprint([ga, gb], ["A", "B"], "blob == 1")
    assert fp["n_selected"] == 150
    for g in fp["graphs"]:
        assert g["nodes"] and g["shape"]["coverage"] > 0.9
        assert g["shape"]["components"] >= 1
    assert fp["comparison"][0]["stimulus_jaccard"] == pytest.approx(1.0)
    # motif search restricted to the footprint
    res = search_motifs([ga, gb], ["A", "B"], pattern="path:2", where="blob == 1", max_matches=5)
    assert all(set(m["nodes"]) <= set(fp["graphs"][0]["nodes"]) for m in res["graphs"][0]["matches"])


def test_benjamini_hochberg_matches_reference():
    from scipy.stats import false_discovery_control

    p = np.random.default_rng(0).uniform(size=50) ** 3
    np.testing.assert_allclose(benjamini_hochberg(p), false_discovery_control(p, method="bh"))
    np.testing.assert_allclose(benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5])), [0.04, 0.16 / 3, 0.16 / 3, 0.5])
