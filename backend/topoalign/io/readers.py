"""One reader per activation file format; none of them ever unpickles.

``read_file`` checks the size cap, detects the format (extension + magic bytes) and returns a :class:`RawArrays`:
the raw arrays in file order (not yet validated or reduced), stimulus ids when the file has them, and an optional
sequence mask. In multi-array files (.npz, .safetensors, .pt dicts, .h5) two keys are reserved: ``stimulus_ids``
(or the ``id_column`` name) holds the ids as a 1-D array, ``attention_mask`` a (n, t) mask for 3-D arrays.
"""

from __future__ import annotations

import io
import pickle
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from topoalign.errors import InvalidInputError, PayloadTooLargeError, TopoAlignError
from topoalign.io.formats import detect_format
from topoalign.io.tables import column_as_numbers, first_non_numeric, numeric_columns, pick_id_column, read_text_table
from topoalign.io.validate import DEFAULT_MAX_BYTES, check_file_size

IDS_KEY = "stimulus_ids"
MASK_KEY = "attention_mask"


@dataclass
class RawArrays:
    """What a file holds. ``single``: one unnamed array (its key is the file stem), e.g. a .npy or a CSV."""

    arrays: dict[str, np.ndarray]
    ids: list[str] | None = None
    mask: np.ndarray | None = None
    single: bool = False
    format: str = ""
    notes: list[str] = field(default_factory=list)


def read_file(
    path: str | Path,
    *,
    filename: str | None = None,
    id_column: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> RawArrays:
    """Read an activation file. ``filename`` (e.g. of an upload saved under a temporary name) decides the format."""
    path = Path(path)
    label = Path(filename or path.name).name
    if not path.is_file():
        raise InvalidInputError(f"No such file: {str(path)!r}.", code="not_found")
    check_file_size(path, max_bytes, label=label)
    fmt = detect_format(path, filename=label)
    reader: Callable[..., RawArrays] = _READERS[fmt]
    try:
        raw = reader(path, label=label, id_column=id_column, max_bytes=max_bytes, fmt=fmt)
    except TopoAlignError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged file can make any library raise anything
        raise _corrupt(label, exc) from None
    raw.format = fmt
    if raw.single:
        (arr,) = raw.arrays.values()
        raw.arrays = {Path(label).stem: arr}
    elif fmt != "csv" and fmt != "tsv":
        _take_reserved(raw, id_column, label)
    if not raw.arrays:
        raise InvalidInputError(f"File {label!r} holds no arrays.", code="empty_array")
    return raw


# -- formats ----------------------------------------------------------------------------------------------------
def _read_npy(path: Path, *, label: str, **_: Any) -> RawArrays:
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        _raise_pickle_or_corrupt(exc, label)
    except (OSError, EOFError) as exc:
        raise _corrupt(label, exc) from None
    return RawArrays(arrays={"": arr}, single=True)


def _read_npz(path: Path, *, label: str, max_bytes: int, **_: Any) -> RawArrays:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _corrupt(label, exc) from None
    others = [i.filename for i in infos if not i.filename.endswith(".npy")]
    if others:
        raise InvalidInputError(
            f"Corrupt file: {label!r} is a zip archive but not an .npz: it holds {others[:3]} besides .npy arrays.",
            code="corrupt_file",
        )
    budget = _expansion_budget(max_bytes)
    _check_expanded_size(sum(i.file_size for i in infos), budget, label)
    arrays: dict[str, np.ndarray] = {}
    left = budget
    try:
        with zipfile.ZipFile(path) as zf:
            for info in infos:
                # the sizes a zip declares can lie: each member is decompressed under what is left of the budget
                data = _read_limited(zf.open(info), left, label)
                left -= len(data)
                arrays[info.filename[:-4]] = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
                del data
    except ValueError as exc:
        _raise_pickle_or_corrupt(exc, label)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, zlib.error) as exc:
        raise _corrupt(label, exc) from None
    return RawArrays(arrays=arrays)


def _read_limited(stream, limit: int, label: str) -> bytes:
    """All of a stream, refusing it once more than ``limit`` bytes came out (a decompression bomb)."""
    chunks, total = [], 0
    with stream:
        while chunk := stream.read(1 << 22):
            total += len(chunk)
            if total > limit:
                _check_expanded_size(total, limit, label)
            chunks.append(chunk)
    return b"".join(chunks)


def _expansion_budget(max_bytes: int) -> int:
    """Arrays may expand to the smaller of the upload cap and the memory budget (``limits.max_expanded_bytes``)."""
    from topoalign import limits

    return min(int(max_bytes), limits.current().max_expanded_bytes)


