"""Jobs: status, cancellation and a server-sent-events stream of progress."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from topoalign.api.deps import JobsDep, StoreDep
from topoalign.api.schemas.common import ERROR_RESPONSES, JobAccepted, JobOut, job_accepted

router = APIRouter(prefix="/api/jobs", tags=["jobs"], responses=ERROR_RESPONSES)
FINAL = {"done", "failed", "cancelled", "interrupted"}


@router.get("", response_model=list[JobOut])
def list_jobs(store: StoreDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[JobOut]:
    return [JobOut(**j) for j in store.list_jobs(limit)]


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: str, store: StoreDep) -> JobOut:
    return JobOut(**store.get_job(job_id))


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel_job(job_id: str, jobs: JobsDep) -> JobOut:
    return JobOut(**jobs.cancel(job_id))


@router.post("/{job_id}/rerun", response_model=JobAccepted, status_code=202)
def rerun_job(job_id: str, jobs: JobsDep) -> JobAccepted:
    """Run an ended (e.g. interrupted by a restart) job again with the same parameters."""
    return job_accepted(jobs.rerun(job_id))


@router.get("/{job_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "One `data:` line of job JSON per change."}})
async def job_events(job_id: str, store: StoreDep) -> StreamingResponse:
    store.get_job(job_id)  # 404 before the stream starts

    async def stream():
        last = None
        while True:
            job = await asyncio.to_thread(store.get_job, job_id)
            snapshot = (job["status"], job["progress"], job["message"])
            if snapshot != last:
                last = snapshot
                yield f"data: {json.dumps(JobOut(**job).model_dump(mode='json'))}\n\n"
            if job["status"] in FINAL:
                return
            await asyncio.sleep(0.25)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
