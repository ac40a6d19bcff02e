"""DBSCAN of many small cover elements at once: batched products, one connected-components pass for all.

A 15 x 15 cover of 10,000 rows has ~200 elements of a few dozen rows each; run one by one, each spends under a
millisecond on arithmetic and several on Python and numpy call overhead (the dashboard rebuilds two such graphs on
every parameter change). Here elements of similar size are padded into one (K x m x d) stack: one batched product
gives every element's squared distances, one threshold their pairs, and the DBSCAN rules run on the union of all
elements' within-eps graphs, whose vertices are (element, row) slots:

- core slots: at least ``min_samples`` slots of their element within eps (themselves included);
- clusters: connected components of core slots (components never cross elements: no pair does);
- numbering: within an element, clusters in the order of their lowest row (scikit-learn's expansion order);
- border slots: the lowest cluster number among their core neighbours; other slots are noise (-1).

Decisions are exact as elsewhere: float32 products on rows centred per element, the float32 rounding band around
eps^2 re-checked in float64 from coordinate differences (``neighbors``).
"""

from __future__ import annotations

import numpy as np

from topoalign.mapper.components import pair_components
from topoalign.mapper.dbscan.rules import assign_border_points
from topoalign.mapper.neighbors import _band, _exact_check

SMALL_ROWS = 256  # elements up to this many rows are batched
_BATCH_ENTRIES = 1 << 22  # distances per batched product (16 MiB of float32)
_BUCKETS = (16, 32, 64, 128, 256)


def small_elements_labels(
    X: np.ndarray, elements: list[np.ndarray], eps: float, min_samples: int, metric: str = "euclidean"
) -> list[np.ndarray]:
    """scikit-learn DBSCAN labels of ``X[rows]`` for every row index array in ``elements`` (each at most
    ``SMALL_ROWS`` long)."""
    if not elements:
        return []
    sizes = np.array([len(r) for r in elements])
    if sizes.max() > SMALL_ROWS:
        raise ValueError(f"elements of more than {SMALL_ROWS} rows go through the per-element path")
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    if metric == "cosine":
        X64 = np.asarray(X, dtype=np.float64)
        norms = np.sqrt(np.einsum("ij,ij->i", X64, X64))
        Xexact = X64 / np.where(norms > 0, norms, 1.0)[:, None]
        Xwork, sq = Xexact.astype(np.float32), 2.0 * float(eps)
    else:
        Xexact, Xwork, sq = X, X, float(eps) ** 2
    pa: list[np.ndarray] = []  # slot pairs (global slot numbers) within eps
    pb: list[np.ndarray] = []
    bucket = np.searchsorted(_BUCKETS, sizes)
    for b, width in enumerate(_BUCKETS):
        ks = np.flatnonzero(bucket == b)
        step = max(1, _BATCH_ENTRIES // (width * width))
        for s in range(0, len(ks), step):
            a_, b_ = _batch_pairs(Xwork, Xexact, elements, ks[s : s + step], width, offsets, sq, metric)
            pa.append(a_)
            pb.append(b_)
    return _labels_from_slot_pairs(np.concatenate(pa), np.concatenate(pb), offsets, min_samples)


def _batch_pairs(
    Xwork: np.ndarray,
    Xexact: np.ndarray,
    elements: list[np.ndarray],
    ks: np.ndarray,
    width: int,
    offsets: np.ndarray,
    sq: float,
    metric: str,
) -> tuple[np.ndarray, np.ndarray]:
    K = len(ks)
    sizes = np.array([len(elements[k]) for k in ks])
    valid = np.arange(width)[None, :] < sizes[:, None]  # (K x width)
    idx = np.zeros((K, width), dtype=np.int64)
    for i, k in enumerate(ks):
        idx[i, : sizes[i]] = elements[k]
    Z = np.asarray(Xwork[idx.reshape(-1)]).reshape(K, width, -1)
    d = Z.shape[2]
    if metric == "cosine":
        Z = Z.astype(np.float32, copy=False)
    else:
        # centred per element (narrow rounding band); float32 rows shifted in float32, as ``neighbors._prepared``
        mean = np.where(valid[:, :, None], Z, 0).sum(axis=1, dtype=np.float64) / sizes[:, None]
        if Z.dtype == np.float32:
            Z = Z - mean.astype(np.float32)[:, None, :]
        else:
            Z = (Z - mean[:, None, :]).astype(np.float32)
    Z[~valid] = 0.0
    sqn = np.einsum("kmd,kmd->km", Z, Z, dtype=np.float32)
    D = np.matmul(Z, Z.transpose(0, 2, 1))
    D *= -2.0
    D += sqn[:, :, None]
    D += sqn[:, None, :]
    max_sq = sqn.max(axis=1).astype(np.float64)
    band = _band(d, max_sq, max_sq, sq)  # per element
    upper = np.triu(np.ones((width, width), dtype=bool), k=1)
    cand = (D <= (sq + band)[:, None, None]) & upper[None] & valid[:, :, None] & valid[:, None, :]
    e, r, c = np.nonzero(cand)
    vals = D[e, r, c]
    sure = vals <= sq - band[e]
    if not sure.all():
        amb = np.flatnonzero(~sure)
        sure[amb] = _exact_check(Xexact, idx[e[amb], r[amb]], idx[e[amb], c[amb]], sq, False, metric)
    base = offsets[ks][e]
    return (base + r)[sure], (base + c)[sure]


def _labels_from_slot_pairs(pa: np.ndarray, pb: np.ndarray, offsets: np.ndarray, min_samples: int) -> list[np.ndarray]:
    n_slots = int(offsets[-1])
    degree = 1 + np.bincount(pa, minlength=n_slots) + np.bincount(pb, minlength=n_slots)
    core = degree >= min_samples
    both = core[pa] & core[pb]
    comp = pair_components(n_slots, pa[both], pb[both])
    labels = np.full(n_slots, -1, dtype=np.int64)
    core_slots = np.flatnonzero(core)
    if len(core_slots):
        # each cluster's lowest slot; clusters sorted by it fall in element order, then row order within one
        lowest = np.full(n_slots, n_slots, dtype=np.int64)
        np.minimum.at(lowest, comp[core_slots], core_slots)
        firsts = np.unique(lowest[comp[core_slots]])
        element = np.searchsorted(offsets, firsts, side="right") - 1
        first_of_element = np.searchsorted(element, element, side="left")  # rank 0 per element
        rank = np.arange(len(firsts)) - first_of_element
        labels[core_slots] = rank[np.searchsorted(firsts, lowest[comp[core_slots]])]
    assign_border_points(labels, core, pa, pb)
    return [labels[offsets[k] : offsets[k + 1]] for k in range(len(offsets) - 1)]
