"""Catalog/file consistency: every representation row has its array file and every array file its row."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class CatalogFiles(Protocol):
    """What the check needs of a store (``catalog.Store`` is one): its database and where its files live. A protocol,
    not the class, so that the catalog may call the check without a circle of imports."""

    data_dir: Path

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def array_path(self, rep_id: str) -> Path: ...

    def artifact_path(self, kind: str, artifact_id: str, suffix: str) -> Path: ...


@dataclass
class IntegrityReport:
    missing_files: list[str] = field(default_factory=list)  # rows whose file is gone
    orphan_files: list[str] = field(default_factory=list)  # files without a row
    temp_files: list[str] = field(default_factory=list)  # half-written temporaries
    sqlite_ok: bool = True

    @property
    def ok(self) -> bool:
        return self.sqlite_ok and not (self.missing_files or self.orphan_files or self.temp_files)


def check_integrity(store: CatalogFiles, *, repair: bool = False) -> IntegrityReport:
    """Compare catalog rows with files; with ``repair``, delete orphans and temporaries (never rows with data)."""
    report = IntegrityReport()
    with store._connect() as db:
        report.sqlite_ok = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rep_ids = {r[0] for r in db.execute("SELECT id FROM representations")}
        arts = {(r[0], r[1], r[2]) for r in db.execute("SELECT id, kind, suffix FROM artifacts")}
    expected = {store.array_path(rid) for rid in rep_ids} | {store.artifact_path(k, a, s) for a, k, s in arts}
    present = set()
    for folder in (store.data_dir / "arrays", store.data_dir / "artifacts"):
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            if path.name.startswith(".tmp-"):
                report.temp_files.append(str(path))
            else:
                present.add(path)
    report.missing_files = sorted(str(p) for p in expected - present)
    report.orphan_files = sorted(str(p) for p in present - expected)
    if repair:
        for p in report.orphan_files + report.temp_files:
            Path(p).unlink(missing_ok=True)
    return report
