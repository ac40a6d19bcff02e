from __future__ import annotations

from pydantic import BaseModel

from fastapi import APIRouter

from topoalign.api.deps import JobsDep, SettingsDep, StoreDep

router = APIRouter(prefix="/api", tags=["health"])


class HealthOut(BaseModel):
    status: str
    version: str
    data_dir: str
    collections: int
    running_jobs: int


@router.get("/health", response_model=HealthOut)
def health(store: StoreDep, settings: SettingsDep, jobs: JobsDep) -> HealthOut:
    return HealthOut(status="ok", version="0.1.0", data_dir=str(settings.data),
                     collections=len(store.list_collections()), running_jobs=jobs.busy)
