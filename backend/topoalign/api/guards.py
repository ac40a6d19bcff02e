"""Header checks every request passes before any route: the Host it names, the Origin of writes, the bearer token.

* Host: a page on ``evil.example`` whose name is then made to resolve to 127.0.0.1 (DNS rebinding) reaches a
  loopback server with ``Host: evil.example``. The server answers only its own names: the loopback names, the
  address the connection arrived on (so ``topoalign serve --host <address>`` needs no setting, and a test client's
  ``testserver`` is its own address) and ``allowed_hosts``; anything else gets 421.
* Origin: a page on another site can post a form (a multipart upload) without a preflight; its browser sends the
  page's ``Origin``. POST, PUT, PATCH and DELETE are refused (403) unless the Origin is the server's own (same host
  and port as the Host header) or one of ``cors_origins``. Requests without an Origin (scripts, the CLI) pass.
* Token: ``Authorization: Bearer <token>``, the scheme case-insensitive (RFC 9110) and required. ``?token=`` is
  accepted only by ``GET /api/jobs/{id}/events``, whose ``EventSource`` cannot send headers: elsewhere it would
  put the token into URLs and logs.

Each check returns ``None`` or the refusal to send, in the one error shape.
"""

from __future__ import annotations

import hmac
import re
from urllib.parse import parse_qs, urlsplit

from fastapi.responses import JSONResponse

from topoalign.api.errors import refusal_response

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}
_EVENT_STREAM = re.compile(r"/api/jobs/[^/]+/events")


def split_host(value: str) -> tuple[str, int | None] | None:
    """``(name, port)`` of a Host header value (``name[:port]``, IPv6 in brackets), lower-case, without a final
    dot; None when malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        name, sep, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ("" if not rest else None)
        if not sep or port is None:
            return None
    else:
        name, _, port = value.partition(":")
    if port and not port.isdigit() or not name.rstrip("."):
        return None
    return name.rstrip("."), int(port) if port else None


def allowed_host_names(allowed_hosts: list[str]) -> frozenset[str] | None:
    """The names a Host header may carry besides the connection's own address; None when ``'*'`` allows all."""
    if "*" in allowed_hosts:
        return None
    names = {(split_host(h) or (h.strip().lower(), None))[0] for h in allowed_hosts if h.strip()}
    return frozenset(names | LOOPBACK_NAMES)


def host_refusal(scope, allowed: frozenset[str] | None) -> JSONResponse | None:
    """421 unless the Host header names this server (see the module docstring); no Host header passes."""
    values = [v.decode("latin1") for k, v in scope.get("headers", ()) if k.lower() == b"host"]
    if allowed is None or not values:
        return None
    parsed = split_host(values[0]) if len(values) == 1 else None
    server = scope.get("server") or (None,)
    own = str(server[0]).strip("[]").lower() if server[0] is not None else None
    if own is not None and own.startswith("::ffff:") and "." in own:  # IPv4 through a dual-stack socket
        own = own.removeprefix("::ffff:")
    if parsed is not None and (parsed[0] in allowed or parsed[0] == own):
        return None
    shown = values[0][:100] if len(values) == 1 else f"{len(values)} Host headers"
    return refusal_response(
        "invalid_host",
        f"Host {shown!r} is not a name of this server; add it to "
        "TOPOALIGN_ALLOWED_HOSTS if clients reach the server by it.",
    )


def _same_origin(origin: str, host: str | None) -> bool:
    parts, server = urlsplit(origin), split_host(host or "")
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or server is None:
        return False
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return False
    return parts.hostname.rstrip(".") == server[0] and port == (server[1] or DEFAULT_PORTS[parts.scheme])


def origin_refusal(method: str, headers: dict[str, str], cors_origins: frozenset[str]) -> JSONResponse | None:
    """403 for a write (POST, PUT, PATCH, DELETE) whose Origin is neither the server's own nor a CORS origin."""
    origin = headers.get("origin")
    if method not in UNSAFE_METHODS or origin is None:
        return None
    if origin.strip().rstrip("/").lower() in cors_origins or _same_origin(origin.strip(), headers.get("host")):
        return None
    return refusal_response(
        "forbidden_origin",
        f"{method} requests from Origin {origin[:100]!r} are refused: "
        "only the server's own pages and TOPOALIGN_CORS_ORIGINS may send them.",
    )


def cors_origin_set(cors_origins: list[str]) -> frozenset[str]:
    """The configured CORS origins as compared with an Origin header (never ``'*'``)."""
    return frozenset(o.strip().rstrip("/").lower() for o in cors_origins if o.strip() not in ("*", ""))


def given_token(scope, headers: dict[str, str]) -> str | None:
    """The token a request carries: ``Authorization: Bearer <token>`` (any case of ``Bearer``), or ``?token=`` on
    the job event stream only; ``None`` when there is none or the header uses another scheme."""
    header = headers.get("authorization")
    if header is not None:
        scheme, _, credentials = header.strip().partition(" ")
        return credentials.strip() or None if scheme.lower() == "bearer" else None
    if scope.get("method") == "GET" and _EVENT_STREAM.fullmatch(scope.get("path", "")):
        return (parse_qs(scope.get("query_string", b"").decode("latin1")).get("token") or [None])[0]
    return None


def token_refusal(scope, headers: dict[str, str], token: str | None) -> JSONResponse | None:
    """401 for a request to /api (but /api/health) without the configured token."""
    path = scope.get("path", "")
    if not token or not path.startswith("/api/") or path == "/api/health":
        return None
    given = given_token(scope, headers)
    if given is not None and hmac.compare_digest(given.encode(), token.encode()):
        return None
    return refusal_response(
        "unauthorized",
        "A valid bearer token is required (TOPOALIGN_TOKEN): send "
        "'Authorization: Bearer <token>' (?token= is accepted only by GET /api/jobs/{id}/events).",
    )
