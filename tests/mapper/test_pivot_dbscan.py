"""Dense cover elements settled from a few pivot columns (``dbscan.pivots``) equal scikit-learn's DBSCAN: noise and
border rows, pairs on the float32 rounding band, pivot groups that touch and groups that only come close."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SkDBSCAN

from topoalign.mapper.build import build_mapper_graph
from topoalign.mapper.cluster import DBSCAN
from topoalign.mapper.cover import KMapperCover
from topoalign.mapper.dbscan import pivots
from topoalign.mapper.dbscan.within import WithinEps
from topoalign.mapper.dbscan.pivots import dbscan_labels_pivots, within_half_eps_of_centre


def _dense_clusters(
    seed: int,
    d: int = 64,
    per: int = 400,
    stds=(0.5, 0.7, 0.9, 1.1),
    eps: float = 13.0,
    offset: float = 0.0,
    dtype=np.float32,
) -> np.ndarray:
    """Gaussian clusters of different widths (nearly every pair of the narrow ones within ``eps``, a fraction of
    the widest one's), scattered noise rows, and border rows: each near one row of a cluster, 0.9 eps away."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(stds), d)) * 12
    parts = [c + rng.normal(size=(per, d)) * s for c, s in zip(centres, stds)]
    X = np.concatenate(parts)
    noise = rng.normal(size=(12, d)) * 30
    direction = rng.normal(size=(8, d))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    border = X[rng.choice(len(X), 8, replace=False)] + 0.9 * eps * direction
    X = np.concatenate([X, noise, border])
    return (X[rng.permutation(len(X))] + offset).astype(dtype)


def _outcomes() -> dict[str, int]:
    return dict(pivots.OUTCOMES)


def _ran(before: dict[str, int], path: str) -> int:
    return pivots.OUTCOMES[path] - before[path]


@pytest.mark.parametrize(
    "seed,dtype,offset,min_samples",
    [(0, np.float32, 0.0, 3), (1, np.float64, 300.0, 5), (2, np.float32, 50.0, 8), (3, np.float32, 0.0, 1)],
)
def test_pivots_equal_sklearn_on_dense_clusters(seed, dtype, offset, min_samples):
    X = _dense_clusters(seed, offset=offset, dtype=dtype)
    eps = 13.0
    before = _outcomes()
    ours, degree = dbscan_labels_pivots(WithinEps(X, eps, "euclidean"), min_samples)
    assert _ran(before, "pivots") == 1 and ours is not None and degree > 100
    ref = SkDBSCAN(eps=eps, min_samples=min_samples).fit(X.astype(np.float64))
    assert np.array_equal(ours, ref.labels_)
    # the data have what the rules are about: several clusters, noise, and border rows (non-core, in a cluster)
    border = np.setdiff1d(np.flatnonzero(ref.labels_ >= 0), ref.core_sample_indices_)
    assert len(np.unique(ref.labels_[ref.labels_ >= 0])) >= 4
    assert (ref.labels_ == -1).any() == (min_samples > 1) and (len(border) > 0 or min_samples == 1)


def test_pivots_equal_sklearn_with_the_cosine_metric():
    X = _dense_clusters(4, offset=40.0)
    before = _outcomes()
    for eps in (0.02, 0.05):
        ours, _ = dbscan_labels_pivots(WithinEps(X, eps, "cosine"), 4)
        ref = SkDBSCAN(eps=eps, min_samples=4, metric="cosine").fit_predict(X.astype(np.float64))
        assert ours is None or np.array_equal(ours, ref)
    assert _ran(before, "pivots") >= 1


def test_a_border_row_between_two_clusters_takes_the_lowest_cluster():
    rng = np.random.default_rng(5)
    disc = rng.normal(size=(150, 2)) * 0.04
    a, b = disc + [0.0, 0.0], rng.permutation(disc) + [1.0, 0.0]
    bridge = np.array([[0.5, 0.0], [0.5, 0.01]])
    for X in (np.concatenate([b, bridge, a]), np.concatenate([a, bridge, b]), np.concatenate([bridge, b, a])):
        for eps, ms in [(0.46, 60), (0.47, 80)]:
            ours, _ = dbscan_labels_pivots(WithinEps(X, eps, "euclidean"), ms)
            ref = SkDBSCAN(eps=eps, min_samples=ms).fit(X)
            assert ours is not None and np.array_equal(ours, ref.labels_)
            assert not np.isin(np.flatnonzero((X == bridge[0]).all(1)), ref.core_sample_indices_).any()


def test_pairs_on_the_rounding_band_are_decided_exactly():
    # a tight cluster far from the origin and its copy exactly eps away along axis 0: the two join only through the
    # pairs (i, copy of i) at distance exactly eps (within, as scikit-learn's <= decides; the other cross pairs are
    # ~1e-8 farther), which the float32 products alone cannot tell apart. A lone row exactly eps from row 0 only is
    # a border row at eps and noise just below.
    rng = np.random.default_rng(7)
    base = np.c_[np.full(300, 1000.0), 1000.0 + rng.normal(size=(300, 7)) * 1e-4]
    shift = np.r_[0.5, np.zeros(7)]
    X = np.concatenate([base, base + shift, base[:1] - shift])
    below = float(np.nextafter(0.5, 0.0))
    for eps, ms, clusters in [(0.5, 3, 1), (below, 3, 2), (0.5, 250, 1), (below, 250, 2)]:
        before = _outcomes()
        ours, _ = dbscan_labels_pivots(WithinEps(X, eps, "euclidean"), ms)
        ref = SkDBSCAN(eps=eps, min_samples=ms).fit_predict(X)
        assert _ran(before, "pivots") == 1 and np.array_equal(ours, ref), (eps, ms)
        assert len(np.unique(ref[ref >= 0])) == clusters and (ref[-1] >= 0) == (eps == 0.5)


@pytest.mark.parametrize("gap", [0.9, 1.0, 1.0005, 1.6])
def test_pivot_groups_that_touch_and_groups_that_come_close(gap):
    # two dense segments: their pivots are within 3 eps, so step 4 decides whether their end rows touch
    rng = np.random.default_rng(int(gap * 10))
    t = np.sort(rng.uniform(0, 4, 600))
    seg = np.c_[t, rng.normal(size=(600, 2)) * 0.02]
    X = np.concatenate([seg, seg + [4 + gap, 0, 0]])
    X[[0, -1]] = [[0.0, 0, 0], [8 + gap, 0, 0]]  # the segments end exactly 4 and gap apart
    X[599], X[600] = [4.0, 0, 0], [4 + gap, 0, 0]
    before = _outcomes()
    ours, _ = dbscan_labels_pivots(WithinEps(X, 1.0, "euclidean"), 5)
    ref = SkDBSCAN(eps=1.0, min_samples=5).fit_predict(X)
    assert ours is not None and _ran(before, "pivots") == 1
    assert np.array_equal(ours, ref)
    assert len(np.unique(ref)) == (1 if gap <= 1.0 else 2)


def test_within_half_eps_of_centre_bounds_every_pair():
    rng = np.random.default_rng(8)
    hits = 0
    for trial in range(40):
        d = int(rng.integers(2, 200))
        X = rng.normal(size=(int(rng.integers(3, 300)), d)) * rng.uniform(0.1, 3) + rng.uniform(-50, 50)
        X = X.astype(np.float32 if trial % 2 else np.float64)
        X64 = X.astype(np.float64)
        R = float(np.linalg.norm(X64 - X64.mean(axis=0), axis=1).max())
        eps = 2 * R * rng.uniform(0.98, 1.02)  # around the bound: both answers come up
        w = WithinEps(X, eps, "euclidean")
        if within_half_eps_of_centre(w):
            hits += 1
            diam = np.sqrt(((X64[:, None, :] - X64[None, :, :]) ** 2).sum(-1)).max()
            assert diam <= eps
            labels, _ = dbscan_labels_pivots(w, 3)
            assert np.array_equal(labels, SkDBSCAN(eps=eps, min_samples=3).fit_predict(X64))
    assert 5 <= hits <= 35


def test_a_tight_element_settles_without_products():
    X = np.random.default_rng(9).normal(size=(500, 32)).astype(np.float32) * 0.1 + 7.0
    before = _outcomes()
    w = WithinEps(X, 5.0, "euclidean")
    labels, _ = dbscan_labels_pivots(w, 4)
    assert _ran(before, "clique") == 1 and w._B is None  # no product was made
    assert labels.tolist() == [0] * 500
    few, _ = dbscan_labels_pivots(WithinEps(X[:3], 5.0, "euclidean"), 4)  # fewer rows than min_samples: noise
    assert few.tolist() == [-1, -1, -1]


def test_sparse_rows_are_left_to_the_other_methods():
    X = np.random.default_rng(10).normal(size=(2000, 16))
    before = _outcomes()
    labels, degree = dbscan_labels_pivots(WithinEps(X, 2.0, "euclidean"), 5)
    assert labels is None and degree < 5 and _ran(before, "fallback") == 1


def test_mapper_graphs_on_dense_clusters_take_the_pivot_path():
    """A whole graph whose dense cover elements settle from pivots: scikit-learn's DBSCAN on every element."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(
        n_samples=4000,
        n_features=96,
        centers=6,
        cluster_std=[0.4, 0.6, 0.8, 1.0, 1.2, 1.4],
        center_box=(-8, 8),
        random_state=0,
    )
    X = X.astype(np.float32)
    lens = X[:, :2].astype(np.float64) @ np.array([[1.0, 0.3], [-0.2, 1.0]])
    eps = 16.0
    before = _outcomes()
    graph = build_mapper_graph(X, lens, KMapperCover(4, 0.3), DBSCAN(eps=eps, min_samples=3), device=None)
    assert _ran(before, "pivots") + _ran(before, "clique") >= 3
    expected = []
    for _, rows in KMapperCover(4, 0.3).fit_elements(lens):
        if len(rows) >= 3:
            lab = SkDBSCAN(eps=eps, min_samples=3).fit_predict(X[rows].astype(np.float64))
            expected += [rows[lab == k] for k in np.unique(lab[lab >= 0])]
    assert [n.members.tolist() for n in graph.nodes] == [e.tolist() for e in expected]