def _read_safetensors(path: Path, *, label: str, **_: Any) -> RawArrays:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        arrays = load_file(str(path))
    except TypeError:  # a dtype numpy lacks (bfloat16): go through torch, which never unpickles here either
        from safetensors.torch import load_file as load_torch

        try:
            arrays = {k: _tensor_to_numpy(k, t) for k, t in load_torch(str(path)).items()}
        except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
            raise _corrupt(label, exc) from None
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise _corrupt(label, exc) from None
    return RawArrays(arrays=dict(arrays))


def _read_pt(path: Path, *, label: str, max_bytes: int, **_: Any) -> RawArrays:
    import torch

    if zipfile.is_zipfile(path):  # torch.save's archive: its members' sizes, before torch reads them
        with zipfile.ZipFile(path) as zf:
            _check_expanded_size(sum(i.file_size for i in zf.infolist()), _expansion_budget(max_bytes), label)

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only" in str(exc).lower() or "weights_only" in str(exc):
            raise InvalidInputError(
                f"{label!r} holds pickled Python objects other than tensors; pickled objects are not accepted "
                "(the file was loaded with weights_only=True and nothing in it was executed). Save a tensor or a "
                "dict of tensors, e.g. torch.save({'layer1': t1, 'layer2': t2}, path).",
                code="pickled_content",
            ) from None
        raise _corrupt(label, exc) from None
    except (RuntimeError, OSError, EOFError, ValueError, zipfile.BadZipFile, AttributeError, KeyError) as exc:
        raise _corrupt(label, exc) from None
    return _from_torch_object(obj, label)


def _read_hdf5(path: Path, *, label: str, max_bytes: int, **_: Any) -> RawArrays:
    import h5py

    arrays: dict[str, np.ndarray] = {}
    try:
        with h5py.File(path, "r") as f:
            names: list[str] = []
            f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
            datasets = [f[n] for n in names]
            for name, ds in zip(names, datasets):
                if ds.is_virtual or ds.external:
                    raise InvalidInputError(
                        f"Dataset {name!r} of {label!r} refers to data in other files (virtual or external "
                        "storage); only self-contained datasets are accepted.",
                        code="external_data",
                    )
            _check_expanded_size(
                sum(int(ds.size) * ds.dtype.itemsize for ds in datasets), _expansion_budget(max_bytes), label
            )
            for name, ds in zip(names, datasets):
                if h5py.check_string_dtype(ds.dtype) is not None:
                    arrays[name] = np.asarray(ds.asstr()[()], dtype=str)
                    continue
                arr = ds[()]
                if isinstance(arr, np.ndarray) and arr.dtype.kind == "O":
                    raise InvalidInputError(
                        f"Dataset {name!r} of {label!r} (shape {ds.shape}) holds variable-length or reference "
                        "data, not numbers.",
                        code="non_numeric",
                    )
                arrays[name] = np.asarray(arr)
    except InvalidInputError:
        raise
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise _corrupt(label, exc) from None
    return RawArrays(arrays=arrays)


def _read_table(path: Path, *, label: str, id_column: str | None, fmt: str, **_: Any) -> RawArrays:
    frame = read_text_table(path, fmt, label)
    columns = list(frame.columns)
    id_col = pick_id_column(columns, id_column, label, required=False)
    data_cols = [c for c in columns if c != id_col]
    if not data_cols:
        raise InvalidInputError(
            f"Table {label!r} has shape ({frame.shape[0]}, 0) once the id column {id_col!r} is set aside: "
            "0 numeric columns.",
            code="empty_array",
        )
    if frame.shape[0] == 0:
        raise InvalidInputError(
            f"Table {label!r} has a header but 0 rows (shape (0, {len(data_cols)})).", code="empty_array"
        )
    bad = numeric_columns(frame, data_cols)[1]
    if bad:
        row, text = first_non_numeric(frame[bad[0]])
        raise InvalidInputError(
            f"Table {label!r} of shape ({frame.shape[0]}, {len(data_cols)}) has non-numeric columns {bad[:5]} "
            f"(e.g. {text!r} in data row {row + 1} of {bad[0]!r}). Only the id column may hold text: name it with "
            "--id-column, and put labels in a separate --labels file.",
            code="non_numeric",
        )
    matrix = np.column_stack([column_as_numbers(frame[c]) for c in data_cols])
    ids = frame[id_col].astype(str).str.strip().tolist() if id_col else None
    return RawArrays(arrays={"": matrix}, ids=ids, single=True)


