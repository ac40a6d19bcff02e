"""Node label summaries (computed from per-column codes once per graph) against a plain pandas reference, and the
process memo of the automatic DBSCAN eps."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from topoalign.mapper import cluster
from topoalign.mapper.graph import MapperGraph, MapperNode
from topoalign.mapper.labels import label_key


def reference_summary(labels: pd.DataFrame, node: MapperNode) -> dict:
    """The per-node pandas summary: value counts in order of first appearance, or the mean of a numeric column
    holding more than 20 distinct values in the node."""
    rows = labels.iloc[node.members]
    out = {}
    for col in rows.columns:
        s = rows[col].dropna()
        if pd.api.types.is_numeric_dtype(rows[col]) and s.nunique() > 20:
            out[str(col)] = {"mean": float(s.mean())}
            continue
        counts = Counter(label_key(v) for v in s)
        if not counts:
            out[str(col)] = {"counts": {}, "dominant": None, "purity": None}
            continue
        top = max(counts.values())
        dominant = sorted(k for k, c in counts.items() if c == top)[0]  # ties: the smallest key
        out[str(col)] = {"counts": dict(counts), "dominant": dominant, "purity": top / len(s)}
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_label_summary_equals_the_pandas_reference(seed):
    rng = np.random.default_rng(seed)
    n = 1500
    labels = pd.DataFrame(
        {
            "digit": rng.integers(0, 10, n),
            "few_floats": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 5, n).astype(float)),
            "continuous": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
            "text": rng.choice(["a", "b", "c", None], n),
            "mixed": pd.Series(
                rng.choice([1, 1.0, "1", "x", 2.5], n).tolist(), dtype=object
            ),  # 1, 1.0, "1" share a key
            "flag": rng.random(n) < 0.5,
            "category": pd.Categorical(rng.choice(["u", "v", "w"], n)),
            "string": pd.Series(rng.choice(["p", "q", None], n), dtype="string"),
            "empty": np.full(n, np.nan),
        },
        index=[f"s{i}" for i in range(n)],
    )
    nodes = [
        MapperNode(f"n{i}", np.sort(rng.choice(n, int(rng.integers(1, 150)), replace=False)), (i,), (0.0,))
        for i in range(40)
    ]
    nodes.append(MapperNode("unsorted", rng.permutation(n)[:300], (40,), (0.0,)))  # first appearance != row order
    nodes.append(MapperNode("one", np.array([7]), (41,), (0.0,)))
    graph = MapperGraph(nodes, [], np.asarray(labels.index), labels=labels)
    batched = graph.label_summaries()
    for node, all_at_once in zip(nodes, batched):
        got, want = graph.label_summary(node), reference_summary(labels, node)
        assert got == want and all_at_once == want
        for col, summary in want.items():  # counts keep the order of first appearance
            assert list(got[col].get("counts", {})) == list(summary.get("counts", {}))
            assert list(all_at_once[col].get("counts", {})) == list(summary.get("counts", {}))


def test_label_summary_without_labels_is_empty():
    graph = MapperGraph([MapperNode("n0", np.arange(3), (0,), (0.0,))], [], np.array(["a", "b", "c"]))
    assert graph.label_summary(graph.nodes[0]) == {} and graph.label_summaries() == [{}]


def test_auto_eps_is_remembered_per_data_and_settings(monkeypatch):
    X = np.random.default_rng(3).normal(size=(300, 5))
    calls = []
    real = cluster._auto_eps
    monkeypatch.setattr(cluster, "_auto_eps", lambda *a: calls.append(a) or real(*a))
    first = cluster.auto_eps(X, 3, 0.5)
    assert cluster.auto_eps(X.copy(), 3, 0.5) == first and len(calls) == 1  # same data (not the same array)
    cluster.auto_eps(X, 4, 0.5)
    cluster.auto_eps(X + 1e-3, 3, 0.5)
    assert len(calls) == 3  # other settings, other data: computed again
