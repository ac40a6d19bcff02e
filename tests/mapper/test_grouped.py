"""Large-element path: row groups with exact gap bounds, and DBSCAN from a fraction of the pairs (Kruskal order).

Small data with small groups (``GROUP_ROWS`` patched) exercise the same code as 100k-row cover elements; the
references are brute-force float64 distances and scikit-learn's DBSCAN."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SkDBSCAN

from topoalign.mapper import dbscan
from topoalign.mapper.build import build_mapper_graph
from topoalign.mapper.cluster import DBSCAN
from topoalign.mapper.cover import KMapperCover
from topoalign.mapper.dbscan import WithinEps, element_labels, grouped, row_groups


def _clusters(
    n: int,
    d: int,
    seed: int,
    centres: int = 6,
    spread: float = 0.35,
    rank: int = 4,
    noise: float = 0.05,
    offset: float = 0.0,
    dtype=np.float32,
) -> np.ndarray:
    """Low-rank clusters around random centres with isotropic noise and a few scattered outliers."""
    rng = np.random.default_rng(seed)
    C = rng.normal(size=(centres, d)) * 1.5
    basis = rng.normal(size=(centres, rank, d)) / np.sqrt(rank)
    which = rng.integers(0, centres, size=n)
    X = C[which] + np.einsum("nk,nkd->nd", rng.normal(size=(n, rank)) * spread, basis[which])
    X += rng.normal(size=(n, d)) * noise
    out = rng.choice(n, n // 400, replace=False)
    X[out] = rng.normal(size=(len(out), d)) * 2.0  # outliers: noise points and a few border points
    return (X + offset).astype(dtype)


def _brute_pairs(X: np.ndarray, eps: float, metric: str = "euclidean") -> set[tuple[int, int]]:
    X = np.asarray(X, dtype=np.float64)
    if metric == "cosine":
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        D = 1.0 - U @ U.T
    else:
        D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    i, j = np.nonzero(np.triu(D <= eps, k=1))
    return set(zip(i.tolist(), j.tolist()))


@pytest.fixture
def small_groups(monkeypatch):
    monkeypatch.setattr(row_groups, "GROUP_ROWS", 40)
    monkeypatch.setattr(row_groups, "_CHUNK", 97)  # row chunks that split groups


def _eps(X: np.ndarray, q: float) -> float:
    d = np.linalg.norm(X[:300, None, :].astype(np.float64) - X[None, :300, :], axis=-1)
    return float(np.quantile(d[np.triu_indices(300, 1)], q))


@pytest.mark.parametrize("dtype,offset", [(np.float32, 0.0), (np.float64, 250.0)])
def test_far_groups_hold_no_pair_within_eps(small_groups, dtype, offset):
    X = _clusters(1500, 48, 0, offset=offset, dtype=dtype)
    eps = _eps(X, 0.03)
    f = WithinEps(X, eps, "euclidean")
    assign, C, lo, hi = row_groups.kmeans_groups(f.A[:, : f.d], len(X) // 40)
    far = row_groups.far_group_pairs(C, lo, hi, eps, float(np.sqrt(f.A[:, f.d].max())))
    assert far.mean() > 0.3  # the bounds rule out much of the work here, so the check below has teeth
    pairs = np.array(sorted(_brute_pairs(X, eps)))
    assert len(pairs) > 1000
    assert not far[assign[pairs[:, 0]], assign[pairs[:, 1]]].any()


@pytest.mark.parametrize("seed,q,min_samples", [(0, 0.02, 5), (1, 0.05, 3), (2, 0.01, 10), (3, 0.2, 4)])
def test_grouped_dbscan_equals_sklearn(small_groups, seed, q, min_samples):
    X = _clusters(2000, 40, seed, centres=4 + seed)
    eps = _eps(X, q)
    before = dict(grouped.VISITS)
    ours = grouped.grouped_dbscan_labels(WithinEps(X, eps, "euclidean"), min_samples)
    ref = SkDBSCAN(eps=eps, min_samples=min_samples).fit_predict(X.astype(np.float64))
    assert np.array_equal(ours, ref)
    assert (ref < 0).any() and (len(np.unique(ref[ref >= 0])) >= 4 or q > 0.1)  # noise; several clusters
    visits = {k: grouped.VISITS[k] - before[k] for k in before}
    # every branch runs: whole blocks, unsettled rows only, and (with denser clusters) skipped group pairs
    assert visits["whole block"] > 0 and visits["unsettled rows"] > 0
    assert visits["skipped"] > 0 or q < 0.05


def test_grouped_dbscan_border_points_take_lowest_cluster(small_groups):
    # two dense clusters bridged by rows that are border points of both: scikit-learn gives each the cluster of
    # its lowest-numbered core neighbour
    rng = np.random.default_rng(5)
    a = rng.normal(size=(700, 8)) * 0.1
    b = rng.normal(size=(700, 8)) * 0.1 + np.r_[1.0, np.zeros(7)]
    bridge = np.zeros((30, 8))
    bridge[:, 0] = np.linspace(0.45, 0.55, 30)
    X = np.concatenate([b, bridge, a]).astype(np.float32)
    for eps, ms in [(0.3, 20), (0.25, 8), (0.5, 40)]:
        ours = grouped.grouped_dbscan_labels(WithinEps(X, eps, "euclidean"), ms)
        assert np.array_equal(ours, SkDBSCAN(eps=eps, min_samples=ms).fit_predict(X.astype(np.float64)))


def test_grouped_dbscan_cosine(small_groups):
    X = _clusters(1500, 24, 7, offset=2.0)
    ours = grouped.grouped_dbscan_labels(WithinEps(X, 0.01, "cosine"), 5)
    ref = SkDBSCAN(eps=0.01, min_samples=5, metric="cosine").fit_predict(X.astype(np.float64))
    assert np.array_equal(ours, ref)


def test_large_elements_take_the_grouped_path(small_groups, monkeypatch):
    monkeypatch.setattr(dbscan, "GROUP_MIN_ROWS", 500)
    X = _clusters(3000, 40, 11)
    eps = _eps(X, 0.05)  # dense: hundreds of neighbours per row, so not the sparse pair list
    before = sum(grouped.VISITS.values())
    labels = element_labels(X, eps, 5)
    assert sum(grouped.VISITS.values()) > before
    assert np.array_equal(labels, SkDBSCAN(eps=eps, min_samples=5).fit_predict(X.astype(np.float64)))
    # a whole Mapper graph whose dense elements go this way: scikit-learn's DBSCAN on every element
    lens = X[:, :2].astype(np.float64)
    graph = build_mapper_graph(X, lens, KMapperCover(3, 0.3), DBSCAN(eps=eps, min_samples=5), device=None)
    expected = []
    for _, rows in KMapperCover(3, 0.3).fit_elements(lens):
        if len(rows) >= 5:
            lab = SkDBSCAN(eps=eps, min_samples=5).fit_predict(X[rows].astype(np.float64))
            expected += [rows[lab == k] for k in np.unique(lab[lab >= 0])]
    assert [n.members.tolist() for n in graph.nodes] == [e.tolist() for e in expected]
