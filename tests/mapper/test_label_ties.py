"""One label summary: a Mapper node's labels and a matching region's ``dominant_labels`` come from
``topoalign.mapper.labels`` and agree, ties included (the most frequent key; ties go to the smallest key in text
order, whatever the order of the stimuli)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from topoalign.mapper.graph import MapperGraph, MapperNode
from topoalign.mapper.labels import categorical_summary, dominant_label, label_key, label_summary
from topoalign.topo import motifs


@pytest.mark.parametrize(
    "counts,want",
    [
        ({"dog": 2, "cat": 2}, ("cat", 2)),
        ({"cat": 2, "dog": 2}, ("cat", 2)),
        ({"b": 1, "a": 1, "c": 3}, ("c", 3)),
        ({"9": 4, "10": 4}, ("10", 4)),  # text order, not numeric order
        ({"x": 1}, ("x", 1)),
    ],
)
def test_tie_rule(counts, want):
    assert dominant_label(counts) == want
    assert categorical_summary(counts, sum(counts.values()))["dominant"] == want[0]


def test_label_key_spells_a_value_once():
    assert label_key(3) == label_key(3.0) == label_key(np.float32(3.0)) == label_key(np.float64(3.0)) == "3"
    assert label_key("3") == "3" and label_key(2.5) == "2.5" and label_key(True) == "True"


def _tied_frame(order):
    ids = [f"s{i}" for i in order]
    species = {"s0": "dog", "s1": "cat", "s2": "dog", "s3": "cat", "s4": "bird"}
    digit = {"s0": 9, "s1": 10, "s2": 10, "s3": 9, "s4": np.nan}  # a float column: keys "9" and "10", tied
    return pd.DataFrame(
        {"species": [species[i] for i in ids], "digit": [digit[i] for i in ids]},
        index=pd.Index(ids, name="stimulus_id"),
    )


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [1, 0, 3, 2, 4]])
def test_node_and_region_summaries_agree_on_ties(order):
    labels = _tied_frame(order)
    stimulus_ids = np.asarray(labels.index)
    members = np.argsort(stimulus_ids)  # every stimulus, in whatever row order the frame has
    graph = MapperGraph([MapperNode("n0", members, (0,), (0.0,))], [], stimulus_ids, labels=labels)
    node = graph.label_summary(graph.nodes[0])
    batched = graph.label_summaries()[0]
    region = label_summary(labels, stimulus_ids)
    for col, dominant, purity in (("species", "cat", 0.4), ("digit", "10", 0.5)):
        assert node[col]["dominant"] == batched[col]["dominant"] == region[col]["dominant"] == dominant
        assert node[col]["purity"] == batched[col]["purity"] == region[col]["purity"] == region[col]["share"] == purity
        assert sorted(node[col]["counts"].items()) == sorted(region[col]["counts"].items())
    assert region["species"]["counts"] == {"cat": 2, "dog": 2, "bird": 1}  # ranked: count, then key
    # motif constraints read the same dominant label and purity
    attrs = motifs.motif_graph(graph).nodes["n0"]["labels"]
    assert attrs["species"] == ("cat", 0.4) and attrs["digit"] == ("10", 0.5)
