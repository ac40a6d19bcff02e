"""What an activation file holds, before anything is stored: its arrays, their shapes after reduction, and the
provenance each would get by default (from the file order), for a user to check and edit before the ingest.

The file is read and validated exactly as ``ingest_file`` reads it (never unpickled); the same errors are raised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from topoalign.io.ingest import _check_rules, default_rows, read_inputs
from topoalign.io.reduce import reduce_activations
from topoalign.io.validate import DEFAULT_MAX_BYTES, check_finite, check_numeric, check_row_counts, check_shape


def inspect_file(
    path: str | Path,
    *,
    filename: str | None = None,
    id_column: str | None = None,
    labels_path: str | Path | None = None,
    labels_filename: str | None = None,
    reduce_conv: str = "gap",
    reduce_seq: str = "mean",
    drop_nonfinite: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """``{"filename", "format", "n_rows", "has_ids", "single", "arrays": [{"key", "shape", "dtype",
    "reduced_shape", "layer", "layer_index", "layer_fraction", "model"?}], "label_columns", "notes"}``."""
    _check_rules(reduce_conv, reduce_seq)
    label = Path(filename or path).name
    raw, labels, arrays = read_inputs(
        path,
        filename=filename,
        id_column=id_column,
        labels_path=labels_path,
        labels_filename=labels_filename,
        max_bytes=max_bytes,
    )
    matrices, described = {}, []
    for key, arr in arrays.items():
        check_numeric(key, arr)
        check_shape(key, arr)
        matrices[key] = reduce_activations(
            arr, conv=reduce_conv, seq=reduce_seq, mask=raw.mask if arr.ndim == 3 else None
        )
        described.append(
            {"key": key, "shape": list(arr.shape), "dtype": str(arr.dtype), "reduced_shape": list(matrices[key].shape)}
        )
    first_key, first = next(iter(matrices.items()))
    check_row_counts(matrices, first.shape[0], f"array {first_key!r}")
    keep = check_finite(matrices, drop=drop_nonfinite)
    notes = list(raw.notes)
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} of {len(keep)} rows hold NaN or infinite values and will be dropped")
    defaults = {} if raw.single else default_rows(list(arrays))
    for row in described:
        row.update(defaults.get(row["key"], {}))
    return {
        "filename": label,
        "format": raw.format,
        "n_rows": int(first.shape[0]),
        "has_ids": raw.ids is not None,
        "single": bool(raw.single),
        "arrays": described,
        "label_columns": [str(c) for c in labels.columns] if labels is not None else [],
        "notes": notes,
    }
