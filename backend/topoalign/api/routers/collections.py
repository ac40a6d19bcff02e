"""Collections: sets of named stimuli that representations share; uploads of activation files into them."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import APIRouter, File, Form, Query, UploadFile, status

from topoalign.api.deps import SettingsDep, StoreDep
from topoalign.api.schemas.collections import (
    CollectionIn,
    CollectionOut,
    CollectionPatch,
    IngestOut,
    LabelsOut,
    RepresentationOut,
    RowIn,
    StimuliOut,
    ThumbnailsOut,
)
from topoalign.api.schemas.common import CONV_RULE_PATTERN, ERROR_RESPONSES, SEQ_RULE_PATTERN, ProvenanceIn
from topoalign.api.serialize import collection_out, representation_out
from topoalign.errors import InvalidInputError, NotFoundError
from topoalign.representation import Provenance

router = APIRouter(prefix="/api/collections", tags=["collections"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[CollectionOut])
def list_collections(store: StoreDep) -> list[CollectionOut]:
    return [collection_out(c) for c in store.list_collections()]


@router.post("", response_model=CollectionOut, status_code=status.HTTP_201_CREATED)
def create_collection(body: CollectionIn, store: StoreDep) -> CollectionOut:
    labels = None
    if body.labels:
        bad = [k for k, v in body.labels.items() if len(v) != len(body.stimulus_ids)]
        if bad:
            raise InvalidInputError(
                f"Label columns {bad} do not have one value per stimulus ({len(body.stimulus_ids)})."
            )
        labels = pd.DataFrame(body.labels, index=body.stimulus_ids)
    return collection_out(store.create_collection(body.name, body.stimulus_ids, labels, body.texts, body.description))


@router.post("/from-table", response_model=CollectionOut, status_code=status.HTTP_201_CREATED)
def create_collection_from_table(
    store: StoreDep,
    settings: SettingsDep,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    table: Annotated[
        UploadFile,
        File(
            description="CSV/TSV, one row per stimulus: an id column, optionally a text "
            "column, the other columns labels"
        ),
    ],
    id_column: Annotated[str | None, Form(max_length=200)] = None,
    text_column: Annotated[str | None, Form(max_length=200, description="default: a column named 'text'")] = None,
    description: Annotated[str, Form(max_length=2000)] = "",
    thumbnails: Annotated[
        UploadFile | None, File(description=".npy of images (n, h, w) or (n, h, w, 3), in the table's row order")
    ] = None,
) -> CollectionOut:
    """A collection from a stimulus table (the browser's "new collection"): ids, optional texts and labels, and
    optional image thumbnails. All or nothing."""
    from topoalign.io.labels import read_labels
    from topoalign.io.thumbnails import read_thumbnails

    folder = store.uploads.temporary()
    try:
        path = store.uploads.save(table.file, folder, "table", table.filename, settings.max_upload_bytes)
        frame = read_labels(path, id_column=id_column, filename=table.filename, max_bytes=settings.max_upload_bytes)
        text_col = text_column or ("text" if "text" in frame.columns else None)
        if text_column and text_column not in frame.columns:
            raise InvalidInputError(f"The table has no column {text_column!r}; it has {list(frame.columns)}.")
        texts = frame[text_col].astype(str).tolist() if text_col else None
        labels = frame.drop(columns=[text_col]) if text_col else frame
        images = None
        if thumbnails is not None:
            tpath = store.uploads.save(
                thumbnails.file, folder, "thumbs", thumbnails.filename, settings.max_upload_bytes
            )
            images = read_thumbnails(tpath, n=len(frame), label=thumbnails.filename or "thumbnails")
        coll = store.create_collection(
            name, [str(i) for i in frame.index], labels if labels.shape[1] else None, texts, description
        )
        if images is not None:
            try:
                store.put_artifact(
                    "thumbnails",
                    {"collection": coll.id},
                    {"images": images, "ids": np.asarray([str(i) for i in frame.index])},
                )
            except BaseException:
                store.delete_collection(coll.id)
                raise
    finally:
        store.uploads.remove(folder.name)
    return collection_out(store.get_collection(coll.id))


@router.get("/{collection_id}", response_model=CollectionOut)
def get_collection(collection_id: str, store: StoreDep) -> CollectionOut:
    return collection_out(store.get_collection(collection_id))


@router.patch("/{collection_id}", response_model=CollectionOut)
def update_collection(collection_id: str, body: CollectionPatch, store: StoreDep) -> CollectionOut:
    """Rename a collection or change its description."""
    return collection_out(store.update_collection(collection_id, name=body.name, description=body.description))


@router.post("/{collection_id}/labels", response_model=LabelsOut)
def add_labels(
    collection_id: str,
    store: StoreDep,
    settings: SettingsDep,
    labels: Annotated[UploadFile, File(description="CSV/TSV: an id column and label columns")],
    id_column: Annotated[str | None, Form(max_length=200)] = None,
    overwrite: Annotated[bool, Form(description="replace existing values that differ (else 409)")] = False,
) -> LabelsOut:
    """Merge label columns into a collection: new columns are added, missing values filled; a value that would
    change is refused unless ``overwrite``. Stimuli the file leaves out keep their labels."""
    from topoalign.io.labels import check_label_ids, read_labels

    coll = store.get_collection(collection_id)
    folder = store.uploads.temporary()
    try:
        path = store.uploads.save(labels.file, folder, "labels", labels.filename, settings.max_upload_bytes)
        frame = read_labels(path, id_column=id_column, filename=labels.filename, max_bytes=settings.max_upload_bytes)
    finally:
        store.uploads.remove(folder.name)
    notes = check_label_ids(frame, store.stimuli(coll.id).index.tolist(), f"collection {coll.name!r}")
    changed = store.set_labels(coll.id, frame, overwrite=overwrite)
    return LabelsOut(collection=collection_out(store.get_collection(coll.id)), changed=changed, notes=notes)


@router.delete("/{collection_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_collection(collection_id: str, store: StoreDep) -> None:
    store.delete_collection(collection_id)


@router.get("/{collection_id}/stimuli", response_model=StimuliOut)
def get_stimuli(
    collection_id: str,
    store: StoreDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> StimuliOut:
    coll = store.get_collection(collection_id)
    frame = store.stimuli(coll.id)
    page = frame.iloc[offset : offset + limit]
    labels = {c: [None if pd.isna(v) else v for v in page[c].tolist()] for c in page.columns if c != "text"}
    return StimuliOut(
        collection_id=coll.id,
        total=len(frame),
        offset=offset,
        stimulus_ids=page.index.tolist(),
        texts=page["text"].tolist() if "text" in page else None,
        labels=labels,
    )


@router.get("/{collection_id}/thumbnails", response_model=ThumbnailsOut)
def get_thumbnails(
    collection_id: str,
    store: StoreDep,
    ids: Annotated[str, Query(max_length=20_000, description="Comma-separated stimulus ids (at most 500)")],
) -> ThumbnailsOut:
    """Image thumbnails (the demo digits) of some stimuli; ids without one are left out."""
    coll = store.get_collection(collection_id)
    art = store.find_artifact("thumbnails", {"collection": coll.id})
    if art is None:
        raise NotFoundError(f"Collection {coll.name!r} has no thumbnails.")
    wanted = [s for s in ids.split(",") if s]
    if len(wanted) > 500:
        raise InvalidInputError(f"At most 500 ids per thumbnails request. Got {len(wanted)} instead.")
    payload = store.load_artifact(art.id)
    row = {str(s): i for i, s in enumerate(payload["ids"])}
    images = payload["images"].reshape(len(payload["images"]), -1)
    return ThumbnailsOut({s: images[row[s]].tolist() for s in wanted if s in row})


@router.get("/{collection_id}/representations", response_model=list[RepresentationOut])
def list_collection_representations(collection_id: str, store: StoreDep) -> list[RepresentationOut]:
    return [representation_out(r) for r in store.list_representations(collection_id)]


@router.post("/{collection_id}/representations", response_model=IngestOut, status_code=status.HTTP_201_CREATED)
def upload_representations(
    collection_id: str,
    store: StoreDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Activations: .npy .npz .safetensors .pt .pth .h5 .hdf5 .csv .tsv")],
    labels: Annotated[UploadFile | None, File(description="Optional labels CSV/TSV joined on the id column")] = None,
    name: Annotated[str | None, Form(max_length=200)] = None,
    id_column: Annotated[str | None, Form(max_length=200)] = None,
    model: Annotated[str | None, Form(max_length=200)] = None,
    layer: Annotated[str | None, Form(max_length=200)] = None,
    layer_index: Annotated[int | None, Form(ge=0, le=100000)] = None,
    layer_fraction: Annotated[float | None, Form(ge=0, le=1)] = None,
    checkpoint: Annotated[str | None, Form(max_length=200)] = None,
    epoch: Annotated[int | None, Form(ge=0, le=10**7)] = None,
    condition: Annotated[str | None, Form(max_length=200)] = None,
    seed: Annotated[int | None, Form(ge=0, le=2**63 - 1)] = None,
    architecture: Annotated[str | None, Form(max_length=200)] = None,
    metrics: Annotated[
        str | None, Form(max_length=10_000, description='task metrics as JSON, e.g. {"accuracy": 0.93}')
    ] = None,
    rows: Annotated[
        str | None,
        Form(
            max_length=2_000_000,
            description="per-array provenance as JSON: a list of RowIn objects (see POST /api/uploads/{id}/commit)",
        ),
    ] = None,
    overwrite_labels: Annotated[bool, Form()] = False,
    reduce_conv: Annotated[str, Form(pattern=CONV_RULE_PATTERN)] = "gap",
    reduce_seq: Annotated[str, Form(pattern=SEQ_RULE_PATTERN)] = "mean",
    drop_nonfinite: Annotated[bool, Form()] = False,
    create: Annotated[bool, Form(description="Create the collection (named by the path) if it does not exist")] = False,
) -> IngestOut:
    """Upload one activation file (each array/tensor/dataset becomes one representation). All or nothing.
    (The browser stages a file first, ``POST /api/uploads``, to show its arrays before the commit.)"""
    from topoalign.io.ingest import ingest_file

    prov = ProvenanceIn(
        model=model,
        architecture=architecture,
        layer=layer,
        layer_index=layer_index,
        layer_fraction=layer_fraction,
        checkpoint=checkpoint,
        epoch=epoch,
        condition=condition,
        seed=seed,
        metrics=_json_form(metrics, "metrics", dict) or {},
    )
    row_models = [RowIn.model_validate(r) for r in (_json_form(rows, "rows", list) or [])]
    row_map = {r.key: r.model_dump(exclude_none=True, exclude={"key", "include"}) for r in row_models if r.include}
    keys = [r.key for r in row_models if r.include] if row_models else None
    folder = store.uploads.temporary()
    try:
        data_path = store.uploads.save(file.file, folder, "data", file.filename, settings.max_upload_bytes)
        labels_path = (
            store.uploads.save(labels.file, folder, "labels", labels.filename, settings.max_upload_bytes)
            if labels
            else None
        )
        report = ingest_file(
            store,
            collection_id,
            data_path,
            filename=file.filename,
            labels_path=labels_path,
            labels_filename=labels.filename if labels else None,
            id_column=id_column,
            provenance=Provenance.from_dict(prov.model_dump()),
            name=name,
            reduce_conv=reduce_conv,
            reduce_seq=reduce_seq,
            drop_nonfinite=drop_nonfinite,
            max_bytes=settings.max_upload_bytes,
            create_collection=create,
            rows=row_map,
            keys=keys,
            overwrite_labels=overwrite_labels,
        )
    finally:
        store.uploads.remove(folder.name)
    return IngestOut(
        collection_id=report.collection_id,
        representations=[representation_out(r) for r in report.records],
        dropped_rows=report.dropped_rows,
        notes=report.notes,
    )


def _json_form(text: str | None, field: str, kind: type):
    """A form field holding JSON of the given kind, or None."""
    import json

    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"The {field!r} field is not valid JSON: {exc.msg} at position {exc.pos}.") from None
    if not isinstance(value, kind):
        raise InvalidInputError(f"The {field!r} field must be a JSON {kind.__name__}. Got {type(value).__name__}.")
    return value
