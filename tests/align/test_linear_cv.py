"""Linear predictivity's cross-validation internals against direct computation and RidgeCV: per-fold
cross-products from block sums, held-out r from them, the threaded fold loop, equal eigenvalues in the LOO algebra."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import RidgeCV
from threadpoolctl import threadpool_limits

from topoalign.align.block_grams import BlockGrams, held_out_pearson
from topoalign.align.crossval import columnwise_pearson, fold_splits, prepare_fold
from topoalign.align.linear import DEFAULT_ALPHAS, LinearPredictivity, linear_predictivity_score


def _pair(seed: int, n: int = 90, d1: int = 7, d2: int = 5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d1)) * np.linspace(3.0, 0.5, d1) + 10.0
    Y = X @ rng.standard_normal((d1, d2)) + rng.standard_normal((n, d2)) - 4.0
    X[:, 2] = 1.5  # constant everywhere: dropped
    X[:20, 3] = 0.0  # constant on the first rows only: constant on some held-out blocks, never in training
    Y[:, 1] = np.repeat([0.0, 1.0], n // 2)  # a step: constant on some held-out blocks
    return X, Y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fold_products_and_held_out_r_match_direct_computation(seed):
    X, Y = _pair(seed)
    splits = fold_splits(len(X), 5, seed)
    grams = BlockGrams(X, Y, splits, need_xx=True, need_yy=True)
    W = np.random.default_rng(seed).standard_normal((X.shape[1], Y.shape[1]))
    for i, (train, test) in enumerate(splits):
        f, ref = grams.fold(i), prepare_fold(X, Y, train, test)
        held_out = grams.held_out(f)
        (kx, _), (ky, _) = f["x"], f["y"]
        assert (~kx).sum() == ref.dropped_x and (~ky).sum() == ref.dropped_y
        np.testing.assert_allclose(f["xx"], ref.X_train.T @ ref.X_train, atol=1e-9)
        np.testing.assert_allclose(f["yy"], ref.Y_train.T @ ref.Y_train, atol=1e-9)
        np.testing.assert_allclose(f["xy"], ref.X_train.T @ ref.Y_train, atol=1e-9)
        rows = np.arange(len(train))[::3]
        np.testing.assert_allclose(f["rows"]("x", rows), ref.X_train[rows], atol=1e-12)
        forward, backward = W[kx][:, ky], W[kx][:, ky].T
        np.testing.assert_allclose(
            held_out_pearson(forward, held_out, "x", "y"),
            columnwise_pearson(ref.X_test @ forward, ref.Y_test),
            atol=1e-12,
        )
        np.testing.assert_allclose(
            held_out_pearson(backward, held_out, "y", "x"),
            columnwise_pearson(ref.Y_test @ backward, ref.X_test),
            atol=1e-12,
        )


def test_held_out_r_is_nan_exactly_where_a_held_out_column_is_constant():
    X, Y = _pair(0)
    splits = fold_splits(len(X), 5, 0)
    grams = BlockGrams(X, Y, splits, need_xx=True, need_yy=False)
    W = np.ones((X.shape[1] - 1, Y.shape[1]))
    for i, (_, test) in enumerate(splits):
        r = held_out_pearson(W, grams.held_out(grams.fold(i)), "x", "y")
        assert np.array_equal(np.isnan(r), np.ptp(Y[test], axis=0) == 0)


@pytest.mark.parametrize("alpha_search", ["exact", "sequential"])
@pytest.mark.parametrize("n", [90, 30])  # 30 stimuli: more units than training rows in the backward direction
def test_both_directions_match_ridgecv_fold_by_fold(alpha_search, n):
    X, Y = _pair(3, n=n, d1=7 if n == 90 else 12, d2=30 if n == 30 else 5)
    r = linear_predictivity_score(X, Y, direction="both", folds=5, random_state=1, alpha_search=alpha_search)
    for i, (train, test) in enumerate(fold_splits(len(X), 5, 1)):
        f = prepare_fold(X, Y, train, test)
        for name, A, B, A_test, B_test in (
            ("forward", f.X_train, f.Y_train, f.X_test, f.Y_test),
            ("backward", f.Y_train, f.X_train, f.Y_test, f.X_test),
        ):
            sk = RidgeCV(alphas=DEFAULT_ALPHAS).fit(A, B)
            assert r.details["alpha_" + name][i] == sk.alpha_
            expected = columnwise_pearson(sk.predict(A_test), B_test)
            assert r.details[name][i] == pytest.approx(np.nanmean(expected), abs=1e-9)


def test_threaded_folds_give_the_same_result_as_one_thread():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((600, 40)) * np.linspace(2.0, 0.1, 40)
    Y = X @ rng.standard_normal((40, 30)) * 0.2 + rng.standard_normal((600, 30))
    results = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            results.append(linear_predictivity_score(X, Y, direction="both", folds=5, random_state=0))
    assert results[0].details == results[1].details


def test_loo_errors_with_repeated_eigenvalues_match_ridgecv():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((200, 12)))
    X = (Q - Q.mean(axis=0)) * np.array([50, 50, 50, 30, 30, 20, 10, 10, 10, 10, 5, 1.0])  # groups of equal eigenvalues
    Y = X @ rng.standard_normal((12, 5)) + rng.standard_normal((200, 5))
    sk = RidgeCV(alphas=DEFAULT_ALPHAS, store_cv_results=True).fit(X, Y)
    ours = LinearPredictivity().fit(X, Y)
    np.testing.assert_allclose(
        ours.loo_errors_, sk.cv_results_.reshape(-1, len(DEFAULT_ALPHAS)).mean(axis=0), rtol=1e-9
    )
    assert ours.alpha_ == sk.alpha_
