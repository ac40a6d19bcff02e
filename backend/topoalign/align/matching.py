"""Unit matching: one-to-one (Hungarian) and soft (exact optimal transport) correspondences between units.

Both are fitted on the training rows of a fold from the (d1 x d2) matrix ``R_train`` of Pearson correlations between
every unit of X and every unit of Y, and scored on the held-out rows:

* permutation: ``scipy.optimize.linear_sum_assignment(R_train, maximize=True)`` matches ``min(d1, d2)`` pairs
  (rectangular when d1 != d2); score = mean held-out Pearson r of the matched pairs.
* soft: ``P = ot.emd(1/d1, 1/d2, 1 - R_train)``, a transport plan with uniform marginals (entries sum to 1);
  score = ``sum(P * R_test)``, so identical inputs score 1.

Both are invariant to permuting units but not to rotating them: ``rotation_baseline`` scores Y after a random
(Haar) rotation, the reference for testing whether the units form a privileged basis.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import ot
from scipy.optimize import linear_sum_assignment
from scipy.stats import ortho_group

from topoalign.align.crossval import (
    AlignmentResult,
    MatrixLike,
    as_matrices,
    columnwise_pearson,
    constant_units,
    correlation_matrix,
    cross_validate,
)
from topoalign.errors import check_param


def hungarian_match(R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the one-to-one matching maximising the summed correlation ``R`` (d1 x d2)."""
    return linear_sum_assignment(R, maximize=True)


def soft_match(R: np.ndarray) -> np.ndarray:
    """(d1 x d2) exact optimal transport plan between uniform unit masses under cost ``1 - R``; sums to 1."""
    d1, d2 = R.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan: np.ndarray = ot.emd(
            np.full(d1, 1.0 / d1),
            np.full(d2, 1.0 / d2),
            np.ascontiguousarray(1.0 - R),
            numItermax=max(100_000, 50 * d1 * d2),
        )
    return plan


