"""Mathematical properties of every metric: identities, invariances, independent references."""

from __future__ import annotations

import numpy as np
import ot
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.stats import ortho_group
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold

from topoalign.align import (
    METRICS,
    LinearCKA,
    LinearPredictivity,
    MutualKNN,
    OrthogonalProcrustes,
    PermutationMatching,
    SoftMatching,
    alignment_score,
    cka_score,
    linear_cka,
    linear_predictivity_score,
    mutual_knn_score,
    permutation_score,
    procrustes_score,
    soft_matching_score,
)
from topoalign.align.crossval import columnwise_pearson, correlation_matrix
from topoalign.align.linear import DEFAULT_ALPHAS
from topoalign.errors import InvalidInputError, InvalidParameterError
from topoalign.representation import Representation

from align_fixtures import planted

SEEDS = [0, 1, 2]


# the cross-validated geometric families; "topological" (no folds) has its own tests in tests/topo
GEOMETRIC = [m for m in METRICS if m != "topological"]


@pytest.mark.parametrize("metric", GEOMETRIC)
@pytest.mark.parametrize("seed", SEEDS)
def test_identical_inputs_score_one(metric, seed):
    X = planted(seed=seed)
    r = alignment_score(X, X.copy(), metric=metric)
    assert r.score == pytest.approx(1.0, abs=1e-9)
    assert len(r.folds) == 5 and r.std == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_rotation_leaves_procrustes_cka_linear_at_one(seed):
    X = planted(seed=seed)
    Y = X @ ortho_group.rvs(X.shape[1], random_state=seed)
    assert procrustes_score(X, Y).score == pytest.approx(1.0, abs=1e-9)
    assert cka_score(X, Y).score == pytest.approx(1.0, abs=1e-9)
    assert linear_predictivity_score(X, Y).score == pytest.approx(1.0, abs=1e-6)
    assert mutual_knn_score(X, Y, k=5).score == pytest.approx(1.0)
    # a rotation is not a permutation: matching scores drop well below 1
    assert permutation_score(X, Y).score < 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_permuting_units_leaves_matching_at_one(seed):
    X = planted(seed=seed)
    perm = np.random.default_rng(seed).permutation(X.shape[1])
    assert permutation_score(X, X[:, perm]).score == pytest.approx(1.0, abs=1e-9)
    assert soft_matching_score(X, X[:, perm]).score == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_map_leaves_linear_near_one(seed):
    X = planted(seed=seed)
    A = np.random.default_rng(seed).standard_normal((X.shape[1], 7))
    r = linear_predictivity_score(X, X @ A + 3.0, direction="forward")
    assert r.score > 0.999
    assert procrustes_score(X, X @ A).score < 0.99  # not a rotation


def test_unrelated_inputs_score_near_zero():
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((400, 10)), rng.standard_normal((400, 10))
    for metric in ("linear", "procrustes", "permutation", "cka_debiased"):
        assert abs(alignment_score(X, Y, metric=metric).score) < 0.15, metric


def test_scale_and_shift_invariance():
    X = planted()
    Y = planted(seed=9)
    base = {m: alignment_score(X, Y, metric=m).score for m in GEOMETRIC}
    for m in GEOMETRIC:
        scale = 1.0 if m == "linear" else 3.0  # ridge penalties are absolute: only shifts leave linear unchanged
        assert alignment_score(scale * X + 7.0, Y * scale - 2.0, metric=m).score == pytest.approx(base[m], abs=1e-9), m


def test_linear_matches_sklearn_ridgecv_fold_by_fold():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((150, 20)) * np.logspace(0, -2, 20)
    Y = X @ rng.standard_normal((20, 9)) + 0.5 * rng.standard_normal((150, 9))
    ours = linear_predictivity_score(X, Y, direction="forward", folds=5, random_state=3)
    for (train, test), score, alpha in zip(
        KFold(5, shuffle=True, random_state=3).split(X), ours.folds, ours.details["alpha_forward"]
    ):
        sk = RidgeCV(alphas=DEFAULT_ALPHAS).fit(X[train], Y[train])
        assert alpha == sk.alpha_
        assert score == pytest.approx(np.mean(columnwise_pearson(sk.predict(X[test]), Y[test])), abs=1e-9)


@pytest.mark.parametrize("shape", [(80, 10, 6), (30, 50, 4), (60, 60, 3)])
def test_ridge_loo_errors_and_coef_match_sklearn(shape):
    n, p, t = shape
    rng = np.random.default_rng(n + p)
    X = rng.standard_normal((n, p)) * np.logspace(0, -3, p) + 2.0
    X[:, 1] = X[:, 0]  # an exactly collinear pair: a zero eigenvalue
    Y = X @ rng.standard_normal((p, t)) + rng.standard_normal((n, t))
    sk = RidgeCV(alphas=DEFAULT_ALPHAS, store_cv_results=True).fit(X, Y)
    ours = LinearPredictivity().fit(X, Y)
    sk_loo = sk.cv_results_.reshape(-1, len(DEFAULT_ALPHAS)).mean(axis=0)
    np.testing.assert_allclose(ours.loo_errors_, sk_loo, rtol=1e-5)
    assert ours.alpha_ == sk.alpha_
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), atol=1e-8)


