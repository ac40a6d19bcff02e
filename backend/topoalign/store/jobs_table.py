"""The jobs table of the catalog: records of long computations, their progress and results."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import AbstractContextManager
from typing import Any, Protocol

from topoalign.errors import NotFoundError
from topoalign.store.records import _job_dict, new_id


class _Catalog(Protocol):
    """What the mixin uses of :class:`~topoalign.store.catalog.Store`."""

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...


class JobsTable:
    """Mixed into :class:`~topoalign.store.catalog.Store`; uses its ``_transaction`` and ``_connect``."""

    def create_job(self: _Catalog, kind: str, params: dict[str, Any]) -> str:
        jid = new_id("j")
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO jobs (id, kind, params_json, status, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                (jid, kind, json.dumps(params, default=str), "queued", now, now),
            )
        return jid

    def update_job(self: _Catalog, job_id: str, **fields: Any) -> None:
        allowed = {"status", "progress", "message", "result_json", "error"}
        sets = {k: v for k, v in fields.items() if k in allowed}
        if not sets:
            return
        cols = ", ".join(f"{k}=?" for k in sets) + ", updated_at=?"
        with self._transaction() as db:
            db.execute(f"UPDATE jobs SET {cols} WHERE id=?", (*sets.values(), time.time(), job_id))

    def get_job(self: _Catalog, job_id: str) -> dict[str, Any]:
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No job with id {job_id!r}.")
        return _job_dict(row)

    def list_jobs(self: _Catalog, limit: int = 100) -> list[dict[str, Any]]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
        return [_job_dict(r) for r in rows]
