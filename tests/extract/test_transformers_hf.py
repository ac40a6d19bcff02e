"""Hidden states of the bundled all-MiniLM-L6-v2: names, shapes, determinism, masked mean, sentence-transformers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from topoalign.errors import InvalidInputError, InvalidParameterError, NotFoundError
from topoalign.extract import extract_hidden_states
from topoalign.extract.zoo.minilm import minilm_path
from topoalign.extract.zoo.sentences import build_sentences

LAYER_NAMES = ["embeddings"] + [f"layer{i}" for i in range(1, 7)]


@pytest.fixture(scope="module")
def texts():
    # sentences of different lengths, so batches carry padding that the mask must exclude
    return build_sentences()["text"].iloc[::41].tolist() + ["Rain.", "The forecaster did not predict heavy rain."]


@pytest.fixture(scope="module")
def states(texts):
    return extract_hidden_states(minilm_path(), texts, batch_size=8)


def test_seven_hidden_states(states, texts):
    assert list(states) == LAYER_NAMES
    for m in states.values():
        assert m.shape == (len(texts), 384) and m.dtype == np.float32 and np.isfinite(m).all()


def test_deterministic_and_batch_independent(states, texts):
    again = extract_hidden_states(minilm_path(), texts, batch_size=8)
    for k in states:
        assert np.array_equal(states[k], again[k])
    one_batch = extract_hidden_states(minilm_path(), texts, batch_size=64)
    for k in states:
        np.testing.assert_allclose(states[k], one_batch[k], rtol=1e-4, atol=1e-5)


def test_masked_mean_and_first_token_equal_manual_computation(states, texts):
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(minilm_path()), local_files_only=True)
    model = AutoModel.from_pretrained(str(minilm_path()), local_files_only=True).eval()
    enc = tok(texts[:8], padding=True, truncation=True, return_tensors="pt")
    assert (enc["attention_mask"] == 0).any()  # the manual check covers padding
    with torch.no_grad():
        hidden = model(**enc, output_hidden_states=True).hidden_states
    mask = enc["attention_mask"].unsqueeze(-1).float()
    for name, h in zip(LAYER_NAMES, hidden):
        manual = ((h * mask).sum(1) / mask.sum(1)).numpy()
        np.testing.assert_allclose(states[name][:8], manual, rtol=1e-4, atol=1e-5)
    first = extract_hidden_states(minilm_path(), texts[:8], pool="first")
    for name, h in zip(LAYER_NAMES, hidden):
        np.testing.assert_allclose(first[name], h[:, 0].numpy(), rtol=1e-4, atol=1e-5)


def test_last_layer_equals_sentence_transformers_before_normalize(states, texts):
    from sentence_transformers import SentenceTransformer

    full = SentenceTransformer(str(minilm_path()), device="cpu")
    unnormalised = SentenceTransformer(modules=[full[0], full[1]], device="cpu")  # Transformer + Pooling only
    reference = unnormalised.encode(texts, normalize_embeddings=False, convert_to_numpy=True, batch_size=8)
    np.testing.assert_allclose(states["layer6"], reference, atol=1e-4)
    normalised = full.encode(texts, convert_to_numpy=True, batch_size=8)
    ours = states["layer6"] / np.linalg.norm(states["layer6"], axis=1, keepdims=True)
    np.testing.assert_allclose(ours, normalised, atol=1e-4)


def test_errors(tmp_path):
    with pytest.raises(NotFoundError):
        extract_hidden_states(tmp_path / "missing", ["a"])
    with pytest.raises(InvalidInputError, match="config.json"):
        extract_hidden_states(tmp_path, ["a"])
    with pytest.raises(InvalidParameterError, match="pool"):
        extract_hidden_states(minilm_path(), ["a"], pool="max")
    with pytest.raises(InvalidInputError):
        extract_hidden_states(minilm_path(), [])