def test_procrustes_matches_plain_numpy_reference():
    rng = np.random.default_rng(1)
    X, Y = planted(seed=1), planted(seed=2) + 0.5 * planted(seed=1)
    r = procrustes_score(X, Y, folds=4, random_state=7)
    for (train, test), score in zip(KFold(4, shuffle=True, random_state=7).split(X), r.folds):
        mx, my = X[train].mean(0), Y[train].mean(0)
        U, _, Vt = np.linalg.svd((X[train] - mx).T @ (Y[train] - my))
        Q = U @ Vt
        A, B = (X[test] - mx) @ Q, Y[test] - my
        assert score == pytest.approx(np.sum(A * B) / np.linalg.norm(A) / np.linalg.norm(B), abs=1e-12)
    assert r.details["angular_distance"][0] == pytest.approx(np.arccos(r.folds[0]))
    del rng


def test_procrustes_unequal_widths_pad_and_pca():
    X = planted(d=12)
    Y = X[:, :8] @ ortho_group.rvs(8, random_state=0)
    assert procrustes_score(X[:, :8], np.hstack([Y, np.zeros((len(Y), 0))])).score == pytest.approx(1.0)
    pad = procrustes_score(X, Y, dim_mode="pad").score
    pca = procrustes_score(X, Y, dim_mode="pca").score
    assert 0.5 < pad < 1.0 and 0.5 < pca <= 1.0
    est = OrthogonalProcrustes(dim_mode="pca").fit(X, Y)
    assert est.rotation_.shape == (8, 8) and est.x_axes_.shape == (12, 8)
    with pytest.raises(InvalidParameterError, match="'dim_mode' parameter"):
        procrustes_score(X, Y, dim_mode="crop")


def test_permutation_matches_scipy_and_soft_matches_pot():
    X, Y = planted(seed=3), planted(seed=3)[:, ::-1] + 0.8 * planted(seed=4)
    Xt, Yt = X[:90], Y[:90]
    R = correlation_matrix(Xt, Yt)
    rows, cols = linear_sum_assignment(-R)
    est = PermutationMatching().fit(Xt, Yt)
    np.testing.assert_array_equal(est.cols_[np.argsort(est.rows_)], cols[np.argsort(rows)])
    assert est.score(X[90:], Y[90:]) == pytest.approx(np.mean(columnwise_pearson(X[90:, rows], Y[90:, cols])))
    d = X.shape[1]
    plan = ot.emd(np.full(d, 1 / d), np.full(d, 1 / d), 1 - R)
    soft = SoftMatching().fit(Xt, Yt)
    np.testing.assert_allclose(soft.plan_, plan, atol=1e-12)
    assert soft.score(X[90:], Y[90:]) == pytest.approx(np.sum(plan * correlation_matrix(X[90:], Y[90:])))


def test_rectangular_matching():
    X = planted(d=12)
    perm = np.random.default_rng(0).permutation(12)[:7]
    assert permutation_score(X, X[:, perm]).score == pytest.approx(1.0)
    assert permutation_score(X[:, perm], X).score == pytest.approx(1.0)
    assert soft_matching_score(X, X[:, perm]).score < 1.0  # mass of the 5 unmatched units spreads out


def test_cka_closed_forms():
    X, Y = planted(n=50, seed=1), planted(n=50, seed=2)
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    K, L = Xc @ Xc.T, Yc @ Yc.T
    assert linear_cka(X, Y) == pytest.approx(np.sum(K * L) / np.linalg.norm(K) / np.linalg.norm(L))
    # debiased: the unbiased HSIC estimator of Song et al. (2012) on Gram matrices with zeroed diagonals

    def hsic_u(K, L):
        n = K.shape[0]
        K, L = K.copy(), L.copy()
        np.fill_diagonal(K, 0)
        np.fill_diagonal(L, 0)
        one = np.ones(n)
        return (
            np.trace(K @ L) + one @ K @ one * (one @ L @ one) / ((n - 1) * (n - 2)) - 2 / (n - 2) * one @ K @ L @ one
        ) / (n * (n - 3))

    ref = hsic_u(K, L) / np.sqrt(hsic_u(K, K) * hsic_u(L, L))
    assert linear_cka(X, Y, debiased=True) == pytest.approx(ref, rel=1e-9)
    assert LinearCKA(debiased=True).fit_score(X, Y) == pytest.approx(ref, rel=1e-9)


