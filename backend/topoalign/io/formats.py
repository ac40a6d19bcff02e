"""Which format a file is: by its extension, confirmed by its first bytes.

A file whose content does not match its extension is refused with a "mismatched format" error naming what the
content looks like, so that e.g. a pickle renamed to ``.npy`` never reaches a loader.
"""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

from topoalign.errors import InvalidInputError, UnsupportedFormatError

# extension -> format name
EXTENSIONS = {
    ".npy": "npy",
    ".npz": "npz",
    ".safetensors": "safetensors",
    ".pt": "pt",
    ".pth": "pt",
    ".h5": "hdf5",
    ".hdf5": "hdf5",
    ".csv": "csv",
    ".tsv": "tsv",
}
LABEL_EXTENSIONS = {".csv": "csv", ".tsv": "tsv"}

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # local file header; empty archive
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19"  # pickle of torch's legacy magic number
_SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024

_DESCRIPTIONS = {
    "npy": "a NumPy .npy array",
    "npz": "a NumPy .npz archive",
    "pt": "a PyTorch checkpoint",
    "zip": "a zip archive",
    "hdf5": "an HDF5 file",
    "safetensors": "a safetensors file",
    "pickle": "a Python pickle",
    "text": "text",
    "binary": "unrecognised binary data",
    "empty": "nothing (the file is empty)",
}


def format_from_extension(name: str, table: dict[str, str] = EXTENSIONS) -> str:
    """The format of a file name, or :class:`UnsupportedFormatError` listing the accepted extensions."""
    suffix = Path(name).suffix.lower()
    fmt = table.get(suffix)
    if fmt is None:
        accepted = " ".join(sorted(table))
        raise UnsupportedFormatError(
            f"Unknown file format {suffix or '(no extension)'!r} of {Path(name).name!r}; accepted: {accepted}.",
            code="unsupported_format",
        )
    return fmt


def sniff(path: str | Path) -> str:
    """What the content of ``path`` looks like: a key of ``_DESCRIPTIONS``."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        return "empty"
    if head.startswith(NPY_MAGIC):
        return "npy"
    if head.startswith(ZIP_MAGICS):
        return _sniff_zip(path)
    if _hdf5_signature_at(path, head):
        return "hdf5"
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return "pt" if head.startswith(TORCH_LEGACY_MAGIC) else "pickle"
    if _looks_like_safetensors(path, head):
        return "safetensors"
    if _looks_like_text(head):
        return "text"
    return "binary"


def detect_format(path: str | Path, filename: str | None = None, table: dict[str, str] = EXTENSIONS) -> str:
    """Format by extension of ``filename`` (default: the path's name), checked against the magic bytes."""
    label = Path(filename or path).name
    fmt = format_from_extension(label, table)
    content = sniff(path)
    if content == "empty":
        raise InvalidInputError(f"File {label!r} is empty (0 bytes).", code="corrupt_file")
    expected = {
        "npy": {"npy"},
        "npz": {"npz", "zip"},
        "safetensors": {"safetensors"},
        "pt": {"pt", "zip"},
        "hdf5": {"hdf5"},
        "csv": {"text"},
        "tsv": {"text"},
    }[fmt]
    if content == "pickle":
        raise InvalidInputError(
            f"{label!r} is a plain Python pickle: pickled objects are not accepted (nothing was unpickled). "
            "Save arrays with numpy, safetensors, h5py, or tensors with torch.save.",
            code="pickled_content",
        )
    if content == "binary" and fmt not in ("csv", "tsv"):
        raise InvalidInputError(
            f"Corrupt file: {label!r} does not start like {_DESCRIPTIONS[fmt]}; it is damaged, truncated or not "
            f"a {Path(label).suffix} file.",
            code="corrupt_file",
        )
    if content not in expected:
        raise UnsupportedFormatError(
            f"Mismatched format: {label!r} has the extension of {_DESCRIPTIONS.get(fmt, fmt)} ({Path(label).suffix}) "
            f"but its content looks like {_DESCRIPTIONS[content]}.",
            code="mismatched_format",
        )
    return fmt


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"  # truncated or corrupt archive: the reader reports it
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return "pt"
    if names and all(n.endswith(".npy") for n in names):
        return "npz"
    return "zip"


def _hdf5_signature_at(path: Path, head: bytes) -> bool:
    # the superblock sits at 0, 512, 1024, 2048, ... when a user block precedes it
    if head.startswith(HDF5_MAGIC):
        return True
    size = path.stat().st_size
    offset = 512
    with open(path, "rb") as fh:
        while offset + len(HDF5_MAGIC) <= size and offset <= 1 << 20:
            fh.seek(offset)
            if fh.read(len(HDF5_MAGIC)) == HDF5_MAGIC:
                return True
            offset *= 2
    return False


def _looks_like_safetensors(path: Path, head: bytes) -> bool:
    if len(head) < 10:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    if n < 2 or n > _SAFETENSORS_MAX_HEADER or 8 + n > path.stat().st_size:
        return False
    if head[8:9] != b"{":
        return False
    with open(path, "rb") as fh:
        fh.seek(8)
        raw = fh.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(header, dict)


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a multi-byte character cut by the 4096-byte window
    return True
