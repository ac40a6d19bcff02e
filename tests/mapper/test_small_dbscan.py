"""Many small cover elements clustered in one batched pass equal scikit-learn's DBSCAN element by element."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SkDBSCAN

from topoalign.mapper.dbscan.small import SMALL_ROWS, small_elements_labels


def _elements(n: int, count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = np.concatenate(
        [[1, 2, 3, SMALL_ROWS, 17, 16, 33, 64, 65, 128, 129], rng.integers(1, SMALL_ROWS + 1, count)]
    )
    return [np.sort(rng.choice(n, s, replace=False)) for s in sizes]


def _data(n: int, d: int, seed: int, offset: float = 0.0, dtype=np.float32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(5, d)) * 3
    X = centres[rng.integers(0, 5, n)] + rng.normal(size=(n, d))
    X[:20] = X[20:40]  # duplicate rows: distance exactly 0
    return (X + offset).astype(dtype)


@pytest.mark.parametrize(
    "dtype,offset,min_samples",
    [(np.float32, 0.0, 3), (np.float64, 500.0, 5), (np.float32, 0.0, 1), (np.float32, 2.0, 12)],
)
def test_batched_small_elements_equal_sklearn(dtype, offset, min_samples):
    X = _data(3000, 12, 0, offset, dtype)
    elements = _elements(len(X), 60, 1)
    seen = []
    for eps in (2.5, 3.5, 5.0):
        got = small_elements_labels(X, elements, eps, min_samples)
        for rows, labels in zip(elements, got):
            ref = SkDBSCAN(eps=eps, min_samples=min_samples).fit_predict(X[rows].astype(np.float64))
            assert np.array_equal(labels, ref), (len(rows), eps)
        seen.append(np.concatenate(got))
    # the data give several clusters per element and (unless every row is core) noise somewhere
    flat = np.concatenate(seen)
    assert (flat >= 1).any() and ((flat == -1).any() or min_samples == 1)


def test_batched_small_elements_cosine():
    X = _data(2000, 10, 3, offset=1.0)
    elements = _elements(len(X), 30, 4)
    for eps in (0.05, 0.2):
        got = small_elements_labels(X, elements, eps, 4, metric="cosine")
        for rows, labels in zip(elements, got):
            ref = SkDBSCAN(eps=eps, min_samples=4, metric="cosine").fit_predict(X[rows].astype(np.float64))
            assert np.array_equal(labels, ref)


def test_pairs_on_the_rounding_band_are_decided_exactly():
    # rows exactly eps apart along one axis, far from the origin: the float32 products alone cannot decide them
    rng = np.random.default_rng(7)
    base = rng.normal(size=(40, 6)) + 1000.0
    X = np.concatenate([base, base + np.r_[0.5, 0, 0, 0, 0, 0]])
    elements = [np.arange(80), np.arange(0, 80, 2)]
    got = small_elements_labels(X, elements, 0.5, 2)
    for rows, labels in zip(elements, got):
        assert np.array_equal(labels, SkDBSCAN(eps=0.5, min_samples=2).fit_predict(X[rows]))


def test_too_large_elements_are_refused():
    with pytest.raises(ValueError):
        small_elements_labels(np.zeros((SMALL_ROWS + 1, 2)), [np.arange(SMALL_ROWS + 1)], 1.0, 2)
