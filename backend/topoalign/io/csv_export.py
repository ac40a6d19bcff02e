"""The one CSV writer of exports (audit cells from the API and ``topoalign audit --csv``).

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) as
a formula, so a model or layer name such as ``=HYPERLINK(...)`` in an export would run when the file is opened
(CSV injection). Following OWASP, such text cells get a leading single quote. Numbers are never changed: numeric
values, and text that is a number or a ';'-joined list of numbers (per-fold scores), stay as they are, so
negative scores remain numbers.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable, Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBERS = re.compile(rf"{_NUMBER}(?:;{_NUMBER})*")


def csv_cell(value: Any) -> Any:
    """``value`` as it is safe to write: None as an empty cell, formula-like text prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBERS.fullmatch(value):
        return "'" + value
    return value


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV text: a header of ``columns``, then one line per row (keys outside ``columns`` are ignored, missing ones
    are empty), every cell passed through :func:`csv_cell`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(c) for c in columns])
    for row in rows:
        w.writerow([csv_cell(row.get(c)) for c in columns])
    return buf.getvalue()
