"""Server settings: one ``BaseSettings``, each with a default and a description (env prefix ``TOPOALIGN_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from topoalign.api.slow_clients import DEFAULT_HEADER_TIMEOUT_S
from topoalign.jobs.engine import default_workers, worker_memory_limit
from topoalign.limits import Limits


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOPOALIGN_", extra="ignore")

    data: Path = Field(Path("data/store"), description="Data directory holding the catalog and array files.")
    max_upload_bytes: int = Field(2 * 1024**3, ge=1, description="Largest accepted upload, in bytes (default 2 GiB).")
    max_json_bytes: int = Field(
        16 * 1024**2,
        ge=1024,
        description="Largest accepted body that is not a file upload "
        "(JSON requests), in bytes (default 16 MiB); refused before it is read.",
    )
    max_concurrent_jobs: int = Field(
        2,
        ge=1,
        le=64,
        description="Heavy jobs (regions, score, audits, alignments, "
        "extraction) run at once; more wait in their queue.",
    )
    max_interactive_jobs: int = Field(
        2,
        ge=1,
        le=64,
        description="Interactive jobs (graph builds, the aligned "
        "view's builds and layout) run at once, in their own lane beside the heavy "
        "jobs; more wait in their queue.",
    )
    dask_scheduler: str | None = Field(
        None,
        description="tcp://host:port of a Dask scheduler whose workers run every "
        "job (graph builds, layouts, regions, score, alignments, audits, "
        "extraction); they must see the data directory at the same path. When "
        "unset, an in-process cluster of worker processes runs them.",
    )
    dask_workers: int = Field(
        default_factory=default_workers,
        ge=1,
        le=256,
        description="Worker processes of the "
        "in-process Dask cluster (default: the number of cores, at most one per 2 GiB of "
        "memory, at least 1); unused with TOPOALIGN_DASK_SCHEDULER.",
    )
    worker_memory: str = Field(
        "auto",
        description="Memory budget of each in-process Dask worker ('4GiB', '800MB' "
        "or bytes): a worker that goes over it is stopped and replaced, and the job it ran "
        "fails with a message naming the budget. 'auto': 80% of the machine's memory split "
        "between the workers.",
    )
    header_timeout_s: float = Field(
        DEFAULT_HEADER_TIMEOUT_S,
        gt=0,
        le=600,
        description="Seconds a client has to "
        "send a request's line and headers (from the connection or the request's first "
        "byte) before `topoalign serve` closes the connection; bodies are not under it.",
    )
    token: str | None = Field(
        None, description="Bearer token required on /api when set; mandatory when binding to a non-loopback address."
    )
    max_graph_nodes: int = Field(20000, ge=1, description="Largest Mapper graph (in nodes) a build may return.")
    motif_time_limit_s: float = Field(5.0, gt=0, le=300, description="Time limit of one motif search, in seconds.")
    motif_max_matches: int = Field(200, ge=1, le=100000, description="Most matches one motif search returns per graph.")
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed by CORS (never '*'); none by "
        "default. Besides its own origin, only these may send POST/PUT/PATCH/DELETE.",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names the server answers to besides "
        "localhost, 127.0.0.1, ::1 and the address a connection arrived on (so "
        "`serve --host <address>` works as is); other Host headers get 421, which "
        "stops DNS rebinding. Add the names clients use (a DNS name, a proxy's "
        "public name); '*' turns the check off.",
    )
    warm_umap: bool = Field(
        True,
        description="Compile umap-learn's numba code on a Dask worker at start-up (a "
        "visible job; other workers then read numba's disk cache).",
    )
    static_dir: Path | None = Field(
        None, description="Built frontend to serve at /; defaults to the package's static folder."
    )
    max_cover_cells: int = Field(
        Limits.max_cover_cells,
        ge=1,
        description="Most cover elements of a Mapper build (the product of the intervals per lens dimension).",
    )
    max_cover_membership: int = Field(
        Limits.max_cover_membership,
        ge=1,
        description="Most rows x intervals (summed over lens dimensions) of a Mapper cover.",
    )
    max_gap_bins: int = Field(
        Limits.max_gap_bins, ge=2, description="Most histogram bins of single linkage's gap rule."
    )
    max_grid_settings: int = Field(Limits.max_grid_settings, ge=1, description="Most settings of an auto_grid.")
    max_null_work: int = Field(
        Limits.max_null_work, ge=1, description="Most shuffles x nodes of a regions or score null model."
    )
    max_expanded_bytes: int = Field(
        Limits.max_expanded_bytes,
        ge=1,
        description="Most bytes the arrays of one "
        "uploaded file may expand to (default: "
        "a 32nd of the memory, 256 MiB to 4 GiB).",
    )
    models_dir: Path | None = Field(
        None,
        description="Folder of local Hugging Face models (one sub-folder each, with "
        "its config.json) that the dashboard may run for extraction; "
        "only these, never another server path.",
    )

    @field_validator("worker_memory")
    @classmethod
    def _memory_parses(cls, value: str) -> str:
        worker_memory_limit(value, 1)  # "auto", a size with a unit, or bytes; anything else is refused at start
        return value
