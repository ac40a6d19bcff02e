"""Cross-validation shared by every alignment metric: shuffled k folds, in-fold preprocessing, the result record.

Every metric is scored the same way: the stimuli (rows, already paired by id) are split into ``folds`` shuffled
folds (``sklearn.model_selection.KFold(folds, shuffle=True, random_state=random_state)``); for each fold the metric is
fitted on the other folds and scored on the held-out one. Preprocessing fitted on the training rows only:

* units that are constant over the training rows (max == min) are dropped from both train and test rows and counted;
* both matrices are centred by their training mean (float64 from here on).

Anything else a metric fits (a scale, a PCA, a ridge alpha, a rotation, a matching) is fitted inside its fold scorer
from the training rows it receives.
"""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import KFold

# re-exported: the metrics' result
from topoalign.alignment_result import AlignmentResult as AlignmentResult
from topoalign.alignment_result import MatrixLike as MatrixLike
from topoalign.alignment_result import as_matrices as as_matrices
from topoalign.cores import blas_controller, one_blas_thread
from topoalign.errors import InvalidInputError, check_param

FoldScorer = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], "tuple[float, dict[str, Any]]"]


def fold_splits(n: int, folds: int, random_state: int | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffled k-fold ``(train_rows, test_rows)`` pairs, exactly ``KFold(folds, shuffle=True, random_state)``."""
    check_param(
        "cross-validation",
        "folds",
        folds,
        isinstance(folds, (int, np.integer)) and 2 <= folds <= 100,
        "an integer in [2, 100]",
    )
    if n < 2 * folds:
        raise InvalidInputError(
            f"{n} stimuli are too few for {folds}-fold cross-validation (need at least {2 * folds})."
        )
    return list(KFold(n_splits=int(folds), shuffle=True, random_state=random_state).split(np.zeros((n, 1))))


def constant_units(train: np.ndarray) -> npt.NDArray[np.bool_]:
    """(d,) boolean mask of units whose training values are all identical."""
    mask: npt.NDArray[np.bool_] = train.max(axis=0) == train.min(axis=0)
    return mask


@dataclass
class Fold:
    """One fold after in-fold preprocessing: float64 matrices centred by the training mean, constant units dropped."""

    X_train: np.ndarray
    X_test: np.ndarray
    Y_train: np.ndarray
    Y_test: np.ndarray
    dropped_x: int
    dropped_y: int


def prepare_one(M: np.ndarray, train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(train rows, test rows, units dropped) of one matrix: units constant on ``train`` dropped, centred by the
    ``train`` mean, float64."""
    tr = np.asarray(M[train], dtype=np.float64)
    te = np.asarray(M[test], dtype=np.float64)
    const = constant_units(tr)
    if const.any():
        tr, te = tr[:, ~const], te[:, ~const]
    if tr.shape[1] == 0:
        raise InvalidInputError("Every unit is constant over the training stimuli of a fold; nothing to align.")
    mu = tr.mean(axis=0)
    return tr - mu, te - mu, int(const.sum())


def prepare_fold(X: np.ndarray, Y: np.ndarray, train: np.ndarray, test: np.ndarray) -> Fold:
    """Drop units constant on ``train`` and centre by the ``train`` mean, for both matrices."""
    xtr, xte, dx = prepare_one(X, train, test)
    ytr, yte, dy = prepare_one(Y, train, test)
    return Fold(xtr, xte, ytr, yte, dx, dy)


def summarize(
    metric: str, fold_scores: list[float], n: int, dropped: list[tuple[int, int]], details: dict[str, Any] | None = None
) -> AlignmentResult:
    scores = np.asarray(fold_scores, dtype=np.float64)
    return AlignmentResult(
        metric=metric,
        score=float(np.mean(scores)),
        std=float(np.std(scores)),
        folds=[float(s) for s in scores],
        n_stimuli=int(n),
        dropped_units={"x": max(d[0] for d in dropped), "y": max(d[1] for d in dropped)},
        details=details or {},
    )


@contextmanager
def fold_pool(tasks: int) -> Iterator[Executor]:
    """Threads for independent per-fold work, each calling single-threaded BLAS.

    As many workers as BLAS threads are allowed on entry (so a caller's limit, such as a Dask worker's
    ``OPENBLAS_NUM_THREADS=1`` or ``cores.one_blas_thread(only_when_busy=True)`` on a busy machine, means one), at
    most ``tasks``. Fold-level parallelism beats BLAS-level here: LAPACK's eigh barely scales, and single-threaded
    calls do not spin-wait, so unlike multi-threaded BLAS the threads lose nothing when other processes hold the
    cores (5,000 x 512 ridge at load average 4.8 on the 2-core box: 1.37 s with two workers, 1.45 s with one).
    """
    libs = blas_controller().lib_controllers
    allowed = max((lib.num_threads for lib in libs), default=1)
    with one_blas_thread():
        # OpenBLAS can ignore the limit when it is set off the main thread (seen with 0.3.31 once the main thread
        # has set one): then one worker, whose BLAS calls keep their threads
        if any(lib.num_threads > 1 for lib in libs):
            allowed = 1
        with ThreadPoolExecutor(max(1, min(int(tasks), allowed))) as pool:
            yield pool


def cross_validate(
    metric: str, scorer: FoldScorer, X: MatrixLike, Y: MatrixLike, *, folds: int = 5, random_state: int | None = 0
) -> AlignmentResult:
    """Score ``scorer(X_train, Y_train, X_test, Y_test) -> (score, details)`` on every fold.

    ``details`` dicts are collected per fold into lists under the same keys.
    """
    Xm, Ym = as_matrices(X, Y)
    splits = fold_splits(Xm.shape[0], folds, random_state)
    scores: list[float] = []
    dropped: list[tuple[int, int]] = []
    details: dict[str, list[Any]] = {}
    for train, test in splits:
        f = prepare_fold(Xm, Ym, train, test)
        with one_blas_thread(only_when_busy=True):
            s, extra = scorer(f.X_train, f.Y_train, f.X_test, f.Y_test)
        scores.append(s)
        dropped.append((f.dropped_x, f.dropped_y))
        for k, v in extra.items():
            details.setdefault(k, []).append(v)
    return summarize(metric, scores, Xm.shape[0], dropped, details)


def columnwise_pearson(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(d,) Pearson r between matching columns of two (n x d) arrays; NaN where a column is constant."""
    A = A - A.mean(axis=0)
    B = B - B.mean(axis=0)
    num = np.einsum("ij,ij->j", A, B)
    den = np.sqrt(np.einsum("ij,ij->j", A, A) * np.einsum("ij,ij->j", B, B))
    with np.errstate(invalid="ignore", divide="ignore"):
        r: np.ndarray = num / den
    r[den == 0] = np.nan
    return r


def correlation_matrix(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """(d1 x d2) Pearson r between every column of A (n x d1) and every column of B (n x d2); 0 where constant."""
    A = A - A.mean(axis=0)
    B = B - B.mean(axis=0)
    na = np.linalg.norm(A, axis=0)
    nb = np.linalg.norm(B, axis=0)
    na[na == 0] = np.inf
    nb[nb == 0] = np.inf
    r: np.ndarray = (A / na).T @ (B / nb)
    return r
