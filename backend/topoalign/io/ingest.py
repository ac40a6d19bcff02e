"""Put activation files (or in-memory arrays) into the store, all or nothing.

Every array of a file is read, validated and reduced before anything is written; then the collection (when new),
the representations and the labels are stored, and if any of those steps fails the ones already stored are deleted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from topoalign.errors import ConflictError, InvalidInputError, NotFoundError, check_param
from topoalign.io.labels import check_label_ids, read_labels
from topoalign.io.readers import read_file
from topoalign.io.reduce import CONV_RULES, SEQ_RULES, reduce_activations
from topoalign.io.validate import (
    DEFAULT_MAX_BYTES,
    check_finite,
    check_ids_in,
    check_numeric,
    check_row_counts,
    check_shape,
    check_stimulus_ids,
    validate_name,
)
from topoalign.representation import Provenance, Representation
from topoalign.store.catalog import CollectionRecord, RepresentationRecord, Store


@dataclass
class IngestReport:
    """What an ingest stored: ``dropped_rows`` counts stimuli dropped for NaN/Inf (with ``drop_nonfinite``)."""

    collection_id: str
    records: list[RepresentationRecord]
    dropped_rows: int = 0
    notes: list[str] = field(default_factory=list)


def ingest_file(
    store: Store,
    collection: str,
    path: str | Path,
    *,
    filename: str | None = None,
    labels_path: str | Path | None = None,
    labels_filename: str | None = None,
    id_column: str | None = None,
    provenance: Provenance | None = None,
    name: str | None = None,
    reduce_conv: str = "gap",
    reduce_seq: str = "mean",
    drop_nonfinite: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    create_collection: bool = True,
    rows: Mapping[str, Mapping[str, Any]] | None = None,
    keys: Sequence[str] | None = None,
    description: str = "",
    overwrite_labels: bool = False,
) -> IngestReport:
    """Ingest one activation file into ``collection`` (an id or a name; created when missing).

    ``filename`` is the original name of a file saved under another one (an upload); it decides the format and
    the default representation name. Multi-array files give one representation per array, named by its key
    (``name/key`` when ``name`` is given), its provenance defaulted from the file order (``default_rows``) and
    overridden per array by ``rows`` (``{key: {"name", "model", "layer", "layer_index", ..., "metrics"}}``);
    ``keys`` keeps only some arrays. Raises a :class:`~topoalign.errors.TopoAlignError` naming the problem, in which
    case nothing was stored.
    """
    _check_rules(reduce_conv, reduce_seq)
    raw, labels, arrays = read_inputs(
        path,
        filename=filename,
        id_column=id_column,
        labels_path=labels_path,
        labels_filename=labels_filename,
        max_bytes=max_bytes,
    )
    if keys is not None:
        unknown = sorted(set(keys) - set(arrays))
        if unknown:
            raise InvalidInputError(f"{Path(filename or path).name!r} has no arrays {unknown}; it has {list(arrays)}.")
        arrays = {k: v for k, v in arrays.items() if k in set(keys)}
    report = ingest_arrays(
        store,
        collection,
        arrays,
        ids=raw.ids,
        labels=labels,
        mask=raw.mask,
        provenance=provenance,
        name=name,
        single=raw.single,
        reduce_conv=reduce_conv,
        reduce_seq=reduce_seq,
        drop_nonfinite=drop_nonfinite,
        create_collection=create_collection,
        rows=rows,
        description=description,
        overwrite_labels=overwrite_labels,
    )
    report.notes[:0] = raw.notes
    return report


def read_inputs(
    path, *, filename=None, id_column=None, labels_path=None, labels_filename=None, max_bytes: int = DEFAULT_MAX_BYTES
):
    """``(raw file, labels frame or None, {key: array})`` of an activation file and its labels file, as an ingest
    reads them (a single array keyed by the file's stem made into a valid name)."""
    raw = read_file(path, filename=filename, id_column=id_column, max_bytes=max_bytes)
    labels = None
    if labels_path is not None:
        labels = read_labels(labels_path, id_column=id_column, filename=labels_filename, max_bytes=max_bytes)
    arrays = raw.arrays
    if raw.single:
        arrays = {_safe_stem(next(iter(arrays))): next(iter(arrays.values()))}
    return raw, labels, arrays


def ingest_arrays(
    store: Store,
    collection: str,
    arrays: Mapping[str, np.ndarray],
    *,
    ids: Sequence[str] | None = None,
    labels: pd.DataFrame | None = None,
    texts: Sequence[str] | None = None,
    mask: np.ndarray | None = None,
    provenance: Provenance | None = None,
    name: str | None = None,
    single: bool = False,
    reduce_conv: str = "gap",
    reduce_seq: str = "mean",
    drop_nonfinite: bool = False,
    create_collection: bool = True,
    description: str = "",
    rows: Mapping[str, Mapping[str, Any]] | None = None,
    overwrite_labels: bool = False,
) -> IngestReport:
    """Validate, reduce and store arrays keyed by layer name; all or nothing.

    Parameters
    ----------
    arrays : ``{key: (n, d) | (n, t, d) | (n, c, h, w) array}``; each becomes one representation named ``key``
        (``name/key`` when ``name`` is given; just ``name`` when ``single``). Its provenance layer defaults to
        ``key`` unless ``single``.
    ids : (n,) stimulus ids of the rows. Without them rows follow the collection's order (existing collection),
        the labels' order (new collection with labels) or are named ``s0 .. s{n-1}``.
    labels : DataFrame indexed by stimulus id; every id must be a stimulus. Merged into the collection's labels
        (``Store.set_labels``: existing values change only with ``overwrite_labels``).
    texts : (n,) stimulus texts, used when the collection is created.
    mask : (n, t) token mask for the 3-D arrays (``reduce_seq='mean'``).
    rows : per key, a representation ``name`` and provenance fields over the defaults (``default_rows``) and the
        base ``provenance``; unknown keys or fields are refused.
    """
    _check_rules(reduce_conv, reduce_seq)
    if not arrays:
        raise InvalidInputError("Nothing to ingest: no arrays given.", code="empty_array")
    coll = _find_collection(store, collection, create_collection)
    if coll is None:
        validate_name(collection, "collection name")
    provenances = _row_provenances(list(arrays), provenance or Provenance(), rows or {}, single)
    names = _representation_names(list(arrays), name, single)
    for i, key in enumerate(arrays):
        custom = (rows or {}).get(key, {}).get("name")
        if custom:
            names[i] = validate_name(str(custom), "representation name")
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise InvalidInputError(
            f"Several arrays would get the same representation name: {dups}.", code="duplicate_names"
        )
    if coll is not None:
        _check_names_free(store, coll, names)

    matrices: dict[str, np.ndarray] = {}
    for key, arr in arrays.items():
        arr = np.asarray(arr)
        check_numeric(key, arr)
        check_shape(key, arr)
        matrices[key] = reduce_activations(arr, conv=reduce_conv, seq=reduce_seq, mask=mask if arr.ndim == 3 else None)

    notes: list[str] = []
    ids, universe, where = _resolve_ids(store, coll, collection, matrices, ids, labels, notes)
    if labels is not None:
        notes += check_label_ids(labels, universe, where)

    keep = check_finite(matrices, drop=drop_nonfinite)
    dropped = int((~keep).sum())
    rep_ids = np.asarray(ids, dtype=str)
    if dropped:
        matrices = {k: m[keep] for k, m in matrices.items()}
        rep_ids = rep_ids[keep]
        notes.append(f"dropped {dropped} of {len(keep)} rows holding NaN or infinite values")

    reps = [
        Representation(matrix=matrix, stimulus_ids=rep_ids, provenance=provenances[key], name=rep_name)
        for (key, matrix), rep_name in zip(matrices.items(), names)
    ]
    if coll is not None and texts is not None:
        notes.append(f"stimulus texts ignored: collection {coll.name!r} already exists")

    coll_id, records = _store_all(store, coll, collection, ids, labels, texts, description, reps, overwrite_labels)
    return IngestReport(collection_id=coll_id, records=records, dropped_rows=dropped, notes=notes)


# -- provenance per array ---------------------------------------------------------------------------------------
ROW_FIELDS = (
    "name",
    "model",
    "architecture",
    "layer",
    "layer_index",
    "layer_fraction",
    "checkpoint",
    "epoch",
    "condition",
    "seed",
    "metrics",
)


def default_rows(keys: Sequence[str], models_from_keys: bool = True) -> dict[str, dict[str, Any]]:
    """Provenance defaults of a multi-array file, from its keys in file order: with ``models_from_keys`` a key
    ``model/layer`` names its model and layer, else each key is a layer of one model; within each model the layers are
    numbered in file order, and their depth fraction runs from 0 (first) to 1 (last)."""
    split = [k.rsplit("/", 1) if models_from_keys and "/" in k else [None, k] for k in keys]
    groups: dict[Any, list[int]] = {}
    for i, (model, _) in enumerate(split):
        groups.setdefault(model, []).append(i)
    out: dict[str, dict[str, Any]] = {}
    for model, members in groups.items():
        for rank, i in enumerate(members):
            row: dict[str, Any] = {
                "layer": split[i][1],
                "layer_index": rank,
                "layer_fraction": round(rank / (len(members) - 1), 6) if len(members) > 1 else None,
            }
            if model is not None:
                row["model"] = model
            out[keys[i]] = row
    return out


def _row_provenances(
    keys: list[str], base: Provenance, rows: Mapping[str, Mapping[str, Any]], single: bool
) -> dict[str, Provenance]:
    """Each array's provenance: the file-order defaults (multi-array files), then the base provenance's fields that
    are set, then the array's own row."""
    unknown = sorted(set(rows) - set(keys))
    if unknown:
        raise InvalidInputError(f"Provenance rows for arrays the file does not hold: {unknown}; it holds {keys}.")
    defaults = {} if single else default_rows(keys, models_from_keys=base.model is None)
    base_set = {k: v for k, v in base.to_dict().items() if v not in (None, {}, [])}
    out = {}
    for key in keys:
        row = dict(rows.get(key, {}))
        bad = sorted(set(row) - set(ROW_FIELDS))
        if bad:
            raise InvalidInputError(
                f"Unknown provenance field(s) {bad} for array {key!r}; use some of {list(ROW_FIELDS)}."
            )
        row.pop("name", None)
        for source in (row, base_set):
            metrics = source.get("metrics")
            if metrics is not None and (
                not isinstance(metrics, Mapping)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in metrics.values())
            ):
                raise InvalidInputError(
                    f"The metrics of array {key!r} must map names to numbers, e.g. "
                    f'{{"accuracy": 0.93}}. Got {metrics!r} instead.'
                )
        merged = {**defaults.get(key, {}), **base_set, **{k: v for k, v in row.items() if v is not None}}
        if "metrics" in base_set or "metrics" in row:  # metrics add up: the base's, then the row's
            merged["metrics"] = {**base_set.get("metrics", {}), **(row.get("metrics") or {})}
        prov = Provenance.from_dict(merged)
        _check_provenance(prov, key)
        out[key] = prov
    return out


