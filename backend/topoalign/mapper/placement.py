"""Rows a clusterer left out or alone, and where they go: noise rows kept or attached, isolated rows joined to their
nearest neighbour's cluster (the no-stimulus-lost rules of ``cluster``), and label helpers they share."""

from __future__ import annotations

import threading

import numpy as np

from topoalign.mapper.neighbors import metric_rows


def ordered_labels(comp: np.ndarray) -> np.ndarray:
    """Relabel components by their lowest row, so labels are deterministic."""
    _, first, inverse = np.unique(comp, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse]


def labels_first(labels: np.ndarray) -> np.ndarray:
    """For each row, the first row holding its label (so that rows -> first row links join each cluster)."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return first[inverse]


def place_noise(X: np.ndarray, labels: np.ndarray, *, metric: str = "euclidean", attach: bool = True) -> np.ndarray:
    """One cover element's labels with every noise row (-1) placed: with ``attach`` in the cluster holding its nearest
    row (when the element has a cluster), else in a cluster of its own. Labels are renumbered by lowest row."""
    labels = np.asarray(labels, dtype=np.int64).copy()
    noise = np.flatnonzero(labels < 0)
    if not len(noise):
        return labels
    placed = np.flatnonzero(labels >= 0)
    if attach and len(placed):
        nearest = nearest_rows(metric_rows(X[noise], metric), metric_rows(X[placed], metric))
        labels[noise] = labels[placed[nearest]]
    else:
        labels[noise] = labels.max(initial=-1) + 1 + np.arange(len(noise))
    return ordered_labels(labels)


def nearest_rows(A: np.ndarray, B: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
    """For each row of A, the index of its nearest row of B (euclidean; products in B's float type, in blocks of
    ~16M entries). ``exclude``: per row of A, an index of B it may not pick (itself, when A's rows are rows of B)."""
    B = np.asarray(B)
    if B.dtype not in (np.float32, np.float64):
        B = B.astype(np.float64)
    A = np.asarray(A, dtype=B.dtype)
    out = np.empty(len(A), dtype=np.int64)
    sq_b = np.einsum("ij,ij->i", B, B)
    step = max(1, int(2**24 // max(len(B), 1)))
    for s in range(0, len(A), step):
        block = A[s : s + step]
        d2 = sq_b[None, :] - 2.0 * block @ B.T
        if exclude is not None:
            d2[np.arange(len(block)), exclude[s : s + step]] = np.inf
        out[s : s + step] = np.argmin(d2, axis=1)
    return out


class NearestRows:
    """Each queried row's nearest other row among all rows of X (euclidean, or cosine via unit rows), computed on
    demand and remembered: a row isolated in one cover element is often isolated in its overlapping neighbours too."""

    def __init__(self, X: np.ndarray, metric: str = "euclidean"):
        self.X, self.metric, self.n = X, metric, len(X)
        self._found: dict[int, int] = {}
        self._lock = threading.Lock()
        self._reference: np.ndarray | None = None

    def of(self, query: np.ndarray) -> np.ndarray:
        with self._lock:
            todo = np.array([r for r in query.tolist() if r not in self._found], dtype=np.int64)
            if len(todo) and self._reference is None:
                self._reference = self.X if self.metric == "euclidean" else metric_rows(self.X, self.metric)
            reference = self._reference
        if len(todo) and reference is not None:  # (made above whenever there are rows to do)
            found = nearest_rows(reference[todo], reference, exclude=todo)
            with self._lock:
                self._found.update(zip(todo.tolist(), found.tolist()))
        return np.array([self._found[r] for r in query.tolist()], dtype=np.int64)
