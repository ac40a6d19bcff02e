"""Mutual k-nearest-neighbour alignment (Huh et al. 2024): do X and Y agree on which stimuli are neighbours?

In each fold, rows are centred by the training mean and scaled to unit length; each held-out stimulus gets its ``k``
most cosine-similar *training* stimuli in X and, separately, in Y. The score is the mean over held-out stimuli of
``|N_X(i) & N_Y(i)| / k``: 1 when the neighbourhoods agree, about ``k / n_train`` for unrelated representations.

The neighbours of one representation depend on it and the folds alone (``fold_neighbours``): the audit computes them
once per representation and reuses them for every partner, where a pair-by-pair score would recompute both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from topoalign.align.crossval import AlignmentResult, MatrixLike, as_matrices, fold_splits, prepare_one, summarize
from topoalign.cores import one_blas_thread
from topoalign.errors import check_param


DEFAULT_K = 10


def _unit_rows(M: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(M, axis=1, keepdims=True)
    unit: np.ndarray = M / np.where(norms > 0, norms, 1.0)
    return unit


def nearest_neighbours(queries: np.ndarray, reference: np.ndarray, k: int) -> np.ndarray:
    """(m x k) indices of the k reference rows most cosine-similar to each query row (unordered)."""
    sim = _unit_rows(queries) @ _unit_rows(reference).T
    np.negative(sim, out=sim)
    # a copy: a slice would keep the whole (m x n_ref) partition alive (the audit caches these per representation)
    return np.ascontiguousarray(np.argpartition(sim, k - 1, axis=1)[:, :k])


def shared_fraction(nx: np.ndarray, ny: np.ndarray, n_ref: int) -> np.ndarray:
    """(m,) fraction of shared entries between two (m x k) neighbour index lists into ``n_ref`` reference rows."""
    member = np.zeros((nx.shape[0], n_ref), dtype=bool)
    np.put_along_axis(member, nx, True, axis=1)
    shared: np.ndarray = np.take_along_axis(member, ny, axis=1).sum(axis=1) / nx.shape[1]
    return shared


def mutual_knn_overlap(
    X_query: np.ndarray, X_ref: np.ndarray, Y_query: np.ndarray, Y_ref: np.ndarray, k: int
) -> np.ndarray:
    """(m,) fraction of shared neighbours per query row."""
    return shared_fraction(nearest_neighbours(X_query, X_ref, k), nearest_neighbours(Y_query, Y_ref, k), X_ref.shape[0])


def _check_k(k: Any, n_train: int) -> int:
    check_param(
        "mutual_knn_score",
        "k",
        k,
        isinstance(k, (int, np.integer)) and 1 <= k < n_train,
        f"an integer in [1, {n_train - 1}] (below the number of training stimuli)",
    )
    return int(k)


@dataclass
class FoldNeighbours:
    """Per fold: the k nearest training rows of every held-out row (indices into the fold's training rows)."""

    neighbours: list[np.ndarray]
    n_train: list[int]
    dropped: list[int]


def fold_neighbours(M: np.ndarray, k: int, *, folds: int = 5, random_state: int | None = 0) -> FoldNeighbours:
    """The held-out rows' k nearest training rows in every fold of ``fold_splits`` (in-fold preprocessing as in
    ``prepare_fold``)."""
    out = FoldNeighbours([], [], [])
    for train, test in fold_splits(M.shape[0], folds, random_state):
        kk = _check_k(k, len(train))
        tr, te, dropped = prepare_one(M, train, test)
        with one_blas_thread(only_when_busy=True):
            out.neighbours.append(nearest_neighbours(te, tr, kk))
        out.n_train.append(len(train))
        out.dropped.append(dropped)
    return out


def knn_result(nx: FoldNeighbours, ny: FoldNeighbours, n: int) -> AlignmentResult:
    """The cross-validated mutual k-NN score from both sides' fold neighbours."""
    scores = [
        float(shared_fraction(a, b, n_train).mean()) for a, b, n_train in zip(nx.neighbours, ny.neighbours, nx.n_train)
    ]
    chance = [a.shape[1] / n_train for a, n_train in zip(nx.neighbours, nx.n_train)]
    return summarize("mutual_knn", scores, n, list(zip(nx.dropped, ny.dropped)), {"chance": chance})


class MutualKNN:
    """Mutual k-NN alignment as an estimator: ``fit`` stores the reference stimuli, ``score`` queries them.

    Attributes
    ----------
    x_ref_, y_ref_ : centred training rows; x_mean_, y_mean_ : training means
    """

    x_mean_: np.ndarray
    y_mean_: np.ndarray
    x_ref_: np.ndarray
    y_ref_: np.ndarray

    def __init__(self, k: int = DEFAULT_K) -> None:
        self.k = k

    def fit(self, X: MatrixLike, Y: MatrixLike) -> "MutualKNN":
        Xm, Ym = as_matrices(X, Y)
        Xm = np.asarray(Xm, dtype=np.float64)
        Ym = np.asarray(Ym, dtype=np.float64)
        self.x_mean_, self.y_mean_ = Xm.mean(axis=0), Ym.mean(axis=0)
        self.x_ref_, self.y_ref_ = Xm - self.x_mean_, Ym - self.y_mean_
        return self

    def score(self, X: MatrixLike, Y: MatrixLike) -> float:
        """Mean fraction of shared neighbours among the training stimuli. On the training data itself each row
        counts itself among its neighbours."""
        Xm, Ym = as_matrices(X, Y)
        k = _check_k(self.k, self.x_ref_.shape[0])
        Xq = np.asarray(Xm, dtype=np.float64) - self.x_mean_
        Yq = np.asarray(Ym, dtype=np.float64) - self.y_mean_
        return float(mutual_knn_overlap(Xq, self.x_ref_, Yq, self.y_ref_, k).mean())

    def fit_score(self, X: MatrixLike, Y: MatrixLike) -> float:
        return self.fit(X, Y).score(X, Y)


def mutual_knn_score(
    X: MatrixLike, Y: MatrixLike, *, k: int = DEFAULT_K, folds: int = 5, random_state: int | None = 0
) -> AlignmentResult:
    """Cross-validated mutual k-NN alignment in [0, 1]; ``details["chance"]`` is k / n_train per fold.

    Parameters
    ----------
    X, Y : (n_stimuli x d1), (n_stimuli x d2) arrays with paired rows, or two Representations (matched by id)
    k : neighbours per held-out stimulus, among the training stimuli
    """
    Xm, Ym = as_matrices(X, Y)
    nx = fold_neighbours(Xm, k, folds=folds, random_state=random_state)
    ny = fold_neighbours(Ym, k, folds=folds, random_state=random_state)
    return knn_result(nx, ny, Xm.shape[0])