def _check_provenance(p: Provenance, key: str) -> None:
    owner = f"provenance of {key!r}"
    if p.layer_index is not None:
        check_param(
            owner, "layer_index", p.layer_index, isinstance(p.layer_index, int) and p.layer_index >= 0, "an int >= 0"
        )
    if p.layer_fraction is not None:
        check_param(
            owner,
            "layer_fraction",
            p.layer_fraction,
            isinstance(p.layer_fraction, (int, float)) and 0 <= p.layer_fraction <= 1,
            "in [0, 1]",
        )
    for field_ in ("epoch", "seed"):
        v = getattr(p, field_)
        if v is not None:
            check_param(owner, field_, v, isinstance(v, int) and not isinstance(v, bool) and v >= 0, "an int >= 0")
    for name, value in p.metrics.items():
        check_param(owner, f"metrics.{name}", value, np.isfinite(value), "a finite number")


# -- steps ------------------------------------------------------------------------------------------------------
def _check_rules(reduce_conv: str, reduce_seq: str) -> None:
    check_param("ingest", "reduce_conv", reduce_conv, reduce_conv in CONV_RULES, f"one of {list(CONV_RULES)}")
    check_param("ingest", "reduce_seq", reduce_seq, reduce_seq in SEQ_RULES, f"one of {list(SEQ_RULES)}")


