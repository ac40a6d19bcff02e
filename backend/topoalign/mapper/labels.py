"""Stimulus labels over a set of stimuli (a Mapper node, a matching region): the one label key, the one summary of a
categorical column, and the one JSON form of a label frame. Used by :class:`topoalign.mapper.graph.MapperGraph`
(node summaries) and by ``topoalign.topo`` (region summaries, motif constraints, label queries).

A categorical column over a set of stimuli is summarised as::

    {"counts": {key: count}, "dominant": key, "purity": float}

- keys are ``label_key(value)``: one spelling per value (3, 3.0 and '3' are all '3'), counted together;
- ``dominant`` is the most frequent key; **ties go to the smallest key in text order** (``"cat"`` before ``"dog"``,
  ``"10"`` before ``"9"``), so the answer depends neither on the order of the stimuli nor on that of the values;
- ``purity`` is the dominant key's share of the stimuli with a value (missing values are left out); a region's
  summary also gives it as ``share`` (the field the regions view has always read).

pandas is imported only by the functions that take a label frame (a Mapper build without labels never loads it).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

MANY_VALUES = 20
"""A numeric column with more distinct values than this is summarised by its mean instead of its counts."""


def label_key(v: Any) -> str:
    """One spelling per label value: 3, 3.0 and '3' are all '3'."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def dominant_label(counts: Mapping[str, int]) -> tuple[str, int]:
    """``(key, count)`` of the most frequent key of a non-empty ``counts``; ties go to the smallest key."""
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def categorical_summary(counts: dict[str, int], n_valid: int) -> dict[str, Any]:
    """``{"counts", "dominant", "purity"}`` of a column over stimuli whose ``n_valid`` values are tallied in
    ``counts`` (``{"counts": {}, "dominant": None, "purity": None}`` when none has a value)."""
    if not counts or n_valid == 0:
        return {"counts": {}, "dominant": None, "purity": None}
    dominant, top = dominant_label(counts)
    return {"counts": counts, "dominant": dominant, "purity": top / n_valid}


def label_summary(
    labels: pd.DataFrame | None, stimulus_ids: np.ndarray | Sequence[str], *, top: int = 3
) -> dict[str, dict[str, Any]]:
    """Per label column over the given stimuli (a region's ``dominant_labels``): the dominant key, its ``purity``
    (also as ``share``) and the ``top`` counts ranked by count then key; or ``{"mean"}`` for a numeric column with
    more than ``MANY_VALUES`` distinct values in the whole frame. Columns without a value here, and ``text``, are
    left out."""
    import pandas as pd

    if labels is None or labels.shape[1] == 0 or len(stimulus_ids) == 0:
        return {}
    rows = labels.reindex(pd.Index(np.asarray(stimulus_ids, dtype=str)))
    out: dict[str, dict[str, Any]] = {}
    for col in rows.columns:
        if col == "text":
            continue
        s = rows[col].dropna()
        if len(s) == 0:
            continue
        if pd.api.types.is_numeric_dtype(labels[col]) and labels[col].nunique() > MANY_VALUES:
            out[str(col)] = {"mean": float(s.mean())}
            continue
        summary = categorical_summary(dict(Counter(label_key(v) for v in s)), len(s))
        ranked = sorted(summary["counts"].items(), key=lambda kv: (-kv[1], kv[0]))
        out[str(col)] = {
            "dominant": summary["dominant"],
            "share": summary["purity"],
            "purity": summary["purity"],
            "counts": dict(ranked[:top]),
        }
    return out


def labels_to_json(labels: pd.DataFrame, stimulus_ids: np.ndarray) -> dict[str, list[Any]]:
    """Label columns as JSON lists aligned with ``stimulus_ids`` (missing values and unknown ids -> null; values
    other than str, bool, int and float -> their text)."""
    import pandas as pd

    rows = labels.reindex(pd.Index(np.asarray(stimulus_ids, dtype=str)))
    out = {}
    for col in rows.columns:
        values = rows[col].astype(object).where(rows[col].notna(), None).tolist()
        out[str(col)] = [v if v is None or isinstance(v, (str, bool, int, float)) else str(v) for v in values]
    return out


def labels_from_json(columns: dict[str, list[Any]], stimulus_ids: np.ndarray) -> pd.DataFrame:
    """The label frame (indexed by ``stimulus_ids``) of ``labels_to_json``'s output; ``InvalidInputError`` unless
    every column is a list with one value per stimulus."""
    from topoalign.errors import InvalidInputError

    if not isinstance(columns, dict):
        raise InvalidInputError("'stimulus_labels' must map label columns to lists of values.")
    bad = {
        c: (len(v) if isinstance(v, list) else type(v).__name__)
        for c, v in columns.items()
        if not isinstance(v, list) or len(v) != len(stimulus_ids)
    }
    if bad:
        raise InvalidInputError(
            f"'stimulus_labels' columns must hold one value per stimulus ({len(stimulus_ids)}); got {bad}."
        )
    import pandas as pd

    return pd.DataFrame(columns, index=pd.Index(stimulus_ids, name="stimulus_id"))
