"""The one validation module of ingest: every check names the problem and shows the shapes involved.

Each function raises a :class:`~topoalign.errors.InvalidInputError` (or a subclass) with a stable ``code``; nothing
here touches the store, so ingest can validate every array of a file before anything is written.

Dtype policy: floats, integers and booleans (0/1 features) are accepted and converted to float32; complex numbers,
strings, bytes, objects, structured records and dates are rejected.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from topoalign.errors import InvalidInputError, PayloadTooLargeError
from topoalign.store.catalog import check_name
from topoalign.store.identifiers import MAX_ID_LENGTH, check_stimulus_ids  # noqa: F401 - io applies the store's rule

DEFAULT_MAX_BYTES = 2 * 1024**3

_DTYPE_WORDS = {
    "c": "complex numbers",
    "U": "strings",
    "S": "bytes",
    "O": "Python objects",
    "V": "structured records",
    "M": "dates",
    "m": "time spans",
}


def check_file_size(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, *, label: str | None = None) -> int:
    """The file size in bytes; :class:`PayloadTooLargeError` when it exceeds ``max_bytes``."""
    size = os.path.getsize(path)
    if size > max_bytes:
        raise PayloadTooLargeError(
            f"File {label or Path(path).name!r} is {_human(size)} ({size} bytes), over the size cap of "
            f"{_human(max_bytes)} ({max_bytes} bytes); raise the cap (--max-bytes) to accept it.",
            code="payload_too_large",
        )
    return size


def validate_name(name: str, what: str = "representation name") -> str:
    """Reject names that look like paths with a message saying why; then the store's own rules apply.

    Names never become paths (the store files arrays under generated ids), but a name such as ``../../etc/passwd``
    is refused outright rather than silently kept.
    """
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"Invalid {what} {name!r}: it must be a non-empty string.", code="invalid_name")
    reason = None
    if "\x00" in name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        reason = "it contains a NUL or control character"
    elif ".." in name:
        reason = "it contains '..' (path traversal)"
    elif name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":" and name[0].isalpha()):
        reason = "it starts like an absolute path"
    elif "\\" in name:
        reason = "it contains a backslash"
    if reason:
        raise InvalidInputError(
            f"Invalid {what} {name!r}: {reason}; names are labels, never paths.", code="invalid_name"
        )
    try:
        return check_name(name, what)
    except InvalidInputError as exc:
        raise InvalidInputError(str(exc), code="invalid_name") from None


def check_numeric(key: str, array: np.ndarray) -> None:
    """Accept float, integer and bool arrays; name the dtype of anything else."""
    kind = array.dtype.kind
    if kind in "fiub":
        return
    if kind == "O":
        raise InvalidInputError(
            f"Array {key!r} of shape {array.shape} holds Python objects; pickled objects are not accepted.",
            code="pickled_content",
        )
    what = _DTYPE_WORDS.get(kind, f"dtype {array.dtype}")
    code = "complex_data" if kind == "c" else "non_numeric"
    raise InvalidInputError(
        f"Array {key!r} of shape {array.shape} holds {what} (dtype {array.dtype}); activations must be real numbers "
        "(float, int or bool).",
        code=code,
    )


def check_shape(key: str, array: np.ndarray) -> None:
    """2-D (n, d), 3-D (n, t, d) sequence or 4-D (n, c, h, w) conv arrays with no empty axis."""
    shape = tuple(array.shape)
    if array.ndim < 2:
        raise InvalidInputError(
            f"Array {key!r} has shape {shape} ({array.ndim}-D); a representation needs at least 2 dimensions: "
            "(n_stimuli, n_units), (n, tokens, d) or (n, channels, height, width). Reshape a single vector to (1, d).",
            code="bad_shape",
        )
    if array.ndim > 4:
        raise InvalidInputError(
            f"Array {key!r} has shape {shape} ({array.ndim}-D); at most 4-D (n, channels, height, width) is accepted.",
            code="bad_shape",
        )
    if shape[0] == 0:
        raise InvalidInputError(f"Array {key!r} has shape {shape}: 0 rows (stimuli).", code="empty_array")
    if 0 in shape[1:]:
        raise InvalidInputError(f"Array {key!r} has shape {shape}: 0 columns (units).", code="empty_array")


def nonfinite_rows(matrix: np.ndarray) -> np.ndarray:
    """(n,) bool: rows of an (n x d) matrix holding NaN or +/-Inf."""
    return ~np.isfinite(matrix).all(axis=1)


def check_finite(matrices: dict[str, np.ndarray], *, drop: bool) -> np.ndarray:
    """Rows to keep, the same for every matrix of a file (n,) bool.

    Without ``drop`` any NaN/Inf is an error; with ``drop`` a row with a non-finite value in any matrix is dropped
    from all of them, and an error is raised only when no row would remain.
    """
    bad = None
    for key, m in matrices.items():
        rows = nonfinite_rows(m)
        if rows.any() and not drop:
            n_nan, n_inf = int(np.isnan(m).sum()), int(np.isinf(m).sum())
            raise InvalidInputError(
                f"Array {key!r} of shape {m.shape} holds {n_nan} NaN and {n_inf} infinite values (after conversion "
                f"to float32) in {int(rows.sum())} rows; fix them, or drop those rows with --drop-nonfinite "
                "(drop_nonfinite=True).",
                code="non_finite",
            )
        bad = rows if bad is None else bad | rows
    keep = ~bad if bad is not None else np.zeros(0, bool)
    if bad is not None and not keep.any():
        raise InvalidInputError(
            f"Every one of the {len(keep)} rows holds NaN or infinite values; nothing would remain after dropping "
            "them.",
            code="empty_array",
        )
    return keep


def check_row_counts(matrices: dict[str, np.ndarray], n_expected: int, source: str) -> None:
    """Every matrix must have ``n_expected`` rows (``source`` says where that number comes from)."""
    for key, m in matrices.items():
        if m.shape[0] != n_expected:
            raise InvalidInputError(
                f"Array {key!r} has {m.shape[0]} rows (shape {tuple(m.shape)}) but {source} has {n_expected} stimuli.",
                code="stimulus_mismatch",
            )


def check_ids_in(ids: Sequence[str], known: Sequence[str], where: str) -> None:
    """Every id of ``ids`` must belong to ``known`` (e.g. a collection's stimuli)."""
    known_set = set(known)
    unknown = [s for s in ids if s not in known_set]
    if unknown:
        raise InvalidInputError(
            f"{len(unknown)} of {len(ids)} stimulus ids are not in {where}, which has {len(known_set)} stimuli "
            f"(e.g. {unknown[:3]}).",
            code="stimulus_mismatch",
        )


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
