"""The ``topoalign`` command line: one module per command group, each exposing ``register(subparsers)``.

Domain errors print ``error: <code>: <message>`` on stderr and exit with code 2; progress is drawn on stderr.
The global options (``--data``, ``--json``, ``--quiet``) may also come before the command name, for the commands
that have them. Command modules import heavy libraries (pandas, scikit-learn, torch) inside the functions that
need them: ``topoalign --help`` and a Mapper build start without them.
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


# Options a command may also take before its name (``topoalign --data DIR list``): name -> takes a value.
GLOBAL_OPTIONS = {"--data": True, "--json": False, "--quiet": False}


def build_parser() -> argparse.ArgumentParser:
    # no abbreviations before the command: they would be parsed here, where the command's own defaults win
    parser = argparse.ArgumentParser(
        prog="topoalign",
        description="Compare neural-network representations topologically (Mapper) and geometrically.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version="topoalign 0.1.0")
    shared = parser.add_argument_group("global options (before or after COMMAND, for the commands that take them)")
    shared.add_argument(
        "--data",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="data directory (env TOPOALIGN_DATA; default ./data/store)",
    )
    shared.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print the result as JSON")
    shared.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bar")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def add_data_option(p: argparse.ArgumentParser) -> None:
    """``--data DIR`` (or ``TOPOALIGN_DATA``; default ./data/store) on every command that uses the store."""
    p.add_argument(
        "--data",
        default=os.environ.get("TOPOALIGN_DATA", "data/store"),
        help="data directory (env TOPOALIGN_DATA; default ./data/store)",
    )


# ``io.reduce``'s rules, written out: the command line starts without the io package (pandas); a registry test checks
# them against CONV_RULES / SEQ_RULES
CONV_RULES = ("gap", "center", "flatten")
SEQ_RULES = ("mean", "first")


def add_reduction_options(p: argparse.ArgumentParser, verb: str, seq_help: str) -> None:
    """``--{verb}-conv`` and ``--{verb}-seq``: how (n, c, h, w) and (n, t, d) activations become (n, d) rows."""
    p.add_argument(
        f"--{verb}-conv",
        choices=CONV_RULES,
        default=CONV_RULES[0],
        help="rule for (n, c, h, w) activations (default: global average pool)",
    )
    p.add_argument(f"--{verb}-seq", choices=SEQ_RULES, default=SEQ_RULES[0], help=seq_help)


def open_store(args):
    from topoalign.store import Store

    return Store(args.data)


def global_options_after_command(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``argv`` with the global options given before the command name moved to just after it, where the command's
    parser reads them (so ``topoalign --data D list`` is ``topoalign list --data D``). An option the command does not
    take is an error naming the command."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    moved: list[str] = []
    i = 0
    while i < len(argv):
        name = argv[i].split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            width = 2 if GLOBAL_OPTIONS[name] and "=" not in argv[i] else 1
            moved += argv[i : i + width]
            i += width
            continue
        if argv[i] in sub.choices and moved:
            command = argv[i]
            missing = [
                o
                for o in moved
                if o.split("=", 1)[0] in GLOBAL_OPTIONS
                and o.split("=", 1)[0] not in sub.choices[command]._option_string_actions
            ]
            if missing:
                parser.error(f"'topoalign {command}' has no option {missing[0].split('=', 1)[0]}")
            return [command, *moved, *argv[i + 1 :]]
        break  # anything else (no command yet, -h, --version, an unknown option): argparse reports it
    return argv


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(global_options_after_command(parser, argv))
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
