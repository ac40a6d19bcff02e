"""Loading what extraction runs on, safely: TorchScript models, input tensors, text files, and storing the result.

Nothing here unpickles user data: TorchScript archives load with ``torch.jit.load`` (TorchScript code and tensors,
no arbitrary Python objects), input tensors through ``topoalign.io.readers`` (``allow_pickle=False``,
``weights_only=True``). Pickled whole ``nn.Module`` files are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from topoalign.errors import InvalidInputError, NotFoundError
from topoalign.io.readers import read_file
from topoalign.representation import Provenance, Representation
from topoalign.store.catalog import RepresentationRecord, Store

INPUT_FORMATS = (".npy", ".pt", ".pth")


def load_torchscript(path: str | Path) -> torch.jit.ScriptModule:
    """A TorchScript model saved with ``torch.jit.save`` / ``scripted.save``, on the CPU."""
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"Model file {str(p)!r} does not exist.")
    if p.is_dir():
        raise InvalidInputError(f"{str(p)!r} is a folder; a folder is read as a Hugging Face model only with --hf.")
    try:
        return torch.jit.load(str(p), map_location="cpu")
    except (RuntimeError, ValueError, OSError) as exc:
        raise InvalidInputError(
            f"{p.name!r} is not a TorchScript archive ({str(exc).splitlines()[0][:200]}). Save the model with "
            "torch.jit.script(model).save(path); pickled nn.Module files are never loaded."
        ) from None


def load_input_tensor(path: str | Path) -> torch.Tensor:
    """The model inputs (n, ...) from a ``.npy`` or a ``.pt``/``.pth`` holding one tensor; floats become float32."""
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"Inputs file {str(p)!r} does not exist.")
    if p.suffix.lower() not in INPUT_FORMATS:
        raise InvalidInputError(
            f"Inputs must be one of {list(INPUT_FORMATS)} (or a text file with --hf); got {p.name!r}."
        )
    raw = read_file(p)
    if len(raw.arrays) != 1:
        raise InvalidInputError(
            f"{p.name!r} holds {len(raw.arrays)} arrays {list(raw.arrays)}; the inputs must be one tensor."
        )
    arr = np.asarray(next(iter(raw.arrays.values())))
    if arr.dtype.kind not in "biuf" or arr.ndim == 0 or arr.shape[0] == 0:
        raise InvalidInputError(
            f"The inputs must be a numeric array with at least one row; got {arr.dtype} {arr.shape}."
        )
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float32)
    elif arr.dtype.kind in "iu":
        arr = arr.astype(np.int64)
    return torch.from_numpy(np.ascontiguousarray(arr))


def read_text_lines(path: str | Path) -> list[str]:
    """One stimulus text per non-empty line of a UTF-8 file."""
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"Texts file {str(p)!r} does not exist.")
    try:
        lines = [line.strip() for line in p.read_text(encoding="utf-8").splitlines()]
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{p.name!r} is not UTF-8 text: {exc}.") from None
    lines = [line for line in lines if line]
    if not lines:
        raise InvalidInputError(f"{p.name!r} holds no text lines.")
    return lines


def store_layers(
    store: Store,
    collection: str,
    activations: Mapping[str, np.ndarray],
    provenance: Provenance,
    *,
    name_prefix: str,
    texts: Sequence[str] | None = None,
    labels: pd.DataFrame | None = None,
) -> tuple[str, list[RepresentationRecord]]:
    """Store one representation per layer (in depth order), all or nothing; returns ``(collection id, records)``.

    An existing collection must have as many stimuli as there are rows (rows follow its order); a new one gets
    ids ``s0000 ...`` (and ``texts``). Each layer's provenance gets ``layer``, ``layer_index`` and ``layer_fraction``.
    """
    n = {m.shape[0] for m in activations.values()}
    if len(n) != 1:
        raise InvalidInputError(f"Layers have different row counts {sorted(n)}.")
    (n_rows,) = n
    created = None
    try:
        coll = store.get_collection(collection)
        ids = store.stimuli(coll.id).index.tolist()
        if len(ids) != n_rows:
            raise InvalidInputError(
                f"Collection {coll.name!r} has {len(ids)} stimuli but the inputs have {n_rows} rows."
            )
    except NotFoundError:
        width = max(4, len(str(n_rows - 1)))
        ids = [f"s{i:0{width}d}" for i in range(n_rows)]
        coll = store.create_collection(collection, ids, labels=labels, texts=list(texts) if texts is not None else None)
        created = coll.id
    layers = list(activations)
    reps = []
    for index, layer in enumerate(layers):
        prov = Provenance.from_dict(provenance.to_dict())
        prov.layer, prov.layer_index = layer, index
        prov.layer_fraction = index / (len(layers) - 1) if len(layers) > 1 else 1.0
        reps.append(
            Representation(
                matrix=activations[layer],
                stimulus_ids=np.asarray(ids, dtype=str),
                provenance=prov,
                name=f"{name_prefix}/{layer}",
            )
        )
    try:
        records = store.add_representations(coll.id, reps)
    except BaseException:
        if created is not None:
            store.delete_collection(created)
        raise
    return coll.id, records
