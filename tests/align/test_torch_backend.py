"""The batched torch path equals the per-pair numpy path; Newton-Schulz equals SVD; the GPU target (skipped on CPU)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from topoalign.align.procrustes import procrustes_score
from topoalign.align.torch_backend import polar_factor, procrustes_score_matrix, procrustes_similarity_matrix


def _layers(n=80, widths=(6, 9, 6), seed=0):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, 9))
    out = []
    for i, w in enumerate(widths):
        M = base[:, :w] @ rng.standard_normal((w, w)) + 0.5 * i * rng.standard_normal((n, w))
        out.append(M)
    out[1][:, 2] = 3.0  # a constant unit
    return out


def test_batched_procrustes_equals_per_pair_scores():
    xs, ys = _layers(seed=0), _layers(seed=1)[:2]
    M = procrustes_score_matrix(xs, ys, folds=4, random_state=3, device="cpu", method="svd")
    assert M.shape == (3, 2, 4)
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            np.testing.assert_allclose(M[i, j], procrustes_score(x, y, folds=4, random_state=3).folds, atol=1e-10)


def test_newton_schulz_polar_matches_svd():
    C = torch.as_tensor(np.random.default_rng(0).standard_normal((5, 12, 12)) @ np.diag(np.logspace(0, -2, 12)))
    np.testing.assert_allclose(polar_factor(C, "newton_schulz").numpy(), polar_factor(C, "svd").numpy(), atol=1e-4)
    xs, ys = _layers(seed=2), _layers(seed=3)
    exact = procrustes_score_matrix(xs, ys, device="cpu", method="svd")
    ns = procrustes_score_matrix(xs, ys, device="cpu", method="newton_schulz", dtype="float32")
    np.testing.assert_allclose(ns, exact, atol=1e-4)


def test_in_sample_similarity_is_the_nuclear_norm():
    xs, ys = _layers(seed=4), _layers(seed=5)
    S = procrustes_similarity_matrix(xs, ys, device="cpu", method="svd", dtype="float64")
    x, y = xs[0] - xs[0].mean(0), ys[2] - ys[2].mean(0)
    ref = np.linalg.svd(x.T @ y[:, :6], compute_uv=False).sum() / np.linalg.norm(x) / np.linalg.norm(y)
    assert S[0, 2] == pytest.approx(ref, rel=1e-10)
    assert procrustes_similarity_matrix(xs, xs, device="cpu", dtype="float64").diagonal() == pytest.approx(1.0)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_20x20_layers_n10k_d512_under_0_2s():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((10_000, 512)).astype(np.float32)
    xs = [base @ rng.standard_normal((512, 512)).astype(np.float32) for _ in range(20)]
    ys = [x + rng.standard_normal(x.shape).astype(np.float32) for x in xs]
    procrustes_similarity_matrix(xs[:2], ys[:2], device="cuda")  # warm-up
    torch.cuda.synchronize()
    t = time.perf_counter()
    fast = procrustes_similarity_matrix(xs, ys, device="cuda", method="newton_schulz")
    torch.cuda.synchronize()
    elapsed = time.perf_counter() - t
    exact = procrustes_similarity_matrix(xs, ys, device="cuda", method="svd", dtype="float64")
    assert np.max(np.abs(fast - exact)) < 1e-4
    assert elapsed < 0.2, elapsed
