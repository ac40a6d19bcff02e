"""Extraction as one call, for the CLI (``topoalign extract``) and the API's extraction jobs: run a local model
(a TorchScript file, or a Hugging Face transformers folder) on inputs and store every layer as a representation.

Nothing is downloaded (``HF_HUB_OFFLINE``) and nothing is unpickled (TorchScript via ``torch.jit.load``; input
tensors via ``torch.load(weights_only=True)`` or ``np.load(allow_pickle=False)``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from topoalign.errors import InvalidParameterError
from topoalign.progress import Progress, null_progress, scaled
from topoalign.representation import Provenance
from topoalign.store import RepresentationRecord, Store


def module_types_from_names(names: Sequence[str]) -> tuple[type, ...]:
    """``["Conv2d", "Linear"]`` -> ``(torch.nn.Conv2d, torch.nn.Linear)``; unknown names raise with the choices."""
    from torch import nn

    known = {
        n: getattr(nn, n)
        for n in names
        if isinstance(getattr(nn, n, None), type) and issubclass(getattr(nn, n), nn.Module)
    }
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidParameterError(
            f"Unknown torch.nn module type(s) {unknown}; e.g. Conv1d, Conv2d, Linear, LSTM, TransformerEncoderLayer."
        )
    return tuple(known[n] for n in names)


def extract_into_store(
    store: Store,
    collection: str,
    model_spec: str | Path,
    inputs: str | Path,
    *,
    hf: bool = False,
    layers: Sequence[str] | None = None,
    module_types: Sequence[str] | None = None,
    pool_conv: str = "gap",
    pool_seq: str = "mean",
    batch_size: int | None = None,
    device: str | None = None,
    provenance: Provenance | None = None,
    model_name: str | None = None,
    progress: Progress | None = None,
) -> tuple[str, list[RepresentationRecord]]:
    """Activations of every layer (or of ``layers``) stored in ``collection`` (created when missing), all or
    nothing; returns ``(collection id, records)``. ``provenance`` fields (checkpoint, condition, seed, metrics, ...)
    go to every layer; ``layer``, ``layer_index`` and ``layer_fraction`` come from the model's depth order."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from topoalign.extract.hooks import extract_activations
    from topoalign.extract.sources import load_input_tensor, load_torchscript, read_text_lines, store_layers
    from topoalign.extract.transformers_hf import check_model_folder, extract_hidden_states, model_hidden_state_names

    progress = progress or null_progress
    if batch_size is not None and batch_size < 1:
        raise InvalidParameterError(f"The 'batch_size' parameter of extract must be >= 1. Got {batch_size} instead.")
    layers = list(layers) if layers else None
    spec = Path(model_spec)
    texts = None
    run = scaled(progress, 0.0, 0.9)
    if hf:
        if module_types:
            raise InvalidParameterError("Module types apply to TorchScript models, not to Hugging Face hidden states.")
        check_model_folder(spec)
        known = model_hidden_state_names(spec)
        if layers is not None and known is not None and set(layers) - set(known):
            raise InvalidParameterError(
                f"Unknown layer name(s) {sorted(set(layers) - set(known))}; the model has {known}."
            )
        texts = read_text_lines(inputs)
        acts = extract_hidden_states(
            spec, texts, pool=pool_seq, batch_size=batch_size or 64, device=device, progress=run
        )
        if layers is not None:
            unknown = [name for name in layers if name not in acts]
            if unknown:
                raise InvalidParameterError(f"Unknown layer name(s) {unknown}; the model has {list(acts)}.")
            acts = {name: acts[name] for name in acts if name in layers}
    else:
        types = module_types_from_names(module_types) if module_types else None
        model = load_torchscript(spec)
        tensor = load_input_tensor(inputs)
        acts = extract_activations(
            model,
            tensor,
            layers=layers,
            module_types=types,
            batch_size=batch_size or 256,
            device=device,
            pool_conv=pool_conv,
            pool_seq=pool_seq,
            progress=run,
        )
    prov = Provenance.from_dict((provenance or Provenance()).to_dict())
    prov.model = prov.model or model_name or spec.name
    prov.extra.update({"source": spec.name, "pool_conv": pool_conv, "pool_seq": pool_seq})
    prefix = "/".join(p for p in (prov.model, prov.checkpoint, prov.condition) if p)
    progress(0.9, f"storing {len(acts)} layers")
    result = store_layers(store, collection, acts, prov, name_prefix=prefix, texts=texts)
    progress(1.0, f"stored {len(result[1])} representations")
    return result
