"""Procrustes with more units than training rows: the rotation is not unique off the training span, and
``span="train"`` picks the one deterministic choice (closed-form checks)."""

from __future__ import annotations

import numpy as np
import pytest

from topoalign.align.procrustes import orthogonal_procrustes_rotation, procrustes_score
from topoalign.errors import InvalidParameterError


def _wide(seed=0, n=40, d=64):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, d))
    B = A @ np.linalg.qr(rng.normal(size=(d, d)))[0] + 0.3 * rng.normal(size=(n, d))
    return A - A.mean(0), B - B.mean(0)


def test_train_span_is_the_unique_optimum_on_the_span():
    A, B = _wide()
    M = A.T @ B
    full, part = orthogonal_procrustes_rotation(A, B), orthogonal_procrustes_rotation(A, B, "train")
    # both reach the maximum of tr(Q' A'B) = the nuclear norm of A'B
    nuclear = np.linalg.svd(M, compute_uv=False).sum()
    assert np.trace(full.T @ M) == pytest.approx(nuclear, rel=1e-10)
    assert np.trace(part.T @ M) == pytest.approx(nuclear, rel=1e-10)
    # they agree on every training row, and the partial isometry sends what no training row spans to zero
    np.testing.assert_allclose(A @ part, A @ full, atol=1e-9)
    null = np.linalg.svd(A)[2][len(A) :]  # directions orthogonal to every training row
    np.testing.assert_allclose(null @ part, 0.0, atol=1e-9)
    assert np.abs(null @ full).max() > 0.1  # the full rotation moves them somewhere arbitrary
    s = np.linalg.svd(part, compute_uv=False)
    assert np.sum(s > 0.5) == np.linalg.matrix_rank(M)


def test_train_span_does_not_depend_on_which_optimum_lapack_picks():
    """Solving B -> A and transposing is an equally good A -> B rotation: the full ones differ off the span,
    the training-span ones are identical."""
    A, B = _wide(1)
    full_ab, full_ba = orthogonal_procrustes_rotation(A, B), orthogonal_procrustes_rotation(B, A).T
    part_ab, part_ba = orthogonal_procrustes_rotation(A, B, "train"), orthogonal_procrustes_rotation(B, A, "train").T
    np.testing.assert_allclose(part_ab, part_ba, atol=1e-9)
    assert np.abs(full_ab - full_ba).max() > 1e-3


def test_full_rank_spans_agree_and_scores_are_close():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 16))
    Y = X @ np.linalg.qr(rng.normal(size=(16, 16)))[0] + 0.2 * rng.normal(size=(300, 16))
    assert procrustes_score(X, Y, span="train").folds == pytest.approx(procrustes_score(X, Y).folds, abs=1e-12)
    # wide: held-out scores differ only by the unseen directions, and the train span is reproducible
    Xw, Yw = _wide(3, n=60, d=96)
    a, b = procrustes_score(Xw, Yw, span="train", folds=3), procrustes_score(Xw, Yw, span="train", folds=3)
    assert a.folds == b.folds and 0 < a.score < 1
    with pytest.raises(InvalidParameterError, match="'span' parameter"):
        procrustes_score(X, Y, span="half")
