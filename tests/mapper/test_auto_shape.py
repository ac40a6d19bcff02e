"""Default Mapper graphs recover planted shapes: components and loops, every stimulus placed.

The default path (no cover, no clusterer: ``auto="shape"``) on planted shapes of several kinds, widths, noise
levels, sizes and seeds: b0 and b1 of the graph (triangles filled) equal the planted ones and coverage is at least
0.98. GUDHI's automatic ``MapperComplex`` (Carriere, Michel & Oudot's parameter selection) is the independent
reference: on the shapes it recovers, both agree, and our ``cmo`` strategy reproduces its cover resolution.
"""

import numpy as np
import pytest

from topoalign.mapper import KMapperCover, SingleLinkage, build_mapper_graph, compute_lens
from topoalign.mapper.auto import choose_parameters
from topoalign.mapper.graph_topology import betti_numbers
from topoalign.mapper.planted import SHAPES, planted_shape
from topoalign.mapper.service import MapperParams, build_graph

CONDITIONS = [  # (n, width, noise, seed)
    (3000, 0.1, 0.01, 0),
    (5000, 0.25, 0.03, 1),
    (2000, 0.05, 0.05, 2),
]


def default_graph(X):
    return build_graph(X, compute_lens(X, "pca:2"), MapperParams.from_dict({}))


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("n,width,noise,seed", CONDITIONS)
def test_default_graph_recovers_the_planted_shape(name, n, width, noise, seed):
    X, truth = planted_shape(name, n=n, width=width, noise=noise, seed=seed)
    g = default_graph(X)
    assert betti_numbers(g) == truth, g.params["auto"]["reason"]
    assert (g.topology["b0"], g.topology["b1"]) == truth
    covered, share = g.coverage()
    assert share >= 0.98
    assert len(g.nodes) <= 300
    assert g.params["auto"]["strategy"] == "shape" and g.params["auto"]["reason"]


def test_the_choice_is_recorded_and_rebuilds_the_same_graph_explicitly():
    X, _ = planted_shape("figure_eight", n=3000, noise=0.02, seed=4)
    lens = compute_lens(X, "pca:2")
    g = build_graph(X, lens, MapperParams.from_dict({}))
    explicit = MapperParams.from_dict(
        {
            "cover": {
                k if k != "n_cubes" else "n_intervals": v for k, v in g.params["cover"].items() if k != "perc_overlap"
            }
            | {"overlap": g.params["cover"]["perc_overlap"]},
            "clusterer": {k: v for k, v in g.params["clusterer"].items() if v is not None},
        }
    )
    assert explicit.auto is False
    again = build_graph(X, lens, explicit)
    assert [n.members.tolist() for n in again.nodes] == [n.members.tolist() for n in g.nodes]


def test_fragmenting_the_data_never_wins():
    """Uniform noise in a ball has no shape: the choice must still place everything in a few well-joined nodes, not
    scatter the rows into many components."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 64)).astype(np.float32)
    g = default_graph(X)
    assert g.topology["b0"] == 1
    assert g.coverage()[1] == 1.0


def test_the_choice_is_deterministic_and_explains_itself():
    X, _ = planted_shape("loop_blobs", n=3000, seed=5)
    lens = compute_lens(X, "pca:2")
    a = choose_parameters(X, lens, random_state=3)
    b = choose_parameters(X, lens, random_state=3)
    assert (a.n_intervals, a.delta, a.table) == (b.n_intervals, b.delta, b.table)
    assert "b1=1" in a.reason and "consecutive covers" in a.reason
    assert sum(c.get("chosen", False) for c in a.table) == 1
    assert a.confidence is not None and a.confidence >= 0.5


def _gudhi_mapper(X, lens):
    gudhi_cc = pytest.importorskip("gudhi.cover_complex")
    np.random.seed(0)
    m = gudhi_cc.MapperComplex(resolutions=None, clustering=None, N=30).fit(X, filters=lens, colors=lens)
    st = m.simplex_tree_
    st.expansion(2)
    st.compute_persistence(persistence_dim_max=True)
    betti = st.betti_numbers() + [0]
    return m, (betti[0], betti[1])


@pytest.mark.parametrize("name", ["circle", "two_circles", "figure_eight", "flares", "blobs", "loop_blobs"])
def test_gudhi_automatic_mapper_agrees_where_it_recovers_the_shape(name):
    """GUDHI is the independent reference: on each shape it gets right, our default gets the same b0 and b1 (and
    on the one it misses, the loop next to two blobs, ours still gets the truth: the first test)."""
    X, truth = planted_shape(name, n=3000, noise=0.01, seed=0)
    lens = compute_lens(X, "pca:2")
    _, gudhi_betti = _gudhi_mapper(X, lens)
    ours = betti_numbers(default_graph(X))
    if gudhi_betti == truth:
        assert ours == gudhi_betti
    assert ours == truth


def test_cmo_strategy_matches_gudhi_resolution_and_clustering():
    """Our ``cmo`` strategy is GUDHI's estimator: on a sample small enough to be used whole, the same resolution
    formula on the same delta, and single linkage at delta gives the same nodes as GUDHI's own clustering."""
    gudhi_cc = pytest.importorskip("gudhi.cover_complex")
    X, _ = planted_shape("two_circles", n=1200, noise=0.01, seed=1)
    lens = compute_lens(X, "pca:2")
    choice = choose_parameters(X, lens, strategy="cmo", sample=5000)
    ref = gudhi_cc.MapperComplex(resolutions=None, clustering=None, N=30)
    ref.filters = lens
    ref.input_type = "point cloud"
    ref.estimate_scale = lambda X, N, C, beta: choice.delta  # same delta: compare the resolution formula alone
    delta, jumps = ref.get_optimal_parameters_for_agglomerative_clustering(X=X, beta=0.0, C=10.0, N=30)
    spans = lens.max(axis=0) - lens.min(axis=0)
    expected = [int(s / (j / (1 / 3))) for s, j in zip(spans, jumps)]
    assert choice.n_intervals == [max(1, e) for e in expected]
    # GUDHI's full fit with our delta and resolution: the same member sets as our build
    fit = gudhi_cc.MapperComplex(
        resolutions=np.array(choice.n_intervals), gains=[1 / 3, 1 / 3], clustering=_sk_single(choice.delta)
    ).fit(X, filters=lens, colors=lens)
    ours = build_mapper_graph(
        X, lens, KMapperCover(choice.n_intervals, 1 / 3), SingleLinkage(distance_threshold=choice.delta, min_points=1)
    )
    theirs = {frozenset(np.asarray(v["indices"]).tolist()) for v in fit.node_info_.values()}
    assert {frozenset(n.members.tolist()) for n in ours.nodes} == theirs


def _sk_single(delta):
    from sklearn.cluster import AgglomerativeClustering

    return AgglomerativeClustering(n_clusters=None, linkage="single", distance_threshold=delta)


def test_auto_is_fast_on_a_large_sample_and_scales_by_sampling():
    """The choice works on a sample of at most 2,000 rows: 20,000 rows cost the sample's work plus one build."""
    X, truth = planted_shape("two_circles", n=20000, noise=0.02, seed=7, dim=128)
    g = default_graph(X)
    assert (g.topology["b0"], g.topology["b1"]) == truth
    assert g.params["auto"]["sample_size"] == 2000
