"""``topoalign serve``: the dashboard and the HTTP API."""

from __future__ import annotations

import argparse
import ipaddress
import os

from topoalign.cli import add_data_option
from topoalign.errors import InvalidParameterError


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the dashboard and API (default http://127.0.0.1:8000)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler tcp://HOST:PORT whose workers run every job "
        "(default: an in-process cluster of worker processes)",
    )
    add_data_option(p)
    p.set_defaults(func=run)


def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from topoalign.api.app import create_app
    from topoalign.api.settings import Settings
    from topoalign.api.slow_clients import protocol_with_deadline

    overrides = {"data": args.data}
    if args.scheduler:
        overrides["dask_scheduler"] = args.scheduler
    settings = Settings(**overrides)
    if not is_loopback(args.host) and not (settings.token or os.environ.get("TOPOALIGN_TOKEN")):
        raise InvalidParameterError(
            f"Binding to the non-loopback address {args.host!r} requires a token: set TOPOALIGN_TOKEN."
        )
    app = create_app(settings)
    print(f"TopoAlign serving {settings.data} at http://{args.host}:{args.port}  (API docs: /docs)", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        timeout_keep_alive=30,
        http=protocol_with_deadline(settings.header_timeout_s),
    )
    return 0
