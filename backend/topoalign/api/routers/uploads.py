"""Staged uploads: receive an activation file once, show what it holds, commit it with provenance per array.

``POST /api/uploads`` stores the file in the staging area (not the catalog) and answers with its arrays and the
provenance each would get; ``POST /api/uploads/{id}/commit`` ingests it, all or nothing, with the user's provenance;
``DELETE /api/uploads/{id}`` drops it. A failed commit keeps the staging so it can be retried.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status

from topoalign.api.deps import SettingsDep, StoreDep
from topoalign.api.schemas.collections import CommitIn, IngestOut, UploadOut
from topoalign.api.schemas.common import CONV_RULE_PATTERN, ERROR_RESPONSES, SEQ_RULE_PATTERN
from topoalign.api.serialize import representation_out
from topoalign.representation import Provenance
from topoalign.store.uploads import MAX_AGE_S

router = APIRouter(prefix="/api/uploads", tags=["uploads"], responses=ERROR_RESPONSES)


@router.post("", response_model=UploadOut, status_code=status.HTTP_201_CREATED)
def stage_upload(
    store: StoreDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Activations: .npy .npz .safetensors .pt .pth .h5 .hdf5 .csv .tsv")],
    labels: Annotated[UploadFile | None, File(description="Optional labels CSV/TSV joined on the id column")] = None,
    id_column: Annotated[str | None, Form(max_length=200)] = None,
    reduce_conv: Annotated[str, Form(pattern=CONV_RULE_PATTERN)] = "gap",
    reduce_seq: Annotated[str, Form(pattern=SEQ_RULE_PATTERN)] = "mean",
    drop_nonfinite: Annotated[bool, Form()] = False,
) -> UploadOut:
    """Receive and inspect a file; nothing enters the catalog. A file that cannot be read is refused here."""
    from topoalign.io.inspect import inspect_file

    uid, folder = store.uploads.new()
    try:
        data = store.uploads.save(file.file, folder, "data", file.filename, settings.max_upload_bytes)
        lab = (
            store.uploads.save(labels.file, folder, "labels", labels.filename, settings.max_upload_bytes)
            if labels is not None
            else None
        )
        info = inspect_file(
            data,
            filename=file.filename,
            id_column=id_column,
            labels_path=lab,
            labels_filename=labels.filename if labels is not None else None,
            reduce_conv=reduce_conv,
            reduce_seq=reduce_seq,
            drop_nonfinite=drop_nonfinite,
            max_bytes=settings.max_upload_bytes,
        )
        store.uploads.describe(
            uid,
            {
                **info,
                "data_file": data.name,
                "labels_file": lab.name if lab else None,
                "labels_filename": labels.filename if labels is not None else None,
                "id_column": id_column,
                "reduce_conv": reduce_conv,
                "reduce_seq": reduce_seq,
                "drop_nonfinite": drop_nonfinite,
                "created_at": time.time(),
            },
        )
    except BaseException:
        store.uploads.remove(uid)
        raise
    return UploadOut(upload_id=uid, expires_in_s=MAX_AGE_S, **info)


@router.post("/{upload_id}/commit", response_model=IngestOut, status_code=status.HTTP_201_CREATED)
def commit_upload(upload_id: str, body: CommitIn, store: StoreDep, settings: SettingsDep) -> IngestOut:
    """Ingest the staged file: every included array becomes a representation. All or nothing; on an error the
    staging stays for a retry."""
    from topoalign.io.ingest import ingest_file

    staged = store.uploads.get(upload_id)
    meta = staged.meta
    rows = {r.key: r.model_dump(exclude_none=True, exclude={"key", "include"}) for r in body.rows}
    keys = [r.key for r in body.rows if r.include] if body.rows else None
    if keys is not None:
        rows = {k: v for k, v in rows.items() if k in set(keys)}
    report = ingest_file(
        store,
        body.collection,
        staged.data,
        filename=meta["filename"],
        labels_path=staged.labels,
        labels_filename=meta.get("labels_filename"),
        id_column=meta.get("id_column"),
        provenance=Provenance.from_dict(body.provenance.model_dump()),
        name=body.name,
        reduce_conv=meta["reduce_conv"],
        reduce_seq=meta["reduce_seq"],
        drop_nonfinite=meta["drop_nonfinite"],
        max_bytes=settings.max_upload_bytes,
        create_collection=body.create,
        rows=rows,
        keys=keys,
        description=body.description,
    )
    store.uploads.remove(upload_id)
    return IngestOut(
        collection_id=report.collection_id,
        representations=[representation_out(r) for r in report.records],
        dropped_rows=report.dropped_rows,
        notes=report.notes,
    )


@router.get("/{upload_id}", response_model=UploadOut)
def get_upload(upload_id: str, store: StoreDep) -> UploadOut:
    meta = store.uploads.get(upload_id).meta
    keys = set(UploadOut.model_fields) - {"upload_id", "expires_in_s"}
    return UploadOut(
        upload_id=upload_id,
        expires_in_s=max(0, int(meta["created_at"] + MAX_AGE_S - time.time())),
        **{k: meta[k] for k in keys},
    )


@router.delete("/{upload_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_upload(upload_id: str, store: StoreDep) -> None:
    store.uploads.get(upload_id)
    store.uploads.remove(upload_id)
