"""Jobs as the API reports them: one model per job kind (``topoalign.jobs.kinds.KINDS``), told apart by ``kind``,
each with the type of what its driver returns as ``result``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, Discriminator, Field, Tag, TypeAdapter, create_model, field_validator
from pydantic.json_schema import SkipJsonSchema

from topoalign.api.schemas.align import AlignmentOut
from topoalign.api.schemas.collections import RepresentationOut
from topoalign.api.schemas.graphs import AlignedGraphsOut
from topoalign.api.schemas.topo import LayoutRecord
from topoalign.jobs.public_error import public_text

JobStatus = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]


class GraphJobResult(BaseModel):
    """The Mapper graph a ``graph`` job built (or found): fetch it from ``/api/graphs/{graph_id}``."""

    graph_id: str
    n_nodes: int
    n_edges: int


class TopoJobResult(BaseModel):
    """A ``topo_regions`` / ``topo_score`` job's stored result: fetch it from ``/api/topo/results/{result_id}``."""

    result_id: str


class AlignedGraphsJobResult(AlignedGraphsOut):
    """What POST /api/graphs/aligned answers at once, built by an ``aligned_graphs`` job (whose stored layout also
    names its graphs)."""

    layout: LayoutRecord


class AuditJobResult(BaseModel):
    audit_id: str
    n_cells: int
    cached: bool = Field(description="a stored audit of the same request was reused")


class ExtractJobResult(BaseModel):
    collection_id: str
    representations: list[RepresentationOut] = Field(description="one per extracted layer")


class WarmupJobResult(BaseModel):
    ready: bool


JOB_RESULTS: dict[str, type[BaseModel]] = {
    "graph": GraphJobResult,
    "aligned_graphs": AlignedGraphsJobResult,
    "topo_regions": TopoJobResult,
    "topo_score": TopoJobResult,
    "align": AlignmentOut,
    "audit": AuditJobResult,
    "extract": ExtractJobResult,
    "warmup_umap": WarmupJobResult,
}
"""Job kind -> the model of its result (the keys are those of ``topoalign.jobs.kinds.KINDS``; a test pins it)."""


class _JobBase(BaseModel):
    id: str
    kind: str
    status: JobStatus
    progress: float = Field(ge=0, le=1)
    message: str
    params: dict[str, Any]
    result: Any | None = None
    error: str | None = Field(None, description="why a failed job failed: the error's type and message")
    created_at: float
    updated_at: float

    @field_validator("error")
    @classmethod
    def _without_traceback_or_paths(cls, value: str | None) -> str | None:
        """Records written before job errors were made public-safe kept tracebacks with the server's paths."""
        return public_text(value) if value else value


def _job_model(kind: str, result: type[BaseModel]) -> type[_JobBase]:
    name = "".join(part.capitalize() for part in kind.split("_")) + "Job"
    fields: dict[str, Any] = {
        "kind": (Literal[kind], ...),
        "result": (result | None, Field(None, description="set when the job is done")),
    }
    return create_model(name, __base__=_JobBase, __doc__=f"A ``{kind}`` job; ``result`` once it is done.", **fields)


class OtherJob(_JobBase):
    """A job of a kind outside the registry: a kind an older version ran, or work submitted in-process (not in the
    OpenAPI document: the dashboard starts only the registry's kinds)."""


JOB_MODELS: dict[str, type[_JobBase]] = {kind: _job_model(kind, result) for kind, result in JOB_RESULTS.items()}


def _kind_tag(job: Any) -> str:
    kind = job.get("kind") if isinstance(job, dict) else getattr(job, "kind", None)
    return kind if kind in JOB_MODELS else "other"


if TYPE_CHECKING:  # built at run time from the registry; to a type checker every job model is a _JobBase
    JobOut = _JobBase
else:
    JobOut = Annotated[
        Union[
            tuple(Annotated[model, Tag(kind)] for kind, model in JOB_MODELS.items())
            + (Annotated[SkipJsonSchema[OtherJob], Tag("other")],)
        ],
        Discriminator(_kind_tag),
    ]
"""A job record as the API sends it: one model per kind (``kind`` tells them apart and types ``result``)."""

_JOB_ADAPTER: TypeAdapter[Any] = TypeAdapter(JobOut)


def job_out(record: dict[str, Any]) -> Any:
    """A job record of the store (``Store.get_job``) as its kind's model."""
    return _JOB_ADAPTER.validate_python(record)


def job_json(record: dict[str, Any]) -> dict[str, Any]:
    """A job record as the JSON the API sends (the keys of the record only, as ``response_model_exclude_unset``)."""
    return _JOB_ADAPTER.dump_python(job_out(record), mode="json", exclude_unset=True)
