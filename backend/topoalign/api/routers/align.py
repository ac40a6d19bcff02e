"""Alignment scores between two representations and convergent-learning audits of a collection (as jobs)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from topoalign.api.deps import JobsDep, SettingsDep, StoreDep
from topoalign.api.schemas.align import AlignIn, AuditFiguresOut, AuditIn, AuditOut, AuditSummary
from topoalign.api.schemas.common import ERROR_RESPONSES, JobAccepted, job_accepted
from topoalign.errors import check_param

router = APIRouter(prefix="/api", tags=["align"], responses=ERROR_RESPONSES)


@router.post("/align", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def align(body: AlignIn, store: StoreDep, jobs: JobsDep) -> JobAccepted:
    """Cross-validated alignment of two representations; the job's result has the shape of ``AlignmentOut``."""
    _check_align_request(body, store)  # 404 / 422 now rather than in the job
    return job_accepted(jobs.submit("align", body.model_dump()))


def _check_align_request(body: AlignIn, store) -> None:
    """The data-dependent checks: both representations exist, share enough stimuli for the folds, k < train size."""
    from topoalign.errors import InvalidInputError
    from topoalign.representation import match_stimuli

    a = store.load_representation(body.representation_a)
    b = store.load_representation(body.representation_b)
    shared = len(match_stimuli(a, b)[0])
    if shared == 0:
        raise InvalidInputError(f"Representations {a.name!r} and {b.name!r} share no stimulus ids (different "
                                "collections?); alignment pairs stimuli by id.")
    check_param("align", "folds", body.folds, 2 <= body.folds <= shared // 2,
                f"between 2 and half the {shared} shared stimuli ({shared // 2})")
    if body.metric == "mutual_knn":
        n_train = shared - -(-shared // body.folds)
        check_param("MutualKNN", "k", body.k, body.k < n_train, f"less than the training stimuli per fold ({n_train})")


@router.post("/collections/{collection_id}/audits", response_model=JobAccepted,
             status_code=status.HTTP_202_ACCEPTED)
def start_audit(collection_id: str, body: AuditIn, store: StoreDep, jobs: JobsDep,
                settings: SettingsDep) -> JobAccepted:
    """Plan (now: bad parameters fail with 422) and run (as a job, on Dask) an audit of the collection.

    The job's result is ``{"audit_id": ..., "n_cells": ..., "cached": bool}``; a stored audit with the same
    parameters over the same representations is reused unless ``recompute`` is set.
    """
    from topoalign.align.audit import prepare_audit

    coll, *_ = prepare_audit(store, collection_id, body.metrics, body.analyses, body.folds, body.random_state,
                             body.n_null)
    return job_accepted(jobs.submit("audit", {"collection_id": coll.id, **body.model_dump()}))


@router.get("/audits", response_model=list[AuditSummary])
def list_audits(store: StoreDep, collection_id: Annotated[str | None, Query(max_length=200)] = None
                ) -> list[AuditSummary]:
    out = []
    for rec in store.list_artifacts("audit"):
        cid = rec.params.get("collection_id", "")
        if collection_id is None or collection_id in (cid, rec.meta.get("collection", {}).get("name")):
            out.append(AuditSummary(id=rec.id, collection_id=cid, params=rec.params, meta=rec.meta,
                                    created_at=rec.created_at))
    return out


@router.get("/audits/{audit_id}", response_model=AuditOut)
def get_audit(audit_id: str, store: StoreDep) -> AuditOut:
    store.get_artifact(audit_id, kind="audit")
    return AuditOut(id=audit_id, **store.load_artifact(audit_id))


@router.get("/audits/{audit_id}/export", response_class=Response,
            responses={200: {"content": {"text/csv": {}, "application/json": {}}}})
def export_audit(audit_id: str, store: StoreDep,
                 format: Annotated[Literal["csv", "json"], Query(description="csv or json")] = "csv") -> Response:
    """The audit as a download: one CSV row per cell and metric, or the whole JSON payload."""
    import json

    from topoalign.align.audit import audit_csv

    store.get_artifact(audit_id, kind="audit")
    payload = store.load_artifact(audit_id)
    name = f"audit-{payload['collection']['name']}-{audit_id}".replace(" ", "_")
    if format == "csv":
        return Response(audit_csv(payload), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(json.dumps(payload), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}.json"'})


@router.get("/audits/{audit_id}/summary", response_model=AuditFiguresOut)
def audit_summary(audit_id: str, store: StoreDep) -> AuditFiguresOut:
    """The audit figure by figure (depth, epochs, ood, layers) with the paper's findings tested on it."""
    from topoalign.align.audit_summary import stored_summary

    store.get_artifact(audit_id, kind="audit")
    return AuditFiguresOut(**stored_summary(store, audit_id))


@router.get("/audits/{audit_id}/findings", response_class=Response,
            responses={200: {"content": {"text/markdown": {}, "application/json": {}}}})
def audit_findings_report(audit_id: str, store: StoreDep,
                          format: Annotated[Literal["md", "json"], Query(description="md or json")] = "md"
                          ) -> Response:
    """The findings report as a download: Markdown (a table of claims, verdicts and numbers) or JSON."""
    import json

    from topoalign.align.audit_summary import stored_summary
    from topoalign.align.findings import findings_report

    store.get_artifact(audit_id, kind="audit")
    summary = stored_summary(store, audit_id)
    name = f"findings-{summary['collection'].get('name', '')}-{audit_id}".replace(" ", "_")
    if format == "md":
        return Response(findings_report(summary), media_type="text/markdown",
                        headers={"Content-Disposition": f'attachment; filename="{name}.md"'})
    body = {"audit_id": audit_id, "collection": summary["collection"], "findings": summary["findings"]}
    return Response(json.dumps(body), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}.json"'})


@router.delete("/audits/{audit_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_audit(audit_id: str, store: StoreDep) -> None:
    store.get_artifact(audit_id, kind="audit")
    store.delete_artifact(audit_id)
