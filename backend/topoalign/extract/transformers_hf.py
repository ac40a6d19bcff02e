"""All hidden states of a local Hugging Face ``transformers`` encoder, pooled per sentence.

The model is loaded from a folder on disk (``local_files_only=True``, ``HF_HUB_OFFLINE=1``): nothing downloads at
run time. A sentence-transformers folder works as is when its root holds ``config.json``, the weights and the
tokenizer files (as the bundled all-MiniLM-L6-v2 does).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from topoalign.errors import InvalidInputError, InvalidParameterError, NotFoundError, check_param
from topoalign.extract.hooks import resolve_device
from topoalign.io.reduce import SEQ_RULES, reduce_sequence
from topoalign.progress import Progress, null_progress


def hidden_state_names(n_layers: int) -> list[str]:
    """``embeddings``, ``layer1`` ... ``layer{n_layers}``: the names of the n_layers + 1 hidden states."""
    return ["embeddings"] + [f"layer{i}" for i in range(1, n_layers + 1)]


def model_hidden_state_names(path: str | Path) -> list[str] | None:
    """The hidden-state names a model folder will give, from its config (None when the config does not say)."""
    try:
        n = json.loads((Path(path) / "config.json").read_text()).get("num_hidden_layers")
    except (OSError, ValueError, AttributeError):
        return None
    return hidden_state_names(int(n)) if isinstance(n, int) else None


def check_model_folder(path: str | Path) -> Path:
    """The folder of a local model, or a clear error naming what is missing."""
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"Model folder {str(p)!r} does not exist.")
    if not p.is_dir() or not (p / "config.json").is_file():
        raise InvalidInputError(
            f"{str(p)!r} is not a Hugging Face model folder: it needs a config.json beside the weights and tokenizer files."
        )
    return p


def default_max_length(path: Path, tokenizer) -> int:
    """sentence-transformers' ``max_seq_length`` when the folder has one (256 for MiniLM), else the tokenizer's limit."""
    cfg = path / "sentence_bert_config.json"
    if cfg.is_file():
        try:
            return int(json.loads(cfg.read_text())["max_seq_length"])
        except (ValueError, KeyError, TypeError):
            pass
    limit = getattr(tokenizer, "model_max_length", 512) or 512
    return int(min(limit, 512))


def load_hf_model(path: str | Path, device: str | torch.device | None = None):
    """``(model, tokenizer, folder)`` from a local folder, offline, in eval mode on ``device``."""
    folder = check_model_folder(path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # library code never draws on the terminal; progress goes to the callback
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model = AutoModel.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"Cannot load a transformers model from {str(folder)!r}: {exc}") from exc
    model.eval().to(resolve_device(device))
    return model, tokenizer, folder


def extract_hidden_states(
    model_path: str | Path,
    texts: Sequence[str],
    pool: str = "mean",
    batch_size: int = 64,
    max_length: int | None = None,
    device: str | torch.device | None = None,
    progress: Progress | None = None,
) -> dict[str, np.ndarray]:
    """Every hidden state (embeddings + each layer) of the model at ``model_path`` on ``texts``, pooled.

    Parameters
    ----------
    pool : ``mean`` over the tokens the attention mask keeps (padding excluded), or ``first`` (the CLS token).
    max_length : tokens kept per text; default the folder's ``max_seq_length`` or the tokenizer's limit.

    Returns a dict ``embeddings, layer1, ..., layerL -> (n_texts x hidden_size)`` float32.
    """
    check_param("extract_hidden_states", "pool", pool, pool in SEQ_RULES, f"one of {list(SEQ_RULES)}")
    check_param(
        "extract_hidden_states",
        "batch_size",
        batch_size,
        isinstance(batch_size, int) and batch_size >= 1,
        "an integer >= 1",
    )
    texts = [str(t) for t in texts]
    if not texts:
        raise InvalidInputError("No texts given: nothing to extract.")
    if any(not t.strip() for t in texts):
        raise InvalidInputError(f"{sum(not t.strip() for t in texts)} of the {len(texts)} texts are empty.")
    progress = progress or null_progress
    progress(0.0, "loading model")
    model, tokenizer, folder = load_hf_model(model_path, device)
    dev = next(model.parameters()).device
    if max_length is None:
        max_length = default_max_length(folder, tokenizer)
    check_param("extract_hidden_states", "max_length", max_length, max_length >= 1, "an integer >= 1")

    parts: list[list[np.ndarray]] = []
    n_batches = -(-len(texts) // batch_size)
    with torch.no_grad():
        for b in range(n_batches):
            chunk = texts[b * batch_size : (b + 1) * batch_size]
            enc = tokenizer(chunk, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
            enc = {k: v.to(dev) for k, v in enc.items()}
            out = model(**enc, output_hidden_states=True)
            if getattr(out, "hidden_states", None) is None:
                raise InvalidParameterError(f"The model at {str(folder)!r} does not return hidden states.")
            mask = enc["attention_mask"].cpu().numpy()
            pooled = [reduce_sequence(h.to(torch.float32).cpu().numpy(), pool, mask) for h in out.hidden_states]
            if not parts:
                parts = [[] for _ in pooled]
            for store, p in zip(parts, pooled):
                store.append(p)
            progress((b + 1) / n_batches, f"batch {b + 1}/{n_batches}")
    names = hidden_state_names(len(parts) - 1)
    return {name: np.ascontiguousarray(np.concatenate(p), dtype=np.float32) for name, p in zip(names, parts)}
