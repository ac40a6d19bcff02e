"""Orthogonal Procrustes: the rotation/reflection that best maps X onto Y, scored by held-out cosine similarity.

In each fold, after centring by the training mean (``crossval.prepare_fold``):

1. the unit counts are equalised: ``dim_mode="pad"`` appends zero columns to the narrower matrix (lossless),
   ``dim_mode="pca"`` projects both onto their top ``min(d1, d2)`` training principal axes;
2. both training matrices are scaled to unit Frobenius norm (test rows get the same training scale factors);
3. ``Q = U V'`` from the SVD ``X_train' Y_train = U S V'`` (the orthogonal matrix maximising ``tr(Q' X'Y)``);
4. score = ``<X_test Q, Y_test>_F / (||X_test Q||_F ||Y_test||_F)``, the cosine between the rotated held-out
   responses and the targets; the angular distance ``arccos(score)`` is reported per fold too.

When units outnumber the training rows (768 units, 460 training stimuli), ``X_train' Y_train`` has rank below ``d``:
every orthogonal ``Q`` that agrees on the training span is equally optimal, LAPACK picks one of them, and held-out
rows with components outside that span score a little differently (~1e-4) between equally good choices.
``span="train"`` makes the choice deterministic: ``Q = U_r V_r'`` over the ``r`` non-null singular directions only,
a partial isometry that maps the training span of X onto that of Y and sends directions no training row spans to
zero (held-out components there count as unexplained). ``span="full"`` (default) keeps the complete rotation, as
netrep and scipy do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from topoalign.align.crossval import (
    AlignmentResult,
    FoldScorer,
    MatrixLike,
    as_matrices,
    constant_units,
    cross_validate,
)
from topoalign.cores import one_blas_thread
from topoalign.errors import check_param

DIM_MODES = ("pad", "pca")
SPANS = ("full", "train")


def orthogonal_procrustes_rotation(A: np.ndarray, B: np.ndarray, span: str = "full") -> np.ndarray:
    """(d x d) Q maximising ``tr(Q' A'B)`` for (n x d) A and B: ``U V'`` of ``svd(A'B)``, orthogonal with
    ``span="full"``; with ``span="train"`` only the singular directions above the numerical rank tolerance (a
    deterministic partial isometry, see the module docstring)."""
    M = A.T @ B
    # LAPACK's threaded SVD of a small square matrix is 3-10x slower than one thread on shared cores
    with one_blas_thread():
        U, S, Vt = np.linalg.svd(M, full_matrices=False)
    if span == "train" and len(S):
        r = int(np.sum(S > S[0] * max(M.shape) * np.finfo(np.float64).eps)) if S[0] > 0 else 0
        partial: np.ndarray = U[:, :r] @ Vt[:r]
        return partial
    Q: np.ndarray = U @ Vt
    return Q


def pad_columns(M: np.ndarray, d: int) -> np.ndarray:
    """Append zero columns up to ``d``."""
    return M if M.shape[1] >= d else np.hstack([M, np.zeros((M.shape[0], d - M.shape[1]))])


def pca_axes(train: np.ndarray, k: int) -> np.ndarray:
    """(d x k) top-k principal axes of centred training rows."""
    _, _, Vt = np.linalg.svd(train, full_matrices=False)
    axes: np.ndarray = Vt[:k].T
    return axes


def _equalise(
    X_tr: np.ndarray, Y_tr: np.ndarray, X_te: np.ndarray, Y_te: np.ndarray, dim_mode: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    d1, d2 = X_tr.shape[1], Y_tr.shape[1]
    if d1 == d2:
        return X_tr, Y_tr, X_te, Y_te
    if dim_mode == "pad":
        d = max(d1, d2)
        return pad_columns(X_tr, d), pad_columns(Y_tr, d), pad_columns(X_te, d), pad_columns(Y_te, d)
    k = min(d1, d2, X_tr.shape[0])
    Px, Py = pca_axes(X_tr, k), pca_axes(Y_tr, k)
    return X_tr @ Px, Y_tr @ Py, X_te @ Px, Y_te @ Py


def procrustes_cosine(Q: np.ndarray, X_test: np.ndarray, Y_test: np.ndarray) -> float:
    XQ = X_test @ Q
    den = np.linalg.norm(XQ) * np.linalg.norm(Y_test)
    return float(np.sum(XQ * Y_test) / den) if den > 0 else 0.0


class OrthogonalProcrustes:
    """Rotation/reflection alignment of X onto Y.

    Parameters
    ----------
    dim_mode : "pad" (zero-pad the narrower matrix, default) or "pca" (top min(d1, d2) principal axes of each)
    span : "full" (an orthogonal Q, default) or "train" (restricted to the training span: deterministic when units
        outnumber training rows)

    Attributes
    ----------
    rotation_ : (d x d) orthogonal matrix
    x_mean_, y_mean_, x_scale_, y_scale_ : training centring and Frobenius scale
    x_keep_, y_keep_ : masks of units that were not constant in training
    x_axes_, y_axes_ : (d_i x k) PCA axes when ``dim_mode="pca"`` and d1 != d2, else None
    """

    rotation_: np.ndarray
    x_mean_: np.ndarray
    y_mean_: np.ndarray
    x_scale_: float
    y_scale_: float
    x_keep_: np.ndarray
    y_keep_: np.ndarray
    x_axes_: np.ndarray | None
    y_axes_: np.ndarray | None

    def __init__(self, dim_mode: str = "pad", span: str = "full") -> None:
        self.dim_mode = dim_mode
        self.span = span

    def _transform(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = (np.asarray(X, dtype=np.float64)[:, self.x_keep_] - self.x_mean_) / self.x_scale_
        Y = (np.asarray(Y, dtype=np.float64)[:, self.y_keep_] - self.y_mean_) / self.y_scale_
        if self.x_axes_ is not None and self.y_axes_ is not None:  # both or neither
            return X @ self.x_axes_, Y @ self.y_axes_
        d = self.rotation_.shape[0]
        return pad_columns(X, d), pad_columns(Y, d)

    def fit(self, X: MatrixLike, Y: MatrixLike) -> "OrthogonalProcrustes":
        """Fit on (n_samples x d1) X and (n_samples x d2) Y with paired rows."""
        check_param(
            "OrthogonalProcrustes", "dim_mode", self.dim_mode, self.dim_mode in DIM_MODES, f"one of {list(DIM_MODES)}"
        )
        check_param("OrthogonalProcrustes", "span", self.span, self.span in SPANS, f"one of {list(SPANS)}")
        Xm, Ym = as_matrices(X, Y)
        Xm = np.asarray(Xm, dtype=np.float64)
        Ym = np.asarray(Ym, dtype=np.float64)
        self.x_keep_, self.y_keep_ = ~constant_units(Xm), ~constant_units(Ym)
        Xm, Ym = Xm[:, self.x_keep_], Ym[:, self.y_keep_]
        self.x_mean_, self.y_mean_ = Xm.mean(axis=0), Ym.mean(axis=0)
        Xm, Ym = Xm - self.x_mean_, Ym - self.y_mean_
        self.x_scale_ = float(np.linalg.norm(Xm)) or 1.0
        self.y_scale_ = float(np.linalg.norm(Ym)) or 1.0
        self.x_axes_ = self.y_axes_ = None
        if Xm.shape[1] != Ym.shape[1] and self.dim_mode == "pca":
            k = min(Xm.shape[1], Ym.shape[1], Xm.shape[0])
            self.x_axes_, self.y_axes_ = pca_axes(Xm, k), pca_axes(Ym, k)
        Xt, Yt = self._fit_space(Xm, Ym)
        self.rotation_ = orthogonal_procrustes_rotation(Xt, Yt, self.span)
        return self

    def _fit_space(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X, Y = X / self.x_scale_, Y / self.y_scale_
        if self.x_axes_ is not None and self.y_axes_ is not None:  # both or neither
            return X @ self.x_axes_, Y @ self.y_axes_
        d = max(X.shape[1], Y.shape[1])
        return pad_columns(X, d), pad_columns(Y, d)

    def score(self, X: MatrixLike, Y: MatrixLike) -> float:
        """Cosine similarity between the rotated X and Y (1 = identical up to rotation)."""
        Xt, Yt = self._transform(*as_matrices(X, Y))
        return procrustes_cosine(self.rotation_, Xt, Yt)

    def fit_score(self, X: MatrixLike, Y: MatrixLike) -> float:
        return self.fit(X, Y).score(X, Y)


def _procrustes_fold(dim_mode: str, span: str = "full") -> FoldScorer:
    def scorer(X_tr: np.ndarray, Y_tr: np.ndarray, X_te: np.ndarray, Y_te: np.ndarray) -> tuple[float, dict[str, Any]]:
        sx, sy = np.linalg.norm(X_tr) or 1.0, np.linalg.norm(Y_tr) or 1.0
        X_tr, Y_tr, X_te, Y_te = _equalise(X_tr / sx, Y_tr / sy, X_te / sx, Y_te / sy, dim_mode)
        s = procrustes_cosine(orthogonal_procrustes_rotation(X_tr, Y_tr, span), X_te, Y_te)
        return s, {"angular_distance": float(np.arccos(np.clip(s, -1.0, 1.0)))}

    return scorer


def procrustes_score(
    X: MatrixLike,
    Y: MatrixLike,
    *,
    dim_mode: str = "pad",
    span: str = "full",
    folds: int = 5,
    random_state: int | None = 0,
) -> AlignmentResult:
    """Cross-validated orthogonal Procrustes similarity (held-out cosine, in [-1, 1]).

    Parameters
    ----------
    X, Y : (n_stimuli x d1), (n_stimuli x d2) arrays with paired rows, or two Representations (matched by id)
    dim_mode : "pad" or "pca", how d1 != d2 is handled (fitted on the training folds)
    span : "full" (orthogonal Q) or "train" (deterministic when units outnumber training rows; module docstring)
    folds, random_state : shuffled k-fold split

    Returns
    -------
    AlignmentResult; ``details["angular_distance"]`` per fold (radians) and its mean ``details["angular_distance_mean"]``.
    """
    check_param("procrustes_score", "dim_mode", dim_mode, dim_mode in DIM_MODES, f"one of {list(DIM_MODES)}")
    check_param("procrustes_score", "span", span, span in SPANS, f"one of {list(SPANS)}")
    result = cross_validate(
        "procrustes", _procrustes_fold(dim_mode, span), X, Y, folds=folds, random_state=random_state
    )
    result.details["angular_distance_mean"] = float(np.arccos(np.clip(result.score, -1.0, 1.0)))
    return result
