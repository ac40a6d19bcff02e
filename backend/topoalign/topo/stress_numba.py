"""The stress part of one majorisation sweep as one fused loop over node pairs (numba), for :class:`StressKernel`.

The numpy version (``StressKernel._stress_part_numpy``) makes six passes over n x n float32 matrices plus a matrix
product per graph per sweep; this loop reads each weight once and keeps the running sums in SIMD registers, about
10x faster per sweep (bench/bench_layout.py). The numpy version stays the reference in tests.
Compiled once and cached on disk (``cache=True``); without numba the kernel uses numpy.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from topoalign.jit import AVAILABLE, compile_loop

__all__ = ["AVAILABLE", "stress_part", "warm_up"]

# (x0, x1, W, WD, wsum) -> (numerators (n x 2), optimal scale)
StressPart = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, float]]


def _stress_part(
    x0: np.ndarray, x1: np.ndarray, W: np.ndarray, WD: np.ndarray, wsum: np.ndarray
) -> tuple[np.ndarray, float]:
    """sum_j w_ij (x_j + d_ij (x_i - x_j) / |x_i - x_j|) per node i (n x 2), and the optimal scale
    sum w d r / sum w r^2 (r = |x_i - x_j|). x0, x1 (n,) float32 coordinates; W, WD (n x n) float32; wsum (n,).
    The inner loop has no branch, so it compiles to SIMD (float32, fastmath): the diagonal has w = wd = 0."""
    n = x0.shape[0]
    out = np.empty((n, 2))
    wr2 = np.float64(0.0)
    wdr = np.float64(0.0)
    tiny = np.float32(1e-12)
    for i in range(n):
        xi0 = x0[i]
        xi1 = x1[i]
        a0 = np.float32(0.0)
        a1 = np.float32(0.0)
        rs = np.float32(0.0)
        s1 = np.float32(0.0)
        s2 = np.float32(0.0)
        Wi = W[i]
        WDi = WD[i]
        for j in range(n):
            d0 = xi0 - x0[j]
            d1 = xi1 - x1[j]
            r2 = max(d0 * d0 + d1 * d1, tiny)
            r = np.sqrt(r2)
            w = Wi[j]
            wd = WDi[j]
            s1 += w * r2
            s2 += wd * r
            c = w - wd / r
            a0 += c * x0[j]
            a1 += c * x1[j]
            rs += c
        wr2 += s1
        wdr += s2
        out[i, 0] = a0 + (wsum[i] - rs) * xi0
        out[i, 1] = a1 + (wsum[i] - rs) * xi1
    return out, (wdr / wr2 if wr2 > 0 else 1.0)


stress_part: StressPart | None = compile_loop(_stress_part, fastmath=True) if AVAILABLE else None


def warm_up() -> None:
    """Compile the kernel, or load it from numba's disk cache (~1 s the first time, ~0.3 s after), so the first
    layout a user asks for does not pay it."""
    if stress_part is not None:  # (numba is available)
        x = np.zeros(2, dtype=np.float32)
        w = np.zeros((2, 2), dtype=np.float32)
        stress_part(x, x, w, w, np.zeros(2, dtype=np.float32))
