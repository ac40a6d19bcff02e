"""Collections, representations and ingest."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

from topoalign.api.schemas.common import ProvenanceIn, ProvenanceOut


class CollectionIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Unique name; letters, digits, _ . : - and spaces.")
    stimulus_ids: list[str] = Field(min_length=1, max_length=2_000_000)
    texts: list[str] | None = Field(None, description="Optional stimulus text (e.g. sentences), in stimulus_ids order.")
    labels: dict[str, list[str | float | None]] | None = Field(
        None, description="Label columns, each a list in stimulus_ids order."
    )
    description: str = Field("", max_length=2000)


class CollectionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200, description="new unique name")
    description: str | None = Field(None, max_length=2000)


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


class ArrayOut(BaseModel):
    """One array of a staged file, with the provenance it gets by default (from the file order)."""

    key: str
    shape: list[int]
    dtype: str
    reduced_shape: list[int] = Field(description="(n, d) after the conv / sequence reduction")
    model: str | None = Field(None, description="from a key 'model/layer'")
    layer: str | None = None
    layer_index: int | None = None
    layer_fraction: float | None = None


class UploadOut(BaseModel):
    """A staged upload: what the file holds; nothing is stored until it is committed."""

    upload_id: str
    filename: str
    format: str
    n_rows: int
    has_ids: bool = Field(description="the file names its stimuli (else rows follow the collection's order)")
    single: bool = Field(description="one array (a single representation)")
    arrays: list[ArrayOut]
    label_columns: list[str]
    notes: list[str]
    expires_in_s: int


class RowIn(ProvenanceIn):
    """One array's representation: its name and provenance (fields left out keep the defaults)."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    key: str = Field(max_length=200, description="the array's key in the file")
    include: bool = Field(True, description="false leaves this array out")
    name: str | None = Field(None, max_length=200, description="representation name (default: the key)")
    metrics: dict[str, float] | None = Field(None, max_length=50)  # type: ignore[assignment]


class CommitIn(BaseModel):
    """Ingest a staged upload into a collection, with provenance for all arrays and per array."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    collection: str = Field(min_length=1, max_length=200, description="collection id or name")
    create: bool = Field(False, description="create the collection (named `collection`) when it does not exist")
    description: str = Field("", max_length=2000, description="of a collection created here")
    name: str | None = Field(None, max_length=200, description="prefix of the representation names")
    provenance: ProvenanceIn = Field(default_factory=ProvenanceIn, description="for every array")
    rows: list[RowIn] = Field(default_factory=list, max_length=10000, description="per array; all arrays when empty")


class LabelsOut(BaseModel):
    collection: CollectionOut
    changed: dict[str, int] = Field(description="values set per column")
    notes: list[str] = Field(default_factory=list)
