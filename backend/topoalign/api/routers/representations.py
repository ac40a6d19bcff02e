"""Representations: one activation matrix each, with provenance and summary statistics."""

from __future__ import annotations

from fastapi import APIRouter, status

from topoalign.api.deps import StoreDep
from topoalign.api.schemas.collections import RepresentationOut
from topoalign.api.schemas.common import ERROR_RESPONSES
from topoalign.api.serialize import representation_out

router = APIRouter(prefix="/api/representations", tags=["representations"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[RepresentationOut])
def list_representations(
    store: StoreDep,
    collection: str | None = None,
    model: str | None = None,
    layer: str | None = None,
    checkpoint: str | None = None,
    condition: str | None = None,
) -> list[RepresentationOut]:
    recs = store.list_representations(collection, model=model, layer=layer, checkpoint=checkpoint, condition=condition)
    return [representation_out(r) for r in recs]


@router.get("/{representation_id}", response_model=RepresentationOut)
def get_representation(representation_id: str, store: StoreDep) -> RepresentationOut:
    return representation_out(store.get_representation(representation_id))


@router.delete("/{representation_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_representation(representation_id: str, store: StoreDep) -> None:
    store.delete_representation(representation_id)
