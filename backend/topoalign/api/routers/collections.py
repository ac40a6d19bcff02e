"""Collections: sets of named stimuli that representations share; uploads of activation files into them."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, File, Form, Query, UploadFile, status

from topoalign.api.deps import SettingsDep, StoreDep
from topoalign.api.schemas.collections import (
    CollectionIn, CollectionOut, IngestOut, RepresentationOut, StimuliOut, ThumbnailsOut,
)
from topoalign.api.schemas.common import ERROR_RESPONSES, ProvenanceIn
from topoalign.api.serialize import collection_out, representation_out
from topoalign.errors import InvalidInputError, NotFoundError, PayloadTooLargeError
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
            raise InvalidInputError(f"Label columns {bad} do not have one value per stimulus ({len(body.stimulus_ids)}).")
        labels = pd.DataFrame(body.labels, index=body.stimulus_ids)
    return collection_out(store.create_collection(body.name, body.stimulus_ids, labels, body.texts, body.description))


@router.get("/{collection_id}", response_model=CollectionOut)
def get_collection(collection_id: str, store: StoreDep) -> CollectionOut:
    return collection_out(store.get_collection(collection_id))


@router.delete("/{collection_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_collection(collection_id: str, store: StoreDep) -> None:
    store.delete_collection(collection_id)


@router.get("/{collection_id}/stimuli", response_model=StimuliOut)
def get_stimuli(
    collection_id: str, store: StoreDep,
    offset: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> StimuliOut:
    coll = store.get_collection(collection_id)
    frame = store.stimuli(coll.id)
    page = frame.iloc[offset: offset + limit]
    labels = {c: [None if pd.isna(v) else v for v in page[c].tolist()] for c in page.columns if c != "text"}
    return StimuliOut(collection_id=coll.id, total=len(frame), offset=offset, stimulus_ids=page.index.tolist(),
                      texts=page["text"].tolist() if "text" in page else None, labels=labels)


@router.get("/{collection_id}/thumbnails", response_model=ThumbnailsOut)
def get_thumbnails(
    collection_id: str, store: StoreDep,
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
    reduce_conv: Annotated[str, Form(pattern="^(gap|center|flatten)$")] = "gap",
    reduce_seq: Annotated[str, Form(pattern="^(mean|first)$")] = "mean",
    drop_nonfinite: Annotated[bool, Form()] = False,
    create: Annotated[bool, Form(description="Create the collection (named by the path) if it does not exist")] = False,
) -> IngestOut:
    """Upload one activation file (each array/tensor/dataset becomes one representation). All or nothing."""
    from topoalign.io.ingest import ingest_file

    prov = ProvenanceIn(model=model, layer=layer, layer_index=layer_index, layer_fraction=layer_fraction,
                        checkpoint=checkpoint, epoch=epoch, condition=condition, seed=seed)
    uploads = store.data_dir / "uploads"
    uploads.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=uploads) as tmp:
        data_path = _save_upload(file, Path(tmp), "data", settings.max_upload_bytes)
        labels_path = _save_upload(labels, Path(tmp), "labels", settings.max_upload_bytes) if labels else None
        report = ingest_file(
            store, collection_id, data_path, filename=file.filename, labels_path=labels_path,
            id_column=id_column,
            provenance=Provenance(**prov.model_dump()), name=name, reduce_conv=reduce_conv, reduce_seq=reduce_seq,
            drop_nonfinite=drop_nonfinite, max_bytes=settings.max_upload_bytes, create_collection=create,
        )
    return IngestOut(collection_id=report.collection_id,
                     representations=[representation_out(r) for r in report.records],
                     dropped_rows=report.dropped_rows, notes=report.notes)


def _save_upload(upload: UploadFile, folder: Path, stem: str, cap: int) -> Path:
    """Copy an upload to a generated name (the client's filename only lends its extension), enforcing the cap."""
    suffix = "".join(Path(upload.filename or "").suffixes[-1:]).lower()
    if not suffix or len(suffix) > 12 or not suffix[1:].isalnum():
        suffix = ".bin"
    target = folder / f"{stem}{suffix}"
    written = 0
    with open(target, "wb") as out:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > cap:
                raise PayloadTooLargeError(
                    f"Upload {upload.filename!r} is larger than the {cap:,}-byte cap (TOPOALIGN_MAX_UPLOAD_BYTES).")
            out.write(chunk)
    return target

