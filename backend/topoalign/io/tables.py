"""The one parser of CSV/TSV tables, shared by the activation reader and the labels reader."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from topoalign.errors import InvalidInputError

DEFAULT_ID_COLUMNS = ("stimulus_id", "id")
_MISSING = {"", "nan", "na", "n/a", "null", "none"}


def read_text_table(path: str | Path, fmt: str, label: str) -> pd.DataFrame:
    """Every cell as a string (nothing guessed yet); ``fmt`` is ``csv`` or ``tsv``."""
    sep = "\t" if fmt == "tsv" else ","
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError:
        raise InvalidInputError(f"Table {label!r} has no header and no rows: 0 columns.", code="empty_array") from None
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise InvalidInputError(
            f"Corrupt file: cannot parse {label!r} as {fmt.upper()}: {exc}", code="corrupt_file"
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def pick_id_column(columns: list[str], id_column: str | None, label: str, *, required: bool) -> str | None:
    """``id_column`` when the table has it, else ``stimulus_id`` or ``id``; None (or an error when ``required``)."""
    if id_column is not None and id_column in columns:
        return id_column
    for name in DEFAULT_ID_COLUMNS:
        if name in columns:
            return name
    if id_column is not None or required:
        wanted = f"{id_column!r}" if id_column is not None else "'stimulus_id' or 'id'"
        raise InvalidInputError(
            f"Table {label!r} has no id column {wanted}; its columns are {columns[:20]}. "
            "Name the id column with --id-column (id_column=...).",
            code="missing_id_column",
        )
    return None


def numeric_columns(frame: pd.DataFrame, columns: list[str]) -> tuple[list[str], list[str]]:
    """Split ``columns`` into those parsing as numbers (missing cells allowed) and the others."""
    good: list[str] = []
    bad: list[str] = []
    for col in columns:
        _, non_numeric = _parse_numbers(frame[col])
        (bad if non_numeric.any() else good).append(col)
    return good, bad


def column_as_numbers(s: pd.Series) -> np.ndarray:
    """(n,) float64; missing cells (empty, NaN, NA, null, none) become NaN."""
    values, _ = _parse_numbers(s)
    return values


def first_non_numeric(s: pd.Series) -> tuple[int, str]:
    """Row position and text of the first cell that is not a number."""
    _, bad = _parse_numbers(s)
    i = int(np.flatnonzero(bad)[0])
    return i, str(s.iloc[i])


def _parse_numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    stripped = s.astype(str).str.strip()
    missing = stripped.str.lower().isin(_MISSING).to_numpy()
    parsed = pd.to_numeric(stripped.where(~missing, "nan"), errors="coerce").to_numpy(dtype=np.float64)
    return parsed, np.isnan(parsed) & ~missing