def _matched_r(X: np.ndarray, Y: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float:
    r = columnwise_pearson(X[:, rows], Y[:, cols])
    return float(np.nanmean(r)) if np.isfinite(r).any() else 0.0


def _permutation_fold(
    X_tr: np.ndarray, Y_tr: np.ndarray, X_te: np.ndarray, Y_te: np.ndarray
) -> tuple[float, dict[str, Any]]:
    rows, cols = hungarian_match(correlation_matrix(X_tr, Y_tr))
    return _matched_r(X_te, Y_te, rows, cols), {}


def _soft_fold(X_tr: np.ndarray, Y_tr: np.ndarray, X_te: np.ndarray, Y_te: np.ndarray) -> tuple[float, dict[str, Any]]:
    plan = soft_match(correlation_matrix(X_tr, Y_tr))
    return float(np.sum(plan * correlation_matrix(X_te, Y_te))), {}


class _Matching:
    """Shared fit/score plumbing of the two matchers."""

    x_keep_: np.ndarray
    y_keep_: np.ndarray

    def _prepare(self, X: MatrixLike, Y: MatrixLike, fit: bool) -> tuple[np.ndarray, np.ndarray]:
        Xm, Ym = as_matrices(X, Y)
        Xm = np.asarray(Xm, dtype=np.float64)
        Ym = np.asarray(Ym, dtype=np.float64)
        if fit:
            self.x_keep_, self.y_keep_ = ~constant_units(Xm), ~constant_units(Ym)
        return Xm[:, self.x_keep_], Ym[:, self.y_keep_]

    def fit(self, X: MatrixLike, Y: MatrixLike) -> _Matching:
        raise NotImplementedError

    def score(self, X: MatrixLike, Y: MatrixLike) -> float:
        raise NotImplementedError

    def fit_score(self, X: MatrixLike, Y: MatrixLike) -> float:
        return self.fit(X, Y).score(X, Y)


class PermutationMatching(_Matching):
    """One-to-one matching of units by the Hungarian algorithm on their correlations.

    Attributes
    ----------
    rows_, cols_ : (min(d1, d2),) matched unit indices (into the kept units)
    x_keep_, y_keep_ : masks of units that were not constant in training
    """

    rows_: np.ndarray
    cols_: np.ndarray

    def fit(self, X: MatrixLike, Y: MatrixLike) -> "PermutationMatching":
        Xm, Ym = self._prepare(X, Y, fit=True)
        self.rows_, self.cols_ = hungarian_match(correlation_matrix(Xm, Ym))
        return self

    def score(self, X: MatrixLike, Y: MatrixLike) -> float:
        """Mean Pearson r of the matched unit pairs on (X, Y)."""
        Xm, Ym = self._prepare(X, Y, fit=False)
        return _matched_r(Xm, Ym, self.rows_, self.cols_)


class SoftMatching(_Matching):
    """Soft matching of units by exact optimal transport on ``1 - correlation``.

    Attributes
    ----------
    plan_ : (d1 x d2) transport plan with uniform marginals, entries summing to 1
    """

    plan_: np.ndarray

    def fit(self, X: MatrixLike, Y: MatrixLike) -> "SoftMatching":
        Xm, Ym = self._prepare(X, Y, fit=True)
        self.plan_ = soft_match(correlation_matrix(Xm, Ym))
        return self

    def score(self, X: MatrixLike, Y: MatrixLike) -> float:
        """``sum(plan_ * R)`` with R the correlations between the units of X and Y."""
        Xm, Ym = self._prepare(X, Y, fit=False)
        return float(np.sum(self.plan_ * correlation_matrix(Xm, Ym)))


def permutation_score(X: MatrixLike, Y: MatrixLike, *, folds: int = 5, random_state: int | None = 0) -> AlignmentResult:
    """Cross-validated one-to-one unit matching score (mean held-out r of matched units).

    Parameters
    ----------
    X, Y : (n_stimuli x d1), (n_stimuli x d2) arrays with paired rows, or two Representations (matched by id)
    """
    return cross_validate("permutation", _permutation_fold, X, Y, folds=folds, random_state=random_state)


def soft_matching_score(
    X: MatrixLike, Y: MatrixLike, *, folds: int = 5, random_state: int | None = 0
) -> AlignmentResult:
    """Cross-validated soft matching score (``sum(plan * held-out r)``, 1 for identical inputs).

    Parameters
    ----------
    X, Y : (n_stimuli x d1), (n_stimuli x d2) arrays with paired rows, or two Representations (matched by id)
    """
    return cross_validate("soft", _soft_fold, X, Y, folds=folds, random_state=random_state)


def random_rotation(d: int, rng: np.random.Generator) -> np.ndarray:
    """A (d x d) Haar-random orthogonal matrix."""
    if d == 1:
        return np.ones((1, 1))
    return ortho_group.rvs(d, random_state=rng)


def rotation_baseline(
    score_fn: Callable[..., AlignmentResult],
    X: MatrixLike,
    Y: MatrixLike,
    *,
    n_rotations: int = 5,
    random_state: int | None = 0,
    **kwargs: Any,
) -> dict[str, Any]:
    """Scores after rotating Y's units by random orthogonal matrices (which destroys any privileged basis).

    Returns ``{"mean": ..., "scores": [...], "n_rotations": ...}``.
    """
    check_param(
        "rotation_baseline",
        "n_rotations",
        n_rotations,
        isinstance(n_rotations, int) and n_rotations >= 1,
        "a positive integer",
    )
    Xm, Ym = as_matrices(X, Y)
    rng = np.random.default_rng(random_state)
    Ym = np.asarray(Ym, dtype=np.float64)
    Ym = Ym[:, ~constant_units(Ym)]
    scores = []
    for _ in range(n_rotations):
        scores.append(score_fn(Xm, Ym @ random_rotation(Ym.shape[1], rng), **kwargs).score)
    return {"mean": float(np.mean(scores)), "scores": scores, "n_rotations": n_rotations}
