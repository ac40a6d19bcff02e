"""The unit of data: one n x d activation matrix of named stimuli, with labels and provenance."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from topoalign.errors import InvalidInputError

if TYPE_CHECKING:  # pandas costs ~0.2 s at import: loaded only where labels are handled
    import pandas as pd


@dataclass
class Provenance:
    """Where a representation came from. Every field is optional.

    ``metrics`` are the task metrics of the model at this checkpoint on this condition (e.g. ``{"accuracy": 0.93}``):
    the audit relates alignment to them. ``extra`` holds anything else.
    """

    model: str | None = None
    architecture: str | None = None  # models of one architecture differ by seed only ("digits-cnn", "MiniLM-L6")
    layer: str | None = None
    layer_index: int | None = None
    layer_fraction: float | None = None  # depth in [0, 1]: 0 = input side, 1 = last layer
    checkpoint: str | None = None
    epoch: int | None = None
    condition: str | None = None  # "test", "ood:noise", ...
    seed: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "Provenance":
        d = dict(d or {})
        known = {k: d.pop(k) for k in list(d) if k in cls.__dataclass_fields__ and k not in ("extra", "metrics")}
        extra = dict(d.pop("extra", {}) or {})
        metrics = {str(k): float(v) for k, v in dict(d.pop("metrics", {}) or {}).items() if v is not None}
        extra.update(d)
        # stores written before these fields kept them in extra
        if known.get("architecture") is None and isinstance(extra.get("architecture"), str):
            known["architecture"] = extra.pop("architecture")
        if (
            "accuracy" not in metrics
            and isinstance(extra.get("accuracy"), (int, float))
            and not isinstance(extra.get("accuracy"), bool)
        ):
            metrics["accuracy"] = float(extra.pop("accuracy"))
        return cls(**known, metrics=metrics, extra=extra)


@dataclass
class Representation:
    """Activations of n stimuli in d units.

    Attributes
    ----------
    matrix : (n_stimuli x n_units) float32 array
    stimulus_ids : (n_stimuli,) array of unique strings; comparisons match rows by these, never by order
    labels : DataFrame indexed by stimulus id (one column per label, categorical or numeric), or None
    provenance : Provenance
    name : a short display name (e.g. the layer)
    """

    matrix: np.ndarray
    stimulus_ids: np.ndarray
    labels: pd.DataFrame | None = None
    provenance: Provenance = field(default_factory=Provenance)
    name: str = ""

    def __post_init__(self) -> None:
        self.matrix = np.ascontiguousarray(self.matrix, dtype=np.float32)
        ids = self.stimulus_ids
        # a unicode array (as stored) is taken as is: the per-element str() took ~5 ms per 10,000 ids on every load
        self.stimulus_ids = (
            ids.copy()
            if isinstance(ids, np.ndarray) and ids.dtype.kind == "U"
            else np.asarray([str(s) for s in ids], dtype=str)
        )
        if self.matrix.ndim != 2:
            raise InvalidInputError(f"A representation matrix must be 2-D (n x d); got shape {self.matrix.shape}.")
        if len(self.stimulus_ids) != self.matrix.shape[0]:
            raise InvalidInputError(
                f"{len(self.stimulus_ids)} stimulus ids for a matrix of {self.matrix.shape[0]} rows."
            )

    @property
    def n(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def d(self) -> int:
        return int(self.matrix.shape[1])

    def label_frame(self) -> pd.DataFrame:
        """Labels in row order (rows without labels are NaN); an empty frame when there are none."""
        import pandas as pd

        if self.labels is None:
            return pd.DataFrame(index=pd.Index(self.stimulus_ids, name="stimulus_id"))
        return self.labels.reindex(self.stimulus_ids)


def match_stimuli(a: Representation, b: Representation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``a`` and ``b`` holding the same stimuli, ordered by stimulus id.

    The order depends on the ids only, not on how either representation stores its rows nor on which comes first: so
    the cross-validation folds (assigned over this order) are the same for ``score(a, b)`` and ``score(b, a)``.
    Returns ``(shared_ids, rows_a, rows_b)``; ``len(shared_ids)`` is the number of shared stimuli to report.
    """
    pos_b = {s: i for i, s in enumerate(b.stimulus_ids)}
    rows_a, rows_b = [], []
    for i, s in enumerate(a.stimulus_ids):
        j = pos_b.get(s)
        if j is not None:
            rows_a.append(i)
            rows_b.append(j)
    rows_a_arr = np.asarray(rows_a, dtype=np.int64)
    rows_b_arr = np.asarray(rows_b, dtype=np.int64)
    ids = a.stimulus_ids[rows_a_arr]
    order = np.argsort(ids, kind="stable")
    return ids[order], rows_a_arr[order], rows_b_arr[order]


def aligned_matrices(
    a: Representation, b: Representation, *, min_shared: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two matrices restricted to shared stimuli, rows paired by id: ``(X, Y, shared_ids)``."""
    ids, ra, rb = match_stimuli(a, b)
    if len(ids) < min_shared:
        raise InvalidInputError(
            f"Representations {a.name!r} and {b.name!r} share {len(ids)} stimulus ids; at least {min_shared} needed."
        )
    return a.matrix[ra], b.matrix[rb], ids
