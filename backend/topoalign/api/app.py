"""The FastAPI app factory: routers per resource, one error shape, the built dashboard at ``/``."""

from __future__ import annotations

import hmac
import importlib
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from topoalign.api.errors import error_response, install_error_handlers
from topoalign.api.settings import Settings
from topoalign.api.warmup import register_warmup, start_umap_warmup
from topoalign.jobs import JobRunner
from topoalign.store import Store

# One module per resource, each exposing ``router``; order is the order in /docs.
ROUTER_MODULES = [
    "topoalign.api.routers.health",
    "topoalign.api.routers.collections",
    "topoalign.api.routers.representations",
    "topoalign.api.routers.jobs",
    "topoalign.api.routers.graphs",
]

PLACEHOLDER = """<!doctype html><html><head><meta charset="utf-8"><title>TopoAlign</title></head>
<body><h1>TopoAlign</h1><p>The dashboard has not been built: run <code>make run</code>. API docs: <a href="/docs">/docs</a>.</p>
</body></html>"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.recovery = app.state.store.recover()
        if settings.warm_umap:
            start_umap_warmup(app.state.jobs)
        yield
        app.state.jobs.shutdown()

    app = FastAPI(
        title="TopoAlign",
        version="0.1.0",
        description="Compare neural-network representations: aligned Mapper graphs and geometric alignment metrics.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = Store(settings.data)
    app.state.jobs = JobRunner(app.state.store, max_concurrent=settings.max_concurrent_jobs)
    register_warmup(app.state.jobs)
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=[o for o in settings.cors_origins if o != "*"],
                           allow_methods=["*"], allow_headers=["*"])
    if settings.token:
        _require_token(app, settings.token)
    _cap_request_size(app, settings.max_upload_bytes)
    for name in ROUTER_MODULES:
        app.include_router(importlib.import_module(name).router)
    _mount_frontend(app, settings)
    return app


def _require_token(app: FastAPI, token: str) -> None:
    @app.middleware("http")
    async def check_token(request: Request, call_next):
        if request.url.path.startswith("/api/") and request.url.path != "/api/health":
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            given = given or request.query_params.get("token", "")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return error_response(401, "unauthorized", "A valid bearer token is required (TOPOALIGN_TOKEN).")
        return await call_next(request)


def _cap_request_size(app: FastAPI, cap: int) -> None:
    """Refuse a body whose declared length is over the upload cap before reading it (multipart adds ~1 MiB slack)."""

    @app.middleware("http")
    async def check_length(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > cap + (1 << 20)):
            return error_response(413, "payload_too_large",
                                  f"Request body of {length} bytes is over the {cap:,}-byte upload cap.")
        return await call_next(request)


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
