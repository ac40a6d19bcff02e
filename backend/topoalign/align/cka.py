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

from topoalign.align.crossval import AlignmentResult, FoldScorer, MatrixLike, as_matrices, cross_validate


def _hsic_term(A: np.ndarray, B: np.ndarray, debiased: bool) -> float:
    """``||A'B||_F^2`` (biased) or its debiased counterpart, for column-centred (n x d) A and B."""
    n = A.shape[0]
    ab = float(np.sum((A.T @ B) ** 2))
    if not debiased:
        return ab
    ra = np.einsum("ij,ij->i", A, A)
    rb = np.einsum("ij,ij->i", B, B)
    hsic: float = ab - n / (n - 2.0) * float(ra @ rb) + float(ra.sum() * rb.sum()) / ((n - 1.0) * (n - 2.0))
    return hsic


def linear_cka(X: MatrixLike, Y: MatrixLike, debiased: bool = False) -> float:
    """Linear CKA between (n x d1) X and (n x d2) Y with paired rows (0 when either is constant).

    The debiased estimator needs n >= 4 and can be slightly negative for unrelated inputs.
    """
    Xm, Ym = as_matrices(X, Y)
    Xm = np.asarray(Xm, dtype=np.float64)
    Ym = np.asarray(Ym, dtype=np.float64)
    Xm = Xm - Xm.mean(axis=0)
    Ym = Ym - Ym.mean(axis=0)
    xx = _hsic_term(Xm, Xm, debiased)
    yy = _hsic_term(Ym, Ym, debiased)
    if xx <= 0 or yy <= 0:
        return 0.0
    cka: float = _hsic_term(Xm, Ym, debiased) / np.sqrt(xx * yy)
    return cka


def _cka_fold(debiased: bool) -> FoldScorer:
    def scorer(X_tr: np.ndarray, Y_tr: np.ndarray, X_te: np.ndarray, Y_te: np.ndarray) -> tuple[float, dict[str, Any]]:
        return linear_cka(X_te, Y_te, debiased=debiased), {}

    return scorer


class LinearCKA:
    """Linear CKA as an estimator: nothing is fitted but the units to keep.

    Parameters
    ----------
    debiased : use the unbiased HSIC estimator
    """

    n_features_in_: tuple[int, int]

    def __init__(self, debiased: bool = False) -> None:
        self.debiased = debiased

    def fit(self, X: MatrixLike, Y: MatrixLike) -> "LinearCKA":
        Xm, Ym = as_matrices(X, Y)
        self.n_features_in_ = (Xm.shape[1], Ym.shape[1])
        return self

    def score(self, X: MatrixLike, Y: MatrixLike) -> float:
        return linear_cka(X, Y, debiased=self.debiased)

    def fit_score(self, X: MatrixLike, Y: MatrixLike) -> float:
        return self.fit(X, Y).score(X, Y)


def cka_score(
    X: MatrixLike, Y: MatrixLike, *, debiased: bool = False, folds: int = 5, random_state: int | None = 0
) -> AlignmentResult:
    """Linear CKA on each held-out fold (metric name "cka" or "cka_debiased").

    Parameters
    ----------
    X, Y : (n_stimuli x d1), (n_stimuli x d2) arrays with paired rows, or two Representations (matched by id)
    """
    return cross_validate(
        "cka_debiased" if debiased else "cka", _cka_fold(debiased), X, Y, folds=folds, random_state=random_state
    )
