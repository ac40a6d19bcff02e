"""Activations from models: forward hooks on any ``torch.nn.Module``, hidden states of local Hugging Face models,
and the demo zoo (MNIST CNNs and MLPs, MiniLM and MPNet on sentences) in ``topoalign.extract.zoo``.

Pooling of conv maps and sequences follows the rules of ``topoalign.io.reduce`` (one place for them). Names are
imported lazily so that ``import topoalign.extract.zoo.demo`` (e.g. for ``topoalign demo --if-missing``) does not
load torch until something is extracted.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "extract_activations": "topoalign.extract.hooks",
    "select_modules": "topoalign.extract.hooks",
    "extract_hidden_states": "topoalign.extract.transformers_hf",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'topoalign.extract' has no attribute {name!r}")
