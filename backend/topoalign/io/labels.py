"""Per-stimulus labels from a CSV/TSV table, joined to stimuli on an id column."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from topoalign.errors import InvalidInputError
from topoalign.io.formats import LABEL_EXTENSIONS, detect_format
from topoalign.io.tables import column_as_numbers, numeric_columns, pick_id_column, read_text_table
from topoalign.io.validate import DEFAULT_MAX_BYTES, check_file_size, check_stimulus_ids


def read_labels(
    path: str | Path,
    *,
    id_column: str | None = None,
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> pd.DataFrame:
    """Labels indexed by stimulus id (index name ``stimulus_id``), one column per label.

    The id column is ``id_column`` when the table has it, else ``stimulus_id`` or ``id``. Columns whose every cell
    is a number (or missing) become float columns; the others stay strings (categorical labels).
    """
    path = Path(path)
    label = Path(filename or path.name).name
    if not path.is_file():
        raise InvalidInputError(f"No such labels file: {str(path)!r}.", code="not_found")
    check_file_size(path, max_bytes, label=label)
    fmt = detect_format(path, filename=label, table=LABEL_EXTENSIONS)
    frame = read_text_table(path, fmt, label)
    id_col = pick_id_column(list(frame.columns), id_column, label, required=True)
    ids = check_stimulus_ids(frame[id_col].astype(str).str.strip().tolist(), f"ids in labels file {label!r}")
    columns = [c for c in frame.columns if c != id_col]
    if not columns:
        raise InvalidInputError(
            f"Labels file {label!r} has only the id column {id_col!r}: 0 label columns.", code="empty_array"
        )
    if not ids:
        raise InvalidInputError(f"Labels file {label!r} has a header but 0 rows.", code="empty_array")
    numeric, _ = numeric_columns(frame, columns)
    out = pd.DataFrame(index=pd.Index(ids, name="stimulus_id"))
    for col in columns:
        if col in numeric:
            out[col] = column_as_numbers(frame[col])
        else:
            out[col] = frame[col].astype(str).str.strip().to_numpy()
    return out


def check_label_ids(labels: pd.DataFrame, stimulus_ids: Sequence[str], where: str) -> list[str]:
    """Every label id must be a stimulus of ``where``; returns notes (e.g. stimuli left without labels)."""
    known = set(map(str, stimulus_ids))
    label_ids = [str(s) for s in labels.index]
    check_stimulus_ids(label_ids, "ids in the labels")
    unknown = [s for s in label_ids if s not in known]
    if unknown:
        raise InvalidInputError(
            f"Label ids do not match the stimuli: {len(unknown)} of {len(label_ids)} label rows (labels shape "
            f"{labels.shape}) have ids that are not among the {len(known)} stimuli of {where} "
            f"(e.g. {unknown[:3]}).",
            code="label_mismatch",
        )
    missing = len(known) - len(label_ids)
    if missing > 0:
        return [f"{missing} of {len(known)} stimuli have no labels"]
    return []
