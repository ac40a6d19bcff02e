"""``GET /api/health``: liveness and whether the API wants a token. It answers without a token, so with one
configured it says nothing more about the server (no data directory, no counts)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from topoalign.api.deps import JobsDep, SettingsDep, StoreDep

router = APIRouter(prefix="/api", tags=["health"])


class HealthOut(BaseModel):
    status: str
    version: str
    auth_required: bool = Field(description="requests to /api need `Authorization: Bearer <token>`")
    data_dir: str | None = Field(None, description="only when no token is configured (a loopback server)")
    collections: int | None = None
    running_jobs: int | None = None


@router.get("/health", response_model=HealthOut)
def health(store: StoreDep, settings: SettingsDep, jobs: JobsDep) -> HealthOut:
    if settings.token:
        return HealthOut(status="ok", version="0.1.0", auth_required=True)
    return HealthOut(
        status="ok",
        version="0.1.0",
        auth_required=False,
        data_dir=str(settings.data),
        collections=len(store.list_collections()),
        running_jobs=jobs.busy,
    )
