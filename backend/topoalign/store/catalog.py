"""SQLite catalog of collections, representations, cached artifacts and jobs.

Layout of a data directory::

    catalog.sqlite            WAL-mode catalog
    arrays/<rep_id>.npz       matrix (n x d float32) + stimulus_ids, written atomically before the row is committed
    artifacts/<kind>/<id>.*   cached lens values (.npz), graphs, layouts, audit results (.json)

A crash at any point leaves either a whole representation (file and row) or none visible: the file is renamed into
place before the catalog row is committed, and files without a row are removed by :meth:`Store.recover`.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from topoalign.errors import ConflictError, InvalidInputError, NotFoundError
from topoalign.representation import Representation
from topoalign.store.files import read_arrays, read_json, read_json_bytes, write_arrays, write_json
from topoalign.store.identifiers import check_stimulus_ids
from topoalign.store.jobs_table import JobsTable
from topoalign.store.uploads import UploadArea
from topoalign.store.records import (
    ArtifactRecord,
    CollectionRecord,
    RepresentationRecord,
    _artifact_record,
    _collection_record,
    _labels_to_json,
    _representation_record,
    _stimuli_frame,
    new_id,
)
from topoalign.store.stats import summary_stats

SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    n_stimuli INTEGER NOT NULL,
    stimuli_json TEXT NOT NULL,
    created_at REAL NOT NULL,
    meta_json TEXT
);
CREATE TABLE IF NOT EXISTS representations (
    id TEXT PRIMARY KEY,
    collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    n INTEGER NOT NULL,
    d INTEGER NOT NULL,
    model TEXT, layer TEXT, layer_index INTEGER, layer_fraction REAL,
    checkpoint TEXT, epoch INTEGER, condition TEXT, seed INTEGER,
    provenance_json TEXT NOT NULL,
    stats_json TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (collection_id, name)
);
CREATE TABLE IF NOT EXISTS artifacts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    params_json TEXT NOT NULL,
    representation_ids TEXT NOT NULL,
    suffix TEXT NOT NULL,
    meta_json TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    UNIQUE (kind, key)
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    params_json TEXT NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    result_json TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS reps_by_collection ON representations(collection_id);
"""

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.:@=+/,()\-]{0,199}$")
_ID_RE = re.compile(r"^[a-z0-9]{1,64}$")


def params_key(params: Any) -> str:
    """A stable hash of JSON-able parameters: the cache key of an artifact."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:32]


_GENERATED_ID_RE = re.compile(r"^[a-z][0-9a-f]{12}$")  # new_id's shape: a letter and 12 hex digits
_LISTED = (
    "c.id, c.name, c.description, c.n_stimuli, c.created_at, c.meta_json, "
    "(SELECT COUNT(*) FROM representations r WHERE r.collection_id=c.id) AS n_reps"
)
RESERVED_LABELS = ("text", "stimulus_id")


def check_collection_name(name: str) -> str:
    """A collection's name: a name (``check_name``) without '/' (it is a path segment of the API's routes) and not
    shaped like a generated id (so that "id or name" always names one collection)."""
    check_name(name, "collection name")
    if "/" in name:
        raise InvalidInputError(
            f"Invalid collection name {name!r}: it may not contain '/' (collections are addressed by name in URLs).",
            code="invalid_name",
        )
    if _GENERATED_ID_RE.match(name):
        raise InvalidInputError(
            f"Invalid collection name {name!r}: names shaped like generated ids (a letter and 12 "
            "hex digits) are reserved.",
            code="invalid_name",
        )
    return name


def check_stimulus_id_list(stimulus_ids) -> list[str]:
    """Stimulus ids as the store keeps them: non-empty, unique, printable, at most 500 characters, no bidirectional
    controls (the rule of uploads, :func:`topoalign.store.identifiers.check_stimulus_ids`, on every path)."""

    ids = [str(s) for s in stimulus_ids]
    if not ids:
        raise InvalidInputError("A collection needs at least one stimulus.")
    return list(check_stimulus_ids(ids))


def _check_label_columns(labels: pd.DataFrame) -> None:
    reserved = sorted(set(RESERVED_LABELS) & {str(c) for c in labels.columns})
    if reserved:
        raise InvalidInputError(
            f"Label columns may not be named {reserved}: the names are reserved for the stimulus "
            "texts and ids. Rename the column(s).",
            code="reserved_name",
        )


def _collection_meta(stimuli: dict) -> str:
    """What a listing shows of a collection's stimuli, kept beside them: label columns and whether texts exist."""
    return json.dumps({"label_columns": list(stimuli.get("labels", {})), "has_text": stimuli.get("text") is not None})


