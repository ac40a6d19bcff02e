import sys
from pathlib import Path

import numpy as np
import pytest

from topoalign.errors import InvalidParameterError
from topoalign.topo.correspondence import CorrespondenceSet
from topoalign.topo.layout import edge_crossings, graph_geometry, joint_layout, pivot_mds, stress

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_layout import annulus_graphs, networkx_baseline  # noqa: E402


@pytest.fixture(scope="module")
def annuli():
    graphs = annulus_graphs(3, 120, seed=1)
    return CorrespondenceSet(graphs, ["a", "b", "c"])


def test_deterministic_for_a_seed(annuli):
    one = joint_layout(annuli, random_state=3)
    two = joint_layout(annuli, random_state=3)
    for p, q in zip(one.positions, two.positions):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("k, n, coupling", [(2, 500, 2.0), (3, 300, 1.0), (4, 200, 0.6)])
def test_quality_target_on_bench_family(k, n, coupling):
    # the target: corresponding nodes >= 3x closer than in independent layouts at <= 15% extra stress,
    # on the benchmark's graph family (annulus Mapper graphs through k warped lenses); aggregate: mean over graphs
    q = joint_layout(annulus_graphs(k, n, seed=0), coupling_strength=coupling, quality=True).quality
    assert q["distance_ratio"] >= 3.0
    assert q["stress_ratio_mean"] <= 1.15
    assert q["stress_ratio_max"] <= 1.20


def test_quality_on_the_benchmark_itself():
    # 8 graphs x ~500 nodes at the default coupling (bench/bench_layout.py): the target (>= 3x closer at
    # <= 15% extra stress, mean over graphs) with the largest per-graph cost pinned against regressions
    q = joint_layout(annulus_graphs(8, 500, seed=0), quality=True).quality
    assert q["distance_ratio"] >= 3.0
    assert q["stress_ratio_mean"] <= 1.15
    assert q["stress_ratio_max"] <= 1.22


def test_identical_graphs_get_their_independent_layout():
    from topoalign.topo.layout import independent_layouts

    g = annulus_graphs(1, 150, seed=2)[0]
    lay = joint_layout([g, g, g], quality=True)
    ind = independent_layouts([graph_geometry(g)])[0]
    for p in lay.positions:
        np.testing.assert_allclose(p, lay.positions[0], atol=1e-6)
    assert lay.quality["stress_ratio_max"] == pytest.approx(1.0, abs=0.01)
    assert lay.quality["corr_distance_joint"] < 1e-6
    np.testing.assert_allclose(lay.positions[0], ind, atol=0.05 * np.ptp(ind, axis=0).max())


def test_quality_beats_networkx_baseline(annuli):
    lay = joint_layout(annuli, quality=True)
    q = lay.quality
    assert q["distance_ratio"] >= 2.0
    from topoalign.topo.layout import correspondence_springs, independent_layouts, quality_figures

    geoms = [graph_geometry(g) for g in annuli.graphs]
    springs = correspondence_springs(annuli)
    base = quality_figures(networkx_baseline(annuli, springs), independent_layouts(geoms), geoms, springs)
    assert q["distance_ratio"] > base["distance_ratio"]
    assert q["stress_ratio_mean"] < base["stress_ratio_mean"]
    assert len(q["crossings_joint"]) == 3


def test_panels_mirror_overlay_positions(annuli):
    panels = joint_layout(annuli, mode="panels")
    overlay = joint_layout(annuli, mode="overlay")
    np.testing.assert_allclose(panels.positions[1], overlay.positions[1])
    assert np.all(overlay.offsets == 0)
    assert panels.offsets[1, 0] > 0 and panels.offsets[0, 0] == 0
    js = panels.to_json()
    assert [g["name"] for g in js["graphs"]] == ["a", "b", "c"]
    node = js["graphs"][1]["nodes"][0]
    assert node["x"] == pytest.approx(panels.positions[1][0, 0] + panels.offsets[1, 0], abs=1e-3)


def test_warm_start_keeps_unchanged_graphs_in_place(annuli):
    first = joint_layout(CorrespondenceSet(annuli.graphs[:2], ["a", "b"]))
    grown = joint_layout(annuli, initial=first.position_map())
    for g in range(2):
        moved = np.linalg.norm(grown.positions[g] - first.positions[g], axis=1)
        span = np.ptp(first.positions[g], axis=0).max()
        assert np.median(moved) < 0.05 * span
    with pytest.raises(InvalidParameterError, match="not being laid out"):
        joint_layout(annuli, initial={"zzz": {}})


def test_stress_and_crossings_reference_values():
    from topoalign.mapper.graph import MapperGraph, MapperNode, edges_from_members

    # a path of 4 nodes: laid on a line it has zero stress and no crossings
    nodes = [MapperNode(f"n{i}", np.array([i, i + 1]), (i,), (0.0,)) for i in range(4)]
    g = MapperGraph(nodes, edges_from_members(nodes), np.array([f"s{i}" for i in range(5)]))
    geom = graph_geometry(g)
    line = np.c_[np.arange(4) * 2.0, np.zeros(4)]
    assert stress(line, geom) == pytest.approx(0.0, abs=1e-12)
    assert edge_crossings(line, geom.edges) == 0
    square_cross = np.array([[0, 0], [1, 1], [1, 0], [0, 1.0]])
    assert edge_crossings(square_cross, geom.edges) == 1
    assert pivot_mds(geom).shape == (4, 2)


def test_bad_mode():
    with pytest.raises(InvalidParameterError, match="'mode' parameter of joint_layout"):
        graphs = annulus_graphs(2, 30, seed=0)
        joint_layout(graphs, mode="3d")


@pytest.mark.parametrize("bad", [[float("nan"), 0.0], [1e308, 0.0], [0.0, -float("inf")], [1.0], ["x", 0.0]])
def test_warm_start_refuses_non_finite_or_absurd_positions(bad):
    graphs = annulus_graphs(2, 30, seed=0)
    first = joint_layout(graphs, ["a", "b"]).position_map()
    node = next(iter(first["a"]))
    with pytest.raises(InvalidParameterError, match=f"'initial' parameter of joint_layout.*{node}"):
        joint_layout(graphs, ["a", "b"], initial={"a": {**first["a"], node: bad}})
    far = {**first["a"], node: (1e5, -1e5)}  # large but within bounds: laid out, finite
    assert all(np.isfinite(p).all() for p in joint_layout(graphs, ["a", "b"], initial={"a": far}).positions)