def _find_collection(store: Store, collection: str, create: bool) -> CollectionRecord | None:
    try:
        return store.get_collection(collection)
    except NotFoundError:
        if not create:
            raise
        return None


def _representation_names(keys: list[str], name: str | None, single: bool) -> list[str]:
    if single:
        names = [name or keys[0]]
    else:
        for key in keys:
            validate_name(key, "array key")
        names = [f"{name}/{k}" if name else k for k in keys]
    for n in names:
        validate_name(n, "representation name")
    return names


def _check_names_free(store: Store, coll: CollectionRecord, names: list[str]) -> None:
    taken = {r.name for r in store.list_representations(coll.id)} & set(names)
    if taken:
        raise ConflictError(
            f"Collection {coll.name!r} already has representations named {sorted(taken)}; choose another --name "
            "or delete them first.",
            code="conflict",
        )


def _resolve_ids(store, coll, collection, matrices, ids, labels, notes) -> tuple[list[str], list[str], str]:
    """Row ids of the arrays, the stimuli labels must belong to, and how to name that set in messages."""
    if ids is not None:
        ids = check_stimulus_ids(ids)
        check_row_counts(matrices, len(ids), "the id column")
    if coll is not None:
        coll_ids = store.stimuli(coll.id).index.tolist()
        where = f"collection {coll.name!r}"
        if ids is None:
            check_row_counts(matrices, coll.n_stimuli, where)
            ids = coll_ids
            notes.append(f"no stimulus ids in the input: rows taken in the order of {where}")
        else:
            check_ids_in(ids, coll_ids, where)
        return ids, coll_ids, where
    if ids is None and labels is not None:
        ids = check_stimulus_ids([str(s) for s in labels.index], "ids in the labels")
        check_row_counts(matrices, len(ids), "the labels file")
        notes.append("no stimulus ids in the input: rows taken in the order of the labels file")
    elif ids is None:
        first_key, first = next(iter(matrices.items()))
        check_row_counts(matrices, first.shape[0], f"array {first_key!r}")
        ids = [f"s{i}" for i in range(first.shape[0])]
    return ids, ids, f"new collection {collection!r}"


