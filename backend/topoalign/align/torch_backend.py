"""Batched Procrustes over many layer pairs with torch: GPU when present, CPU otherwise.

All layers of one model are stacked into one (L x n x d) tensor (zero-padded to a common width, which leaves
Procrustes unchanged: padded units are zero and only meet zero rows of the rotation), so the cross-covariances of
every layer pair come from one batched matmul and their orthogonal polar factors from one batched decomposition:

* ``method="svd"``: ``torch.linalg.svd`` (exact; the CPU default);
* ``method="newton_schulz"``: matmul-only polar iteration (the GPU default). The cross-covariance is scaled to
  spectral norm <= 1, a few quintic steps raise small singular values quickly, then cubic Newton-Schulz steps
  ``Q <- 1.5 Q - 0.5 Q Q'Q`` converge every singular value to 1. Directions whose singular values stay far below 1
  carry weight proportional to those singular values, so scores converge faster than the factor itself.

``procrustes_similarity_matrix`` is the in-sample similarity ``||X'Y||_* / (||X||_F ||Y||_F)`` on centred data;
``procrustes_score_matrix`` is the cross-validated score of :func:`topoalign.align.procrustes.procrustes_score`
(``dim_mode="pad"``), fold by fold, for every pair.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np

if TYPE_CHECKING:  # imported inside the functions otherwise: torch costs seconds at import, paid only when used
    import torch

from topoalign.align.crossval import fold_splits
from topoalign.errors import check_param

POLAR_METHODS = ("auto", "svd", "newton_schulz")
# Quintic boost p(s) = a s + b s^3 + c s^5 (the coefficients of the Muon optimiser's Newton-Schulz step):
# p'(0) = 3.44 grows small singular values fast and maps [0, 1] into about [0, 1.2], where the cubic step converges.
# Measured on CPU (float32, d=128, decaying spectra): 8 + 12 steps reach the float64 SVD within 4e-6.
_BOOST = (3.4445, -4.7750, 2.0315)


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _resolve(method: str, device: str) -> str:
    check_param("procrustes_score_matrix", "method", method, method in POLAR_METHODS, f"one of {list(POLAR_METHODS)}")
    if method == "auto":
        return "newton_schulz" if str(device).startswith("cuda") else "svd"
    return method


def polar_factor(C: torch.Tensor, method: str = "svd", boost_steps: int = 8, refine_steps: int = 12) -> torch.Tensor:
    """Orthogonal polar factors ``U V'`` of a batch of square matrices ``C`` (B x d x d), a torch tensor."""
    import torch

    if method == "svd":
        U, _, Vh = torch.linalg.svd(C)
        polar: torch.Tensor = U @ Vh
        return polar
    # Frobenius norm bounds the spectral norm: every singular value starts in [0, 1].
    scale = torch.linalg.matrix_norm(C, ord="fro", keepdim=True).clamp_min(torch.finfo(C.dtype).tiny)
    Q: torch.Tensor = C / scale
    a, b, c = _BOOST
    for _ in range(boost_steps):
        A = Q.transpose(-1, -2) @ Q
        Q = a * Q + Q @ (b * A + c * (A @ A))
    for _ in range(refine_steps):
        Q = 1.5 * Q - 0.5 * Q @ (Q.transpose(-1, -2) @ Q)
    return Q


@contextmanager
def _cpu_threads(device: str) -> Iterator[None]:
    """Torch's CPU LAPACK calls suffer like numpy's when the cores are oversubscribed: one thread then."""
    import torch

    from topoalign.cores import one_blas_thread

    if not str(device).startswith("cpu"):
        yield
        return
    before = torch.get_num_threads()
    with one_blas_thread(only_when_busy=True):
        from threadpoolctl import threadpool_info

        limited = any(p.get("num_threads") == 1 for p in threadpool_info() if p.get("user_api") == "blas")
        if limited:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def _stack(mats: Sequence[np.ndarray], d: int, device: str, dtype: torch.dtype) -> torch.Tensor:
    """(L x n x d) tensor of the matrices, zero-padded to width d."""
    import torch

    n = mats[0].shape[0]
    out = torch.zeros((len(mats), n, d), dtype=dtype, device=device)
    for i, M in enumerate(mats):
        out[i, :, : M.shape[1]] = torch.as_tensor(np.asarray(M), dtype=dtype, device=device)
    return out


def _centre_scale(S: torch.Tensor, train_idx: torch.Tensor | None = None) -> torch.Tensor:
    """Centre each stacked matrix by its (training) mean and divide by its (training) Frobenius norm."""
    import torch

    ref = S if train_idx is None else S[:, train_idx]
    mu = ref.mean(dim=1, keepdim=True)
    norm = torch.linalg.matrix_norm(ref - mu, ord="fro").clamp_min(torch.finfo(S.dtype).tiny)
    scaled: torch.Tensor = (S - mu) / norm[:, None, None]
    return scaled


