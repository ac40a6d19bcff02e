"""Catalog records and the conversions between SQLite rows, label frames and JSON."""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from topoalign.errors import InvalidInputError
from topoalign.representation import Provenance


def new_id(prefix: str = "") -> str:
    """A short random id (prefix + 12 hex digits); ids are names in the catalog, never paths given by users."""
    return prefix + secrets.token_hex(6)


@dataclass
class CollectionRecord:
    id: str
    name: str
    description: str
    n_stimuli: int
    label_columns: list[str]
    has_text: bool
    n_representations: int
    created_at: float


@dataclass
class RepresentationRecord:
    id: str
    collection_id: str
    name: str
    n: int
    d: int
    provenance: Provenance
    stats: dict[str, Any]
    created_at: float


@dataclass
class ArtifactRecord:
    id: str
    kind: str
    key: str
    params: dict[str, Any]
    representation_ids: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0


def _labels_to_json(labels: pd.DataFrame, ids: list[str]) -> dict[str, list[float | None] | list[str | None]]:
    labels = labels.copy()
    labels.index = labels.index.map(str)
    extra = set(labels.index) - set(ids)
    if extra:
        raise InvalidInputError(
            f"{len(extra)} label rows have ids that are not stimuli of the collection (e.g. {sorted(extra)[:3]})."
        )
    if labels.index.duplicated().any():
        raise InvalidInputError(f"Duplicate ids in labels: {labels.index[labels.index.duplicated()][:5].tolist()}.")
    aligned = labels.reindex(ids)
    out: dict[str, list[float | None] | list[str | None]] = {}
    for col in aligned.columns:
        s = aligned[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[str(col)] = [None if pd.isna(v) else float(v) for v in s]
        else:
            out[str(col)] = [None if pd.isna(v) else str(v) for v in s]
    return out


def _stimuli_frame(stimuli: dict) -> pd.DataFrame:
    frame = pd.DataFrame(index=pd.Index(stimuli["ids"], name="stimulus_id"))
    if stimuli.get("text") is not None:
        frame["text"] = stimuli["text"]
    for col, values in stimuli.get("labels", {}).items():
        s = pd.Series(values, index=frame.index)
        numeric = all(v is None or isinstance(v, (int, float)) for v in values)
        frame[col] = s.astype(float) if numeric else s
    return frame


def _collection_record(row: sqlite3.Row) -> CollectionRecord:
    meta = json.loads(row["meta_json"]) if row["meta_json"] else None
    if meta is None:  # pragma: no cover - the store backfills meta_json when it opens
        stimuli = json.loads(row["stimuli_json"])
        meta = {"label_columns": list(stimuli.get("labels", {})), "has_text": stimuli.get("text") is not None}
    return CollectionRecord(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        n_stimuli=row["n_stimuli"],
        label_columns=list(meta["label_columns"]),
        has_text=bool(meta["has_text"]),
        n_representations=row["n_reps"] if "n_reps" in row.keys() else 0,
        created_at=row["created_at"],
    )


def _representation_record(row: sqlite3.Row) -> RepresentationRecord:
    return RepresentationRecord(
        id=row["id"],
        collection_id=row["collection_id"],
        name=row["name"],
        n=row["n"],
        d=row["d"],
        provenance=Provenance.from_dict(json.loads(row["provenance_json"])),
        stats=json.loads(row["stats_json"]),
        created_at=row["created_at"],
    )


def _artifact_record(row: sqlite3.Row) -> ArtifactRecord:
    return ArtifactRecord(
        id=row["id"],
        kind=row["kind"],
        key=row["key"],
        params=json.loads(row["params_json"]),
        representation_ids=json.loads(row["representation_ids"]),
        meta=json.loads(row["meta_json"]),
        created_at=row["created_at"],
    )


def _job_dict(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    d["params"] = json.loads(d.pop("params_json"))
    rj = d.pop("result_json")
    d["result"] = json.loads(rj) if rj else None
    return d
