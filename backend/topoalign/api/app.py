"""The FastAPI app factory: routers per resource, one error shape, the built dashboard at ``/``."""

from __future__ import annotations

import dataclasses
import importlib
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from topoalign import limits
from topoalign.api import guards
from topoalign.api.errors import error_response, install_error_handlers, refusal_response
from topoalign.api.settings import Settings
from topoalign.jobs import JobRunner
from topoalign.jobs.context import JobEnv
from topoalign.jobs.engine import EngineConfig, shared_engine, worker_memory_limit
from topoalign.store import Store
from topoalign.topo import stress_numba

# One module per resource, each exposing ``router``; order is the order in /docs.
ROUTER_MODULES = [
    "topoalign.api.routers.health",
    "topoalign.api.routers.collections",
    "topoalign.api.routers.uploads",
    "topoalign.api.routers.extract",
    "topoalign.api.routers.representations",
    "topoalign.api.routers.jobs",
    "topoalign.api.routers.graphs",
    "topoalign.api.routers.align",
    "topoalign.api.routers.topo",
]

PLACEHOLDER = """<!doctype html><html><head><meta charset="utf-8"><title>TopoAlign</title></head>
<body><h1>TopoAlign</h1><p>The dashboard has not been built: run <code>make run</code>. API docs: <a href="/docs">/docs</a>.</p>
</body></html>"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.recovery = app.state.store.recover()
        # joint layouts of POST /api/topo/layout answer in this process; every job runs on the Dask workers
        threading.Thread(target=stress_numba.warm_up, name="warm-layout-kernel", daemon=True).start()
        app.state.jobs.engine.start_in_background()
        if settings.warm_umap:
            app.state.jobs.submit("warmup_umap", {})
        yield
        app.state.jobs.shutdown()

    app = FastAPI(
        title="TopoAlign",
        version="0.1.0",
        description="Compare neural-network representations: aligned Mapper graphs and geometric alignment metrics.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    limits.configure(**{f.name: getattr(settings, f.name) for f in dataclasses.fields(limits.Limits)})
    app.state.store = Store(settings.data)
    app.state.jobs = JobRunner(
        app.state.store,
        max_concurrent=settings.max_concurrent_jobs,
        max_interactive=settings.max_interactive_jobs,
        engine=shared_engine(engine_config(settings)),
        env=JobEnv(
            str(app.state.store.data_dir),
            limits.as_dict(),
            max_graph_nodes=settings.max_graph_nodes,
            models_dir=str(settings.models_dir) if settings.models_dir else None,
        ),
    )
    install_error_handlers(app)
    app.add_middleware(
        _RequestGuards,
        cap=settings.max_upload_bytes,
        json_cap=settings.max_json_bytes,
        token=settings.token,
        allowed_hosts=guards.allowed_host_names(settings.allowed_hosts),
        cors_origins=guards.cors_origin_set(settings.cors_origins),
    )
    if settings.cors_origins:  # outermost: answers preflights (which carry no token) and labels refusals too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[o for o in settings.cors_origins if o != "*"],
            allow_methods=["*"],
            allow_headers=["*"],
        )
    for name in ROUTER_MODULES:
        app.include_router(importlib.import_module(name).router)
    _mount_frontend(app, settings)
    return app


def engine_config(settings: Settings) -> EngineConfig:
    """The Dask cluster of these settings: the scheduler's, or an in-process one (workers and their memory)."""
    if settings.dask_scheduler:
        return EngineConfig(scheduler=settings.dask_scheduler)
    return EngineConfig(
        n_workers=settings.dask_workers, memory_limit=worker_memory_limit(settings.worker_memory, settings.dask_workers)
    )


class _RequestGuards:
    """Plain ASGI middleware (no per-request task group, unlike ``@app.middleware``): refuses a body whose declared
    length is over its cap before reading it and stops reading an undeclared (chunked) one at the same size. File
    uploads (multipart or octet-stream) have the upload cap (plus ~1 MiB multipart slack); every other body (JSON) the
    small JSON cap. Before that, a Host that is not the server's and a write from a foreign Origin are refused; after
    it, when a token is set, requests to /api (but /api/health) without it (:mod:`topoalign.api.guards`)."""

    def __init__(
        self,
        app,
        *,
        cap: int,
        json_cap: int,
        token: str | None,
        allowed_hosts: frozenset[str] | None,
        cors_origins: frozenset[str],
    ):
        self.app, self.cap, self.json_cap, self.token = app, cap, json_cap, token
        self.allowed_hosts, self.cors_origins = allowed_hosts, cors_origins

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin1").lower(): v.decode("latin1") for k, v in scope.get("headers", ())}
            refusal = self._refusal(scope, headers)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            receive = self._capped(receive, *self._cap(headers))
        await self.app(scope, receive, send)

    def _cap(self, headers) -> tuple[int, str, str]:
        """(byte limit, what it is, its setting) for this request's body."""
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind in ("multipart/form-data", "application/octet-stream"):
            return self.cap + (1 << 20), f"{self.cap:,}-byte upload cap", "TOPOALIGN_MAX_UPLOAD_BYTES"
        return (
            self.json_cap,
            f"{self.json_cap:,}-byte cap on request bodies that are not uploads",
            "TOPOALIGN_MAX_JSON_BYTES",
        )

    @staticmethod
    def _capped(receive, limit: int, what: str, setting: str):
        seen = 0

        async def capped_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # an HTTPException passes FastAPI's body parsing unchanged, to the error handler
                    raise StarletteHTTPException(
                        413, f"Request body is over the {what} ({setting}); stopped reading at {seen:,} bytes."
                    )
            return message

        return capped_receive

    def _refusal(self, scope, headers):
        refusal = guards.host_refusal(scope, self.allowed_hosts) or guards.origin_refusal(
            scope.get("method", ""), headers, self.cors_origins
        )
        if refusal is not None:
            return refusal
        length = headers.get("content-length")
        if length is not None and not length.strip().isdigit():
            return error_response(400, "invalid_request", f"Invalid Content-Length header {length[:40]!r}.")
        limit, what, setting = self._cap(headers)
        if length is not None and int(length) > limit:
            return refusal_response(
                "payload_too_large", f"Request body of {int(length):,} bytes is over the {what} ({setting})."
            )
        return guards.token_refusal(scope, headers, self.token)


class _Frontend(StaticFiles):
    """The built dashboard; never answers under /api (an unmatched or dot-segment API path is a JSON 404)."""

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if path == "/api" or path.startswith("/api/"):
            raise StarletteHTTPException(404)
        await super().__call__(scope, receive, send)


def _mount_frontend(app: FastAPI, settings: Settings) -> None:
    static = settings.static_dir or Path(__file__).resolve().parent.parent / "static"
    if (static / "index.html").is_file():
        app.mount("/", _Frontend(directory=static, html=True), name="frontend")
    else:

        @app.get("/", include_in_schema=False, response_class=HTMLResponse)
        def placeholder() -> str:
            return PLACEHOLDER
