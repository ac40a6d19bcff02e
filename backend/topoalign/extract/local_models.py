"""The server's local Hugging Face models: the sub-folders of its model folder (``TOPOALIGN_MODELS_DIR``) that hold a
``config.json``, named by folder name only, so that a request can never make the server open another path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from topoalign.errors import NotFoundError


def _root(models_dir: str | Path | None) -> Path | None:
    return Path(models_dir).resolve() if models_dir is not None and Path(models_dir).is_dir() else None


def local_models(models_dir: str | Path | None) -> list[dict[str, Any]]:
    """``[{"name", "kind": "hf", "layers"}]`` for every model folder (``layers``: the hidden states its config
    gives, or None)."""
    from topoalign.extract.transformers_hf import model_hidden_state_names

    root = _root(models_dir)
    if root is None:
        return []
    return [
        {"name": p.name, "kind": "hf", "layers": model_hidden_state_names(p)}
        for p in sorted(root.iterdir())
        if p.is_dir() and (p / "config.json").is_file() and not p.name.startswith(".")
    ]


def local_model_path(models_dir: str | Path | None, name: str) -> Path:
    """The folder of a listed model. Only a name the listing gives is accepted (a path, '..' or anything else is
    refused); a sub-folder the administrator linked into the model folder counts as listed."""
    root = _root(models_dir)
    known = {m["name"] for m in local_models(models_dir)}
    if root is None or name not in known or "/" in name or "\\" in name:
        raise NotFoundError(
            f"No model {name!r} in the server's model folder (TOPOALIGN_MODELS_DIR); it offers "
            f"{sorted(known) or 'none'}."
        )
    return root / name
