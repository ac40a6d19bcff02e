"""Exact parity with KeplerMapper 2.1: the distinct node member sets are equal for the same lens values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SkDBSCAN
from sklearn.cluster import AgglomerativeClustering
from sklearn.decomposition import PCA

from topoalign.mapper import DBSCAN, KMapperCover, SingleLinkage, build_mapper_graph

km = pytest.importorskip("kmapper")


def kmapper_sets(lens, X, n_cubes, overlap, clusterer) -> tuple[set[frozenset[int]], int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = km.KeplerMapper(verbose=0).map(
            lens, X, cover=km.Cover(n_cubes=n_cubes, perc_overlap=overlap), clusterer=clusterer
        )
    return {frozenset(v) for v in ref["nodes"].values()}, len(ref["nodes"])


def assert_parity(X, lens, n_cubes, overlap, ours, ref, *, dedupe=False):
    expected, n_ref_nodes = kmapper_sets(lens, X, n_cubes, overlap, ref)
    graph = build_mapper_graph(X, lens, KMapperCover(n_cubes, overlap), ours)
    assert graph.member_sets() == expected
    assert len(graph.nodes) == n_ref_nodes  # duplicates included, as kmapper emits them
    if dedupe:
        deduped = build_mapper_graph(X, lens, KMapperCover(n_cubes, overlap), ours, dedupe=True)
        assert len(deduped.nodes) == len(expected) and deduped.member_sets() == expected
    return graph


@pytest.mark.parametrize("n_cubes,overlap,eps,min_samples", [(10, 0.3, 1.2, 3), (6, 0.5, 1.6, 5), (15, 0.1, 1.0, 2)])
def test_dbscan_parity_digits(digits_activations, n_cubes, overlap, eps, min_samples):
    X = digits_activations
    lens = PCA(2, random_state=0).fit_transform(X)
    g = assert_parity(
        X, lens, n_cubes, overlap, DBSCAN(eps=eps, min_samples=min_samples), SkDBSCAN(eps=eps, min_samples=min_samples)
    )
    assert len(g.nodes) > 5


@pytest.mark.parametrize("n_cubes,overlap,eps", [(10, 0.3, 0.7), (8, 0.45, 0.8)])
def test_dbscan_parity_minilm(minilm_embeddings, n_cubes, overlap, eps):
    X = minilm_embeddings
    lens = PCA(2, random_state=0).fit_transform(X)
    g = assert_parity(
        X, lens, n_cubes, overlap, DBSCAN(eps=eps, min_samples=3), SkDBSCAN(eps=eps, min_samples=3), dedupe=True
    )
    assert len(g.nodes) > 10


def test_dbscan_cosine_parity_minilm(minilm_embeddings):
    X = minilm_embeddings
    lens = PCA(1, random_state=0).fit_transform(X)
    assert_parity(
        X,
        lens,
        12,
        0.4,
        DBSCAN(eps=0.25, min_samples=3, metric="cosine"),
        SkDBSCAN(eps=0.25, min_samples=3, metric="cosine"),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", [(300, 3), (500, 20), (200, 64)])
def test_dbscan_parity_random(seed, shape):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=shape).astype(np.float32 if seed % 2 else np.float64)
    lens = X[:, :2] if seed < 2 else X[:, 0]
    eps = float(np.median(np.linalg.norm(X[:50, None] - X[None, :50], axis=-1))) * 0.55
    assert_parity(
        X, lens, 5 + seed * 3, 0.25 + 0.1 * seed, DBSCAN(eps=eps, min_samples=3), SkDBSCAN(eps=eps, min_samples=3)
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dbscan_parity_blob_shapes(blob_shapes, seed):
    X = blob_shapes(seed)
    lens = np.c_[X[:, 0], np.linalg.norm(X, axis=1)]
    assert_parity(X, lens, 7, 0.35, DBSCAN(eps=0.6, min_samples=4), SkDBSCAN(eps=0.6, min_samples=4))


@pytest.mark.parametrize("threshold", [0.5, 0.9])
def test_single_linkage_parity(blob_shapes, threshold):
    X = blob_shapes(3)
    lens = PCA(2, random_state=0).fit_transform(X)
    assert_parity(
        X,
        lens,
        6,
        0.3,
        SingleLinkage(distance_threshold=threshold),
        AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, linkage="single"),
    )


def test_single_linkage_parity_digits(digits_activations):
    X = digits_activations
    lens = PCA(2, random_state=0).fit_transform(X)
    assert_parity(
        X,
        lens,
        8,
        0.3,
        SingleLinkage(distance_threshold=1.3),
        AgglomerativeClustering(n_clusters=None, distance_threshold=1.3, linkage="single"),
    )


def test_single_linkage_n_clusters_parity(blob_shapes):
    X = blob_shapes(4)
    lens = X[:, :1]
    assert_parity(X, lens, 5, 0.2, SingleLinkage(n_clusters=3), AgglomerativeClustering(n_clusters=3, linkage="single"))
