"""Geometric alignment between representations: linear predictivity, orthogonal Procrustes, unit matching
(permutation and soft), linear CKA and mutual k-NN, all cross-validated, with chance levels; and the audit
of alignment across layers, training checkpoints and input conditions.

Every score is a similarity named ``*_score`` and returns an :class:`AlignmentResult` (per-fold scores, mean, std).
Exact definitions: ``docs/metrics.md``.
"""

from topoalign.align.chance import permutation_null, permutation_p_value
from topoalign.align.cka import LinearCKA, cka_score, linear_cka
from topoalign.align.crossval import AlignmentResult, fold_splits
from topoalign.align.knn import MutualKNN, mutual_knn_score
from topoalign.align.linear import DEFAULT_ALPHAS, LinearPredictivity, linear_predictivity_score
from topoalign.align.matching import (
    PermutationMatching,
    SoftMatching,
    permutation_score,
    rotation_baseline,
    soft_matching_score,
)
from topoalign.align.procrustes import OrthogonalProcrustes, procrustes_score
from topoalign.align.score import METRICS, alignment_score

__all__ = [
    "DEFAULT_ALPHAS",
    "METRICS",
    "AlignmentResult",
    "LinearCKA",
    "LinearPredictivity",
    "MutualKNN",
    "OrthogonalProcrustes",
    "PermutationMatching",
    "SoftMatching",
    "alignment_score",
    "cka_score",
    "fold_splits",
    "linear_cka",
    "linear_predictivity_score",
    "mutual_knn_score",
    "permutation_null",
    "permutation_p_value",
    "permutation_score",
    "procrustes_score",
    "rotation_baseline",
    "soft_matching_score",
]
