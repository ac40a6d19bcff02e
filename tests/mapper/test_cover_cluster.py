"""Covers against KeplerMapper's cover; clusterers against scikit-learn; the radius engine against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.cluster import DBSCAN as SkDBSCAN
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score, pairwise_distances

from topoalign.errors import InvalidParameterError
from topoalign.mapper import DBSCAN, HDBSCAN, BalancedCover, KMapperCover, SingleLinkage, UniformCover
from topoalign.mapper.cluster import gap_threshold
from topoalign.mapper.dbscan.rules import labels_from_pairs
from topoalign.mapper.neighbors import radius_pairs


def kmapper_cubes(lens, n_cubes, overlap):
    import kmapper as km

    data = np.c_[np.arange(len(lens)), lens]
    cover = km.Cover(n_cubes=n_cubes, perc_overlap=overlap)
    cover.fit(data)
    return [sorted(cover.transform_single(data, c)[:, 0].astype(int).tolist()) for c in cover.centers_]


@pytest.mark.parametrize("seed", range(4))
def test_kmapper_cover_matches_kmapper(seed):
    rng = np.random.default_rng(seed)
    k = 1 + seed % 2
    lens = rng.normal(size=(400, k)).astype(np.float32 if seed == 2 else np.float64)
    if seed == 3:
        lens = np.round(lens, 1)  # ties on interval ends
    for n_cubes, overlap in [(1, 0.0), (3, 0.5), (10, 0.3), (7, 0.15), (20, 0.9)]:
        ours = {idx: rows.tolist() for idx, rows in KMapperCover(n_cubes, overlap).fit_elements(lens)}
        expected = [rows for rows in kmapper_cubes(lens, n_cubes, overlap)]
        ours_all = [ours.get(idx, []) for idx in np.ndindex(*([n_cubes] * k))]
        assert ours_all == expected


def test_kmapper_cover_constant_lens():
    lens = np.ones((20, 1))
    ours = KMapperCover(4, 0.3).fit_elements(lens)
    assert [r.tolist() for _, r in ours] == [rows for rows in kmapper_cubes(lens, 4, 0.3) if rows]


@pytest.mark.parametrize("cls", [UniformCover, BalancedCover])
def test_uniform_and_balanced_cover_every_row(cls):
    lens = np.random.default_rng(0).exponential(size=(1000, 2))
    elements = cls(5, 0.25).fit_elements(lens)
    covered = np.unique(np.concatenate([r for _, r in elements]))
    assert len(covered) == 1000
    assert all(len(idx) == 2 for idx, _ in elements)


def test_uniform_cover_overlap_fraction():
    cover = UniformCover(4, 0.25).fit(np.linspace(0, 1, 101))
    lo, hi = cover.intervals_[0]
    length = hi[0] - lo[0]
    assert np.allclose(hi - lo, length)
    assert np.allclose((hi[:-1] - lo[1:]) / length, 0.25)
    assert lo[0] == 0 and hi[-1] == 1


def test_balanced_cover_is_balanced():
    lens = np.random.default_rng(1).exponential(size=4000)
    sizes = [len(r) for _, r in BalancedCover(8, 0.0).fit_elements(lens)]
    assert max(sizes) - min(sizes) <= 3


@pytest.mark.parametrize(
    "cover",
    [UniformCover(0, 0.3), UniformCover(10, 1.0), KMapperCover(5, -0.1), BalancedCover(3.5, 0.2), KMapperCover(5, 1.5)],
)
def test_cover_validation(cover):
    with pytest.raises(InvalidParameterError, match="parameter of"):
        cover.fit(np.arange(10.0))


def test_cover_message_house_style():
    with pytest.raises(InvalidParameterError) as info:
        UniformCover(10, 1.5).fit(np.arange(10.0))
    assert str(info.value) == "The 'overlap' parameter of UniformCover must be in [0, 1). Got 1.5 instead."


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("strict", [False, True])
def test_radius_pairs_against_brute_force(metric, strict):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(700, 12)).astype(np.float32) + 5  # offset: exercises the centring
    D = pairwise_distances(X.astype(np.float64), metric=metric)
    r = float(np.quantile(D[np.triu_indices(700, 1)], 0.02))
    i, j = radius_pairs(X, r, metric=metric, strict=strict)
    ours = set(zip(i.tolist(), j.tolist()))
    iu, ju = np.triu_indices(700, 1)
    hit = D[iu, ju] < r if strict else D[iu, ju] <= r
    assert ours == set(zip(iu[hit].tolist(), ju[hit].tolist()))


def test_radius_pairs_exact_on_ties():
    # integer grid: many distances exactly equal to the radius
    X = np.array([[a, b] for a in range(12) for b in range(12)], dtype=np.float32)
    i, _ = radius_pairs(X, 1.0)
    assert len(i) == 2 * 12 * 11
    i, _ = radius_pairs(X, 1.0, strict=True)
    assert len(i) == 0


def test_radius_pairs_tiles(monkeypatch):
    from topoalign.mapper import neighbors

    X = np.random.default_rng(2).normal(size=(900, 6))
    expected = set(zip(*[a.tolist() for a in radius_pairs(X, 1.5)]))
    monkeypatch.setattr(neighbors, "_TILE", 128)
    monkeypatch.setattr(neighbors._tiles, "__defaults__", (128,))
    assert set(zip(*[a.tolist() for a in radius_pairs(X, 1.5)])) == expected


def test_radius_pairs_torch_path_on_cpu():
    X = np.random.default_rng(3).normal(size=(500, 20))
    a = set(zip(*[v.tolist() for v in radius_pairs(X, 4.0)]))
    b = set(zip(*[v.tolist() for v in radius_pairs(X, 4.0, device="torch-cpu")]))
    assert a == b


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_radius_pairs_cuda_matches_cpu():
    X = np.random.default_rng(4).normal(size=(3000, 64)).astype(np.float32)
    a = set(zip(*[v.tolist() for v in radius_pairs(X, 10.0)]))
    b = set(zip(*[v.tolist() for v in radius_pairs(X, 10.0, device="cuda")]))
    assert a == b


@pytest.mark.parametrize("seed", range(5))
def test_dbscan_labels_equal_sklearn(seed):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(c, 0.5, size=(80, 4)) for c in (0, 2, 5)] + [rng.uniform(-3, 8, size=(40, 4))])
    X = X[rng.permutation(len(X))]
    for eps, ms in [(0.6, 3), (0.9, 6), (1.2, 10), (0.3, 1)]:
        ours = DBSCAN(eps=eps, min_samples=ms).fit_predict(X)
        ref = SkDBSCAN(eps=eps, min_samples=ms).fit_predict(X)
        assert np.array_equal(ours, ref), (eps, ms)


def test_dbscan_border_point_goes_to_first_cluster():
    # two cores clusters (left: rows 0-2, right: rows 3-5) and a border point (6) reachable from both
    X = np.array([[0, 0], [0.1, 0], [0.2, 0], [2.2, 0], [2.3, 0], [2.4, 0], [1.2, 0]], dtype=float)
    assert (
        DBSCAN(eps=1.0, min_samples=3).fit_predict(X).tolist()
        == SkDBSCAN(eps=1.0, min_samples=3).fit_predict(X).tolist()
    )
    X2 = X[[3, 4, 5, 0, 1, 2, 6]]
    assert (
        DBSCAN(eps=1.0, min_samples=3).fit_predict(X2).tolist()
        == SkDBSCAN(eps=1.0, min_samples=3).fit_predict(X2).tolist()
    )


def test_dbscan_labels_empty():
    assert labels_from_pairs(3, np.zeros(0, np.int64), np.zeros(0, np.int64), 2).tolist() == [-1, -1, -1]


def test_dbscan_auto_eps_and_validation():
    X = np.random.default_rng(0).normal(size=(300, 5))
    c = DBSCAN(eps="auto", min_samples=4).prepare(X)
    assert c.eps_ > 0 and c.params()["eps_resolved"] == c.eps_
    with pytest.raises(InvalidParameterError, match="'eps' parameter of DBSCAN"):
        DBSCAN(eps=0).prepare(X)
    with pytest.raises(InvalidParameterError, match="'min_samples' parameter of DBSCAN must be at most"):
        DBSCAN(eps=1, min_samples=500).prepare(X)
    with pytest.raises(InvalidParameterError, match="'metric'"):
        DBSCAN(eps=1, metric="manhattan").prepare(X)


@pytest.mark.parametrize("threshold", [0.4, 0.8, 1.5])
def test_single_linkage_equals_sklearn(blob_shapes, threshold):
    X = blob_shapes(0)
    ours = SingleLinkage(distance_threshold=threshold).prepare(X).fit_predict(X)
    ref = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, linkage="single").fit_predict(X)
    assert adjusted_rand_score(ours, ref) == 1.0
    ours_k = SingleLinkage(n_clusters=4).prepare(X).fit_predict(X)
    ref_k = AgglomerativeClustering(n_clusters=4, linkage="single").fit_predict(X)
    assert adjusted_rand_score(ours_k, ref_k) == 1.0


def test_gap_rule_finds_the_gap():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.1, size=(50, 2)), rng.normal(10, 0.1, size=(50, 2))])
    labels = SingleLinkage(gap_bins=10).prepare(X).fit_predict(X)
    assert len(set(labels)) == 2 and len(set(labels[:50])) == 1
    assert gap_threshold(np.array([1.0, 1.0]), 10) == np.inf
    with pytest.raises(InvalidParameterError, match="given alone"):
        SingleLinkage(distance_threshold=1.0, gap_bins=10).prepare(X)


def test_hdbscan_matches_sklearn(blob_shapes):
    from sklearn.cluster import HDBSCAN as SkHDBSCAN

    X = blob_shapes(1)
    ours = HDBSCAN(min_cluster_size=10).prepare(X).fit_predict(X)
    assert np.array_equal(ours, SkHDBSCAN(min_cluster_size=10).fit_predict(X))


@pytest.mark.parametrize("seed", range(3))
def test_leaders_dbscan_equals_sklearn(seed):
    """The early-exit path (large dense elements) against scikit-learn, borders and noise included."""
    from topoalign.mapper.dbscan.leaders import dbscan_labels_leaders

    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(c, 0.35, size=(700, 3)) for c in (0.0, 1.6, 4.0)] + [rng.uniform(-2, 6, size=(300, 3))])
    X = X[rng.permutation(len(X))]
    ran = 0
    for eps, ms in [(0.6, 4), (0.8, 8), (1.0, 20), (0.5, 3), (0.3, 6)]:
        ours = dbscan_labels_leaders(X, eps, ms, max_leaders=10_000)
        ref = SkDBSCAN(eps=eps, min_samples=ms).fit_predict(X)
        if ours is not None:
            ran += 1
            assert np.array_equal(ours, ref), (eps, ms)
        assert np.array_equal(DBSCAN(eps=eps, min_samples=ms).fit_predict(X), ref)
    assert ran >= 2


def test_single_linkage_without_a_cut_fails_as_a_parameter_error():
    """Neither a threshold nor a cluster count nor gap bins: the parameter error (a TypeError from int(None) before)."""
    with pytest.raises(InvalidParameterError, match="'distance_threshold' parameter of SingleLinkage"):
        SingleLinkage().fit_predict(np.random.default_rng(0).normal(size=(6, 2)))
