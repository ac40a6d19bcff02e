"""Stored graphs parsed once: the same graph as a fresh parse, served from memory, bounded, never after deletion."""

from __future__ import annotations

import numpy as np
import pytest

from topoalign.errors import NotFoundError
from topoalign.mapper import graph_cache
from topoalign.mapper.graph import MapperGraph, MapperNode


def _graph(n_nodes: int, n_stimuli: int = 100) -> MapperGraph:
    rng = np.random.default_rng(n_nodes)
    nodes = [
        MapperNode(
            id=f"n{i}",
            members=np.sort(rng.choice(n_stimuli, 10, replace=False)),
            cover_element=(i,),
            lens_mean=(float(i),),
        )
        for i in range(n_nodes)
    ]
    return MapperGraph(nodes=nodes, edges=[], stimulus_ids=np.array([f"s{i}" for i in range(n_stimuli)]))


@pytest.fixture(autouse=True)
def _empty_cache():
    graph_cache.clear()
    yield
    graph_cache.clear()


def test_cached_graph_equals_a_fresh_parse_and_is_parsed_once(store, monkeypatch):
    rec = store.put_artifact("graph", {"k": 1}, _graph(5).to_json())
    reads = []
    load = store.load_artifact
    monkeypatch.setattr(store, "load_artifact", lambda aid: reads.append(aid) or load(aid))
    first = graph_cache.stored_graph(store, rec.id)
    second = graph_cache.stored_graph(store, rec.id)
    fresh = MapperGraph.from_json(load(rec.id))
    assert reads == [rec.id]
    for g in (first, second):
        assert [n.id for n in g.nodes] == [n.id for n in fresh.nodes]
        assert all(np.array_equal(a.members, b.members) for a, b in zip(g.nodes, fresh.nodes))
        assert list(g.stimulus_ids) == list(fresh.stimulus_ids)
    second.labels = "set by a caller"  # a caller's attribute stays on its own copy
    assert graph_cache.stored_graph(store, rec.id).labels is None


def test_deleted_or_wrong_kind_is_not_found(store):
    rec = store.put_artifact("graph", {"k": 2}, _graph(3).to_json())
    other = store.put_artifact("topo_layout", {"k": 2}, {"x": 1})
    graph_cache.stored_graph(store, rec.id)
    store.delete_artifact(rec.id)
    with pytest.raises(NotFoundError):
        graph_cache.stored_graph(store, rec.id)
    with pytest.raises(NotFoundError):
        graph_cache.stored_graph(store, other.id)


def test_cache_is_bounded_by_bytes(store, monkeypatch):
    recs = [store.put_artifact("graph", {"k": i}, _graph(20 + i).to_json()) for i in range(4)]
    size = graph_cache._size(graph_cache.stored_graph(store, recs[0].id))
    monkeypatch.setattr(graph_cache, "MAX_BYTES", int(size * 2.5))
    graph_cache.clear()
    for r in recs:
        graph_cache.stored_graph(store, r.id)
    held = [key[1] for key in graph_cache._cache]
    assert held == [r.id for r in recs[-2:]]  # the least recently used went first
    assert graph_cache._held[0] == sum(s for _, s in graph_cache._cache.values()) <= graph_cache.MAX_BYTES


def test_a_built_graph_is_remembered_as_its_stored_json_reads(store):
    """The build seeds the cache from the payload it stored: the same graph a later parse of the file gives."""
    import pandas as pd

    from topoalign.mapper.service import graph_for_representation
    from topoalign.representation import Representation

    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(c, 0.3, size=(50, 4)) for c in (0, 3)]).astype(np.float32)
    ids = [f"s{i}" for i in range(100)]
    coll = store.create_collection("c", ids, labels=pd.DataFrame({"g": ["a"] * 50 + ["b"] * 50}, index=ids))
    rid = store.add_representation(coll.id, Representation(X, ids, name="l")).id
    rec, _ = graph_for_representation(
        store,
        rid,
        {"lens": "pca:1", "cover": {"n_intervals": 4, "overlap": 0.3}, "clusterer": {"kind": "dbscan", "eps": 1.0}},
    )
    assert (str(store.data_dir), rec.id) in graph_cache._cache  # seeded by the build, before any load
    seeded = graph_cache.stored_graph(store, rec.id)
    graph_cache.clear()
    parsed = graph_cache.stored_graph(store, rec.id)
    assert seeded.to_json() == parsed.to_json()
    assert seeded.stimulus_ids.dtype == parsed.stimulus_ids.dtype
    assert all(a.members.dtype == b.members.dtype for a, b in zip(seeded.nodes, parsed.nodes))
