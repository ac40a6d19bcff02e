"""The one "within eps" decision of every DBSCAN engine: blocks of fused float32 products with the float64 re-check
of the pairs near the radius (``neighbors.FusedRadius``), so that every engine's labels equal the all-pairs path's."""

from __future__ import annotations

import numpy as np

from topoalign.mapper.neighbors import FusedRadius


class WithinEps(FusedRadius):
    """Exact ``dist(x_i, x_j) <= radius`` blocks for index sets of one matrix (fused products, see ``neighbors``)."""

    def __init__(self, X: np.ndarray, radius: float, metric: str, axes: np.ndarray | None = None):
        super().__init__(X, radius, metric, axes=axes)
        self.X = np.asarray(X)
        self.max_sqn = float(self.A[:, self.d].max()) if self.n else 0.0

    def sq_dist(self, I: np.ndarray, J: np.ndarray | None) -> np.ndarray:
        """Squared float32 distances, rows I against rows J (None: all rows)."""
        sq: np.ndarray = self.A[I] @ (self.B if J is None else self.B[J]).T
        return sq


def any_within(w: WithinEps, A: np.ndarray, B: np.ndarray) -> bool:
    """Whether some row of ``A`` is within the radius of some row of ``B`` (index arrays), block by block, stopping
    at the first pair."""
    for a in range(0, len(A), 1024):
        for b in range(0, len(B), 4096):
            if w.block(A[a : a + 1024], B[b : b + 4096]).any():
                return True
    return False
