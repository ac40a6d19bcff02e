"""Alignment scores between two representations and convergent-learning audits of a collection (as jobs)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from topoalign.api.deps import JobsDep, SettingsDep, StoreDep
from topoalign.api.schemas.align import AlignIn, AuditFiguresOut, AuditIn, AuditOut, AuditSummary
from topoalign.api.schemas.common import ERROR_RESPONSES, JobAccepted, job_accepted
from topoalign.align import service
from topoalign.finite_json import dumps_finite

router = APIRouter(prefix="/api", tags=["align"], responses=ERROR_RESPONSES)


@router.post("/align", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def align(body: AlignIn, store: StoreDep, jobs: JobsDep) -> JobAccepted:
    """Cross-validated alignment of two representations; the job's result has the shape of ``AlignmentOut``."""
    service.check_alignment_request(
        store, body.representation_a, body.representation_b, metric=body.metric, folds=body.folds, k=body.k
    )  # 404 / 422 now rather than in the job
    return job_accepted(jobs.submit("align", body.model_dump()))


@router.post("/collections/{collection_id}/audits", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def start_audit(
    collection_id: str, body: AuditIn, store: StoreDep, jobs: JobsDep, settings: SettingsDep
) -> JobAccepted:
    """Plan (now: bad parameters fail with 422) and run (as a job, on Dask) an audit of the collection.

    The job's result is ``{"audit_id": ..., "n_cells": ..., "cached": bool}``; a stored audit with the same
    parameters over the same representations is reused unless ``recompute`` is set.
    """
    coll_id = service.check_audit_request(
        store,
        collection_id,
        metrics=body.metrics,
        analyses=body.analyses,
        folds=body.folds,
        random_state=body.random_state,
        n_null=body.n_null,
    )
    return job_accepted(jobs.submit("audit", {"collection_id": coll_id, **body.model_dump()}))


@router.get("/audits", response_model=list[AuditSummary])
def list_audits(
    store: StoreDep, collection_id: Annotated[str | None, Query(max_length=200)] = None
) -> list[AuditSummary]:
    return [
        AuditSummary(
            id=rec.id,
            collection_id=rec.params.get("collection_id", ""),
            params=rec.params,
            meta=rec.meta,
            created_at=rec.created_at,
        )
        for rec in service.list_audits(store, collection_id)
    ]


@router.get("/audits/{audit_id}", response_model=AuditOut)
def get_audit(audit_id: str, store: StoreDep) -> AuditOut:
    return AuditOut(id=audit_id, **service.stored_audit(store, audit_id))


@router.get(
    "/audits/{audit_id}/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
def export_audit(
    audit_id: str, store: StoreDep, format: Annotated[Literal["csv", "json"], Query(description="csv or json")] = "csv"
) -> Response:
    """The audit as a download: one CSV row per cell and metric, or the whole JSON payload."""
    from topoalign.align.audit import audit_csv

    payload = service.stored_audit(store, audit_id)
    name = f"audit-{payload['collection']['name']}-{audit_id}".replace(" ", "_")
    if format == "csv":
        return Response(
            audit_csv(payload),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        dumps_finite(payload),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )


@router.get("/audits/{audit_id}/summary", response_model=AuditFiguresOut)
def audit_summary(audit_id: str, store: StoreDep) -> AuditFiguresOut:
    """The audit figure by figure (depth, epochs, ood, layers) with the paper's findings tested on it."""
    from topoalign.align.audit_summary import stored_summary

    service.check_audit(store, audit_id)
    return AuditFiguresOut(**stored_summary(store, audit_id))


@router.get(
    "/audits/{audit_id}/findings",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}, "application/json": {}}}},
)
def audit_findings_report(
    audit_id: str, store: StoreDep, format: Annotated[Literal["md", "json"], Query(description="md or json")] = "md"
) -> Response:
    """The findings report as a download: Markdown (a table of claims, verdicts and numbers) or JSON."""
    from topoalign.align.audit_summary import stored_summary
    from topoalign.align.findings import findings_report

    service.check_audit(store, audit_id)
    summary = stored_summary(store, audit_id)
    name = f"findings-{summary['collection'].get('name', '')}-{audit_id}".replace(" ", "_")
    if format == "md":
        return Response(
            findings_report(summary),
            media_type="text/markdown",
            headers={"Content-Disposition": f'attachment; filename="{name}.md"'},
        )
    body = {"audit_id": audit_id, "collection": summary["collection"], "findings": summary["findings"]}
    return Response(
        dumps_finite(body),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )


@router.delete("/audits/{audit_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_audit(audit_id: str, store: StoreDep) -> None:
    service.delete_audit(store, audit_id)
