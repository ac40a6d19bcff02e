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
grouped together. So the per-alpha work is two (n x p) @ (p x n_alphas) products (on ``Z * (Y P' - Z M')`` and
``Z * Z``) instead of RidgeCV's (n x p) @ (p x p) and (n x p) @ (p x t) products per alpha.

Cross-validation takes every fold's cross-products from per-block sums (``block_grams``) and runs the folds' eighs and
alpha searches in threads (``crossval.fold_pool``).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from numpy.linalg import eigh

from topoalign.align.block_grams import BlockGrams, Stats, held_out_pearson
from topoalign.align.crossval import (
    AlignmentResult,
    MatrixLike,
    as_matrices,
    columnwise_pearson,
    constant_units,
    fold_pool,
    fold_splits,
    summarize,
)
from topoalign.cores import one_blas_thread
from topoalign.errors import InvalidInputError, check_param

DEFAULT_ALPHAS = np.logspace(-8, 8, 17)
DIRECTIONS = ("forward", "backward", "both")
_CLUSTER_RTOL = 1e-7  # eigenvalues closer than this (relative) are treated as equal in the partial fractions


def _check_alphas(alphas: Any) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(DEFAULT_ALPHAS if alphas is None else alphas, dtype=np.float64))
    check_param(
        "LinearPredictivity",
        "alphas",
        alphas,
        arr.ndim == 1 and arr.size >= 1 and bool(np.all(arr > 0)) and bool(np.all(np.isfinite(arr))),
        "a non-empty list of positive finite numbers",
    )
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
    with one_blas_thread():
        return eigh(S)


def _gram_root(P: np.ndarray) -> np.ndarray:
    """(k x k) L with L L' = P P' (a symmetric square root), for k < t."""
    w, E = np.linalg.eigh(P @ P.T)
    L: np.ndarray = E * np.sqrt(np.clip(w, 0.0, None))
    return L


def _eigen_clusters(a: np.ndarray, alpha_min: float) -> np.ndarray:
    """Cluster id per (ascending) eigenvalue: neighbours closer than the relative tolerance share one id."""
    gaps = np.diff(a)
    scale = np.maximum(np.abs(a[1:]), np.abs(a[:-1])) + alpha_min
    return np.concatenate([[0], np.cumsum(gaps > _CLUSTER_RTOL * scale)])


