"""Linear predictivity: ridge regression X -> Y with alpha chosen by efficient leave-one-out, scored by held-out r.

The alpha choice is the one ``sklearn.linear_model.RidgeCV(alphas=alphas)`` makes with its defaults
(``fit_intercept=True``, ``alpha_per_target=False``, ``scoring=None``): the alpha minimising the mean over training
samples and targets of the squared leave-one-out residual ``(y_i - yhat_i) / (1 - h_i)``, where
``h_i = 1/n + x_i' (X'X + alpha I)^-1 x_i`` (centred X; the intercept is unpenalised). Ties go to the first alpha.

Speed: every alpha comes from one eigendecomposition of the centred training covariance ``X'X = V diag(a) V'``
(or of ``XX'`` when there are more units than stimuli). With ``Z = X V``, ``P = Z'Y`` and ``c_k = 1/(a_k + alpha)``:

* ``h_i = 1/n + sum_k c_k Z_ik^2``
* ``||y_i - yhat_i||^2 = ||y_i||^2 - 2 sum_k c_k Z_ik (Y P')_ik + sum_kl c_k c_l Z_ik Z_il G_kl`` with ``G = P P'``.

The last term is quadratic in ``c``; partial fractions, ``c_k c_l = (c_k - c_l) / (a_l - a_k)``, make it linear:
``2 sum_k c_k Z_ik (Z M')_ik`` with ``M_kl = G_kl / (a_l - a_k)``, plus ``c_k^2`` terms for (near-)equal eigenvalues
grouped together. So the per-alpha work is three (n x p) @ (p x n_alphas) products instead of RidgeCV's
(n x p) @ (p x p) and (n x p) @ (p x t) products per alpha.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.linalg import eigh
from threadpoolctl import threadpool_limits

from topoalign.align.crossval import (
    AlignmentResult,
    as_matrices,
    blas_threads,
    columnwise_pearson,
    constant_units,
    fold_splits,
    summarize,
)
from topoalign.errors import InvalidInputError, check_param

DEFAULT_ALPHAS = np.logspace(-8, 8, 17)
DIRECTIONS = ("forward", "backward", "both")
_CLUSTER_RTOL = 1e-7  # eigenvalues closer than this (relative) are treated as equal in the partial fractions


def _check_alphas(alphas: Any) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(DEFAULT_ALPHAS if alphas is None else alphas, dtype=np.float64))
    check_param("LinearPredictivity", "alphas", alphas, arr.ndim == 1 and arr.size >= 1 and bool(np.all(arr > 0))
                and bool(np.all(np.isfinite(arr))), "a non-empty list of positive finite numbers")
    return arr


@dataclass
class RidgeDecomposition:
    """Everything alpha-independent about ridge on one centred (n x p) training matrix.

    Attributes
    ----------
    wide : False: eigendecomposition of X'X = V diag(a) V' (p < n, sklearn's "cov" mode); True: of
        XX' = U diag(a) U' without the constant eigenvector that centring creates (sklearn's "gram" mode)
    eigvals : (k,) eigenvalues ``a``, ascending
    basis : (p x k) ``V`` or ``X'U``: held-out predictions are ``(X_new @ basis) @ (c[:, None] * P)``
    Z : (n x k) ``X V`` or ``U``
    """

    wide: bool
    eigvals: np.ndarray
    basis: np.ndarray
    Z: np.ndarray

    @classmethod
    def of(cls, X: np.ndarray, gram: np.ndarray | None = None) -> "RidgeDecomposition":
        """Decompose centred (n x p) X; ``gram`` may pass a precomputed X'X (used when p < n)."""
        n, p = X.shape
        if p < n:
            a, V = _eigh(X.T @ X if gram is None else gram)
            return cls(False, a, V, X @ V)
        a, U = _eigh(X @ X.T)
        const = int(np.argmax(np.abs(U.sum(axis=0))))  # the centring null vector 1/sqrt(n)
        keep = np.arange(n) != const
        U = U[:, keep]
        return cls(True, a[keep], X.T @ U, U)


def _eigh(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # LAPACK's multi-threaded syevd collapses when the cores are shared (10-60x slower under load on 2 cores);
    # one thread is always within 2x of the best.
    with threadpool_limits(limits=1, user_api="blas"):
        return eigh(S)


def _gram_root(P: np.ndarray) -> np.ndarray:
    """(k x k) L with L L' = P P' (a symmetric square root), for k < t."""
    w, E = np.linalg.eigh(P @ P.T)
    return E * np.sqrt(np.clip(w, 0.0, None))


def _eigen_clusters(a: np.ndarray, alpha_min: float) -> np.ndarray:
    """Cluster id per (ascending) eigenvalue: neighbours closer than the relative tolerance share one id."""
    gaps = np.diff(a)
    scale = np.maximum(np.abs(a[1:]), np.abs(a[:-1])) + alpha_min
    return np.concatenate([[0], np.cumsum(gaps > _CLUSTER_RTOL * scale)])


def _quadratic_terms(Z: np.ndarray, G: np.ndarray, a: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """(n x n_alphas) ``sum_kl c_k c_l Z_ik Z_il G_kl`` with ``c_k = 1/(a_k + alpha)``, by partial fractions."""
    n = Z.shape[0]
    C = 1.0 / (a[:, None] + alphas[None, :])
    cluster = _eigen_clusters(a, float(alphas.min()))
    n_clusters = int(cluster[-1]) + 1 if a.size else 0
    same = cluster[:, None] == cluster[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        M = np.where(same, 0.0, G / (a[None, :] - a[:, None]))
    out = 2.0 * ((Z * (Z @ M.T)) @ C)
    # c_k^2 terms of each cluster of equal eigenvalues: Q_ic = sum_{k,l in c} Z_ik Z_il G_kl
    sizes = np.bincount(cluster, minlength=n_clusters)
    Q = np.zeros((n, n_clusters))
    single = sizes[cluster] == 1
    Q[:, cluster[single]] = Z[:, single] ** 2 * np.diag(G)[single]
    for c in np.flatnonzero(sizes > 1):
        idx = np.flatnonzero(cluster == c)
        Q[:, c] = np.einsum("ij,ij->i", Z[:, idx] @ G[np.ix_(idx, idx)], Z[:, idx])
    a_cluster = np.bincount(cluster, weights=a, minlength=n_clusters) / np.maximum(sizes, 1)
    return out + Q @ (1.0 / (a_cluster[:, None] + alphas[None, :])) ** 2


def loo_errors(dec: RidgeDecomposition, Y: np.ndarray, alphas: np.ndarray,
               xty: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean squared leave-one-out error for every alpha, and the alpha-independent weights ``P``.

    Parameters
    ----------
    dec : decomposition of the centred training inputs (n x p)
    Y : (n x t) centred training targets
    alphas : (n_alphas,)
    xty : optional precomputed (p x t) X'Y of the centred training rows (p < n only)

    Returns
    -------
    (n_alphas,) mean over samples and targets of the squared LOO residual; (k x t) ``P = Z'Y``.
    """
    a, Z = dec.eigvals, dec.Z
    n, t = Y.shape
    P = dec.basis.T @ xty if (xty is not None and not dec.wide) else Z.T @ Y
    C = 1.0 / (a[:, None] + alphas[None, :])
    if dec.wide:
        # residual = U diag(alpha c) U'Y and 1 - h = alpha U^2 c, evaluated directly per alpha: near interpolation
        # (h -> 1) any expansion around ||y||^2 cancels catastrophically, and partial fractions lose digits when
        # alpha dwarfs the eigenvalue gaps. Cost n k min(k, t) per alpha, as RidgeCV's "gram" mode.
        L = P if P.shape[1] <= P.shape[0] else _gram_root(P)
        rss = np.empty((n, alphas.size))
        for j, alpha in enumerate(alphas):
            R = (Z * (alpha * C[:, j])) @ L
            rss[:, j] = np.einsum("ij,ij->i", R, R)
        one_minus_h = alphas[None, :] * ((Z * Z) @ C)
        loo = (np.maximum(rss, 0.0) / one_minus_h**2).sum(axis=0) / (n * t)
    else:
        loo = _sample_losses(a, Z, Y, P, P @ P.T, alphas, n).sum(axis=0) / (n * t)
    return loo, P


def _sample_losses(a: np.ndarray, Z: np.ndarray, Y: np.ndarray, P: np.ndarray, G: np.ndarray, alphas: np.ndarray,
                   n: int) -> np.ndarray:
    """(m x n_alphas) squared LOO residuals summed over targets for m training rows (p < n case).

    ``Z`` (m x k) and ``Y`` (m x t) are those rows in the eigenbasis and their targets; ``P`` (k x t) and
    ``G = P P'`` come from all ``n`` training rows, so each row's value is exact whatever subset is passed.
    """
    C = 1.0 / (a[:, None] + alphas[None, :])
    y2 = np.einsum("ij,ij->i", Y, Y)
    rss = y2[:, None] - 2.0 * ((Z * (Y @ P.T)) @ C) + _quadratic_terms(Z, G, a, alphas)
    one_minus_h = 1.0 - 1.0 / n - (Z * Z) @ C
    return np.maximum(rss, 0.0) / one_minus_h**2


def _equivalent_alphas(a: np.ndarray, alphas: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """(n_alphas x n_alphas) True where two penalties give proportional predictions within ``tol``.

    Pearson r ignores the scale of the predictions, so penalties on the flat ends of the grid (all shrinkage factors
    ~1, or all ~a/alpha) give the same scores; the LOO criterion cannot (and need not) separate them.
    """
    f = np.clip(a, 0.0, None)[:, None] / (np.clip(a, 0.0, None)[:, None] + alphas[None, :])
    g = f / np.maximum(f.max(axis=0, keepdims=True), np.finfo(float).tiny)
    return np.abs(g[:, :, None] - g[:, None, :]).max(axis=0) <= tol


def _sequential_alpha(a, V, P, rows, n: int, alphas: np.ndarray, rng: np.random.Generator,
                      z: float = 5.0) -> tuple[int, int]:
    """Index of RidgeCV's alpha, evaluating the LOO losses of growing random subsets of the training rows.

    Each row's LOO loss is exact (it depends on the whole training set only through ``a``, ``V``, ``P``), so a
    subset gives an unbiased estimate of every alpha's mean loss. The subset's winner is accepted when it beats every
    non-equivalent alpha by more than ``z`` standard errors of the paired differences (finite-population corrected);
    otherwise the subset grows (1/8 -> 1/2 of the rows) and finally all rows are used, which is RidgeCV's exact
    criterion. Returns ``(alpha index, rows used)``.
    """
    G = P @ P.T
    equivalent = _equivalent_alphas(a, alphas)
    order = rng.permutation(n)
    for m in (n // 8, n // 2, n):
        if m < 64 and m < n:
            continue
        Xs, Ys = rows(order[:m])
        losses = _sample_losses(a, Xs @ V, Ys, P, G, alphas, n)
        mean = losses.mean(axis=0)
        best = int(np.argmin(mean))
        if m == n:
            return best, m
        d = losses - losses[:, [best]]
        se = d.std(axis=0, ddof=1) / np.sqrt(m) * np.sqrt(1.0 - m / n)
        clear = (d.mean(axis=0) > z * se) | equivalent[best]
        if clear.all():
            return best, m
    raise AssertionError("unreachable")


def _ridge_fold(X_train: np.ndarray, Y_train: np.ndarray, X_test: np.ndarray, Y_test: np.ndarray,
                alphas: np.ndarray, gram: np.ndarray | None = None, xty: np.ndarray | None = None) -> tuple[float, float]:
    """Held-out mean r and chosen alpha of ridge X -> Y on centred fold matrices (gram = X'X, xty = X'Y optional)."""
    dec = RidgeDecomposition.of(X_train, gram)
    loo, P = loo_errors(dec, Y_train, alphas, xty)
    best = int(np.argmin(loo))
    c = 1.0 / (dec.eigvals + alphas[best])
    pred = (X_test @ dec.basis) @ (c[:, None] * P)
    r = columnwise_pearson(pred, Y_test)
    return float(np.nanmean(r)) if np.isfinite(r).any() else 0.0, float(alphas[best])


def _ridge_fold_fast(f: dict, src: str, dst: str, alphas: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """``_ridge_fold`` from the fold's cross-products, choosing alpha by ``_sequential_alpha``."""
    gram, xty = f[src + src], f[src + dst] if src == "x" else f["xy"].T
    a, V = _eigh(gram)
    P = V.T @ xty
    best, _ = _sequential_alpha(a, V, P, lambda idx: (f["rows"](src, idx), f["rows"](dst, idx)), len(f["train"]),
                                alphas, rng)
    W = V @ ((1.0 / (a + alphas[best]))[:, None] * P)
    r = columnwise_pearson(f[src + "_test"] @ W, f[dst + "_test"])
    return float(np.nanmean(r)) if np.isfinite(r).any() else 0.0, float(alphas[best])


class _BlockGrams:
    """Per-test-fold blocks of X'X, Y'Y, X'Y and column sums, so that every training fold's centred cross-products
    come from sums of blocks instead of new (n x p) products. The data are centred globally first so that the
    per-fold re-centring subtracts only a small mean."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, splits, need_xx: bool, need_yy: bool):
        self.X = X - X.mean(axis=0)
        self.Y = Y - Y.mean(axis=0)
        blocks = [test for _, test in splits]
        def block_sum(f):
            parts = [f(b) for b in blocks]
            return parts, sum(parts)
        self.xx = block_sum(lambda b: self.X[b].T @ self.X[b]) if need_xx else None
        self.yy = block_sum(lambda b: self.Y[b].T @ self.Y[b]) if need_yy else None
        self.xy = block_sum(lambda b: self.X[b].T @ self.Y[b])
        self.sx = block_sum(lambda b: self.X[b].sum(axis=0))
        self.sy = block_sum(lambda b: self.Y[b].sum(axis=0))
        # per-block column ranges: a unit is constant on a training fold iff its range over the other blocks is 0
        self.lo = {"x": [self.X[b].min(axis=0) for b in blocks], "y": [self.Y[b].min(axis=0) for b in blocks]}
        self.hi = {"x": [self.X[b].max(axis=0) for b in blocks], "y": [self.Y[b].max(axis=0) for b in blocks]}

    def fold(self, i: int, train: np.ndarray, test: np.ndarray) -> dict:
        """Fold ``i``: kept-unit masks, centred test rows, training cross-products, and ``rows(name, idx)`` giving
        centred training rows ``train[idx]`` on demand (most folds never need all of them)."""
        n = len(train)
        out: dict = {"train": train}
        others = [j for j in range(len(self.lo["x"])) if j != i]
        for name, M, s in (("x", self.X, self.sx), ("y", self.Y, self.sy)):
            keep = np.max([self.hi[name][j] for j in others], axis=0) != np.min([self.lo[name][j] for j in others],
                                                                                axis=0)
            mu = (s[1] - s[0][i]) / n
            out[name] = (keep, mu)
            out[name + "_test"] = M[test][:, keep] - mu[keep]
        matrices = {"x": self.X, "y": self.Y}
        out["rows"] = lambda name, idx: (matrices[name][train[idx]][:, out[name][0]] - out[name][1][out[name][0]])
        kx, mx = out["x"]
        ky, my = out["y"]

        def train_product(pair, ka, ma, kb, mb):
            if pair is None:
                return None
            prod = pair[1] - pair[0][i] - n * np.outer(ma, mb)
            return prod[np.ix_(ka, kb)]

        out["xx"] = train_product(self.xx, kx, mx, kx, mx)
        out["yy"] = train_product(self.yy, ky, my, ky, my)
        out["xy"] = train_product(self.xy, kx, mx, ky, my)
        return out


class LinearPredictivity:
    """Ridge regression from X to Y with the regularisation chosen by efficient leave-one-out over ``alphas``.

    Parameters
    ----------
    alphas : candidate ridge penalties (default ``logspace(-8, 8, 17)``)

    Attributes
    ----------
    alpha_ : the chosen penalty
    coef_ : (n_kept_x x n_kept_y) weights on centred inputs
    x_mean_, y_mean_ : training means of the kept units
    x_keep_, y_keep_ : boolean masks of units that were not constant in training
    loo_errors_ : (n_alphas,) mean squared leave-one-out error per alpha
    """

    def __init__(self, alphas: Any = None):
        self.alphas = alphas

    def fit(self, X: np.ndarray, Y: np.ndarray) -> "LinearPredictivity":
        """Fit on (n_samples x n_features) X and (n_samples x n_targets) Y."""
        X, Y = as_matrices(X, Y)
        alphas = _check_alphas(self.alphas)
        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64)
        self.x_keep_ = ~constant_units(X)
        self.y_keep_ = ~constant_units(Y)
        X, Y = X[:, self.x_keep_], Y[:, self.y_keep_]
        self.x_mean_, self.y_mean_ = X.mean(axis=0), Y.mean(axis=0)
        dec = RidgeDecomposition.of(X - self.x_mean_)
        self.loo_errors_, P = loo_errors(dec, Y - self.y_mean_, alphas)
        best = int(np.argmin(self.loo_errors_))
        self.alpha_ = float(alphas[best])
        c = 1.0 / (dec.eigvals + self.alpha_)
        self.coef_ = dec.basis @ (c[:, None] * P)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """(n x n_kept_y) predictions for (n x n_features) X."""
        X = np.asarray(X, dtype=np.float64)[:, self.x_keep_]
        return (X - self.x_mean_) @ self.coef_ + self.y_mean_

    def score(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Mean Pearson r over target units between predictions for X and Y (constant units skipped)."""
        X, Y = as_matrices(X, Y)
        r = columnwise_pearson(self.predict(X), np.asarray(Y, dtype=np.float64)[:, self.y_keep_])
        return float(np.nanmean(r)) if np.isfinite(r).any() else 0.0

    def fit_score(self, X: np.ndarray, Y: np.ndarray) -> float:
        return self.fit(X, Y).score(X, Y)


def linear_predictivity_score(X, Y, *, alphas: Any = None, direction: str = "both", folds: int = 5,
                              random_state: int | None = 0, alpha_search: str = "sequential") -> AlignmentResult:
    """Cross-validated linear predictivity (a similarity in [-1, 1]).

    Parameters
    ----------
    X, Y : (n_stimuli x d1), (n_stimuli x d2) arrays with paired rows, or two Representations (matched by id)
    alphas : ridge penalties searched by efficient leave-one-out inside each training fold
    direction : "forward" (X -> Y), "backward" (Y -> X) or "both" (mean of the two, per fold)
    folds, random_state : shuffled k-fold split
    alpha_search : "exact" evaluates RidgeCV's LOO criterion on every training row; "sequential" (default, when
        there are fewer units than training rows) first on random 1/8 and 1/2 subsets, stopping as soon as the
        winner is ahead of every non-equivalent alpha by 5 standard errors (see ``_sequential_alpha``)

    Returns
    -------
    AlignmentResult with ``details`` = {"forward": per-fold scores, "backward": ..., "alpha_forward": per-fold
    alphas, "alpha_backward": ...} for the directions computed.
    """
    check_param("linear_predictivity_score", "direction", direction, direction in DIRECTIONS,
                f"one of {list(DIRECTIONS)}")
    check_param("linear_predictivity_score", "alpha_search", alpha_search, alpha_search in ("exact", "sequential"),
                "one of ['exact', 'sequential']")
    alphas = _check_alphas(alphas)
    X, Y = as_matrices(X, Y)
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    splits = fold_splits(X.shape[0], folds, random_state)
    forward, backward = direction in ("forward", "both"), direction in ("backward", "both")
    with blas_threads():
        return _linear_cv(X, Y, splits, alphas, forward, backward, alpha_search, random_state)


def _linear_cv(X, Y, splits, alphas, forward, backward, alpha_search, random_state) -> AlignmentResult:
    grams = _BlockGrams(X, Y, splits, need_xx=forward, need_yy=backward)
    details: dict[str, list[float]] = {}
    scores, dropped = [], []
    for i, (train, test) in enumerate(splits):
        f = grams.fold(i, train, test)
        if not f["x"][0].any() or not f["y"][0].any():
            raise InvalidInputError("Every unit is constant over the training stimuli of a fold; nothing to align.")
        dropped.append((int((~f["x"][0]).sum()), int((~f["y"][0]).sum())))
        rng = np.random.default_rng(None if random_state is None else [int(random_state), i])
        parts = []
        for name, src, dst, wanted in (("forward", "x", "y", forward), ("backward", "y", "x", backward)):
            if not wanted:
                continue
            if alpha_search == "sequential" and f[src][0].sum() < len(train):
                s, alpha = _ridge_fold_fast(f, src, dst, alphas, rng)
            else:
                everything = np.arange(len(train))
                s, alpha = _ridge_fold(f["rows"](src, everything), f["rows"](dst, everything), f[src + "_test"],
                                       f[dst + "_test"], alphas, f[src + src],
                                       f["xy"] if src == "x" else f["xy"].T)
            details.setdefault(name, []).append(s)
            details.setdefault("alpha_" + name, []).append(alpha)
            parts.append(s)
        scores.append(float(np.mean(parts)))
    return summarize("linear", scores, X.shape[0], dropped, details)
