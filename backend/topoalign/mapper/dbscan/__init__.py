"""scikit-learn's DBSCAN labels of one cover element, from the engine that suits it.

Every engine gives the labels of ``sklearn.cluster.DBSCAN`` (clusters numbered by their lowest-index core row, a
border row in the lowest-numbered cluster among its core neighbours) and decides "within eps" the same way
(``within.WithinEps``); they differ in which distances they compute:

- ``rules``: from an explicit within-eps graph, a pair list (sparse elements) or an adjacency matrix;
- ``pivots``: elements where nearly every pair is within eps, from a radius bound or a few pivot columns;
- ``grouped``: large dense elements (``GROUP_MIN_ROWS`` rows and more), k-means groups of rows in Kruskal order;
- ``leaders``: dense elements, core counts from column chunks and clusters from leaders;
- ``small``: many small elements at once, in batched products (``mapper.build`` calls it for a whole cover).

``element_labels`` picks one; the module-level switches below are read on every call, so benchmarks and tests can
turn paths off (``USE_PIVOTS = False`` gives the leaders method alone, for comparisons).
"""

from __future__ import annotations

import numpy as np

from topoalign.mapper.dbscan.grouped import grouped_dbscan_labels
from topoalign.mapper.dbscan.leaders import dbscan_labels_leaders
from topoalign.mapper.dbscan.pivots import dbscan_labels_pivots
from topoalign.mapper.dbscan.rules import labels_from_mask, labels_from_pairs
from topoalign.mapper.dbscan.within import WithinEps
from topoalign.mapper.neighbors import DENSE_LIMIT, radius_mask, radius_pairs

SPARSE_DEGREE = 24  # mean candidate neighbours per row up to which an element's pairs are listed
USE_PIVOTS = True  # dense elements try ``pivots`` first (False: the leaders method alone, for comparisons)
GROUP_MIN_ROWS = 16384  # dense elements from this many rows go through ``grouped``
USE_LEADERS = True
LEADERS_MIN_ROWS = 384  # below this, all pairs in one symmetric product are cheap enough

__all__ = [
    "GROUP_MIN_ROWS",
    "LEADERS_MIN_ROWS",
    "SPARSE_DEGREE",
    "USE_LEADERS",
    "USE_PIVOTS",
    "WithinEps",
    "dense_element_labels",
    "element_labels",
    "labels_from_mask",
    "labels_from_pairs",
]


def element_labels(
    X: np.ndarray, eps: float, min_samples: int, metric: str = "euclidean", *, device: str | None = None
) -> np.ndarray:
    """scikit-learn DBSCAN labels of the rows of ``X`` (n x d). On the CPU: the pair list when the within-eps graph
    is sparse (found in one pass of fused products), else ``dense_element_labels``. On an accelerator: the
    adjacency matrix of small elements, the pair list of large ones."""
    if device is None or device == "cpu":
        n = len(X)
        f = WithinEps(X, eps, metric)
        pairs = f.pairs(max_pairs=SPARSE_DEGREE * n)
        if pairs is not None:
            return labels_from_pairs(n, pairs[0], pairs[1], min_samples)
        return dense_element_labels(X, eps, min_samples, metric, f)
    if len(X) <= DENSE_LIMIT:
        return labels_from_mask(radius_mask(X, eps, metric=metric, device=device), min_samples)
    ii, jj = radius_pairs(X, eps, metric=metric, device=device)
    return labels_from_pairs(len(X), ii, jj, min_samples)


def dense_element_labels(
    X: np.ndarray,
    eps: float,
    min_samples: int,
    metric: str = "euclidean",
    f: WithinEps | None = None,
    pivots: bool = True,
) -> np.ndarray:
    """DBSCAN labels of rows whose within-eps graph is dense: from a few pivot columns where nearly every pair is
    within eps (``pivots``; ``pivots=False`` when the caller tried it already), else large elements by groups in
    Kruskal order (``grouped``), else the leaders method, else the adjacency matrix or the pair list. ``f``: a
    ``WithinEps`` of the same rows, radius and metric, when the caller has one."""
    n = len(X)
    f = WithinEps(X, eps, metric) if f is None else f
    if pivots and USE_PIVOTS:
        labels, _ = dbscan_labels_pivots(f, min_samples)
        if labels is not None:
            return labels
    if n >= GROUP_MIN_ROWS:
        return grouped_dbscan_labels(f, min_samples)
    if USE_LEADERS and n >= LEADERS_MIN_ROWS:
        labels = dbscan_labels_leaders(X, eps, min_samples, metric, w=f)
        if labels is not None:
            return labels
    if n <= DENSE_LIMIT:
        return labels_from_mask(f.mask(), min_samples)
    ii, jj = f.pairs()
    return labels_from_pairs(n, ii, jj, min_samples)
