"""The ``topoalign`` command line: one module per command group, each exposing ``register(subparsers)``.

Domain errors print ``error: <code>: <message>`` on stderr and exit with code 2; progress is drawn on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from topoalign.errors import TopoAlignError

# Each module adds its sub-commands; order is the order of `topoalign --help`.
COMMAND_MODULES = [
    "topoalign.cli.serve",
    "topoalign.cli.data",
    "topoalign.cli.mapper",
    "topoalign.cli.extract",
    "topoalign.cli.demo",
    "topoalign.cli.align",
    "topoalign.cli.topo",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="topoalign",
        description="Compare neural-network representations topologically (Mapper) and geometrically.",
    )
    parser.add_argument("--version", action="version", version="topoalign 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def add_data_option(p: argparse.ArgumentParser) -> None:
    """``--data DIR`` (or ``TOPOALIGN_DATA``; default ./data/store) on every command that uses the store."""
    p.add_argument("--data", default=os.environ.get("TOPOALIGN_DATA", "data/store"),
                   help="data directory (env TOPOALIGN_DATA; default ./data/store)")


def open_store(args):
    from topoalign.store import Store

    return Store(args.data)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TopoAlignError as exc:
        print(f"error: {exc.code}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
