"""Linear centred kernel alignment (CKA), biased and debiased, in feature space.

``linear_cka`` follows Kornblith et al. (2019)'s ``feature_space_linear_cka``: columns are centred, then
``CKA = ||X'Y||_F^2 / (||X'X||_F ||Y'Y||_F)``; the debiased form replaces each ``||A'B||_F^2`` by the unbiased HSIC
estimator of Song et al. (2012), ``||A'B||^2 - n/(n-2) <a, b> + ||A||^2 ||B||^2 / ((n-1)(n-2))`` with ``a``, ``b``
the squared row norms. CKA fits nothing, so ``cka_score`` computes it on each held-out fold (units constant on the
training folds dropped), which makes its folds comparable with the fitted metrics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from topoalign.align.crossval import AlignmentResult, as_matrices, cross_validate


def _hsic_term(A: np.ndarray, B: np.ndarray, debiased: bool) -> float:
    """``||A'B||_F^2`` (biased) or its debiased counterpart, for column-centred (n x d) A and B."""
    n = A.shape[0]
    ab = float(np.sum((A.T @ B) ** 2))
    if not debiased:
        return ab
    ra = np.einsum("ij,ij->i", A, A)
    rb = np.einsum("ij,ij->i", B, B)
    return ab - n / (n - 2.0) * float(ra @ rb) + float(ra.sum() * rb.sum()) / ((n - 1.0) * (n - 2.0))


def linear_cka(X: np.ndarray, Y: np.ndarray, debiased: bool = False) -> float:
    """Linear CKA between (n x d1) X and (n x d2) Y with paired rows (0 when either is constant).

    The debiased estimator needs n >= 4 and can be slightly negative for unrelated inputs.
    """
    X, Y = as_matrices(X, Y)
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    X = X - X.mean(axis=0)
    Y = Y - Y.mean(axis=0)
    xx = _hsic_term(X, X, debiased)
    yy = _hsic_term(Y, Y, debiased)
    if xx <= 0 or yy <= 0:
        return 0.0
    return _hsic_term(X, Y, debiased) / np.sqrt(xx * yy)


def _cka_fold(debiased: bool):
    def scorer(X_tr, Y_tr, X_te, Y_te) -> tuple[float, dict[str, Any]]:
        return linear_cka(X_te, Y_te, debiased=debiased), {}

    return scorer


class LinearCKA:
    """Linear CKA as an estimator: nothing is fitted but the units to keep.

    Parameters
    ----------
    debiased : use the unbiased HSIC estimator
    """

    def __init__(self, debiased: bool = False):
        self.debiased = debiased

    def fit(self, X, Y) -> "LinearCKA":
        X, Y = as_matrices(X, Y)
        self.n_features_in_ = (X.shape[1], Y.shape[1])
        return self

    def score(self, X, Y) -> float:
        return linear_cka(X, Y, debiased=self.debiased)

    def fit_score(self, X, Y) -> float:
        return self.fit(X, Y).score(X, Y)


def cka_score(X, Y, *, debiased: bool = False, folds: int = 5, random_state: int | None = 0) -> AlignmentResult:
    """Linear CKA on each held-out fold (metric name "cka" or "cka_debiased").

    Parameters
    ----------
    X, Y : (n_stimuli x d1), (n_stimuli x d2) arrays with paired rows, or two Representations (matched by id)
    """
    return cross_validate(
        "cka_debiased" if debiased else "cka", _cka_fold(debiased), X, Y, folds=folds, random_state=random_state
    )
