"""Chance levels: a permutation null for every metric and a random-rotation baseline for the matching metrics.

The permutation null breaks the pairing of stimuli: Y's rows are shuffled (one random permutation per draw) and the
whole cross-validated score is recomputed with the same folds. ``p_value = (1 + #{null >= score}) / (1 + draws)``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from topoalign.align.crossval import AlignmentResult, MatrixLike, as_matrices
from topoalign.errors import check_param
from topoalign.progress import Progress


def permutation_null(
    score_fn: Callable[..., AlignmentResult],
    X: MatrixLike,
    Y: MatrixLike,
    *,
    n_permutations: int = 20,
    random_state: int | None = 0,
    progress: Progress | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """(n_permutations,) cross-validated scores with Y's stimuli shuffled relative to X's."""
    check_param(
        "permutation_null",
        "n_permutations",
        n_permutations,
        isinstance(n_permutations, (int, np.integer)) and 1 <= n_permutations <= 100_000,
        "an integer in [1, 100000]",
    )
    Xm, Ym = as_matrices(X, Y)
    rng = np.random.default_rng(None if random_state is None else [int(random_state), 7919])  # not the fold seed
    null = np.empty(n_permutations)
    for i in range(n_permutations):
        null[i] = score_fn(Xm, Ym[rng.permutation(Ym.shape[0])], **kwargs).score
        if progress is not None:
            progress((i + 1) / n_permutations, f"permutation {i + 1}/{n_permutations}")
    return null


def permutation_p_value(score: float, null: np.ndarray) -> float:
    """One-sided p-value of ``score`` against the null draws (never 0)."""
    null = np.asarray(null, dtype=np.float64)
    return float((1 + np.sum(null >= score)) / (1 + null.size))


def with_permutation_null(
    result: AlignmentResult,
    score_fn: Callable[..., AlignmentResult],
    X: MatrixLike,
    Y: MatrixLike,
    *,
    n_permutations: int,
    random_state: int | None = 0,
    progress: Progress | None = None,
    **kwargs: Any,
) -> AlignmentResult:
    """Fill ``result.chance``, ``result.p_value`` and ``result.null`` in place and return it."""
    null = permutation_null(
        score_fn, X, Y, n_permutations=n_permutations, random_state=random_state, progress=progress, **kwargs
    )
    result.null = [float(v) for v in null]
    result.chance = float(null.mean())
    result.p_value = permutation_p_value(result.score, null)
    return result
