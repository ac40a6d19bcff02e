"""Invariants checked by hypothesis over shapes and seeds (few examples: the box is shared)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import ortho_group

from topoalign.align import alignment_score, permutation_score, procrustes_score, soft_matching_score

FAST = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _data(seed, n, d):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * rng.uniform(0.2, 3.0, d) + rng.uniform(-5, 5, d)


@FAST
@given(seed=st.integers(0, 10_000), n=st.integers(40, 120), d=st.integers(2, 10))
def test_rotation_leaves_procrustes_at_one(seed, n, d):
    X = _data(seed, n, d)
    Q = ortho_group.rvs(d, random_state=seed) if d > 1 else np.ones((1, 1))
    assert abs(procrustes_score(X, X @ Q).score - 1.0) < 1e-8


@FAST
@given(seed=st.integers(0, 10_000), n=st.integers(40, 120), d=st.integers(2, 10))
def test_unit_permutation_leaves_matching_at_one(seed, n, d):
    X = _data(seed, n, d)
    perm = np.random.default_rng(seed).permutation(d)
    assert abs(permutation_score(X, X[:, perm]).score - 1.0) < 1e-8
    assert abs(soft_matching_score(X, X[:, perm]).score - 1.0) < 1e-8


@FAST
@given(seed=st.integers(0, 10_000), metric=st.sampled_from(["linear", "procrustes", "cka", "mutual_knn", "soft"]))
def test_relabelling_stimuli_or_reordering_units_changes_nothing(seed, metric):
    from topoalign.representation import Representation

    X, Y = _data(seed, 60, 5), _data(seed + 1, 60, 4) + _data(seed, 60, 5)[:, :4]
    base = alignment_score(X, Y, metric=metric).score
    # folds are assigned over the stimuli sorted by id: a renaming that keeps that order changes nothing, and
    # neither does the order in which either representation stores its rows (nor which one comes first)
    ids = np.array([f"s{i:03d}" for i in range(60)])
    renamed = np.array([f"stim-{seed}-{i:03d}" for i in range(60)])
    order = np.random.default_rng(seed).permutation(60)  # B stored in another row order, matched back by id
    by_id = alignment_score(Representation(X, renamed), Representation(Y[order], renamed[order]), metric=metric)
    assert abs(by_id.score - base) < 1e-5  # float32 storage of representations
    assert (
        abs(alignment_score(Representation(X, ids), Representation(Y, ids), metric=metric).score - by_id.score) < 1e-12
    )
    shuffled_a = alignment_score(Representation(X[order], renamed[order]), Representation(Y, renamed), metric=metric)
    assert abs(shuffled_a.score - by_id.score) < 1e-12
    px = np.random.default_rng(seed).permutation(5)
    assert abs(alignment_score(X[:, px], Y, metric=metric).score - base) < 1e-6


@pytest.mark.parametrize("metric", ["procrustes", "cka", "linear", "mutual_knn", "permutation"])
def test_a_score_is_symmetric_and_independent_of_storage_order(metric):
    """Folds are assigned over the shared stimuli sorted by id (not over the first argument's rows): score(A, B)
    equals score(B, A) when A and B store their stimuli in different orders (it differed by ~2e-4 before)."""
    from topoalign.representation import Representation

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 6))
    Y = X @ rng.normal(size=(6, 5)) + rng.normal(size=(80, 5))
    ids = np.array([f"id{i}" for i in range(80)])
    o = rng.permutation(80)
    a, b = Representation(X, ids), Representation(Y[o], ids[o])
    ab, ba = alignment_score(a, b, metric=metric), alignment_score(b, a, metric=metric)
    assert ab.score == pytest.approx(ba.score, abs=1e-12)
