"""The pair step of a pruned row block of :class:`~topoalign.mapper.neighbors.FusedRadius` as one loop (numba).

After the product of projections (lower bounds of the squared distances), a block keeps a few pairs in a thousand
(MiniLM: ~0.5%). The numpy version compares the block, lists the candidates, copies both rows of every candidate
(two gathers of d floats per pair) and takes their dot products: on 20,000 MiniLM rows ~75% of the pair step goes to
those passes and copies, not to the product. This loop reads each lower bound once and takes the float32 dot product
of a candidate's two rows where they lie, about 3x faster for the whole pair step (bench/bench_mapper.py).
The numpy version stays the fallback and the reference in tests (tests/mapper/test_fused_pairs.py).

Exactness is unchanged: the float32 dot product (any summation order) errs by less than the rounding band that the
caller's thresholds ``lo`` / ``hi`` leave around the squared radius, and pairs inside the band go to the float64
check as before. Compiled on first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from topoalign.jit import AVAILABLE, compile_loop

__all__ = ["AVAILABLE", "pruned_block_pairs", "warm_up"]

# (G, a, prune_above, max_candidates, A, d, lo, hi, strict) -> (candidates or -1, rows, columns, sure)
PrunedBlockPairs = Callable[
    [np.ndarray, int, float, int, np.ndarray, int, float, float, bool],
    tuple[int, np.ndarray, np.ndarray, np.ndarray],
]


def _pruned_block_pairs(
    G: np.ndarray,
    a: int,
    prune_above: float,
    max_candidates: int,
    A: np.ndarray,
    d: int,
    lo: float,
    hi: float,
    strict: bool,
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (a + i, a + j), j > i, of one row block whose lower bound ``G[i, j]`` (rows a:b against rows a:n)
    is at most ``prune_above`` (the candidates) and whose float32 squared distance from ``A`` (rows
    [x, |x|^2, ...]) is at most ``hi``; ``sure`` marks those at most ``lo`` (below ``lo`` with ``strict``). First
    element: the number of candidates, or -1 once it passes ``max_candidates`` (the bounds do not separate these
    rows; the rest of the block is not looked at)."""
    nb, nc = G.shape
    cap = max(max_candidates, 0)
    rows = np.empty(cap, np.int64)
    cols = np.empty(cap, np.int64)
    sure = np.empty(cap, np.bool_)
    at = np.empty(nc, np.int64)
    two = np.float32(2.0)
    count = 0
    k = 0
    for i in range(nb):
        Gi = G[i]
        # the row's candidates, listed without a branch (few entries pass: a branch would mispredict)
        m = 0
        for j in range(i + 1, nc):
            at[m] = j
            m += Gi[j] <= prune_above
        count += m
        if count > max_candidates:
            return -1, rows[:0], cols[:0], sure[:0]
        r = a + i
        Ar = A[r]
        for q in range(m):
            c = a + at[q]
            Ac = A[c]
            s = np.float32(0.0)
            for t in range(d):
                s += Ar[t] * Ac[t]
            v = Ar[d] + Ac[d] - two * s
            if v <= hi:
                rows[k] = r
                cols[k] = c
                sure[k] = v < lo if strict else v <= lo
                k += 1
    return count, rows[:k], cols[:k], sure[:k]


# reassociation and contraction only: the float32 dot product vectorises, within the same error bound
pruned_block_pairs: PrunedBlockPairs | None = (
    compile_loop(_pruned_block_pairs, fastmath={"reassoc", "contract"}) if AVAILABLE else None
)


def warm_up() -> None:
    """Compile the loop, or load it from numba's disk cache, so the first large build does not pay it."""
    if pruned_block_pairs is not None:  # (numba is available)
        G = np.zeros((1, 2), dtype=np.float32)
        A = np.zeros((2, 3), dtype=np.float32)
        pruned_block_pairs(G, 0, 1.0, 2, A, 1, 0.5, 1.5, False)
