"""The fused CPU DBSCAN path: lower-bound pruning, pair reuse across overlapping cover elements, exactness."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SkDBSCAN

from topoalign.mapper import build
from topoalign.mapper.build import _projection, build_mapper_graph
from topoalign.mapper.cluster import DBSCAN
from topoalign.mapper.cover import KMapperCover
from topoalign.mapper.dbscan.within import WithinEps


def _low_rank(n: int, d: int, seed: int, offset: float = 0.0, dtype=np.float32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)) @ rng.normal(size=(6, d)) + rng.normal(scale=0.05, size=(n, d)) + offset
    return X.astype(dtype)


def _brute_pairs(X: np.ndarray, eps: float) -> set[tuple[int, int]]:
    X = np.asarray(X, dtype=np.float64)
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    i, j = np.nonzero(np.triu(D <= eps, k=1))
    return set(zip(i.tolist(), j.tolist()))


@pytest.mark.parametrize("dtype,offset", [(np.float32, 0.0), (np.float64, 300.0)])
def test_pruned_pairs_are_exact(dtype, offset):
    X = _low_rank(2400, 160, 0, offset, dtype)
    proj = _projection(X, "euclidean")
    assert proj is not None
    rows = np.arange(700)
    eps = float(np.quantile(np.linalg.norm(X[rows[1:]] - X[rows[0]], axis=1), 0.02))
    plain = WithinEps(X[rows], eps, "euclidean").pairs()
    w = WithinEps(X[rows], eps, "euclidean", proj=(proj[0][rows], proj[1]))
    pruned = w.pairs()
    assert w.Ak is not None and not w.prune_failed  # the bounds did the work
    expected = _brute_pairs(X[rows], eps)
    assert set(zip(plain[0].tolist(), plain[1].tolist())) == expected
    assert set(zip(pruned[0].tolist(), pruned[1].tolist())) == expected


def test_reused_pairs_match_lone_elements(monkeypatch):
    # the pool even for this small graph (by default one thread runs graphs with little pair work)
    monkeypatch.setattr(build, "POOL_MIN_WORK", 0)
    monkeypatch.setattr(build, "_threads", lambda: 2)
    X = _low_rank(2500, 160, 1)
    lens = X[:, :2].astype(np.float64)
    eps = 8.0  # sparse elements: pairs reused across elements and pruned by the bounds
    graph = build_mapper_graph(X, lens, KMapperCover(6, 0.45), DBSCAN(eps=eps, min_samples=3), device=None)
    cover = KMapperCover(6, 0.45)
    expected = []
    for _, rows in cover.fit_elements(lens):
        if len(rows) >= 3:
            labels = SkDBSCAN(eps=eps, min_samples=3).fit_predict(X[rows].astype(np.float64))
            expected += [rows[labels == k] for k in np.unique(labels[labels >= 0])]
    assert len(graph.nodes) == len(expected) > 20
    assert all(np.array_equal(node.members, e) for node, e in zip(graph.nodes, expected))
    # one worker (no pool) gives the same graph
    monkeypatch.setattr(build, "_threads", lambda: 1)
    again = build_mapper_graph(X, lens, KMapperCover(6, 0.45), DBSCAN(eps=eps, min_samples=3), device=None)
    assert [n.members.tolist() for n in again.nodes] == [n.members.tolist() for n in graph.nodes]


def test_small_graphs_run_on_one_thread(monkeypatch):
    # little pair work: no thread pool (it only contends for the GIL there); the same graph as with the pool
    X = _low_rank(2000, 32, 2)
    lens = X[:, :2].astype(np.float64)
    elements = KMapperCover(8, 0.4).fit_elements(lens)
    eps = float(np.quantile(np.linalg.norm(X[1:300] - X[0], axis=1), 0.05))
    assert build._pair_work(elements, X.shape[1]) < build.POOL_MIN_WORK
    pools = []
    real = build.ThreadPoolExecutor
    monkeypatch.setattr(build, "ThreadPoolExecutor", lambda *a, **k: pools.append(1) or real(*a, **k))
    one = build_mapper_graph(X, lens, KMapperCover(8, 0.4), DBSCAN(eps=eps, min_samples=3), device=None)
    assert pools == []
    monkeypatch.setattr(build, "POOL_MIN_WORK", 0)
    monkeypatch.setattr(build, "_threads", lambda: 2)
    pooled = build_mapper_graph(X, lens, KMapperCover(8, 0.4), DBSCAN(eps=eps, min_samples=3), device=None)
    assert pools and len(one.nodes) > 5
    assert [n.members.tolist() for n in one.nodes] == [n.members.tolist() for n in pooled.nodes]
