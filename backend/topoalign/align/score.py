"""One entry point over every metric: ``alignment_score(X, Y, metric=...)`` with its chance levels.

``METRICS`` maps the metric names used by the CLI, the API and the audit to their cross-validated score functions.
"""

from __future__ import annotations

from typing import Any, Callable

from topoalign.align.cka import cka_score
from topoalign.align.chance import with_permutation_null
from topoalign.align.crossval import AlignmentResult, MatrixLike, as_matrices
from topoalign.align.knn import mutual_knn_score
from topoalign.align.linear import linear_predictivity_score
from topoalign.align.matching import permutation_score, rotation_baseline, soft_matching_score
from topoalign.align.procrustes import procrustes_score
from topoalign.errors import check_param
from topoalign.progress import Progress, scaled


def _cka_debiased(X: MatrixLike, Y: MatrixLike, **kw: Any) -> AlignmentResult:
    return cka_score(X, Y, debiased=True, **kw)


def _topological(X: MatrixLike, Y: MatrixLike, **kw: Any) -> AlignmentResult:
    from topoalign.topo.score import topological_score  # the Mapper/topology stack, only when asked for

    return topological_score(X, Y, **kw)


METRICS: dict[str, Callable[..., AlignmentResult]] = {
    "linear": linear_predictivity_score,
    "procrustes": procrustes_score,
    "permutation": permutation_score,
    "soft": soft_matching_score,
    "cka": cka_score,
    "cka_debiased": _cka_debiased,
    "mutual_knn": mutual_knn_score,
    "topological": _topological,
}
ROTATION_BASELINE_METRICS = ("permutation", "soft")


def check_metric(metric: str, owner: str = "alignment_score") -> Callable[..., AlignmentResult]:
    check_param(owner, "metric", metric, metric in METRICS, f"one of {list(METRICS)}")
    return METRICS[metric]


def alignment_score(
    X: MatrixLike,
    Y: MatrixLike,
    *,
    metric: str = "procrustes",
    folds: int = 5,
    random_state: int | None = 0,
    n_permutations: int = 0,
    n_rotations: int = 0,
    progress: Progress | None = None,
    **params: Any,
) -> AlignmentResult:
    """Cross-validated ``metric`` between X and Y, with a permutation null when ``n_permutations > 0`` and, for
    permutation and soft matching, a random-rotation baseline when ``n_rotations > 0``.

    Parameters
    ----------
    X, Y : (n_stimuli x d1), (n_stimuli x d2) arrays with paired rows, or two Representations (matched by id)
    metric : one of ``METRICS``
    params : metric options (``alphas``/``direction`` for linear, ``dim_mode`` for procrustes, ``k`` for mutual_knn)
    """
    fn = check_metric(metric)
    Xm, Ym = as_matrices(X, Y)
    kwargs = dict(folds=folds, random_state=random_state, **params)
    result = fn(Xm, Ym, **kwargs)
    if progress is not None:
        progress(1.0 / (1 + n_permutations + n_rotations), f"{metric}: {result.score:.4f}")
    if n_permutations:
        with_permutation_null(
            result,
            fn,
            Xm,
            Ym,
            n_permutations=n_permutations,
            progress=scaled(
                progress,
                1.0 / (1 + n_permutations + n_rotations),
                (1.0 + n_permutations) / (1 + n_permutations + n_rotations),
            ),
            **kwargs,
        )
    if n_rotations and metric in ROTATION_BASELINE_METRICS:
        result.baselines["random_rotation"] = rotation_baseline(fn, Xm, Ym, n_rotations=n_rotations, **kwargs)
    if progress is not None:
        progress(1.0, f"{metric}: done")
    return result
