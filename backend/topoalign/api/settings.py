"""Server settings: one ``BaseSettings``, each with a default and a description (env prefix ``TOPOALIGN_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOPOALIGN_", extra="ignore")

    data: Path = Field(Path("data/store"), description="Data directory holding the catalog and array files.")
    max_upload_bytes: int = Field(2 * 1024**3, ge=1, description="Largest accepted upload, in bytes (default 2 GiB).")
    max_concurrent_jobs: int = Field(2, ge=1, le=64, description="Jobs run at once; more wait in the queue.")
    dask_scheduler: str | None = Field(None, description="tcp://host:port of a Dask scheduler for audits; in-process when unset.")
    token: str | None = Field(None, description="Bearer token required on /api when set; mandatory when binding to a non-loopback address.")
    max_graph_nodes: int = Field(20000, ge=1, description="Largest Mapper graph (in nodes) a build may return.")
    motif_time_limit_s: float = Field(5.0, gt=0, le=300, description="Time limit of one motif search, in seconds.")
    motif_max_matches: int = Field(200, ge=1, le=100000, description="Most matches one motif search returns per graph.")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS (never '*'); none by default.")
    warm_umap: bool = Field(True, description="Compile umap-learn's numba code in the background at start-up.")
    static_dir: Path | None = Field(None, description="Built frontend to serve at /; defaults to the package's static folder.")
    models_dir: Path | None = Field(None, description="Folder of local Hugging Face models (one sub-folder each, with "
                                                      "its config.json) that the dashboard may run for extraction; "
                                                      "only these, never another server path.")
