"""Store CRUD on a real SQLite file: collections, representations, labels, artifacts cache, WAL mode."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from topoalign.errors import ConflictError, InvalidInputError, NotFoundError
from topoalign.representation import Provenance, Representation
from topoalign.store import Store

IDS = ["a", "b", "c", "d"]


def _rep(name="layer1", ids=IDS, d=3, rs=0, **prov) -> Representation:
    m = np.random.default_rng(rs).normal(size=(len(ids), d)).astype(np.float32)
    return Representation(matrix=m, stimulus_ids=ids, provenance=Provenance.from_dict(prov), name=name)


def test_wal_mode_is_on(store):
    with sqlite3.connect(store.catalog_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_collection_crud(store):
    labels = pd.DataFrame({"class": ["x", "y", "x", "y"], "score": [1.0, 2.0, None, 4.0]}, index=IDS)
    coll = store.create_collection("faces", IDS, labels=labels, texts=["t0", "t1", "t2", "t3"], description="d")
    assert (coll.name, coll.n_stimuli, coll.label_columns, coll.has_text) == ("faces", 4, ["class", "score"], True)
    assert store.get_collection("faces") == store.get_collection(coll.id) == coll
    frame = store.stimuli(coll.id)
    assert frame.index.tolist() == IDS and frame["text"].tolist() == ["t0", "t1", "t2", "t3"]
    assert frame["class"].tolist() == ["x", "y", "x", "y"]
    np.testing.assert_array_equal(frame["score"].to_numpy(), [1.0, 2.0, np.nan, 4.0])
    # a partial label file merges: it never erases other stimuli's labels, and changes values only when told to
    with pytest.raises(ConflictError, match="overwrite"):
        store.set_labels(coll.id, pd.DataFrame({"class": ["z"]}, index=["a"]))
    assert store.stimuli(coll.id)["class"].tolist() == ["x", "y", "x", "y"]
    changed = store.set_labels(coll.id, pd.DataFrame({"class": ["z"]}, index=["a"]), overwrite=True)
    relabelled = store.stimuli(coll.id)["class"]
    assert changed == {"class": 1} and relabelled.tolist() == ["z", "y", "x", "y"]
    filled = store.set_labels(coll.id, pd.DataFrame({"score": [3.0], "mood": ["calm"]}, index=["c"]))
    frame = store.stimuli(coll.id)
    assert filled == {"score": 1, "mood": 1}
    np.testing.assert_array_equal(frame["score"].to_numpy(), [1.0, 2.0, 3.0, 4.0])
    assert frame["mood"].tolist()[2] == "calm" and frame["mood"].isna().sum() == 3
    with pytest.raises(InvalidInputError, match="reserved"):
        store.set_labels(coll.id, pd.DataFrame({"text": ["x"]}, index=["a"]))
    renamed = store.update_collection(coll.id, name="faces2", description="new")
    assert (renamed.name, renamed.description) == ("faces2", "new")
    coll = renamed
    with pytest.raises(ConflictError, match="already exists"):
        store.create_collection("faces2", IDS)
    with pytest.raises(InvalidInputError, match="duplicate stimulus ids"):
        store.create_collection("dups", ["a", "a"])
    with pytest.raises(InvalidInputError, match="not stimuli of the collection"):
        store.set_labels(coll.id, pd.DataFrame({"c": [1]}, index=["nope"]))
    assert [c.id for c in store.list_collections()] == [coll.id]
    store.delete_collection(coll.id)
    assert store.list_collections() == []
    with pytest.raises(NotFoundError):
        store.get_collection(coll.id)


def test_representation_crud(store):
    coll = store.create_collection("c", IDS)
    rep = _rep(model="cnn", layer="conv1", epoch=2, condition="test", seed=7, extra_field=0.93)
    rec = store.add_representation(coll.id, rep)
    assert (rec.name, rec.n, rec.d) == ("layer1", 4, 3)
    assert rec.stats["n"] == 4 and rec.stats["d"] == 3 and np.isfinite(rec.stats["participation_ratio"])
    assert rec.provenance.extra == {"extra_field": 0.93}
    back = store.load_representation(rec.id)
    np.testing.assert_array_equal(back.matrix, rep.matrix)
    assert back.stimulus_ids.tolist() == IDS and back.provenance == rec.provenance
    # a subset of the stimuli in another order is fine
    sub = store.add_representation(coll.id, _rep("sub", ids=["d", "b"], model="cnn", layer="fc"))
    assert store.load_representation(sub.id).stimulus_ids.tolist() == ["d", "b"]
    assert [r.id for r in store.list_representations(coll.id, layer="conv1")] == [rec.id]
    assert {r.id for r in store.list_representations(coll.id, model="cnn")} == {rec.id, sub.id}
    assert store.get_collection(coll.id).n_representations == 2
    with pytest.raises(ConflictError):
        store.add_representation(coll.id, _rep())
    with pytest.raises(InvalidInputError, match="1 of 4 stimulus ids are not in collection"):
        store.add_representation(coll.id, _rep("other", ids=["a", "b", "c", "zz"]))
    with pytest.raises(InvalidInputError, match="Cannot filter"):
        store.list_representations(coll.id, colour="red")
    with pytest.raises(NotFoundError):
        store.load_representation("r000000000000")
    with pytest.raises(NotFoundError):
        store.array_path("../../etc/passwd")


def test_delete_removes_file_and_row(store):
    coll = store.create_collection("c", IDS)
    rec = store.add_representation(coll.id, _rep())
    path = store.array_path(rec.id)
    assert path.is_file()
    store.delete_representation(rec.id)
    assert not path.exists()
    assert store.list_representations() == []
    with pytest.raises(NotFoundError):
        store.get_representation(rec.id)
    assert list((store.data_dir / "arrays").iterdir()) == []


def test_delete_collection_removes_its_files(store):
    coll = store.create_collection("c", IDS)
    recs = [store.add_representation(coll.id, _rep(f"l{i}", rs=i)) for i in range(3)]
    store.delete_collection("c")
    assert not any(store.array_path(r.id).exists() for r in recs)
    assert store.list_representations() == []


def test_artifact_cache(store):
    coll = store.create_collection("c", IDS)
    rec = store.add_representation(coll.id, _rep())
    params = {"rep": rec.id, "lens": "pca", "n": 2}
    assert store.find_artifact("lens", params) is None
    lens = np.arange(8, dtype=np.float32).reshape(4, 2)
    art = store.put_artifact("lens", params, {"values": lens}, representation_ids=[rec.id], meta={"s": 1.5})
    assert store.find_artifact("lens", dict(reversed(params.items()))) == art  # key ignores dict order
    np.testing.assert_array_equal(store.load_artifact(art.id)["values"], lens)
    assert store.put_artifact("lens", params, {"values": lens * 0}).id == art.id  # cached: first one kept
    graph = store.put_artifact("graph", {"rep": rec.id}, {"nodes": [1, 2], "edges": []}, representation_ids=[rec.id])
    assert store.load_artifact(graph.id) == {"nodes": [1, 2], "edges": []}
    assert [a.id for a in store.list_artifacts("graph")] == [graph.id]
    assert store.get_artifact(graph.id, kind="graph").meta == {}
    with pytest.raises(NotFoundError):
        store.get_artifact(graph.id, kind="lens")
    # deleting the representation drops the artifacts computed from it, files included
    paths = [store.artifact_path("lens", art.id, ".npz"), store.artifact_path("graph", graph.id, ".json")]
    assert all(p.is_file() for p in paths)
    store.delete_representation(rec.id)
    assert store.find_artifact("lens", params) is None and not any(p.exists() for p in paths)
    other = store.put_artifact("layout", {"x": 1}, {"v": np.ones(2)})
    store.delete_artifact(other.id)
    assert store.list_artifacts("layout") == []


def test_jobs_table(store):
    jid = store.create_job("mapper", {"rep": "r1"})
    assert store.get_job(jid)["status"] == "queued"
    store.update_job(jid, status="running", progress=0.5, message="half")
    job = store.get_job(jid)
    assert (job["status"], job["progress"], job["message"], job["params"]) == ("running", 0.5, "half", {"rep": "r1"})
    assert store.recover()["interrupted_jobs"] == 1
    assert store.get_job(jid)["status"] == "interrupted"


def test_reopening_keeps_everything(tmp_path):
    s1 = Store(tmp_path / "d")
    coll = s1.create_collection("c", IDS)
    rec = s1.add_representation(coll.id, _rep())
    s2 = Store(tmp_path / "d")
    np.testing.assert_array_equal(s2.load_representation(rec.id).matrix, s1.load_representation(rec.id).matrix)
