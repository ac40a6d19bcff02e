"""Components and loops of graphs (clique complex, triangles filled) against GUDHI and a brute-force rank; loop
representatives, loop persistence under node maps; the confidence of a graph's components and loops."""

import itertools

import numpy as np
import pytest

from topoalign.mapper import compute_lens
from topoalign.mapper.graph_topology import GraphHomology, best_matches, loop_persists
from topoalign.mapper.planted import planted_shape
from topoalign.mapper.service import MapperParams, build_graph


def brute_force_betti(n, edges):
    """b0 and b1 of the flag 2-complex from dense GF(2) ranks of the boundary matrices (independent of the
    spanning-forest reduction under test)."""
    edges = sorted({(min(a, b), max(a, b)) for a, b in edges if a != b})
    adj = {e for e in edges}
    tris = [
        t
        for t in itertools.combinations(range(n), 3)
        if (t[0], t[1]) in adj and (t[0], t[2]) in adj and (t[1], t[2]) in adj
    ]
    d1 = np.zeros((n, len(edges)), dtype=np.uint8)
    for j, (a, b) in enumerate(edges):
        d1[a, j] = d1[b, j] = 1
    col = {e: j for j, e in enumerate(edges)}
    d2 = np.zeros((len(edges), len(tris)), dtype=np.uint8)
    for j, (a, b, c) in enumerate(tris):
        for e in ((a, b), (a, c), (b, c)):
            d2[col[e], j] = 1
    r1, r2 = gf2_rank(d1), gf2_rank(d2)
    return n - r1, len(edges) - r1 - r2


def gf2_rank(M):
    M = M.copy() % 2
    rank = 0
    rows, cols = M.shape
    for c in range(cols):
        pivot = next((r for r in range(rank, rows) if M[r, c]), None)
        if pivot is None:
            continue
        M[[rank, pivot]] = M[[pivot, rank]]
        for r in range(rows):
            if r != rank and M[r, c]:
                M[r] ^= M[rank]
        rank += 1
    return rank


@pytest.mark.parametrize("seed", range(40))
def test_betti_numbers_match_brute_force_and_gudhi(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 22))
    p = rng.uniform(0.05, 0.5)
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < p]
    h = GraphHomology.of(n, edges)
    assert (h.b0, h.b1) == brute_force_betti(n, edges)
    gudhi = pytest.importorskip("gudhi")
    st = gudhi.SimplexTree()
    for i in range(n):
        st.insert([i])
    for e in edges:
        st.insert(list(e))
    st.expansion(2)
    st.compute_persistence(persistence_dim_max=True)
    betti = st.betti_numbers() + [0, 0]
    assert (h.b0, h.b1) == (betti[0], betti[1])
    # one representative per loop: a cycle of adjacent nodes enclosing a hole; together independent
    assert len(h.loops) == h.b1
    edge_set = {tuple(sorted(e)) for e in edges}
    for loop in h.loops:
        assert all(tuple(sorted((a, b))) in edge_set for a, b in zip(loop, loop[1:] + loop[:1]))
        assert h.is_hole(loop)


def test_filled_triangles_and_a_square_hole():
    square = [(0, 1), (1, 2), (2, 3), (3, 0)]
    assert (GraphHomology.of(4, square).b0, GraphHomology.of(4, square).b1) == (1, 1)
    coned = square + [(4, 0), (4, 1), (4, 2), (4, 3)]  # a cone over the square fills it
    assert GraphHomology.of(5, coned).b1 == 0
    two = square + [(4, 5)]
    h = GraphHomology.of(6, two)
    assert (h.b0, h.b1) == (2, 1)
    assert [sorted(c.tolist()) for c in h.components()] == [[0, 1, 2, 3], [4, 5]]


def test_a_loop_persists_through_a_node_map_and_dies_when_filled():
    ring = GraphHomology.of(6, [(i, (i + 1) % 6) for i in range(6)])
    coarse_ring = GraphHomology.of(3, [(0, 1), (1, 2), (2, 0)])  # a triangle: filled, no hole
    square = GraphHomology.of(4, [(0, 1), (1, 2), (2, 3), (3, 0)])
    loop = ring.loops[0]
    assert loop_persists(loop, np.array([0, 0, 1, 1, 2, 3]), square)
    assert not loop_persists(loop, np.array([0, 0, 1, 1, 2, 2]), coarse_ring)
    assert not loop_persists(loop, np.array([0, 0, 1, -1, 2, 3]), square)  # a node without a match


def test_best_matches_restricts_to_the_resampled_rows():
    a = [np.array([0, 1, 2, 3]), np.array([4, 5, 6])]
    b = [np.array([0, 1]), np.array([5, 6, 7])]
    assert best_matches(a, b, 8).tolist() == [0, 1]  # 2/4 and 2/4 overlap
    assert best_matches(a, b, 8, rows=np.array([0, 1, 5, 6, 7])).tolist() == [0, 1]
    assert best_matches(a, b, 8, threshold=0.9).tolist() == [-1, -1]


def test_confidence_of_a_clean_loop_is_high_and_every_node_is_in_a_component():
    X, _ = planted_shape("circle", n=3000, noise=0.01, seed=2)
    g = build_graph(X, compute_lens(X, "pca:2"), MapperParams.from_dict({}))
    topo = g.topology
    assert topo["n_resamples"] == 8
    assert [c["confidence"] for c in topo["components"]] == [1.0]
    assert len(topo["loops"]) == 1 and topo["loops"][0]["confidence"] >= 0.75
    assert sorted(sum((c["nodes"] for c in topo["components"]), [])) == sorted(n.id for n in g.nodes)
    loop_nodes = topo["loops"][0]["nodes"]
    assert len(loop_nodes) >= 3 and set(loop_nodes) <= {n.id for n in g.nodes}


def test_stability_resamples_give_node_edge_and_topology_confidence():
    X, _ = planted_shape("two_circles", n=2000, noise=0.01, seed=3)
    g = build_graph(X, compute_lens(X, "pca:2"), MapperParams.from_dict({"stability": 5}))
    assert g.params["stability"]["n_resamples"] == 5
    assert all(n.stability is not None for n in g.nodes)
    assert g.topology["n_resamples"] == 5
    assert len(g.topology["loops"]) == 2 and all(lp["confidence"] >= 0.6 for lp in g.topology["loops"])
    payload = g.to_json()
    assert payload["topology"]["b1"] == 2 and payload["coverage"] == 1.0 and payload["n_covered"] == 2000
