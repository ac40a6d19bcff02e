"""Planted-structure Mapper graphs for the topo tests, built with the project's Mapper engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from topoalign.mapper import build_mapper_graph
from topoalign.mapper.graph import MapperGraph


def mapper_graph(X, ids, lens, *, n_cubes=10, overlap=0.3, eps=0.5, min_samples=3, labels=None) -> MapperGraph:
    """A Mapper graph of rows of ``X`` (ids ``ids``): KeplerMapper-style interval cover of ``lens``, DBSCAN."""
    from topoalign.mapper.cover import make_cover

    frame = None
    if labels is not None:
        frame = pd.DataFrame(labels, index=pd.Index(np.asarray(ids, dtype=str), name="stimulus_id"))
    return build_mapper_graph(
        np.asarray(X, dtype=np.float32),
        np.asarray(lens, dtype=float).reshape(len(X), -1),
        make_cover("kmapper", n_cubes, overlap),
        {"kind": "dbscan", "eps": eps, "min_samples": min_samples},
        stimulus_ids=np.asarray(ids, dtype=str),
        labels=frame,
        device=None,
        params={"n_cubes": n_cubes, "overlap": overlap, "eps": eps},
    )


def pca_lens(X):
    Xc = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(Xc, full_matrices=False)
    proj = Xc @ vt[0]
    return proj * np.sign((proj**3).sum() or 1.0)


def permuted_rows(X, ids, seed):
    order = np.random.default_rng(seed).permutation(len(ids))
    return X[order], np.asarray(ids)[order]


def random_rotation(d, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return q * np.sign(np.diag(r))


def make_blobs_pair():
    """Two separated blobs (a planted split) in 10-D, and the same data rotated with rows reordered."""
    rng = np.random.default_rng(0)
    n = 150
    a = rng.normal(size=(n, 10)) * 0.6
    b = rng.normal(size=(n, 10)) * 0.6 + np.r_[8.0, np.zeros(9)]
    X = np.vstack([a, b])
    ids = np.array([f"s{i}" for i in range(2 * n)])
    blob = np.r_[np.zeros(n, int), np.ones(n, int)]
    g1 = mapper_graph(X, ids, pca_lens(X), n_cubes=24, overlap=0.4, eps=2.5, labels={"blob": blob.astype(str)})
    Xr = X @ random_rotation(10, 1)
    Xp, idp = permuted_rows(Xr, ids, 2)
    lab = pd.Series(blob.astype(str), index=ids).loc[idp].to_numpy()
    g2 = mapper_graph(Xp, idp, pca_lens(Xp), n_cubes=24, overlap=0.4, eps=2.5, labels={"blob": lab})
    return g1, g2, ids, blob


def make_circle_pair():
    """A planted loop: a noisy circle embedded in 20-D, and the same stimuli under a different embedding."""
    rng = np.random.default_rng(3)
    n = 300
    t = rng.uniform(0, 2 * np.pi, n)
    circle = np.c_[np.cos(t), np.sin(t)] * 3
    ids = np.array([f"c{i}" for i in range(n)])
    emb1 = np.c_[circle, np.zeros((n, 18))] @ random_rotation(20, 4) + rng.normal(scale=0.05, size=(n, 20))
    emb2 = np.c_[circle * [1.5, 1.0], np.zeros((n, 14))] @ random_rotation(16, 5) + rng.normal(scale=0.05, size=(n, 16))
    g1 = mapper_graph(emb1, ids, pca_lens(emb1), n_cubes=8, overlap=0.3, eps=0.8)
    Xp, idp = permuted_rows(emb2, ids, 6)
    g2 = mapper_graph(Xp, idp, pca_lens(Xp), n_cubes=8, overlap=0.3, eps=0.8)
    return g1, g2


@pytest.fixture(scope="session")
def blobs_pair():
    return make_blobs_pair()


@pytest.fixture(scope="session")
def circle_pair():
    return make_circle_pair()
