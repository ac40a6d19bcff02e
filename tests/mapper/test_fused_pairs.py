"""The fused CPU DBSCAN path: lower-bound pruning, pair reuse across overlapping cover elements, exactness."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SkDBSCAN

from topoalign.mapper import build, neighbors, pairs_numba
from topoalign.mapper.build import _projection_axes, build_mapper_graph
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


@pytest.mark.parametrize("loop", ["numba", "numpy"])
@pytest.mark.parametrize("dtype,offset", [(np.float32, 0.0), (np.float64, 300.0)])
def test_pruned_pairs_are_exact(dtype, offset, loop, monkeypatch):
    monkeypatch.setattr(neighbors, "PAIR_LOOP", loop)
    X = _low_rank(2400, 160, 0, offset, dtype)
    axes = _projection_axes(X, "euclidean")
    assert axes is not None
    rows = np.arange(700)
    eps = float(np.quantile(np.linalg.norm(X[rows[1:]] - X[rows[0]], axis=1), 0.02))
    plain = WithinEps(X[rows], eps, "euclidean").pairs()
    w = WithinEps(X[rows], eps, "euclidean", axes=axes)
    pruned = w.pairs()
    assert w.Ak is not None and not w.prune_failed  # the bounds did the work
    expected = _brute_pairs(X[rows], eps)
    assert set(zip(plain[0].tolist(), plain[1].tolist())) == expected
    assert set(zip(pruned[0].tolist(), pruned[1].tolist())) == expected


def test_pruned_block_loop_matches_numpy(monkeypatch):
    # the numba loop and the numpy passes give the same candidates, float32 values on the same side of the band,
    # and the same refusal when the bounds keep too much of a block
    assert pairs_numba.AVAILABLE
    X = _low_rank(1500, 200, 3)
    axes = _projection_axes(np.vstack([X, X]), "euclidean")
    assert axes is not None
    eps = float(np.quantile(np.linalg.norm(X[1:] - X[0], axis=1), 0.002))
    checked = 0
    for strict in (False, True):
        for a, b in ((0, 256), (256, 512), (1280, 1500)):
            found = {}
            for use in ("numba", "numpy"):
                monkeypatch.setattr(neighbors, "PAIR_LOOP", use)
                w = WithinEps(X, eps, "euclidean", axes=axes)
                w.strict = strict
                out = w._pruned_block(a, b)
                assert out is not None
                found[use] = sorted(zip(out[0].tolist(), out[1].tolist(), out[2].tolist()))
            assert found["numba"] == found["numpy"]
            checked += len(found["numba"])
    assert checked > 100
    # bounds that keep everything: both refuse the block
    for use in ("numba", "numpy"):
        monkeypatch.setattr(neighbors, "PAIR_LOOP", use)
        w = WithinEps(X, 100 * eps, "euclidean", axes=axes)
        assert w._pruned_block(0, 256) is None


@pytest.mark.parametrize("strict", [False, True])
def test_pruned_pairs_decide_ties_exactly(strict):
    # integer points: many pairs lie exactly at the radius, inside the float32 band, and go to the float64 check
    rng = np.random.default_rng(4)
    X = rng.integers(0, 3, size=(900, 160)).astype(np.float32)
    X[:450] = X[450:] + np.eye(160, dtype=np.float32)[rng.integers(0, 160, 450)] * rng.choice([-1, 1], (450, 1))
    axes = _projection_axes(np.vstack([X] * 3), "euclidean")
    assert axes is not None
    w = WithinEps(X, 1.0, "euclidean", axes=axes)
    w.strict = strict
    i, j = w.pairs()
    assert w.Ak is not None and not w.prune_failed
    D = np.sqrt(((X[:, None, :].astype(np.float64) - X[None, :, :]) ** 2).sum(-1))
    ei, ej = np.nonzero(np.triu((D < 1.0) if strict else (D <= 1.0), k=1))
    assert set(zip(i.tolist(), j.tolist())) == set(zip(ei.tolist(), ej.tolist()))
    assert strict or len(ei) >= 450  # the planted pairs at distance exactly 1


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
    # one worker (no pool), or the elements submitted in cover order instead of largest first: the same graph
    monkeypatch.setattr(build, "_threads", lambda: 1)
    again = build_mapper_graph(X, lens, KMapperCover(6, 0.45), DBSCAN(eps=eps, min_samples=3), device=None)
    assert [n.members.tolist() for n in again.nodes] == [n.members.tolist() for n in graph.nodes]
    monkeypatch.setattr(build, "_threads", lambda: 2)
    monkeypatch.setattr(build, "LARGEST_FIRST", False)
    in_order = build_mapper_graph(X, lens, KMapperCover(6, 0.45), DBSCAN(eps=eps, min_samples=3), device=None)
    assert [n.members.tolist() for n in in_order.nodes] == [n.members.tolist() for n in graph.nodes]


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


def test_pair_loop_loads_after_the_first_pruned_build_unless_one_shot():
    # "auto": numpy until the numba loop is compiled in this process; the first pruned build loads it in the
    # background; the command line's one-shot processes never load it. Fresh processes: this one's state is shared.
    code = """
import sys, numpy as np
from topoalign.mapper import neighbors, build_mapper_graph, KMapperCover, DBSCAN
{setup}
rng = np.random.default_rng(0)
X = (rng.normal(size=(2500, 6)) @ rng.normal(size=(6, 160)) + rng.normal(scale=0.05, size=(2500, 160))).astype(np.float32)
assert neighbors._pruned_block_pairs() is None and "numba" not in sys.modules
def build():
    lens = X[:, :2].astype(np.float64)
    return build_mapper_graph(X, lens, KMapperCover(4, 0.3), DBSCAN(eps=8.0, min_samples=3), device=None)
g = build()
h = build()  # while the loop loads (its module half-imported in the other thread)
for t in neighbors._warming:
    t.join()
k = build()
same = [n.members.tolist() for n in g.nodes] == [n.members.tolist() for n in h.nodes] == [n.members.tolist() for n in k.nodes]
print(len(g.nodes) if same else -1, neighbors._pruned_block_pairs() is not None, "numba" in sys.modules)
"""
    results = []
    for setup in ("", "neighbors.PAIR_LOOP_WARM_UP = False"):
        out = subprocess.run([sys.executable, "-c", code.format(setup=setup)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        results.append(out.stdout.split())
    assert int(results[0][0]) > 5 and results[0][0] == results[1][0]
    assert results[0][1:] == ["True", "True"]
    assert results[1][1:] == ["False", "False"]
