"""Principal components of tall data in numpy: the PCA lens without importing scikit-learn (~0.8 s of a CLI start).

Where scikit-learn's ``PCA(svd_solver="auto")`` takes its ``covariance_eigh`` route (d <= 1000 and n >= 10 d: tall
data, every activation matrix of many stimuli), the components are the top eigenvectors of the d x d covariance,
computed by the same operations in the same order, with its sign rule (``svd_flip(u_based_decision=False)``: each
component's largest-magnitude entry positive). The values equal scikit-learn's to rounding, and bit for bit under
the same number of BLAS threads (the eigendecomposition runs on one here), so graphs on the lens do not change.
Other shapes (where scikit-learn would use a full or randomized SVD) return None and the caller uses scikit-learn.
"""

from __future__ import annotations

import numpy as np

COVARIANCE_MAX_DIMS = 1000  # scikit-learn's bounds of its covariance route (``PCA._fit``)
COVARIANCE_MIN_RATIO = 10


def pca_transform(X: np.ndarray, n_components: int) -> np.ndarray | None:
    """(n x n_components) float64 scores of the rows of ``X`` (n x d) on their top principal axes, as
    ``sklearn.decomposition.PCA(n_components).fit_transform(X)``; None outside the covariance route's shapes."""
    X = np.asarray(X)
    n, d = X.shape
    if d > COVARIANCE_MAX_DIMS or n < max(COVARIANCE_MIN_RATIO * d, 2) or not 1 <= n_components <= d:
        return None
    X = np.ascontiguousarray(X, dtype=np.float64)
    mean = np.mean(X, axis=0)
    # the covariance without a centred copy of X, then its eigenvectors, largest eigenvalue first
    C = X.T @ X
    C -= n * mean.reshape(-1, 1) * mean.reshape(1, -1)
    C /= n - 1
    from topoalign.cores import one_blas_thread

    with one_blas_thread():  # small LAPACK calls: one thread is faster, and does not spin on a busy machine
        _, vecs = np.linalg.eigh(C)
    Vt = np.flip(vecs, axis=1).T
    # deterministic signs: the largest-magnitude entry of each component is positive
    top = np.argmax(np.abs(Vt), axis=1)
    Vt = Vt * np.sign(Vt[np.arange(d), top])[:, np.newaxis]
    components = np.array(Vt[:n_components, :], copy=True)
    scores: np.ndarray = X @ components.T
    scores -= mean.reshape(1, -1) @ components.T
    return scores