def _pair_batches(Lx: int, Ly: int, batch: int) -> Iterator[tuple[list[int], list[int]]]:
    pairs = [(i, j) for i in range(Lx) for j in range(Ly)]
    for k in range(0, len(pairs), batch):
        chunk = pairs[k : k + batch]
        yield [p[0] for p in chunk], [p[1] for p in chunk]


def _similarity_matrix(
    xs: Sequence[np.ndarray],
    ys: Sequence[np.ndarray],
    *,
    device: str | None = None,
    method: str = "auto",
    dtype: str = "float32",
    batch: int = 512,
) -> np.ndarray:
    """The work of :func:`procrustes_similarity_matrix`, run inside its thread limits."""
    import torch

    device = device or default_device()
    method = _resolve(method, device)
    tdtype = getattr(torch, dtype)
    d = max(max(M.shape[1] for M in xs), max(M.shape[1] for M in ys))
    X = _centre_scale(_stack(xs, d, device, tdtype))
    Y = _centre_scale(_stack(ys, d, device, tdtype))
    out = torch.empty((len(xs), len(ys)), dtype=tdtype, device=device)
    for bi, bj in _pair_batches(len(xs), len(ys), batch):
        C = X[bi].transpose(-1, -2) @ Y[bj]
        if method == "svd":
            vals = torch.linalg.svdvals(C).sum(dim=-1)
        else:
            vals = (polar_factor(C, method) * C).sum(dim=(-1, -2))
        out[bi, bj] = vals
    similarity: np.ndarray = out.double().cpu().numpy()
    return similarity


def _score_matrix(
    xs: Sequence[np.ndarray],
    ys: Sequence[np.ndarray],
    *,
    folds: int = 5,
    random_state: int | None = 0,
    device: str | None = None,
    method: str = "auto",
    dtype: str = "float64",
    batch: int = 256,
) -> np.ndarray:
    """(Lx x Ly x folds) cross-validated Procrustes scores of every pair, as ``procrustes_score(dim_mode="pad")``.

    Units constant on a training fold become zero columns after centring, which is what dropping them does.
    """
    import torch

    device = device or default_device()
    method = _resolve(method, device)
    tdtype = getattr(torch, dtype)
    n = xs[0].shape[0]
    d = max(max(M.shape[1] for M in xs), max(M.shape[1] for M in ys))
    Xraw = _stack(xs, d, device, tdtype)
    Yraw = _stack(ys, d, device, tdtype)
    splits = fold_splits(n, folds, random_state)
    out = np.empty((len(xs), len(ys), len(splits)))
    for f, (train, test) in enumerate(splits):
        tr = torch.as_tensor(train, device=device)
        te = torch.as_tensor(test, device=device)
        X = _centre_scale(Xraw, tr)
        Y = _centre_scale(Yraw, tr)
        Xtr, Xte, Ytr, Yte = X[:, tr], X[:, te], Y[:, tr], Y[:, te]
        nx = torch.linalg.matrix_norm(Xte, ord="fro")
        ny = torch.linalg.matrix_norm(Yte, ord="fro")
        for bi, bj in _pair_batches(len(xs), len(ys), batch):
            Q = polar_factor(Xtr[bi].transpose(-1, -2) @ Ytr[bj], method)
            T = Xte[bi].transpose(-1, -2) @ Yte[bj]
            s = (Q * T).sum(dim=(-1, -2)) / (nx[bi] * ny[bj]).clamp_min(torch.finfo(tdtype).tiny)
            out[bi, bj, f] = s.double().cpu().numpy()
    return out


def procrustes_similarity_matrix(
    xs: Sequence[np.ndarray],
    ys: Sequence[np.ndarray],
    *,
    device: str | None = None,
    method: str = "auto",
    dtype: str = "float32",
    batch: int = 512,
) -> np.ndarray:
    """(Lx x Ly) in-sample Procrustes similarity ``||Xc'Yc||_* / (||Xc||_F ||Yc||_F)`` of every pair.

    Parameters
    ----------
    xs, ys : (n x d_i) matrices with the same n paired rows
    device : "cuda", "cpu" or None (GPU when present)
    method : polar decomposition, "auto" (Newton-Schulz on GPU, SVD on CPU), "svd" or "newton_schulz"
    """
    device = device or default_device()
    with _cpu_threads(device):
        return _similarity_matrix(xs, ys, device=device, method=method, dtype=dtype, batch=batch)


def procrustes_score_matrix(
    xs: Sequence[np.ndarray],
    ys: Sequence[np.ndarray],
    *,
    folds: int = 5,
    random_state: int | None = 0,
    device: str | None = None,
    method: str = "auto",
    dtype: str = "float64",
    batch: int = 256,
) -> np.ndarray:
    """(Lx x Ly x folds) cross-validated Procrustes scores of every pair, as ``procrustes_score(dim_mode="pad")``.

    Units constant on a training fold become zero columns after centring, which is what dropping them does.
    """
    device = device or default_device()
    with _cpu_threads(device):
        return _score_matrix(
            xs, ys, folds=folds, random_state=random_state, device=device, method=method, dtype=dtype, batch=batch
        )