def check_name(name: str, what: str = "name") -> str:
    """Names are labels, never paths: reject traversal, separators at the ends, control characters."""
    if not isinstance(name, str) or not _NAME_RE.match(name) or ".." in name or name.endswith("/"):
        raise InvalidInputError(
            f"Invalid {what} {name!r}: use 1-200 letters, digits, spaces and _ . : @ = + / , ( ) -, "
            "starting with a letter or digit, without '..'."
        )
    return name


def _check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise NotFoundError(f"No {what} with id {value!r}.")
    return value


class Store(JobsTable):
    """Catalog + files under ``data_dir``. Safe to share between threads (one connection per operation)."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "arrays").mkdir(exist_ok=True)
        (self.data_dir / "artifacts").mkdir(exist_ok=True)
        self.catalog_path = self.data_dir / "catalog.sqlite"
        self.uploads = UploadArea(self.data_dir / "uploads")
        self._lock = threading.RLock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            columns = {r["name"] for r in db.execute("PRAGMA table_info(collections)")}
            if "meta_json" not in columns:  # a store made before the listing stopped parsing the stimuli
                db.execute("ALTER TABLE collections ADD COLUMN meta_json TEXT")
            for row in db.execute("SELECT id, stimuli_json FROM collections WHERE meta_json IS NULL").fetchall():
                db.execute(
                    "UPDATE collections SET meta_json=? WHERE id=?",
                    (_collection_meta(json.loads(row["stimuli_json"])), row["id"]),
                )

    # -- plumbing ---------------------------------------------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.catalog_path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=30000")
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def array_path(self, rep_id: str) -> Path:
        return self.data_dir / "arrays" / f"{_check_id(rep_id, 'representation')}.npz"

    def artifact_path(self, kind: str, artifact_id: str, suffix: str) -> Path:
        if not re.match(r"^[a-z_]{1,32}$", kind) or suffix not in (".npz", ".json"):
            raise ValueError(f"bad artifact kind/suffix {kind!r} {suffix!r}")
        return self.data_dir / "artifacts" / kind / f"{_check_id(artifact_id, 'artifact')}{suffix}"

    # -- collections ------------------------------------------------------------------------------------------
    def create_collection(
        self,
        name: str,
        stimulus_ids: list[str] | np.ndarray,
        labels: pd.DataFrame | None = None,
        texts: list[str] | None = None,
        description: str = "",
    ) -> CollectionRecord:
        """Create a collection of stimuli. ``labels`` is indexed by stimulus id; ``texts`` is in ``stimulus_ids`` order."""
        check_collection_name(name)
        ids = check_stimulus_id_list(stimulus_ids)
        if labels is not None:
            _check_label_columns(labels)
        if texts is not None and len(texts) != len(ids):
            raise InvalidInputError(f"{len(texts)} stimulus texts for {len(ids)} stimuli.")
        stimuli: dict[str, Any] = {
            "ids": ids,
            "text": list(map(str, texts)) if texts is not None else None,
            "labels": {},
        }
        if labels is not None:
            stimuli["labels"] = _labels_to_json(labels, ids)
        cid = new_id("c")
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM collections WHERE name=? OR id=?", (name, name)).fetchone():
                raise ConflictError(f"A collection named {name!r} already exists.")
            db.execute(
                "INSERT INTO collections (id, name, description, n_stimuli, stimuli_json, created_at, meta_json) "
                "VALUES (?,?,?,?,?,?,?)",
                (cid, name, description, len(ids), json.dumps(stimuli), time.time(), _collection_meta(stimuli)),
            )
        return self.get_collection(cid)

    def _collection_row(self, db: sqlite3.Connection, id_or_name: str, columns: str = _LISTED) -> sqlite3.Row:
        """The row of exactly one collection: by id first, else by name (names can never look like ids, so an id
        and a name never both match)."""
        for where in ("c.id=?", "c.name=?"):
            row = db.execute(f"SELECT {columns} FROM collections c WHERE {where}", (id_or_name,)).fetchone()
            if row is not None:
                return row
        raise NotFoundError(f"No collection with id or name {id_or_name!r}.")

    def get_collection(self, id_or_name: str) -> CollectionRecord:
        with self._connect() as db:
            return _collection_record(self._collection_row(db, id_or_name))

    def list_collections(self) -> list[CollectionRecord]:
        """Every collection, without reading its stimuli (their ids and labels can be megabytes)."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {_LISTED} FROM collections c ORDER BY c.created_at").fetchall()
        return [_collection_record(r) for r in rows]

    def stimuli(self, collection_id: str) -> pd.DataFrame:
        """One row per stimulus, indexed by stimulus id, in collection order: a ``text`` column if any, then labels."""
        with self._connect() as db:
            row = self._collection_row(db, collection_id, "c.stimuli_json")
        return _stimuli_frame(json.loads(row["stimuli_json"]))

    def set_labels(self, collection_id: str, labels: pd.DataFrame, *, overwrite: bool = False) -> dict[str, int]:
        """Merge label columns (indexed by stimulus id; ids must all belong to the collection).

        A new column is added (stimuli the frame leaves out get no value). In an existing column only the stimuli the
        frame lists, with a value, change: a missing value is filled; a different value is refused (``ConflictError``
        naming the columns) unless ``overwrite``. A partial label file therefore never erases labels. Returns the
        number of values set per column.
        """
        _check_label_columns(labels)
        coll = self.get_collection(collection_id)
        with self._transaction() as db:
            row = db.execute("SELECT stimuli_json FROM collections WHERE id=?", (coll.id,)).fetchone()
            stimuli = json.loads(row["stimuli_json"])
            new = _labels_to_json(labels, stimuli["ids"])
            pos = {s: i for i, s in enumerate(stimuli["ids"])}
            listed = sorted(pos[str(s)] for s in labels.index)
            conflicts: dict[str, int] = {}
            changed: dict[str, int] = {}
            for col, values in new.items():
                old = stimuli["labels"].get(col)
                if old is None:
                    stimuli["labels"][col] = values
                    changed[col] = sum(v is not None for v in values)
                    continue
                merged, n = list(old), 0
                for i in listed:
                    v = values[i]
                    if v is None or v == old[i]:
                        continue
                    if old[i] is not None and not overwrite:
                        conflicts[col] = conflicts.get(col, 0) + 1
                        continue
                    merged[i], n = v, n + 1
                stimuli["labels"][col], changed[col] = merged, n
            if conflicts:
                raise ConflictError(
                    f"The labels would change existing values: {conflicts} (column: stimuli). Nothing was changed; "
                    "send overwrite to replace them.",
                    code="label_conflict",
                )
            db.execute(
                "UPDATE collections SET stimuli_json=?, meta_json=? WHERE id=?",
                (json.dumps(stimuli), _collection_meta(stimuli), coll.id),
            )
        return changed

    def update_collection(
        self, collection_id: str, *, name: str | None = None, description: str | None = None
    ) -> CollectionRecord:
        """Rename a collection or change its description."""
        coll = self.get_collection(collection_id)
        if name is not None:
            check_collection_name(name)
        with self._transaction() as db:
            if name is not None and name != coll.name:
                if db.execute("SELECT 1 FROM collections WHERE name=? OR id=?", (name, name)).fetchone():
                    raise ConflictError(f"A collection named {name!r} already exists.")
                db.execute("UPDATE collections SET name=? WHERE id=?", (name, coll.id))
            if description is not None:
                db.execute("UPDATE collections SET description=? WHERE id=?", (description, coll.id))
        return self.get_collection(coll.id)

    def delete_collection(self, collection_id: str) -> None:
        coll = self.get_collection(collection_id)
        for rec in self.list_representations(coll.id):
            self.delete_representation(rec.id)
        with self._transaction() as db:
            db.execute("DELETE FROM collections WHERE id=?", (coll.id,))

    # -- representations --------------------------------------------------------------------------------------
    def add_representation(
        self, collection_id: str, rep: Representation, name: str | None = None
    ) -> RepresentationRecord:
        """Store ``rep`` in a collection; see :meth:`add_representations`."""
        if name is not None:
            rep = Representation(rep.matrix, rep.stimulus_ids, rep.labels, rep.provenance, name)
        return self.add_representations(collection_id, [rep])[0]

    def add_representations(self, collection_id: str, reps: list[Representation]) -> list[RepresentationRecord]:
        """Store several representations all or nothing. Their stimulus ids must all belong to the collection.

        Every array file is renamed into place before one transaction commits all catalog rows (see module
        docstring): a crash at any point leaves all of them visible or none.
        """
        coll = self.get_collection(collection_id)
        known = set(self.stimuli(coll.id).index)
        names = [check_name(rep.name or "representation", "representation name") for rep in reps]
        if len(set(names)) != len(names):
            raise ConflictError(f"Representation names repeat within one batch: {names}.")
        for rep in reps:
            unknown = [s for s in rep.stimulus_ids if s not in known]
            if unknown:
                raise InvalidInputError(
                    f"{len(unknown)} of {rep.n} stimulus ids are not in collection {coll.name!r} "
                    f"(e.g. {unknown[:3]}); the collection has {coll.n_stimuli} stimuli."
                )
            if len(set(rep.stimulus_ids.tolist())) != rep.n:
                raise InvalidInputError("Duplicate stimulus ids in the representation.")
        self._check_names_free(coll, names)
        rows, paths = [], []
        try:
            for rep, name in zip(reps, names):
                rid = new_id("r")
                path = self.array_path(rid)
                write_arrays(path, matrix=rep.matrix, stimulus_ids=rep.stimulus_ids)
                paths.append(path)
                rows.append((rid, name, rep, summary_stats(rep.matrix)))
            self._insert_representation_rows(coll.id, rows)
        except BaseException:
            for path in paths:
                path.unlink(missing_ok=True)
            raise
        return [self.get_representation(rid) for rid, *_ in rows]

    def _check_names_free(self, coll: CollectionRecord, names: list[str], db: sqlite3.Connection | None = None) -> None:
        def check(conn):
            for name in names:
                if conn.execute(
                    "SELECT 1 FROM representations WHERE collection_id=? AND name=?", (coll.id, name)
                ).fetchone():
                    raise ConflictError(f"Collection {coll.name!r} already has a representation named {name!r}.")

        if db is not None:
            check(db)
        else:
            with self._connect() as conn:
                check(conn)

    def _insert_representation_rows(self, cid: str, rows: list[tuple[str, str, Representation, dict]]) -> None:
        with self._transaction() as db:
            self._check_names_free(self.get_collection(cid), [name for _, name, _, _ in rows], db)
            for rid, name, rep, stats in rows:
                p = rep.provenance
                db.execute(
                    "INSERT INTO representations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        rid,
                        cid,
                        name,
                        rep.n,
                        rep.d,
                        p.model,
                        p.layer,
                        p.layer_index,
                        p.layer_fraction,
                        p.checkpoint,
                        p.epoch,
                        p.condition,
                        p.seed,
                        json.dumps(p.to_dict(), default=str),
                        json.dumps(stats),
                        time.time(),
                    ),
                )

    def get_representation(self, rep_id: str) -> RepresentationRecord:
        with self._connect() as db:
            row = db.execute("SELECT * FROM representations WHERE id=?", (rep_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No representation with id {rep_id!r}.")
        return _representation_record(row)

    def list_representations(self, collection_id: str | None = None, **filters: Any) -> list[RepresentationRecord]:
        """Representations, optionally of one collection and filtered by provenance columns (model=..., layer=...)."""
        allowed = {"model", "layer", "layer_index", "checkpoint", "epoch", "condition", "seed", "name"}
        where, args = [], []
        if collection_id is not None:
            where.append("collection_id=?")
            args.append(self.get_collection(collection_id).id)
        for k, v in filters.items():
            if k not in allowed:
                raise InvalidInputError(f"Cannot filter representations by {k!r}; use one of {sorted(allowed)}.")
            if v is not None:
                where.append(f"{k}=?")
                args.append(v)
        sql = "SELECT * FROM representations" + (" WHERE " + " AND ".join(where) if where else "")
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY created_at, name", args).fetchall()
        return [_representation_record(r) for r in rows]

    def load_representation(self, rep_id: str) -> Representation:
        """The full representation, labels joined from its collection."""
        rec = self.get_representation(rep_id)
        arrays = read_arrays(self.array_path(rec.id))
        stimuli = self.stimuli(rec.collection_id)
        labels = stimuli.drop(columns=["text"], errors="ignore")
        return Representation(
            matrix=arrays["matrix"],
            stimulus_ids=arrays["stimulus_ids"],
            labels=labels if labels.shape[1] else None,
            provenance=rec.provenance,
            name=rec.name,
        )

    def delete_representation(self, rep_id: str) -> None:
        rec = self.get_representation(rep_id)
        with self._transaction() as db:
            db.execute("DELETE FROM representations WHERE id=?", (rec.id,))
            arts = db.execute(
                "SELECT id, kind, suffix FROM artifacts WHERE representation_ids LIKE ?", (f'%"{rec.id}"%',)
            ).fetchall()
            db.execute("DELETE FROM artifacts WHERE representation_ids LIKE ?", (f'%"{rec.id}"%',))
        self.array_path(rec.id).unlink(missing_ok=True)
        for a in arts:
            self.artifact_path(a["kind"], a["id"], a["suffix"]).unlink(missing_ok=True)

    # -- artifacts (cached lens values, graphs, layouts, audit results) ---------------------------------------
    def put_artifact(
        self,
        kind: str,
        params: dict[str, Any],
        payload: dict[str, np.ndarray] | Any,
        representation_ids: Sequence[str] = (),
        meta: dict[str, Any] | None = None,
    ) -> ArtifactRecord:
        """Store a computed result under (kind, hash of params); arrays as ``.npz``, anything else as JSON."""
        key = params_key(params)
        existing = self.find_artifact(kind, params)
        if existing is not None:
            return existing
        aid = new_id("a")
        is_arrays = isinstance(payload, dict) and payload and all(isinstance(v, np.ndarray) for v in payload.values())
        suffix = ".npz" if is_arrays else ".json"
        path = self.artifact_path(kind, aid, suffix)
        if is_arrays:
            write_arrays(path, **payload)
        else:
            write_json(path, payload)
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT OR IGNORE INTO artifacts VALUES (?,?,?,?,?,?,?,?)",
                    (
                        aid,
                        kind,
                        key,
                        json.dumps(params, sort_keys=True, default=str),
                        json.dumps(list(representation_ids)),
                        suffix,
                        json.dumps(meta or {}, default=str),
                        time.time(),
                    ),
                )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        rec = self.find_artifact(kind, params)
        if rec is None:  # deleted by a concurrent request before it could be read back
            raise NotFoundError(f"The {kind} artifact just stored was deleted meanwhile.")
        if rec.id != aid:  # lost a race to an identical request: keep the first
            path.unlink(missing_ok=True)
        return rec

    def find_artifact(self, kind: str, params: dict[str, Any]) -> ArtifactRecord | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM artifacts WHERE kind=? AND key=?", (kind, params_key(params))).fetchone()
        return _artifact_record(row) if row else None

    def get_artifact(self, artifact_id: str, kind: str | None = None) -> ArtifactRecord:
        with self._connect() as db:
            row = db.execute("SELECT * FROM artifacts WHERE id=?", (artifact_id,)).fetchone()
        if row is None or (kind is not None and row["kind"] != kind):
            raise NotFoundError(f"No {kind or 'artifact'} with id {artifact_id!r}.")
        return _artifact_record(row)

    def list_artifacts(self, kind: str) -> list[ArtifactRecord]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM artifacts WHERE kind=? ORDER BY created_at", (kind,)).fetchall()
        return [_artifact_record(r) for r in rows]

    def load_artifact(self, artifact_id: str) -> dict[str, np.ndarray] | Any:
        with self._connect() as db:
            row = db.execute("SELECT id, kind, suffix FROM artifacts WHERE id=?", (artifact_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No artifact with id {artifact_id!r}.")
        path = self.artifact_path(row["kind"], row["id"], row["suffix"])
        return read_arrays(path) if row["suffix"] == ".npz" else read_json(path)

    def artifact_json_bytes(self, artifact_id: str, kind: str | None = None) -> bytes:
        """A JSON artifact's bytes as stored (valid JSON, unparsed): for answers that pass it on unchanged."""
        with self._connect() as db:
            row = db.execute("SELECT id, kind, suffix FROM artifacts WHERE id=?", (artifact_id,)).fetchone()
        if row is None or row["suffix"] != ".json" or (kind is not None and row["kind"] != kind):
            raise NotFoundError(f"No {kind or 'JSON artifact'} with id {artifact_id!r}.")
        return read_json_bytes(self.artifact_path(row["kind"], row["id"], row["suffix"]))

    def delete_artifact(self, artifact_id: str) -> None:
        rec = self.get_artifact(artifact_id)
        with self._transaction() as db:
            row = db.execute("SELECT suffix FROM artifacts WHERE id=?", (rec.id,)).fetchone()
            db.execute("DELETE FROM artifacts WHERE id=?", (rec.id,))
        self.artifact_path(rec.kind, rec.id, row["suffix"]).unlink(missing_ok=True)

    # -- recovery ---------------------------------------------------------------------------------------------
    def recover(self) -> dict[str, int]:
        """After a crash: drop temporary and orphan files, mark jobs that were running as interrupted."""
        from topoalign.store.integrity import check_integrity

        report = check_integrity(self, repair=True)
        uploads = self.data_dir / "uploads"
        self.uploads.purge()
        # half-received uploads of a server that died (a complete staging, with its meta.json, waits for a commit)
        stale_uploads = [p for p in uploads.iterdir() if not (p / "meta.json").is_file()] if uploads.is_dir() else []
        for leftover in stale_uploads:
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
        with self._transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET status='interrupted', message='interrupted by a server restart', updated_at=? "
                "WHERE status IN ('queued', 'running')",
                (time.time(),),
            )
            interrupted = cur.rowcount
        return {
            "removed_files": len(report.orphan_files) + len(report.temp_files) + len(stale_uploads),
            "interrupted_jobs": interrupted,
        }
