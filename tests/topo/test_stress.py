import sys
from pathlib import Path

import numpy as np
import pytest

from topoalign.mapper.graph import MapperGraph, MapperNode, edges_from_members
from topoalign.topo.layout import joint_layout
from topoalign.topo.stress import StressKernel, graph_geometry, independent_layouts, pivot_mds, stress

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_layout import annulus_graphs  # noqa: E402


def path_graph(member_sets, n_stimuli=14):
    nodes = [MapperNode(f"n{i}", np.array(m), (i,), (0.0,)) for i, m in enumerate(member_sets)]
    return MapperGraph(nodes, edges_from_members(nodes), np.array([f"s{i}" for i in range(n_stimuli)]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_accelerated_majorisation_reaches_the_plain_optimum(seed):
    geom = graph_geometry(annulus_graphs(1, 200, seed=seed)[0])
    kernel, X0 = StressKernel([geom]), pivot_mds(geom, random_state=seed)
    converged, _ = kernel.run(X0, n_iter=3000, tol=1e-8, momentum=0.0)
    fast, _ = kernel.run(X0, n_iter=60, tol=0.0)
    slow, _ = kernel.run(X0, n_iter=60, tol=0.0, momentum=0.0)
    assert stress(fast, geom) <= stress(converged, geom) * 1.002
    assert stress(fast, geom) < stress(slow, geom)


def test_stress_ignores_pairs_in_different_components():
    # a path of 4 nodes and a path of 2: no graph distance between them, so no stress term either
    g = path_graph([[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, 7, 8], [9, 10, 11], [11, 12, 13]])
    geom = graph_geometry(g)
    assert len(set(geom.components.tolist())) == 2
    assert geom.weights[0, 4] == 0 and geom.weights[0, 1] == 1.0
    assert geom.layout_weights()[0, 4] > 0  # the layout still keeps components apart
    line = np.c_[np.arange(6) * 1.0, np.zeros(6)]
    moved = line.copy()
    moved[4:] += [3.0, 7.0]
    assert stress(line, geom) == pytest.approx(0.0, abs=1e-12)
    assert stress(moved, geom) == pytest.approx(0.0, abs=1e-12)


def test_a_split_off_component_joins_its_partners():
    # B is A with the link n3-n4 broken: in the joint layout B's small component sits on A's n4, n5
    a = path_graph([[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, 7, 8], [8, 9, 10], [10, 11, 12]])
    b = path_graph([[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, 7, 8], [9, 10], [10, 11, 12]])
    lay = joint_layout([a, b], mode="overlay", quality=True)
    gap = np.linalg.norm(lay.positions[0][4:] - lay.positions[1][4:], axis=1)
    assert gap.max() < 0.5  # graph hops
    assert max(lay.quality["stress_joint"]) < 0.01  # both paths still drawn straight (normalised stress)


def test_identical_graphs_get_identical_independent_layouts():
    geom = graph_geometry(annulus_graphs(1, 80, seed=4)[0])
    one, two = independent_layouts([geom, geom])
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("n, m, seed", [(1, 0, 0), (5, 3, 1), (60, 50, 2), (200, 300, 3), (550, 1650, 4), (90, 0, 5)])
def test_bit_parallel_hop_distances_equal_scipy(n, m, seed):
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components, shortest_path

    from topoalign.topo.stress import hop_distances

    e = np.random.default_rng(seed).integers(0, n, size=(m, 2))
    adj = sp.coo_matrix((np.ones(m), (e[:, 0], e[:, 1])), shape=(n, n)).tocsr()
    adj = ((adj + adj.T) > 0).tocsr()
    labels = connected_components(adj, directed=False)[1]
    np.testing.assert_array_equal(hop_distances(adj, labels), shortest_path(adj, directed=False, unweighted=True))
    line = sp.diags([np.ones(99)], [1], shape=(100, 100)).tocsr()  # diameter 99: the Dijkstra fallback
    line = ((line + line.T) > 0).tocsr()
    np.testing.assert_array_equal(hop_distances(line, np.zeros(100, int)), shortest_path(line, unweighted=True))


def brute_force_stress_part(x, geom):
    """sum_j w_ij (x_j + d_ij (x_i - x_j) / |x_i - x_j|) and the optimal scale, pair by pair in float64."""
    W = geom.layout_weights()
    out, num, den = np.zeros_like(x), 0.0, 0.0
    for i in range(len(x)):
        for j in range(len(x)):
            if i != j and W[i, j] > 0:
                r = np.linalg.norm(x[i] - x[j])
                out[i] += W[i, j] * (x[j] + geom.distances[i, j] * (x[i] - x[j]) / r)
                num, den = num + W[i, j] * geom.distances[i, j] * r, den + W[i, j] * r * r
    return out, num / den


@pytest.mark.parametrize("engine", ["numpy", "numba"])
@pytest.mark.parametrize("seed", [0, 1])
def test_stress_part_engines_equal_the_pairwise_formula(engine, seed):
    if engine == "numba":
        pytest.importorskip("numba")
    two_parts = path_graph([[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, 7, 8], [9, 10, 11], [11, 12, 13]])
    for graph in (annulus_graphs(1, 60, seed=seed)[0], two_parts):
        geom = graph_geometry(graph)
        x = np.random.default_rng(seed).normal(size=(geom.n, 2)) * 3
        part, scale = StressKernel([geom], engine=engine)._stress_part(0, x)
        ref, ref_scale = brute_force_stress_part(x.astype(np.float32).astype(np.float64), geom)
        np.testing.assert_allclose(part, ref, rtol=2e-4, atol=2e-4 * np.abs(ref).max())
        assert scale == pytest.approx(ref_scale, rel=1e-4)


def test_numba_and_numpy_kernels_reach_the_same_layout():
    pytest.importorskip("numba")
    geoms = [graph_geometry(g) for g in annulus_graphs(2, 150, seed=3)]
    X0 = np.vstack([pivot_mds(g, random_state=0) for g in geoms])
    out = {e: StressKernel(geoms, engine=e).run(X0, n_iter=80, tol=0.0)[0] for e in ("numpy", "numba")}
    assert np.abs(out["numba"] - out["numpy"]).max() < 1e-2 * np.abs(out["numpy"]).max()
    for g, geom in enumerate(geoms):
        lo, hi = sum(x.n for x in geoms[:g]), sum(x.n for x in geoms[: g + 1])
        assert stress(out["numba"][lo:hi], geom) == pytest.approx(stress(out["numpy"][lo:hi], geom), rel=1e-3)


def test_unknown_kernel_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        StressKernel([], engine="cuda")
