import dataclasses

import numpy as np
import pytest

from topoalign.errors import InvalidInputError
from topoalign.topo.correspondence import (
    CorrespondenceSet,
    coot_distance,
    correspond,
    incidence_matrix,
    node_coupling,
    node_overlap,
)


def brute_overlap(ga, gb):
    sa = [set(ga.stimulus_ids[n.members]) for n in ga.nodes]
    sb = [set(gb.stimulus_ids[n.members]) for n in gb.nodes]
    return np.array([[len(a & b) / len(a | b) for b in sb] for a in sa])


def test_overlap_matches_brute_force_by_id(blobs_pair, circle_pair):
    for ga, gb in (blobs_pair[:2], circle_pair):
        ov = node_overlap(ga, gb)
        np.testing.assert_allclose(ov.jaccard.toarray(), brute_overlap(ga, gb))
        shared = ov.shared.toarray()
        np.testing.assert_allclose(ov.containment_ab.toarray(), shared / ov.sizes_a[:, None])
        np.testing.assert_allclose(ov.containment_ba.toarray(), shared / ov.sizes_b[None, :])
        assert ov.n_shared == ga.n_stimuli


def test_rotated_copy_corresponds_exactly(blobs_pair):
    ga, gb = blobs_pair[:2]  # same data rotated, rows in another order
    corr = correspond(ga, gb)
    assert corr.n_shared == 300
    assert corr.coot["normalized"] == pytest.approx(0.0, abs=1e-9)
    for node, partners in corr.partners_ab.items():
        assert partners[0]["jaccard"] == pytest.approx(1.0)
    # the coupling sends each node's mass to its identical twin
    coupling = node_coupling(corr.overlap)
    assert np.allclose(coupling.sum(axis=1), corr.overlap.sizes_a / corr.overlap.sizes_a.sum())
    assert np.trace(coupling) == pytest.approx(1.0)


def test_row_order_is_irrelevant_ids_are_not(blobs_pair):
    ga, gb = blobs_pair[:2]
    shuffled = dataclasses.replace(gb, stimulus_ids=np.random.default_rng(0).permutation(gb.stimulus_ids))
    assert coot_distance(ga, shuffled)["normalized"] > 0.5
    # label-free co-OT (points free to move) still sees the same structure
    free = coot_distance(ga, shuffled, anchored=False)["normalized"]
    assert free < coot_distance(ga, shuffled)["normalized"]


def test_incidence_over_foreign_ids(blobs_pair):
    ga = blobs_pair[0]
    ids = np.r_[ga.stimulus_ids[:5], ["not-there"]]
    inc = incidence_matrix(ga, ids)
    assert inc.shape == (6, len(ga.nodes))
    assert inc[5].sum() == 0


def test_no_shared_stimuli_is_an_error(blobs_pair):
    ga, gb = blobs_pair[:2]
    other = dataclasses.replace(gb, stimulus_ids=np.array([f"x{i}" for i in range(gb.n_stimuli)]))
    with pytest.raises(InvalidInputError, match="share no stimulus"):
        correspond(ga, other)


def test_correspondence_set_computes_pairs_once_and_caches_in_store(tmp_path, blobs_pair, circle_pair):
    from topoalign.store import Store

    store = Store(tmp_path)
    ga, gb = blobs_pair[:2]
    cs = CorrespondenceSet([ga, gb, ga], ["a", "b", "c"], store=store, keys=["ka", "kb", "ka"])
    pairs = cs.all_pairs()
    assert len(pairs) == 3 and cs.pair(0, 1) is pairs[0]
    assert cs.pair(1, 0).overlap.jaccard.shape == (len(gb.nodes), len(ga.nodes))
    assert len(store.list_artifacts("correspondence")) == 3
    again = CorrespondenceSet([ga, gb, ga], ["a", "b", "c"], store=store, keys=["ka", "kb", "ka"])
    loaded = again._load(0, 1)
    assert loaded is not None
    np.testing.assert_allclose(loaded.coupling, pairs[0].coupling)
    assert loaded.to_json()["coot_distance"] == pytest.approx(pairs[0].to_json()["coot_distance"])


def test_shared_ids_and_dropped_counts_match_sets_with_and_without_the_same_rows(blobs_pair):
    """The same-rows fast path (graphs of one collection) and the matching path agree with plain set arithmetic."""
    from topoalign.topo.correspondence import shared_stimulus_ids
    from topoalign.topo.service import _graph_info

    ga, gb = blobs_pair[:2]
    same_rows = dataclasses.replace(gb, stimulus_ids=ga.stimulus_ids.copy())
    subset = dataclasses.replace(gb, stimulus_ids=np.r_[gb.stimulus_ids[:-40], [f"new{i}" for i in range(40)]])
    fewer_nodes = dataclasses.replace(same_rows, nodes=same_rows.nodes[len(same_rows.nodes) // 2 :])  # rows left out
    assert len(np.unique(np.concatenate([n.members for n in fewer_nodes.nodes]))) < ga.n_stimuli
    for graphs in ([ga, same_rows], [ga, gb], [ga, subset], [ga, same_rows, subset], [ga, fewer_nodes]):
        expected = set(ga.stimulus_ids).intersection(*(set(g.stimulus_ids) for g in graphs[1:]))
        shared = shared_stimulus_ids(graphs)
        assert list(shared) == [s for s in ga.stimulus_ids if s in expected]  # in the first graph's row order
        for g, info in zip(graphs, _graph_info(graphs, [f"g{i}" for i in range(len(graphs))])):
            placed = set(g.stimulus_ids[np.concatenate([n.members for n in g.nodes])])
            assert info["n_shared_dropped"] == len(expected - placed)
