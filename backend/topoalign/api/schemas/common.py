"""Models shared by every resource: the error shape, provenance, a started job (the jobs: ``schemas.jobs``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from topoalign.io.reduce import CONV_RULES, SEQ_RULES

# form fields naming an activation reduction rule (uploads, ingest, extraction): the rules of ``io.reduce``
CONV_RULE_PATTERN = f"^({'|'.join(CONV_RULES)})$"
SEQ_RULE_PATTERN = f"^({'|'.join(SEQ_RULES)})$"


class ErrorOut(BaseModel):
    error: str = Field(description="Stable machine-readable code, e.g. 'invalid_input'.")
    detail: str = Field(description="A message naming the problem.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
    413: {"model": ErrorOut},
    415: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


class ProvenanceIn(BaseModel):
    model: str | None = Field(None, max_length=200)
    architecture: str | None = Field(None, max_length=200, description="models of one architecture differ by seed")
    layer: str | None = Field(None, max_length=200)
    layer_index: int | None = Field(None, ge=0, le=100000)
    layer_fraction: float | None = Field(None, ge=0, le=1, description="depth: 0 = input side, 1 = last layer")
    checkpoint: str | None = Field(None, max_length=200)
    epoch: int | None = Field(None, ge=0, le=10**7)
    condition: str | None = Field(None, max_length=200, description="'test' (in-distribution) or a named shift")
    seed: int | None = Field(None, ge=0, le=2**63 - 1)
    metrics: dict[str, float] = Field(
        default_factory=dict, max_length=50, description='task metrics of the model here, e.g. {"accuracy": 0.93}'
    )


class ProvenanceOut(ProvenanceIn):
    extra: dict[str, Any] = Field(default_factory=dict)


class JobAccepted(BaseModel):
    """A long computation started as a job: follow ``/api/jobs/{job_id}`` (or its ``/events`` stream)."""

    job_id: str
    status_url: str
    events_url: str


def job_accepted(job_id: str) -> JobAccepted:
    return JobAccepted(job_id=job_id, status_url=f"/api/jobs/{job_id}", events_url=f"/api/jobs/{job_id}/events")