def _store_all(
    store, coll, collection, ids, labels, texts, description, reps, overwrite_labels: bool = False
) -> tuple[str, list]:
    created = None
    records: list[RepresentationRecord] = []
    try:
        if coll is None:
            coll = store.create_collection(
                collection,
                ids,
                labels=labels,
                texts=list(texts) if texts is not None else None,
                description=description,
            )
            created = coll.id
        records = store.add_representations(coll.id, list(reps))
        if labels is not None and created is None:
            store.set_labels(coll.id, labels, overwrite=overwrite_labels)
    except BaseException:
        _undo(store, records, created)
        raise
    return coll.id, records


def _undo(store: Store, records: list[RepresentationRecord], created: str | None) -> None:
    for rec in records:
        try:
            store.delete_representation(rec.id)
        except Exception:  # noqa: BLE001 - keep undoing; Store.recover() removes whatever is left
            pass
    if created is not None:
        try:
            store.delete_collection(created)
        except Exception:  # noqa: BLE001
            pass


def _safe_stem(stem: str) -> str:
    """A file stem made into a valid representation name (file names are not chosen by the user as names)."""
    cleaned = re.sub(r"[^A-Za-z0-9 _.:@=+,()\-]", "_", stem).replace("..", "_")
    cleaned = re.sub(r"^[^A-Za-z0-9]+", "", cleaned)[:200]
    return cleaned or "representation"