def test_mutual_knn_against_brute_force():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((40, 5)), rng.standard_normal((40, 5))
    est = MutualKNN(k=4).fit(X[:30], Y[:30])

    def nn(Q, R):
        Q, R = Q / np.linalg.norm(Q, axis=1, keepdims=True), R / np.linalg.norm(R, axis=1, keepdims=True)
        return [set(np.argsort(-(q @ R.T))[:4]) for q in Q]

    mx, my = X[:30].mean(0), Y[:30].mean(0)
    nx, ny = nn(X[30:] - mx, X[:30] - mx), nn(Y[30:] - my, Y[:30] - my)
    assert est.score(X[30:], Y[30:]) == pytest.approx(np.mean([len(a & b) / 4 for a, b in zip(nx, ny)]))


def test_cross_validated_mutual_knn_against_brute_force():
    from sklearn.model_selection import KFold

    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((60, 6)), rng.standard_normal((60, 4))
    Y[:, :2] += X[:, :2]

    def nn(Q, R):
        Q, R = Q / np.linalg.norm(Q, axis=1, keepdims=True), R / np.linalg.norm(R, axis=1, keepdims=True)
        return [set(np.argsort(-(q @ R.T))[:5]) for q in Q]

    expected = []
    for train, test in KFold(3, shuffle=True, random_state=7).split(X):
        mx, my = X[train].mean(0), Y[train].mean(0)
        a, b = nn(X[test] - mx, X[train] - mx), nn(Y[test] - my, Y[train] - my)
        expected.append(np.mean([len(p & q) / 5 for p, q in zip(a, b)]))
    r = mutual_knn_score(X, Y, k=5, folds=3, random_state=7)
    np.testing.assert_allclose(r.folds, expected, atol=1e-12)
    assert r.details["chance"] == [5 / 40] * 3


def test_constant_units_are_dropped_and_counted():
    X = planted()
    Y = X.copy()
    X = np.hstack([X, np.full((len(X), 2), 5.0)])
    Y = np.hstack([Y, np.zeros((len(Y), 1))])
    for m in ("linear", "procrustes", "permutation", "soft"):
        r = alignment_score(X, Y, metric=m)
        assert r.score == pytest.approx(1.0, abs=1e-9), m
        assert r.dropped_units == {"x": 2, "y": 1}, m


def test_representations_are_matched_by_stimulus_id():
    X = planted(n=60)
    ids = np.array([f"s{i}" for i in range(60)])
    order = np.random.default_rng(0).permutation(60)
    a = Representation(X, ids)
    b = Representation(X[order] @ ortho_group.rvs(X.shape[1], random_state=0), ids[order])
    assert procrustes_score(a, b).score == pytest.approx(1.0, abs=1e-6)
    assert procrustes_score(X, X[order]).score < 0.5  # by position it is nonsense


def test_estimators_follow_sklearn_conventions():
    X, Y = planted(seed=1), planted(seed=2)
    for est in (
        LinearPredictivity(),
        OrthogonalProcrustes(),
        PermutationMatching(),
        SoftMatching(),
        LinearCKA(),
        MutualKNN(k=3),
    ):
        assert est.fit(X, Y) is est
        assert np.isfinite(est.score(X, Y))
        assert est.fit_score(X, Y) == pytest.approx(est.score(X, Y))


def test_errors_name_the_problem():
    X = planted()
    with pytest.raises(InvalidInputError, match=r"\(120, 12\) and \(100, 12\)"):
        procrustes_score(X, X[:100])
    with pytest.raises(InvalidParameterError, match="'metric' parameter of alignment_score must be one of"):
        alignment_score(X, X, metric="cosine")
    with pytest.raises(InvalidParameterError, match="'folds' parameter"):
        procrustes_score(X, X, folds=1)
    with pytest.raises(InvalidParameterError, match="'alphas' parameter"):
        linear_predictivity_score(X, X, alphas=[-1.0])
    with pytest.raises(InvalidParameterError, match="'k' parameter"):
        mutual_knn_score(X, X, k=500)
    with pytest.raises(InvalidInputError, match="finite"):
        procrustes_score(np.full_like(X, np.nan), X)
    with pytest.raises(InvalidInputError, match="constant"):
        procrustes_score(np.ones_like(X), X)


def test_fold_neighbours_hold_only_their_k_columns():
    # the audit keeps these per representation: a view into the (n_test x n_train) partition would keep it alive
    from topoalign.align.knn import fold_neighbours

    X = np.random.default_rng(0).standard_normal((500, 8))
    fn = fold_neighbours(X, 7, folds=5)
    assert all(a.shape == (100, 7) and a.base is None and a.flags.c_contiguous for a in fn.neighbours)
