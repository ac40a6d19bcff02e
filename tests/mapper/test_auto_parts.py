"""The pieces of the automatic choice against references: the CMO scale against scipy's directed Hausdorff, the
sample graphs against ``build_mapper_graph``, single linkage on the DBSCAN engine against scikit-learn, and the
no-stimulus-lost rules (DBSCAN noise kept or attached, isolated rows joined) against brute force."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist, directed_hausdorff

from topoalign.mapper import DBSCAN, KMapperCover, SingleLinkage, build_mapper_graph, compute_lens
from topoalign.mapper.placement import place_noise
from topoalign.mapper.planted import planted_shape
from topoalign.mapper.sample_graph import nearest_in_sample, sample_mapper_graph
from topoalign.mapper.scale import distance_matrix, hausdorff_scale, lens_jumps, lens_resolution, sample_rows


def test_hausdorff_scale_is_the_mean_directed_hausdorff_distance_to_subsamples():
    X, _ = planted_shape("flares", n=600, noise=0.02, seed=1, dim=16)
    D = distance_matrix(X)
    s = len(X)
    m = int(s / np.exp(np.log(np.log(s) / np.log(10.0))))
    rng = np.random.default_rng(5)
    expected = np.mean(
        [
            directed_hausdorff(X.astype(np.float64), X[rng.choice(s, m, replace=False)].astype(np.float64))[0]
            for _ in range(12)
        ]
    )
    assert hausdorff_scale(D, n_draws=12, random_state=5) == pytest.approx(expected, rel=1e-9)


def test_distance_matrix_matches_scipy_and_lens_jumps_brute_force():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(120, 9))
    assert np.allclose(distance_matrix(W), cdist(W, W), atol=1e-9)
    assert np.allclose(distance_matrix(W, "cosine"), cdist(W, W, "cosine"), atol=1e-9)
    lens = rng.normal(size=(120, 2))
    D = cdist(W, W)
    pairs = [(i, j) for i in range(120) for j in range(i + 1, 120) if D[i, j] <= 3.0]
    brute = np.max([np.abs(lens[i] - lens[j]) for i, j in pairs], axis=0)
    assert np.allclose(lens_jumps(distance_matrix(W), lens, 3.0), brute)
    assert lens_resolution(np.array([6.0, 3.0]), np.array([0.5, 0.0]), gain=1 / 3) == [4, 1]


def test_sample_rows_are_seeded_and_sorted():
    a, b = sample_rows(10_000, 50, 3), sample_rows(10_000, 50, 3)
    assert np.array_equal(a, b) and np.all(np.diff(a) > 0)
    assert np.array_equal(sample_rows(40, 50), np.arange(40))


@pytest.mark.parametrize(
    "name,intervals,scale",
    [("blobs", [3, 3], 1.0), ("circle", [8, 4], 0.9), ("loop_blobs", [16, 5], 1.3), ("flares", [5, 7], 1.0)],
)
def test_sample_graph_equals_build_mapper_graph(name, intervals, scale):
    X, _ = planted_shape(name, n=1500, noise=0.01, seed=3)
    lens = compute_lens(X, "pca:2")
    D = distance_matrix(X)
    t = scale * hausdorff_scale(D)
    fast = sample_mapper_graph(D < t, nearest_in_sample(D), lens, KMapperCover(intervals, 1 / 3))
    ref = build_mapper_graph(
        X, lens, KMapperCover(intervals, 1 / 3), SingleLinkage(distance_threshold=t, min_points=1, join_isolated=True)
    )
    assert [n.members.tolist() for n in fast.nodes] == [n.members.tolist() for n in ref.nodes]
    assert [(e.source, e.target, e.shared) for e in fast.edges] == [(e.source, e.target, e.shared) for e in ref.edges]
    rows = np.sort(np.random.default_rng(0).choice(1500, 1100, replace=False))
    sub = sample_mapper_graph(D < t, nearest_in_sample(D), lens, KMapperCover(intervals, 1 / 3), rows=rows)
    assert set(np.concatenate([n.members for n in sub.nodes]).tolist()) == set(rows.tolist())


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_single_linkage_on_the_dbscan_engine_matches_scikit_learn(metric):
    from sklearn.cluster import AgglomerativeClustering

    X, _ = planted_shape("two_circles", n=900, noise=0.02, seed=2, dim=32)
    lens = compute_lens(X, "pca:2")
    t = 0.35 if metric == "euclidean" else 0.03
    g = build_mapper_graph(X, lens, KMapperCover(6, 0.3), SingleLinkage(distance_threshold=t, metric=metric))
    cover = KMapperCover(6, 0.3).fit(lens)
    expected = set()
    for _, rows in cover.elements(lens):
        if len(rows) < 2:
            continue
        labels = AgglomerativeClustering(
            n_clusters=None, distance_threshold=t, linkage="single", metric=metric
        ).fit_predict(X[rows].astype(np.float64))
        expected |= {frozenset(rows[labels == c].tolist()) for c in np.unique(labels)}
    assert g.member_sets() == expected


def test_single_linkage_with_min_points_one_places_every_row():
    X, _ = planted_shape("blobs", n=800, noise=0.01, seed=4, dim=8)
    lens = compute_lens(X, "pca:2")
    g = build_mapper_graph(X, lens, KMapperCover(12, 0.2), SingleLinkage(distance_threshold=0.05, min_points=1))
    assert g.coverage() == (800, 1.0)
    kmapper_rule = build_mapper_graph(X, lens, KMapperCover(12, 0.2), SingleLinkage(distance_threshold=0.05))
    assert kmapper_rule.coverage()[0] <= 800


def test_join_isolated_follows_the_global_nearest_neighbour():
    """An isolated row joins the cluster of its nearest row over all the data, only where that row is in the same
    cover element; otherwise it stays a node of its own."""
    rng = np.random.default_rng(0)
    blob = rng.normal(0, 0.05, size=(60, 2))
    outlier = np.array([[0.6, 0.0]])  # farther than the threshold from every blob row
    far = np.array([[5.0, 5.0]])  # alone, its nearest row is in no element it shares
    X = np.vstack([blob, outlier, far])
    lens = X[:, :1]
    plain = build_mapper_graph(X, lens, KMapperCover(1, 0.1), SingleLinkage(distance_threshold=0.2, min_points=1))
    joined = build_mapper_graph(
        X, lens, KMapperCover(1, 0.1), SingleLinkage(distance_threshold=0.2, min_points=1, join_isolated=True)
    )
    assert len(plain.nodes) == 3
    nn = np.argmin(np.where(np.eye(len(X), dtype=bool), np.inf, cdist(X, X)), axis=1)
    assert nn[60] < 60 and nn[61] == 60
    # one element: the outlier joins the blob; the far row's nearest row is the outlier, so it joins too
    assert [len(n.members) for n in joined.nodes] == [62]
    split = build_mapper_graph(
        X, lens, KMapperCover(2, 0.05), SingleLinkage(distance_threshold=0.2, min_points=1, join_isolated=True)
    )
    assert sorted(len(n.members) for n in split.nodes) == [1, 61]


@pytest.mark.parametrize("rule", ["keep", "attach"])
def test_dbscan_noise_rules_leave_no_row_out(rule):
    X, _ = planted_shape("blobs", n=700, noise=0.01, seed=6, dim=10)
    lens = compute_lens(X, "pca:2")
    drop = build_mapper_graph(X, lens, KMapperCover(8, 0.3), DBSCAN(eps=0.08, min_samples=8))
    kept = build_mapper_graph(X, lens, KMapperCover(8, 0.3), DBSCAN(eps=0.08, min_samples=8, noise=rule))
    assert drop.coverage()[1] < 0.9
    assert kept.coverage() == (700, 1.0)
    # the clusters DBSCAN found are still there (attach only grows them; keep adds singletons beside them)
    dropped_sets = drop.member_sets()
    if rule == "keep":
        assert dropped_sets <= kept.member_sets()
    else:
        assert all(any(a <= b for b in kept.member_sets()) for a in dropped_sets)
    assert DBSCAN(eps=0.1, min_samples=3).params() == {
        "kind": "dbscan",
        "eps": 0.1,
        "min_samples": 3,
        "metric": "euclidean",
        "eps_quantile": 0.5,
    }


def test_place_noise_attaches_to_the_nearest_rows_cluster_by_brute_force():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    labels = rng.integers(-1, 3, size=40)
    out = place_noise(X, labels, attach=True)
    placed = np.flatnonzero(labels >= 0)
    for i in np.flatnonzero(labels < 0):
        j = placed[np.argmin(np.linalg.norm(X[placed] - X[i], axis=1))]
        assert out[i] == out[j]
    assert (out >= 0).all()
    # clusters keep their rows together, renumbered by lowest row
    for c in np.unique(labels[labels >= 0]):
        assert len(np.unique(out[labels == c])) == 1
    alone = place_noise(X, labels, attach=False)
    assert len(np.unique(alone)) == len(np.unique(labels[labels >= 0])) + int((labels < 0).sum())
