"""The FastAPI app factory: routers per resource, one error shape, the built dashboard at ``/``."""

from __future__ import annotations

import hmac
import importlib
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from topoalign.api.errors import error_response, install_error_handlers
from topoalign.api.settings import Settings
from topoalign.api.warmup import register_warmup, start_umap_warmup
from topoalign.jobs import JobRunner
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
        threading.Thread(target=stress_numba.warm_up, name="warm-layout-kernel", daemon=True).start()
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
    app.add_middleware(_RequestGuards, cap=settings.max_upload_bytes, token=settings.token)
    if settings.cors_origins:  # outermost: answers preflights (which carry no token) and labels refusals too
        app.add_middleware(CORSMiddleware, allow_origins=[o for o in settings.cors_origins if o != "*"],
                           allow_methods=["*"], allow_headers=["*"])
    for name in ROUTER_MODULES:
        module = importlib.import_module(name)
        app.include_router(module.router)
        if hasattr(module, "register_jobs"):  # job kinds rebuilt from their JSON params, so they can be re-run
            module.register_jobs(app.state.jobs, app.state.store, settings)
    _mount_frontend(app, settings)
    return app


class _RequestGuards:
    """Plain ASGI middleware (no per-request task group, unlike ``@app.middleware``): refuses a body whose declared
    length is over the upload cap before reading it (multipart adds ~1 MiB slack) and stops reading an undeclared
    (chunked) one at the same size; then, when a token is set, refuses requests to /api (but /api/health) without
    it."""

    def __init__(self, app, *, cap: int, token: str | None):
        self.app, self.cap, self.token = app, cap, token

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            receive = self._capped(receive)
        await self.app(scope, receive, send)

    def _capped(self, receive):
        limit, seen = self.cap + (1 << 20), 0

        async def capped_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # an HTTPException passes FastAPI's body parsing unchanged, to the error handler
                    raise StarletteHTTPException(413, f"Request body is over the {self.cap:,}-byte upload cap "
                                                      f"(TOPOALIGN_MAX_UPLOAD_BYTES); stopped reading at {seen:,} bytes.")
            return message

        return capped_receive

    def _refusal(self, scope):
        headers = {k.decode("latin1").lower(): v.decode("latin1") for k, v in scope.get("headers", ())}
        length = headers.get("content-length")
        if length is not None and not length.strip().isdigit():
            return error_response(400, "invalid_request", f"Invalid Content-Length header {length[:40]!r}.")
        if length is not None and int(length) > self.cap + (1 << 20):
            return error_response(413, "payload_too_large", f"Request body of {int(length):,} bytes is over the "
                                  f"{self.cap:,}-byte upload cap (TOPOALIGN_MAX_UPLOAD_BYTES).")
        path = scope.get("path", "")
        if self.token and path.startswith("/api/") and path != "/api/health":
            given = headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not given:
                given = (parse_qs(scope.get("query_string", b"").decode("latin1")).get("token") or [""])[0]
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return error_response(401, "unauthorized", "A valid bearer token is required (TOPOALIGN_TOKEN).")
        return None


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
