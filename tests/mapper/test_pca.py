"""The PCA lens computed in numpy (``mapper.pca``) against scikit-learn's ``PCA``, its reference."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from topoalign.mapper.lens import PCALens
from topoalign.mapper.pca import pca_transform


def _data(n: int, d: int, seed: int, dtype=np.float64, offset: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scales = np.linspace(3.0, 0.2, d)  # distinct variances: well-defined axes
    return (rng.normal(size=(n, d)) * scales + offset + rng.normal(size=d)).astype(dtype)


@pytest.mark.parametrize(
    "n,d,k,seed,offset",
    [(2000, 50, 2, 0, 0.0), (5000, 384, 2, 1, 40.0), (300, 3, 3, 2, 0.0), (1000, 100, 5, 3, -7.0), (20, 2, 1, 4, 0.0)],
)
def test_scores_equal_sklearn(n, d, k, seed, offset):
    X = _data(n, d, seed, offset=offset)
    ours = pca_transform(X, k)
    ref = PCA(n_components=k, random_state=0).fit_transform(X)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
    assert np.array_equal(np.sign(ours), np.sign(ref))  # the same sign convention (svd_flip on the components)
    with threadpool_limits(1, user_api="blas"):  # the same operations on the same threads: the same bits
        assert np.array_equal(pca_transform(X, k), PCA(n_components=k).fit_transform(X))


def test_sign_rule_makes_each_component_largest_entry_positive():
    X = _data(3000, 20, 5)
    scores = pca_transform(X, 3)
    # components from the scores: X_c = scores @ V^T + rest, so V = pinv(scores) @ X_c
    V = np.linalg.lstsq(scores, X - X.mean(axis=0), rcond=None)[0]
    top = np.abs(V).argmax(axis=1)
    assert (V[np.arange(3), top] > 0).all()
    # -X has the same covariance, hence the same components: its scores are the negated ones (no sign drift)
    np.testing.assert_allclose(pca_transform(-X, 3), -scores, atol=1e-9)


@pytest.mark.parametrize("n,d", [(500, 100), (2000, 1200), (5, 10)])
def test_other_shapes_are_left_to_sklearn(n, d):
    X = _data(n, d, 6)
    assert pca_transform(X, 2) is None
    ours = PCALens(2).fit_transform(X)  # the lens falls back to scikit-learn there
    np.testing.assert_array_equal(ours, PCA(2, random_state=0).fit_transform(X))


def test_lens_values_equal_sklearn_on_float32_and_cosine_rows():
    X = _data(4000, 64, 7, dtype=np.float32, offset=3.0)
    np.testing.assert_allclose(
        PCALens(2).fit_transform(X), PCA(2).fit_transform(X.astype(np.float64)), rtol=1e-9, atol=1e-9
    )
    U = X.astype(np.float64) / np.linalg.norm(X.astype(np.float64), axis=1, keepdims=True)
    np.testing.assert_allclose(
        PCALens(2, metric="cosine").fit_transform(X), PCA(2).fit_transform(U), rtol=1e-9, atol=1e-9
    )


def test_the_pca_lens_does_not_import_sklearn():
    code = (
        "import sys, numpy as np\nfrom topoalign.mapper.lens import compute_lens\n"
        "compute_lens(np.random.default_rng(0).normal(size=(2000, 30)), 'pca:2')\n"
        "print('sklearn' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
