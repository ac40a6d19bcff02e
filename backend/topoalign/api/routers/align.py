"""Alignment scores between two representations and convergent-learning audits of a collection (as jobs)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from topoalign.api.deps import JobsDep, SettingsDep, StoreDep
from topoalign.api.schemas.align import AlignIn, AuditIn, AuditOut, AuditSummary
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

    coll, *_ = prepare_audit(store, collection_id, body.metrics, body.analyses, body.folds, body.random_state)
    return job_accepted(jobs.submit("audit", {"collection_id": coll.id, **body.model_dump()}))


def register_jobs(jobs, store, settings) -> None:
    """Alignment and audit jobs are re-runnable: each is rebuilt from its JSON params."""
    from topoalign.align.audit import prepare_audit, run_audit, save_audit
    from topoalign.align.score import alignment_score

    def align_job(params: dict):
        body = AlignIn(**params)
        extra = {"linear": {"direction": body.direction}, "procrustes": {"dim_mode": body.dim_mode},
                 "mutual_knn": {"k": body.k}}.get(body.metric, {})

        def run(progress):
            a = store.load_representation(body.representation_a)
            b = store.load_representation(body.representation_b)
            result = alignment_score(a, b, metric=body.metric, folds=body.folds, random_state=body.random_state,
                                     n_permutations=body.n_permutations, n_rotations=body.n_rotations,
                                     progress=progress, **extra)
            return result.to_dict()

        return run

    def audit_job(params: dict):
        body = AuditIn(**{k: v for k, v in params.items() if k != "collection_id"})
        collection_id = params["collection_id"]

        def run(progress):
            coll, _, metrics, key = prepare_audit(store, collection_id, body.metrics, body.analyses, body.folds,
                                                  body.random_state)
            found = store.find_artifact("audit", key)
            if found is not None and not body.recompute:
                progress(1.0, "stored audit")
                return {"audit_id": found.id, "n_cells": found.meta.get("n_cells"), "cached": True}
            if found is not None:
                store.delete_artifact(found.id)
            payload = run_audit(store, coll.id, metrics=metrics, analyses=body.analyses, folds=body.folds,
                                random_state=body.random_state, scheduler=settings.dask_scheduler, progress=progress)
            rec = save_audit(store, payload)
            return {"audit_id": rec.id, "n_cells": len(payload["cells"]), "cached": False}

        return run

    jobs.register("align", align_job)
    jobs.register("audit", audit_job)


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


@router.delete("/audits/{audit_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_audit(audit_id: str, store: StoreDep) -> None:
    store.get_artifact(audit_id, kind="audit")
    store.delete_artifact(audit_id)
