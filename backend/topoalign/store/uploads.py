"""Staged uploads: files received but not yet ingested, under ``<data dir>/uploads/<id>/``.

A browser upload is received once, inspected (its arrays listed for the user to edit their provenance) and committed
later into a collection; until then it lives here, under a generated id (the client's file name lends only its
extension), with a JSON description beside it. A commit that fails keeps the staged files so the user can fix the
provenance and try again; a successful one removes them, and ``purge`` drops stagings older than ``max_age`` seconds
(the server calls it at start-up and on every new staging). Nothing here is in the catalog: a staged upload is never
a representation.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from topoalign.errors import NotFoundError, PayloadTooLargeError

_ID_RE = re.compile(r"^u[a-f0-9]{24}$")
MAX_AGE_S = 6 * 3600


@dataclass
class StagedUpload:
    id: str
    folder: Path
    data: Path
    labels: Path | None
    meta: dict[str, Any]


class UploadArea:
    """The staging folder of one data directory."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def new(self) -> tuple[str, Path]:
        """A fresh staging id and its (created) folder."""
        self.purge()
        uid = "u" + secrets.token_hex(12)
        folder = self.root / uid
        folder.mkdir(parents=True, exist_ok=False)
        return uid, folder

    def temporary(self) -> Path:
        """A fresh folder for a one-shot upload (removed by the caller, or by ``purge`` after a crash)."""
        return self.new()[1]

    @staticmethod
    def save(stream: BinaryIO, folder: Path, stem: str, client_name: str | None, cap: int) -> Path:
        """Copy a stream to ``folder/<stem><suffix>`` (the suffix from the client's name only), enforcing the cap."""
        suffix = "".join(Path(client_name or "").suffixes[-1:]).lower()
        if not suffix or len(suffix) > 12 or not suffix[1:].isalnum():
            suffix = ".bin"
        target = folder / f"{stem}{suffix}"
        written = 0
        with open(target, "wb") as out:
            while chunk := stream.read(1 << 20):
                written += len(chunk)
                if written > cap:
                    raise PayloadTooLargeError(
                        f"Upload {client_name!r} is larger than the {cap:,}-byte cap (TOPOALIGN_MAX_UPLOAD_BYTES)."
                    )
                out.write(chunk)
        return target

    def describe(self, uid: str, meta: dict[str, Any]) -> None:
        (self._folder(uid) / "meta.json").write_text(json.dumps(meta))

    def get(self, uid: str) -> StagedUpload:
        folder = self._folder(uid)
        meta_path = folder / "meta.json"
        if not meta_path.is_file():
            raise NotFoundError(f"No staged upload with id {uid!r} (it may have been committed or expired).")
        meta = json.loads(meta_path.read_text())
        labels = folder / meta["labels_file"] if meta.get("labels_file") else None
        return StagedUpload(uid, folder, folder / meta["data_file"], labels, meta)

    def remove(self, uid: str) -> None:
        shutil.rmtree(self._folder(uid), ignore_errors=True)

    def purge(self, max_age: float = MAX_AGE_S) -> int:
        """Remove stagings older than ``max_age`` seconds; returns how many."""
        if not self.root.is_dir():
            return 0
        cutoff, removed = time.time() - max_age, 0
        for folder in self.root.iterdir():
            try:
                if folder.is_dir() and folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
            except OSError:
                continue
        return removed

    def _folder(self, uid: str) -> Path:
        if not isinstance(uid, str) or not _ID_RE.match(uid):
            raise NotFoundError(f"No staged upload with id {uid!r}.")
        return self.root / uid
