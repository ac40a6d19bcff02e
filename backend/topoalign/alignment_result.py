"""The record every alignment score returns and the input pairing every score checks, below both the geometric
metrics (``topoalign.align``) and the topological score (``topoalign.topo.score``), which ``align`` registers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from topoalign.errors import InvalidInputError
from topoalign.finite_json import finite_json
from topoalign.representation import Representation, aligned_matrices


# What every score takes for X and Y: an (n_stimuli x n_units) array with rows paired by position, or a Representation
# (rows matched by stimulus id)
MatrixLike = np.ndarray | Representation


@dataclass
class AlignmentResult:
    """A cross-validated alignment score.

    Attributes
    ----------
    metric : the metric name ("linear", "procrustes", ...)
    score : mean of ``folds`` (a similarity: 1 = aligned)
    std : standard deviation of ``folds`` (ddof=0)
    folds : (n_folds,) held-out score per fold
    n_stimuli : number of stimuli (rows) compared
    dropped_units : units dropped for zero training variance, ``{"x": max over folds, "y": max over folds}``
    details : metric-specific extras (per-fold alphas, angular distances, directions, ...)
    chance : mean of the permutation null (stimuli shuffled between X and Y), when computed
    p_value : (1 + #null >= score) / (1 + n_permutations), when computed
    null : the null scores, when computed
    baselines : other reference values, e.g. ``{"random_rotation": ...}`` for permutation and soft matching
    """

    metric: str
    score: float
    std: float
    folds: list[float]
    n_stimuli: int
    dropped_units: dict[str, int] = field(default_factory=lambda: {"x": 0, "y": 0})
    details: dict[str, Any] = field(default_factory=dict)
    chance: float | None = None
    p_value: float | None = None
    null: list[float] | None = None
    baselines: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = finite_json(asdict(self))
        return out


def as_matrices(X: MatrixLike, Y: MatrixLike) -> tuple[np.ndarray, np.ndarray]:
    """Two (n_stimuli x n_units) arrays with rows paired: representations are matched by stimulus id."""
    if isinstance(X, Representation) and isinstance(Y, Representation):
        X, Y, _ = aligned_matrices(X, Y)
    elif isinstance(X, Representation) or isinstance(Y, Representation):
        raise InvalidInputError("Pass two Representations (matched by stimulus id) or two arrays, not one of each.")
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 2 or Y.ndim != 2:
        raise InvalidInputError(f"X and Y must be 2-D (n_stimuli x n_units); got shapes {X.shape} and {Y.shape}.")
    if X.shape[0] != Y.shape[0]:
        raise InvalidInputError(
            f"X and Y must have the same number of rows (stimuli); got shapes {X.shape} and {Y.shape}."
        )
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise InvalidInputError(f"X and Y must be finite; got NaN or Inf (shapes {X.shape} and {Y.shape}).")
    return X, Y