_READERS: dict[str, Callable[..., RawArrays]] = {
    "npy": _read_npy,
    "npz": _read_npz,
    "safetensors": _read_safetensors,
    "pt": _read_pt,
    "hdf5": _read_hdf5,
    "csv": _read_table,
    "tsv": _read_table,
}


# -- helpers ----------------------------------------------------------------------------------------------------
def _from_torch_object(obj: Any, label: str) -> RawArrays:
    import torch

    arrays: dict[str, np.ndarray] = {}
    notes: list[str] = []
    if isinstance(obj, torch.Tensor):
        return RawArrays(arrays={"": _tensor_to_numpy(label, obj)}, single=True)
    if isinstance(obj, (list, tuple)):
        obj = {str(i): v for i, v in enumerate(obj)}
    if not isinstance(obj, dict):
        raise InvalidInputError(
            f"{label!r} holds a {type(obj).__name__}; expected a tensor or a dict of tensors.", code="non_numeric"
        )

    def put(key: str, tensor: Any) -> None:
        if key in arrays:
            raise InvalidInputError(
                f"{label!r} holds two tensors named {key!r} (a key with '/' and a nested dict); several arrays "
                "would get the same representation name.",
                code="duplicate_names",
            )
        arrays[key] = _tensor_to_numpy(key, tensor)

    for key, value in obj.items():
        if isinstance(value, torch.Tensor):
            put(str(key), value)
        elif isinstance(value, dict):
            for sub, inner in value.items():
                if isinstance(inner, torch.Tensor):
                    put(f"{key}/{sub}", inner)
                else:
                    notes.append(f"skipped {key}/{sub}: a {type(inner).__name__}, not a tensor")
        else:
            notes.append(f"skipped {key}: a {type(value).__name__}, not a tensor")
    if not arrays:
        raise InvalidInputError(
            f"{label!r} holds no tensors (a dict of {len(obj)} entries, none a tensor).", code="empty_array"
        )
    return RawArrays(arrays=arrays, notes=notes)


def _tensor_to_numpy(key: str, t: Any) -> np.ndarray:
    import torch

    t = t.detach().cpu()
    if t.layout != torch.strided:
        t = t.to_dense()
    if t.dtype in (torch.bfloat16, torch.float16) or t.dtype.is_floating_point and t.element_size() < 2:
        t = t.float()
    try:
        return t.numpy()
    except (TypeError, RuntimeError) as exc:
        raise InvalidInputError(
            f"Tensor {key!r} of shape {tuple(t.shape)} and dtype {t.dtype} cannot be read as numbers: {exc}",
            code="non_numeric",
        ) from None


def _take_reserved(raw: RawArrays, id_column: str | None, label: str) -> None:
    """Move the ids array and the mask out of ``raw.arrays``."""
    for key in dict.fromkeys([k for k in (id_column, IDS_KEY) if k]):
        if key in raw.arrays:
            ids = raw.arrays.pop(key)
            if ids.ndim != 1 or ids.dtype.kind not in "USiu":
                raise InvalidInputError(
                    f"The ids array {key!r} of {label!r} must be 1-D strings or integers; got shape {ids.shape} "
                    f"and dtype {ids.dtype}.",
                    code="bad_ids",
                )
            raw.ids = [s.decode("utf-8") if isinstance(s, bytes) else str(s) for s in ids.tolist()]
            break
    if MASK_KEY in raw.arrays:
        raw.mask = raw.arrays.pop(MASK_KEY)


def _check_expanded_size(nbytes: int, max_bytes: int, label: str) -> None:
    if nbytes > max_bytes:
        raise PayloadTooLargeError(
            f"File {label!r} expands to {nbytes:,} bytes of arrays (or more), over the budget of {max_bytes:,} bytes "
            "(the smaller of TOPOALIGN_MAX_UPLOAD_BYTES and TOPOALIGN_MAX_EXPANDED_BYTES).",
            code="payload_too_large",
        )


def _raise_pickle_or_corrupt(exc: Exception, label: str):
    if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
        raise InvalidInputError(
            f"{label!r} holds an object array: pickled objects are not accepted (nothing was unpickled). "
            "Save plain numeric arrays.",
            code="pickled_content",
        ) from None
    raise _corrupt(label, exc) from None


def _corrupt(label: str, exc: BaseException) -> InvalidInputError:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if len(detail) > 160:  # library messages run on; their first sentence says what broke
        detail = detail.split(". ")[0][:300]
    return InvalidInputError(f"Corrupt file: cannot read {label!r} ({detail}).", code="corrupt_file")
