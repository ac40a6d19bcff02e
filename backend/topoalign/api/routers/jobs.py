"""Jobs: status, cancellation and a server-sent-events stream of progress."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from topoalign.api.deps import JobsDep, StoreDep
from topoalign.api.schemas.common import ERROR_RESPONSES, JobAccepted, job_accepted
from topoalign.api.schemas.jobs import JobOut, job_json, job_out

router = APIRouter(prefix="/api/jobs", tags=["jobs"], responses=ERROR_RESPONSES)
FINAL = {"done", "failed", "cancelled", "interrupted"}
POLL_S = 0.25  # the event stream's fallback poll of the job record


# exclude_unset: a job's JSON has the keys of its record, so a result's optional fields that its driver did not
# write stay absent rather than appearing as null


@router.get("", response_model=list[JobOut], response_model_exclude_unset=True)
def list_jobs(store: StoreDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[JobOut]:
    return [job_out(j) for j in store.list_jobs(limit)]


@router.get("/{job_id}", response_model=JobOut, response_model_exclude_unset=True)
def get_job(job_id: str, store: StoreDep) -> JobOut:
    return job_out(store.get_job(job_id))


@router.post("/{job_id}/cancel", response_model=JobOut, response_model_exclude_unset=True)
def cancel_job(job_id: str, jobs: JobsDep) -> JobOut:
    return job_out(jobs.cancel(job_id))


@router.post("/{job_id}/rerun", response_model=JobAccepted, status_code=202)
def rerun_job(job_id: str, jobs: JobsDep) -> JobAccepted:
    """Run an ended (e.g. interrupted by a restart) job again with the same parameters."""
    return job_accepted(jobs.rerun(job_id))


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "One `data:` line of job JSON per change."}},
)
async def job_events(job_id: str, store: StoreDep, jobs: JobsDep) -> StreamingResponse:
    store.get_job(job_id)  # 404 before the stream starts
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()

    def on_change(changed_id: str) -> None:
        if changed_id == job_id:
            loop.call_soon_threadsafe(changed.set)

    async def stream():
        # the runner wakes the stream when this job's record changes (a cover change on 10k rows is done in well
        # under a second, so a poll interval would be a large share of it); the poll stays for jobs the runner
        # of this process does not run
        unsubscribe = jobs.subscribe(on_change)
        try:
            last = None
            while True:
                changed.clear()
                job = await asyncio.to_thread(store.get_job, job_id)
                snapshot = (job["status"], job["progress"], job["message"])
                if snapshot != last:
                    last = snapshot
                    yield f"data: {json.dumps(job_json(job))}\n\n"
                if job["status"] in FINAL:
                    return
                try:
                    await asyncio.wait_for(changed.wait(), POLL_S)
                except asyncio.TimeoutError:
                    pass
        finally:
            unsubscribe()

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
