"""Provenance options shared by ``topoalign ingest`` and ``topoalign extract``: architecture and task metrics
(``--metric accuracy=0.93``), and per-array rows from a JSON file (``--rows rows.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from topoalign.errors import InvalidInputError, InvalidParameterError


def add_provenance_options(p, *, rows: bool = False) -> None:
    p.add_argument("--architecture", help="architecture in the provenance (models that differ by seed share it)")
    p.add_argument(
        "--metric",
        action="append",
        metavar="NAME=VALUE",
        help="task metric of the model here (checkpoint x condition), e.g. accuracy=0.93; repeatable",
    )
    if rows:
        p.add_argument(
            "--rows",
            metavar="JSON",
            help='per-array provenance: a JSON file holding {"<array key>": {"name", "model", "layer", '
            '"layer_index", "layer_fraction", "epoch", "metrics", ...}} (overrides the defaults '
            "taken from the file order)",
        )


def parse_metrics(items: list[str] | None) -> dict[str, float]:
    """``["accuracy=0.93", ...]`` -> ``{"accuracy": 0.93}``."""
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not sep or not name.strip() or number is None:
            raise InvalidParameterError(f"--metric takes NAME=NUMBER (e.g. accuracy=0.93). Got {item!r}.")
        out[name.strip()] = number
    return out


def read_rows(path: str | None) -> dict[str, dict[str, Any]] | None:
    if path is None:
        return None
    try:
        rows = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"--rows {path!r} could not be read as JSON: {exc}.") from None
    if not isinstance(rows, dict) or not all(isinstance(v, dict) for v in rows.values()):
        raise InvalidInputError(f"--rows {path!r} must hold an object mapping array keys to objects of fields.")
    return rows
