"""The DBSCAN rule shared by every path that labels from pair lists: border points."""

from __future__ import annotations

import numpy as np


def assign_border_points(labels: np.ndarray, core: np.ndarray, pa: np.ndarray, pb: np.ndarray) -> None:
    """Give every non-core row with a core neighbour (pairs ``pa``-``pb`` within eps) the lowest cluster number
    among its core neighbours, as scikit-learn's DBSCAN does; ``labels`` holds the core rows' clusters, in place."""
    cb = core[pa] & ~core[pb]
    bc = core[pb] & ~core[pa]
    border = np.concatenate([pb[cb], pa[bc]])
    if len(border):
        cluster = np.concatenate([labels[pa[cb]], labels[pb[bc]]])
        best = np.full(len(labels), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, border, cluster)
        hit = np.unique(border)
        labels[hit] = best[hit]
