"""The one place where exceptions become HTTP responses: ``{"error": code, "detail": message}``.

``HTTP_STATUS`` is the one table from error codes to HTTP statuses: the codes of the core's exception classes
(``topoalign.errors``; a raise's finer code, e.g. ``"empty_array"``, is sent in the body while its class's code picks
the status) and the codes the server's own refusals send (bad host or origin, missing token, unknown route).

An unexpected exception (a bug) is logged with its traceback under a generated request id; the client gets only
that id, never the exception's text (which can hold paths, data or internals of the server).
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from topoalign.errors import TopoAlignError

logger = logging.getLogger("topoalign.api")

HTTP_STATUS: dict[str, int] = {
    # the core's exception classes (topoalign.errors)
    "topoalign_error": 400,
    "invalid_input": 422,
    "unsupported_format": 415,
    "payload_too_large": 413,
    "invalid_parameter": 422,
    "not_found": 404,
    "conflict": 409,
    "limit_exceeded": 422,
    "cancelled": 409,
    "worker_lost": 503,
    # the server's own refusals
    "unauthorized": 401,
    "forbidden_origin": 403,
    "method_not_allowed": 405,
    "invalid_host": 421,
}
"""Error code -> HTTP status. ``invalid_request`` (a request FastAPI cannot parse or validate: 422; a malformed
header: 400) and ``internal_error`` (500) are sent by the handlers below and the request guards with their status."""

# Starlette's own HTTP errors (unknown route, wrong method, over a body cap): status -> code; others "http_error"
_HTTP_ERROR_CODES = {
    HTTP_STATUS[c]: c for c in ("not_found", "method_not_allowed", "unauthorized", "payload_too_large")
}


def http_status(exc: TopoAlignError) -> int:
    """The HTTP status of a core exception: that of the nearest class in its MRO whose ``code`` is in
    ``HTTP_STATUS`` (a raise's own finer ``code`` does not change the status), else 400."""
    for cls in type(exc).__mro__:
        code = cls.__dict__.get("code")
        if code in HTTP_STATUS:
            return HTTP_STATUS[code]
    return HTTP_STATUS["topoalign_error"]


def error_response(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "detail": detail})


def refusal_response(code: str, detail: str) -> JSONResponse:
    """The error response of a code of ``HTTP_STATUS`` (the server's own refusals), with its status."""
    return error_response(HTTP_STATUS[code], code, detail)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    errors = exc.errors()
    for err in errors[:8]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    if len(errors) > 8:
        parts.append(f"and {len(errors) - 8} more problems")
    return "; ".join(parts) or "invalid request"


def _http_status_and_detail(request: Request, exc: StarletteHTTPException) -> tuple[int, str]:
    """Name the method and path in routing errors. Under /api: 405 when an API route has the path (with other
    methods), else 404; the static-file mount at ``/`` would otherwise answer these."""
    status, detail, path = exc.status_code, str(exc.detail), request.url.path
    if status in (404, 405) and detail in ("Not Found", "Method Not Allowed") and path.startswith("/api/"):
        status = 405 if _api_route_matches(request) else 404
    if status == 404 and detail in ("Not Found", "Method Not Allowed"):
        detail = f"Not found: nothing at {request.method} {path}."
    elif status == 405 and detail in ("Not Found", "Method Not Allowed"):
        detail = f"Method {request.method} is not allowed on {path}."
    return status, detail


def _api_route_matches(request: Request) -> bool:
    scope = {
        "type": "http",
        "path": request.scope.get("path", ""),
        "method": request.method,
        "root_path": "",
        "headers": [],
    }
    return any(not isinstance(r, Mount) and r.matches(scope)[0] is not Match.NONE for r in request.app.router.routes)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TopoAlignError)
    async def _domain(_: Request, exc: TopoAlignError):
        return error_response(http_status(exc), exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError):
        return error_response(422, "invalid_request", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        status, detail = _http_status_and_detail(request, exc)
        code = _HTTP_ERROR_CODES.get(status, "http_error")
        return error_response(status, code, detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        request_id = uuid.uuid4().hex[:16]
        logger.error("internal error, request id %s: %s %s", request_id, request.method, request.url.path, exc_info=exc)
        response = error_response(
            500,
            "internal_error",
            f"The server failed on this request (request id {request_id}); its log has the details under that id.",
        )
        response.headers["X-Request-ID"] = request_id
        return response