def _partial_fractions(
    G: np.ndarray, a: np.ndarray, alphas: np.ndarray
) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray | float]]:
    """``sum_kl c_k c_l Z_ik Z_il G_kl`` with ``c_k = 1/(a_k + alpha)``, linear in ``c`` by partial fractions.

    Returns ``M`` (k x k), ``g`` (k,) and ``clustered(Z)`` such that the sum is
    ``2 sum_k c_k Z_ik (Z M')_ik + sum_k c_k^2 Z_ik^2 g_k + clustered(Z)_i``; ``g`` is ``diag(G)`` on eigenvalues
    with no (near-)equal neighbour and 0 elsewhere, ``clustered`` the ``c^2`` terms of groups of equal eigenvalues.
    """
    cluster = _eigen_clusters(a, float(alphas.min()))
    n_clusters = int(cluster[-1]) + 1 if a.size else 0
    diff = a[None, :] - a[:, None]
    if n_clusters == a.size:  # distinct eigenvalues: the usual case
        np.fill_diagonal(diff, 1.0)
        M = G / diff
        np.fill_diagonal(M, 0.0)
        return M, np.diag(G).copy(), lambda Z: 0.0
    same = cluster[:, None] == cluster[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        M = np.where(same, 0.0, G / diff)
    sizes = np.bincount(cluster, minlength=n_clusters)
    single = sizes[cluster] == 1
    groups = [np.flatnonzero(cluster == c) for c in np.flatnonzero(sizes > 1)]

    def clustered(Z: np.ndarray) -> np.ndarray:
        # Q_ic = sum_{k,l in c} Z_ik Z_il G_kl, times 1/(mean eigenvalue of c + alpha)^2
        Q = np.stack([np.einsum("ij,ij->i", Z[:, idx] @ G[np.ix_(idx, idx)], Z[:, idx]) for idx in groups], axis=1)
        a_cluster = np.array([a[idx].mean() for idx in groups])
        terms: np.ndarray = Q @ (1.0 / (a_cluster[:, None] + alphas[None, :])) ** 2
        return terms

    return M, np.where(single, np.diag(G), 0.0), clustered


def loo_errors(
    dec: RidgeDecomposition, Y: np.ndarray, alphas: np.ndarray, xty: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
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


def _sample_losses(
    a: np.ndarray, Z: np.ndarray, Y: np.ndarray, P: np.ndarray, G: np.ndarray, alphas: np.ndarray, n: int
) -> np.ndarray:
    """(m x n_alphas) squared LOO residuals summed over targets for m training rows (p < n case).

    ``Z`` (m x k) and ``Y`` (m x t) are those rows in the eigenbasis and their targets; ``P`` (k x t) and
    ``G = P P'`` come from all ``n`` training rows, so each row's value is exact whatever subset is passed.
    """
    C = 1.0 / (a[:, None] + alphas[None, :])
    M, g, clustered = _partial_fractions(G, a, alphas)
    # ||y_i - yhat_i||^2 = ||y_i||^2 - 2 sum_k c_k Z_ik (Y P' - Z M')_ik + sum_k c_k^2 Z_ik^2 g_k (+ clustered)
    cross = Y @ P.T
    cross -= Z @ M.T
    cross *= Z
    Z2 = Z * Z
    diagonal = Z2 @ np.hstack([C, g[:, None] * C**2])  # h - 1/n, then the c_k^2 terms
    rss = np.einsum("ij,ij->i", Y, Y)[:, None] - 2.0 * (cross @ C) + diagonal[:, alphas.size :] + clustered(Z)
    one_minus_h = 1.0 - 1.0 / n - diagonal[:, : alphas.size]
    losses: np.ndarray = np.maximum(rss, 0.0) / one_minus_h**2
    return losses


def _equivalent_alphas(a: np.ndarray, alphas: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """(n_alphas x n_alphas) True where two penalties give proportional predictions within ``tol``.

    Pearson r ignores the scale of the predictions, so penalties on the flat ends of the grid (all shrinkage factors
    ~1, or all ~a/alpha) give the same scores; the LOO criterion cannot (and need not) separate them.
    """
    f = np.clip(a, 0.0, None)[:, None] / (np.clip(a, 0.0, None)[:, None] + alphas[None, :])
    g = f / np.maximum(f.max(axis=0, keepdims=True), np.finfo(float).tiny)
    equivalent: np.ndarray = np.abs(g[:, :, None] - g[:, None, :]).max(axis=0) <= tol
    return equivalent


def _sequential_alpha(
    a: np.ndarray,
    V: np.ndarray,
    P: np.ndarray,
    rows: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    alphas: np.ndarray,
    order: np.ndarray,
    z: float = 5.0,
) -> tuple[int, int]:
    """Index of RidgeCV's alpha, evaluating the LOO losses of growing random subsets of the training rows.

    Each row's LOO loss is exact (it depends on the whole training set only through ``a``, ``V``, ``P``), so a
    subset gives an unbiased estimate of every alpha's mean loss. The subset's winner is accepted when it beats every
    non-equivalent alpha by more than ``z`` standard errors of the paired differences (finite-population corrected);
    otherwise the subset grows (1/8 -> 1/2 of the rows) and finally all rows are used, which is RidgeCV's exact
    criterion. ``order`` is a random permutation of the ``n`` training rows. Returns ``(alpha index, rows used)``.
    """
    n = len(order)
    G = P @ P.T
    equivalent = _equivalent_alphas(a, alphas)
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


# ``_decompose_fold``'s output: (decomposition of every training row, X'Y) for the exact alpha search, else
# (eigenvalues, eigenvectors, V'X'Y) of X'X for the sequential one
Decomposed = tuple[RidgeDecomposition, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray]


def _decompose_fold(f: Stats, src: str, dst: str, alphas: np.ndarray, order: np.ndarray | None) -> Decomposed:
    """The alpha-independent, eigh-bound half of fitting fold ``f`` (``BlockGrams.fold``) in direction src -> dst."""
    gram, xty = f[src + src], f["xy"] if src == "x" else f["xy"].T
    if order is None:  # RidgeCV's criterion on every training row
        everything = np.arange(len(f["train"]))
        return RidgeDecomposition.of(f["rows"](src, everything), gram), xty
    a, V = _eigh(gram)
    return a, V, V.T @ xty


def _score_fold(
    f: Stats, test: Stats, src: str, dst: str, alphas: np.ndarray, order: np.ndarray | None, decomposed: Decomposed
) -> tuple[float, float]:
    """Held-out mean r and alpha of fold ``f`` from ``_decompose_fold``'s output and the held-out products."""
    if len(decomposed) == 2:  # the exact search (``order`` is None)
        dec, xty = decomposed
        loo, P = loo_errors(dec, f["rows"](dst, np.arange(len(f["train"]))), alphas, xty)
        best = int(np.argmin(loo))
        a, basis = dec.eigvals, dec.basis
    else:
        assert order is not None  # the sequential search's output comes with its row order
        a, basis, P = decomposed
        best, _ = _sequential_alpha(a, basis, P, lambda idx: (f["rows"](src, idx), f["rows"](dst, idx)), alphas, order)
    W = basis @ ((1.0 / (a + alphas[best]))[:, None] * P)
    r = held_out_pearson(W, test, src, dst)
    return float(np.nanmean(r)) if np.isfinite(r).any() else 0.0, float(alphas[best])


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

    alpha_: float
    coef_: np.ndarray
    x_mean_: np.ndarray
    y_mean_: np.ndarray
    x_keep_: np.ndarray
    y_keep_: np.ndarray
    loo_errors_: np.ndarray

    def __init__(self, alphas: Any = None) -> None:
        self.alphas = alphas

    def fit(self, X: MatrixLike, Y: MatrixLike) -> "LinearPredictivity":
        """Fit on (n_samples x n_features) X and (n_samples x n_targets) Y."""
        Xm, Ym = as_matrices(X, Y)
        alphas = _check_alphas(self.alphas)
        Xm = np.asarray(Xm, dtype=np.float64)
        Ym = np.asarray(Ym, dtype=np.float64)
        self.x_keep_ = ~constant_units(Xm)
        self.y_keep_ = ~constant_units(Ym)
        Xm, Ym = Xm[:, self.x_keep_], Ym[:, self.y_keep_]
        self.x_mean_, self.y_mean_ = Xm.mean(axis=0), Ym.mean(axis=0)
        dec = RidgeDecomposition.of(Xm - self.x_mean_)
        self.loo_errors_, P = loo_errors(dec, Ym - self.y_mean_, alphas)
        best = int(np.argmin(self.loo_errors_))
        self.alpha_ = float(alphas[best])
        c = 1.0 / (dec.eigvals + self.alpha_)
        self.coef_ = dec.basis @ (c[:, None] * P)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """(n x n_kept_y) predictions for (n x n_features) X."""
        X = np.asarray(X, dtype=np.float64)[:, self.x_keep_]
        predicted: np.ndarray = (X - self.x_mean_) @ self.coef_ + self.y_mean_
        return predicted

    def score(self, X: MatrixLike, Y: MatrixLike) -> float:
        """Mean Pearson r over target units between predictions for X and Y (constant units skipped)."""
        Xm, Ym = as_matrices(X, Y)
        r = columnwise_pearson(self.predict(Xm), np.asarray(Ym, dtype=np.float64)[:, self.y_keep_])
        return float(np.nanmean(r)) if np.isfinite(r).any() else 0.0

    def fit_score(self, X: MatrixLike, Y: MatrixLike) -> float:
        return self.fit(X, Y).score(X, Y)


def linear_predictivity_score(
    X: MatrixLike,
    Y: MatrixLike,
    *,
    alphas: Any = None,
    direction: str = "both",
    folds: int = 5,
    random_state: int | None = 0,
    alpha_search: str = "sequential",
) -> AlignmentResult:
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
    check_param(
        "linear_predictivity_score", "direction", direction, direction in DIRECTIONS, f"one of {list(DIRECTIONS)}"
    )
    check_param(
        "linear_predictivity_score",
        "alpha_search",
        alpha_search,
        alpha_search in ("exact", "sequential"),
        "one of ['exact', 'sequential']",
    )
    grid = _check_alphas(alphas)
    Xm, Ym = as_matrices(X, Y)
    Xm = np.asarray(Xm, dtype=np.float64)
    Ym = np.asarray(Ym, dtype=np.float64)
    splits = fold_splits(Xm.shape[0], folds, random_state)
    forward, backward = direction in ("forward", "both"), direction in ("backward", "both")
    # no one_blas_thread(only_when_busy=True): fold_pool runs single-threaded BLAS calls (nothing spins on a busy machine) in as many
    # threads as the caller allows
    return _linear_cv(Xm, Ym, splits, grid, forward, backward, alpha_search, random_state)


def _linear_cv(
    X: np.ndarray,
    Y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    alphas: np.ndarray,
    forward: bool,
    backward: bool,
    alpha_search: str,
    random_state: int | None,
) -> AlignmentResult:
    jobs = [
        (name, src, dst)
        for name, src, dst, wanted in (("forward", "x", "y", forward), ("backward", "y", "x", backward))
        if wanted
    ]
    with fold_pool(len(splits) * len(jobs)) as pool:
        # Tasks run first in, first out, and each waits only for tasks queued before it: the blocks; per fold its
        # training products, then one eigh per direction; then the alpha searches and held-out scores. The last fold
        # goes first: its training rows are the blocks computed first.
        grams = BlockGrams(X, Y, splits, need_xx=forward, need_yy=backward, submit=pool.submit)
        folds: dict[int, Future[Stats]] = {}
        tasks: list[tuple[int, str, str, str, np.ndarray | None, Future[Decomposed]]] = []
        dropped: dict[int, tuple[int, int]] = {}
        for i in reversed(range(len(splits))):
            keep, n_train = grams.kept(i), len(splits[i][0])
            if not keep["x"].any() or not keep["y"].any():
                raise InvalidInputError("Every unit is constant over the training stimuli of a fold; nothing to align.")
            dropped[i] = (int((~keep["x"]).sum()), int((~keep["y"]).sum()))
            folds[i] = pool.submit(grams.fold, i)
            rng = np.random.default_rng(None if random_state is None else [int(random_state), i])
            for name, src, dst in jobs:
                sequential = alpha_search == "sequential" and keep[src].sum() < n_train
                order = rng.permutation(n_train) if sequential else None
                tasks.append(
                    (
                        i,
                        name,
                        src,
                        dst,
                        order,
                        pool.submit(
                            lambda i, src, dst, order: _decompose_fold(folds[i].result(), src, dst, alphas, order),
                            i,
                            src,
                            dst,
                            order,
                        ),
                    )
                )
        scored = [
            pool.submit(
                lambda i, src, dst, order, decomposed: _score_fold(
                    folds[i].result(), grams.held_out(folds[i].result()), src, dst, alphas, order, decomposed.result()
                ),
                i,
                src,
                dst,
                order,
                decomposed,
            )
            for i, _, src, dst, order, decomposed in tasks
        ]
        results = {(i, name): job.result() for (i, name, *_), job in zip(tasks, scored)}
    details: dict[str, list[float]] = {}
    for i in range(len(splits)):
        for name, *_ in jobs:
            details.setdefault(name, []).append(results[i, name][0])
            details.setdefault("alpha_" + name, []).append(results[i, name][1])
    scores = [float(np.mean([results[i, name][0] for name, *_ in jobs])) for i in range(len(splits))]
    return summarize("linear", scores, X.shape[0], [dropped[i] for i in range(len(splits))], details)
