"""The demo zoo: sentence set, digits shifts and training determinism, and a quick demo build into a real store."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from topoalign.errors import ConflictError, InvalidParameterError
from topoalign.extract.zoo import demo
from topoalign.extract.zoo.demo import build_demo
from topoalign.extract.zoo.digits import (
    LAYERS,
    OOD_SHIFTS,
    deterministic_torch,
    load_digits_split,
    make_conditions,
    train_checkpoints,
)
from topoalign.extract.zoo.sentences import build_sentences
from topoalign.store import Store


def test_sentence_set_is_large_labelled_and_fixed():
    s = build_sentences()
    assert len(s) >= 500 and s.index.is_unique and s["text"].is_unique
    assert set(s["negation"]) == {"yes", "no"} and set(s["tense"]) == {"past", "present", "future"}
    assert s["topic"].nunique() >= 5
    assert s.groupby(["topic", "tense", "negation"]).size().nunique() == 1  # balanced design
    assert s.loc[s["negation"] == "yes", "text"].str.contains(" not ").all()
    assert not s.loc[s["negation"] == "no", "text"].str.contains(" not ").any()
    assert s.loc[s["tense"] == "future", "text"].str.contains(" will ").all()
    assert build_sentences().equals(s)


def test_ood_conditions_are_deterministic_shifts_of_the_test_images():
    data = load_digits_split()
    a, b = make_conditions(data.x_test), make_conditions(data.x_test)
    assert list(a) == ["test"] + [f"ood:{k}" for k in OOD_SHIFTS]
    for k in a:
        assert a[k].shape == data.x_test.shape and np.array_equal(a[k], b[k])
        assert a[k].min() >= 0 and a[k].max() <= 1
        if k != "test":
            assert not np.allclose(a[k], a["test"])
    np.testing.assert_allclose(a["ood:inversion"], 1 - a["test"])
    with pytest.raises(InvalidParameterError, match="snow"):
        make_conditions(data.x_test, ["snow"])


def test_training_is_deterministic_per_seed():
    data = load_digits_split()

    def params(seed):
        with deterministic_torch():
            return {e: torch.cat([p.flatten() for p in m.parameters()]) for e, m in train_checkpoints(data, seed, [0, 1])}

    a, b, c = params(3), params(3), params(4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], a[1])  # epoch 1 moved away from the initialisation
    assert not torch.equal(a[0], c[0])  # another seed, another initialisation


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """A quick demo built through the CLI, as `topoalign demo --quick` does."""
    from topoalign.cli import main

    path = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--quick", "--data", str(path)]) == 0
    return Store(path)


def test_demo_collections_and_provenance(demo_store):
    digits, sentences = demo_store.get_collection("digits"), demo_store.get_collection("sentences")
    assert digits.n_stimuli == 450 and digits.label_columns == ["class"]
    plan = demo.QUICK
    assert digits.n_representations == len(plan.seeds) * len(plan.epochs) * (1 + len(plan.shifts)) * len(LAYERS)
    for rec in demo_store.list_representations(digits.id):
        p = rec.provenance
        assert p.model == f"digits-cnn-s{p.seed}" and p.layer in LAYERS
        assert p.layer_index == LAYERS.index(p.layer) and p.layer_fraction == p.layer_index / (len(LAYERS) - 1)
        assert p.checkpoint == f"epoch-{p.epoch}" and p.condition in ("test", "ood:noise")
        assert 0.0 <= p.metrics["accuracy"] <= 1.0 and rec.n == 450 and p.architecture
    assert sentences.has_text and set(sentences.label_columns) >= {"negation", "tense", "topic"}
    recs = demo_store.list_representations(sentences.id)
    assert [r.provenance.layer for r in recs] == ["embeddings"] + [f"layer{i}" for i in range(1, 7)]
    assert [r.provenance.layer_index for r in recs] == list(range(7))
    assert all(r.d == 384 and r.provenance.model == "all-MiniLM-L6-v2" for r in recs)
    texts = demo_store.stimuli(sentences.id)["text"]
    assert texts.str.endswith(".").all()


def test_trained_beats_untrained(demo_store):
    acc = {r.provenance.epoch: r.provenance.metrics["accuracy"]
           for r in demo_store.list_representations("digits", layer="logits", condition="test")}
    assert acc[0] < 0.3 and acc[max(acc)] > 0.7


def test_same_ids_across_conditions_and_thumbnails(demo_store):
    recs = demo_store.list_representations("digits", layer="fc1", epoch=0)
    reps = [demo_store.load_representation(r.id) for r in recs]
    assert {r.provenance.condition for r in reps} == {"test", "ood:noise"}
    assert all(np.array_equal(r.stimulus_ids, reps[0].stimulus_ids) for r in reps)
    assert reps[0].stimulus_ids[0].startswith("digit-")
    assert not np.allclose(reps[0].matrix, reps[1].matrix)
    coll = demo_store.get_collection("digits")
    thumbs = demo_store.load_artifact(demo_store.find_artifact("thumbnails", {"collection": coll.id}).id)
    assert thumbs["images"].shape == (450, 8, 8) and thumbs["images"].dtype == np.uint8
    assert list(thumbs["ids"]) == list(reps[0].stimulus_ids)
    assert thumbs["condition_images"].shape == (2, 450, 8, 8)


def test_rebuild_skips_with_if_missing_and_refuses_without(demo_store):
    summary = build_demo(demo_store, quick=True, if_missing=True)
    assert summary["digits"]["skipped"] and summary["sentences"]["skipped"]
    with pytest.raises(ConflictError, match="--if-missing"):
        build_demo(demo_store, quick=True)


def test_half_built_collection_is_rebuilt_and_failure_leaves_nothing(tmp_path):
    store = Store(tmp_path)
    store.create_collection("digits", ["a", "b"])  # left behind by a crash: no completion marker

    def make():
        coll = store.create_collection("digits", ["x", "y", "z"])
        return {"collection": "digits", "collection_id": coll.id}

    summary = demo._build_collection(store, "digits", make, if_missing=True)
    assert store.get_collection("digits").n_stimuli == 3 and summary["seconds"] >= 0
    assert demo._is_complete(store, "digits")

    def failing():
        store.create_collection("sentences", ["x"])
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        demo._build_collection(store, "sentences", failing, if_missing=True)
    assert [c.name for c in store.list_collections()] == ["digits"]
