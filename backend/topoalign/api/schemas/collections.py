"""Collections, representations and ingest."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, RootModel

from topoalign.api.schemas.common import ProvenanceOut


class CollectionIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Unique name; letters, digits, _ . : - and spaces.")
    stimulus_ids: list[str] = Field(min_length=1, max_length=2_000_000)
    texts: list[str] | None = Field(None, description="Optional stimulus text (e.g. sentences), in stimulus_ids order.")
    labels: dict[str, list[str | float | None]] | None = Field(
        None, description="Label columns, each a list in stimulus_ids order.")
    description: str = Field("", max_length=2000)


class CollectionOut(BaseModel):
    id: str
    name: str
    description: str
    n_stimuli: int
    label_columns: list[str]
    has_text: bool
    n_representations: int
    created_at: float


class StimuliOut(BaseModel):
    collection_id: str
    total: int
    offset: int
    stimulus_ids: list[str]
    texts: list[str] | None
    labels: dict[str, list[Any]]


class RepresentationOut(BaseModel):
    id: str
    collection_id: str
    name: str
    n: int
    d: int
    provenance: ProvenanceOut
    stats: dict[str, Any]
    created_at: float


class IngestOut(BaseModel):
    collection_id: str
    representations: list[RepresentationOut]
    dropped_rows: int = Field(0, description="Rows dropped for NaN/Inf when drop_nonfinite was set.")
    notes: list[str] = Field(default_factory=list)


class ThumbnailsOut(RootModel[dict[str, list[int]]]):
    """Per stimulus id: its thumbnail as 64 grey levels (0-255), row by row (8 x 8)."""
