"""Atomic file writes: temporary file in the same folder, flush, fsync, rename, fsync the folder."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, IO

import numpy as np

from topoalign.finite_json import dumps_finite


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``path`` so that it exists either whole or not at all, whatever happens mid-way."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Atomically write an uncompressed ``.npz`` of plain (non-object) arrays."""
    for key, a in arrays.items():
        if a.dtype == object:
            raise TypeError(f"array {key!r} has dtype object; the store never writes pickles")
    # the keys name arrays; mypy takes any of them for savez's allow_pickle (a bool)
    atomic_write(path, lambda fh: np.savez(fh, **arrays))  # type: ignore[arg-type]


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def write_json(path: Path, payload: Any) -> None:
    """Atomically write ``payload`` as compact JSON, non-finite floats as ``null`` (``topoalign.finite_json``)."""
    data = dumps_finite(payload, separators=(",", ":")).encode()
    atomic_write(path, lambda fh: fh.write(data))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def read_json_bytes(path: Path) -> bytes:
    """The bytes of a JSON file, valid JSON to pass on unparsed. Files written before :func:`write_json` wrote
    non-finite floats as ``null`` may hold bare ``NaN`` / ``Infinity``: such a file is rewritten once with
    ``null`` in their place."""
    raw = path.read_bytes()
    if b"NaN" not in raw and b"Infinity" not in raw:
        return raw
    found: list[str] = []

    def as_null(constant: str) -> None:
        found.append(constant)
        return None

    payload = json.loads(raw, parse_constant=as_null)
    if not found:  # the letters were inside strings
        return raw
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
    atomic_write(path, lambda fh: fh.write(data))
    return data
