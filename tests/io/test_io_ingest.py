"""Ingest semantics: how rows find their stimuli, names, provenance, labels on existing collections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from topoalign.errors import InvalidInputError
from topoalign.io import ingest_arrays, ingest_file, read_labels
from topoalign.representation import Provenance


def test_existing_collection_without_ids_follows_collection_order(populated, tmp_path):
    x = np.arange(12, dtype=np.float32).reshape(6, 2) * 10
    np.save(tmp_path / "layer2.npy", x)
    report = ingest_file(populated, "base", tmp_path / "layer2.npy")
    rep = populated.load_representation(report.records[0].id)
    assert rep.stimulus_ids.tolist() == [f"b{i}" for i in range(6)]
    np.testing.assert_array_equal(rep.matrix, x)
    assert any("order of collection 'base'" in n for n in report.notes)


def test_existing_collection_with_ids_in_another_order(populated, tmp_path):
    (tmp_path / "sub.csv").write_text("stimulus_id,u,v\nb3,1,2\nb0,3,4\n")
    report = ingest_file(populated, "base", tmp_path / "sub.csv")
    rep = populated.load_representation(report.records[0].id)
    assert rep.stimulus_ids.tolist() == ["b3", "b0"]
    assert rep.label_frame()["class"].tolist() == ["y", "x"]  # the collection's labels follow the ids


def test_labels_added_to_existing_collection(populated, tmp_path):
    np.save(tmp_path / "more.npy", np.ones((6, 3)))
    (tmp_path / "l.tsv").write_text("stimulus_id\tnegation\ttense\nb0\tyes\tpast\nb1\tno\tfuture\n")
    report = ingest_file(populated, "base", tmp_path / "more.npy", labels_path=tmp_path / "l.tsv")
    assert any("4 of 6 stimuli have no labels" in n for n in report.notes)
    coll = populated.get_collection("base")
    assert coll.label_columns == ["class", "negation", "tense"]
    assert populated.stimuli("base")["tense"].tolist()[:2] == ["past", "future"]


def test_new_collection_ids_from_labels_order(store, tmp_path):
    np.save(tmp_path / "x.npy", np.arange(6.0).reshape(3, 2))
    (tmp_path / "l.csv").write_text("id,class\nz,1\ny,2\nx,3\n")
    report = ingest_file(store, "new", tmp_path / "x.npy", labels_path=tmp_path / "l.csv")
    rep = store.load_representation(report.records[0].id)
    assert rep.stimulus_ids.tolist() == ["z", "y", "x"]
    np.testing.assert_array_equal(rep.label_frame()["class"].to_numpy(), [1.0, 2.0, 3.0])


def test_new_collection_labels_of_other_length(store, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((3, 2)))
    (tmp_path / "l.csv").write_text("id,class\nz,1\ny,2\n")
    with pytest.raises(InvalidInputError, match="3 rows .* but the labels file has 2"):
        ingest_file(store, "new", tmp_path / "x.npy", labels_path=tmp_path / "l.csv")
    assert store.list_collections() == []


def test_default_ids_and_texts(store):
    report = ingest_arrays(
        store,
        "sent",
        {"layer0": np.ones((3, 4)), "layer1": np.zeros((3, 4))},
        texts=["a cat", "a dog", "no cat"],
        provenance=Provenance(model="minilm"),
        name="minilm",
    )
    assert [r.name for r in report.records] == ["minilm/layer0", "minilm/layer1"]
    assert [r.provenance.layer for r in report.records] == ["layer0", "layer1"]
    frame = store.stimuli("sent")
    assert frame.index.tolist() == ["s0", "s1", "s2"] and frame["text"].tolist() == ["a cat", "a dog", "no cat"]


def test_explicit_layer_in_provenance_is_kept(store):
    report = ingest_arrays(store, "c", {"k": np.ones((2, 2))}, provenance=Provenance(layer="fc1", layer_index=3))
    assert report.records[0].provenance.layer == "fc1" and report.records[0].provenance.layer_index == 3


def test_duplicate_names_in_one_file(store, tmp_path):
    import torch

    for content in (
        {"a/b": torch.ones(2, 2), "a": {"b": torch.ones(2, 2)}},
        {"a": {"b": torch.ones(2, 2)}, "a/b": torch.ones(2, 2)},
    ):
        torch.save(content, tmp_path / "x.pt")
        with pytest.raises(InvalidInputError, match="same representation name"):
            ingest_file(store, "c", tmp_path / "x.pt")
    assert store.list_collections() == []


def test_pt_skips_non_tensor_entries_with_a_note(store, tmp_path):
    import torch

    torch.save({"fc": torch.ones(2, 3), "epoch": 5, "list": [torch.zeros(2, 2)]}, tmp_path / "x.pt")
    report = ingest_file(store, "c", tmp_path / "x.pt")
    assert [r.name for r in report.records] == ["fc"]
    assert any("skipped epoch" in n for n in report.notes)


def test_read_labels_types(tmp_path):
    (tmp_path / "l.csv").write_text("id,class,score,tag\n1,cat,0.5,\n2,dog,,x\n")
    labels = read_labels(tmp_path / "l.csv")
    assert labels.index.tolist() == ["1", "2"] and labels.index.name == "stimulus_id"
    assert labels["class"].tolist() == ["cat", "dog"]
    assert labels["score"].dtype == np.float64 and np.isnan(labels["score"].iloc[1])
    assert labels["tag"].tolist() == ["", "x"]


def test_read_labels_custom_id_column(tmp_path):
    (tmp_path / "l.csv").write_text("img,class\nq1,cat\nq2,dog\n")
    assert read_labels(tmp_path / "l.csv", id_column="img").index.tolist() == ["q1", "q2"]


def test_csv_id_column_option(store, tmp_path):
    pd.DataFrame({"img": ["p", "q"], "a": [1.5, 2.5]}).to_csv(tmp_path / "x.csv", index=False)
    report = ingest_file(store, "c", tmp_path / "x.csv", id_column="img")
    assert store.load_representation(report.records[0].id).stimulus_ids.tolist() == ["p", "q"]
    with pytest.raises(InvalidInputError, match="no id column 'nope'"):
        ingest_file(store, "c2", tmp_path / "x.csv", id_column="nope")
