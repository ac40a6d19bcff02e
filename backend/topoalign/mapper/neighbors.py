"""Radius neighbourhood graphs of one cover element: the distance-heavy step of Mapper.

``radius_pairs(X, radius)`` returns every pair ``i < j`` with ``dist(x_i, x_j) <= radius`` (or ``< radius`` with
``strict=True``) as two int arrays, without an n x n matrix for large n: distances are computed in upper-triangle
tiles of at most ~3000 x 3000 (a symmetric rank-k update on the diagonal tiles, half the flops of a product).

Speed comes from float32 matrix products (``|x|^2 + |y|^2 - 2 x.y`` on centred rows); exactness from re-checking in
float64 every pair whose float32 distance lies within a rounding band of the radius (the band bounds the float32
error of the product). Pairs are therefore decided as a float64 difference-based computation would decide them, as
scikit-learn's DBSCAN does up to float64 rounding.

With ``device="cuda"`` (or any torch device; ``"torch-cpu"`` for torch on the CPU, used by the tests) the matrix
products and thresholds run in torch; the default CPU path is numpy.

``FusedRadius`` (the CPU path of DBSCAN): the products yield squared distances directly (rows augmented with their
squared norms, see below), in row blocks that stay in cache, optionally after exact lower-bound pruning on
projections onto top principal axes (``build._projection_axes``); same exactness argument (rounding band + float64
re-check).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Iterable, Iterator, overload

import numpy as np

if TYPE_CHECKING:  # imported where used: torch costs seconds at import, numba ~0.2 s
    import torch

    from topoalign.mapper import pairs_numba

_TILE = 2048  # distance tiles of at most 3072 x 3072 float32 (36 MB)
_F32_EPS = float(np.finfo(np.float32).eps)


def radius_pairs(
    X: np.ndarray, radius: float, *, metric: str = "euclidean", strict: bool = False, device: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i < j) of rows of ``X`` (n x d) within ``radius``.

    ``metric``: ``euclidean`` or ``cosine`` (1 - cosine similarity, as scikit-learn defines it).
    Returns ``(i, j)``: int64 arrays of equal length (in no particular order).
    """
    X = np.asarray(X)
    n, d = X.shape
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    X32, X64, sq_radius = _prepared(X, radius, metric)
    sqn = np.einsum("ij,ij->i", X32, X32, dtype=np.float32)
    if device is not None and device != "cpu":
        parts = [_candidates_torch(X32, sqn, a, b, c, e, sq_radius, strict, device) for a, b, c, e in _tiles(n)]
    else:
        parts = [_candidates_numpy(X32, sqn, a, b, c, e, sq_radius, strict) for a, b, c, e in _tiles(n)]
    ii = _cat([p[0] for p in parts])
    jj = _cat([p[1] for p in parts])
    amb_i = _cat([p[2] for p in parts])
    amb_j = _cat([p[3] for p in parts])
    if len(amb_i):
        keep = _exact_check(X if X64 is None else X64, amb_i, amb_j, sq_radius, strict, metric)
        ii = np.concatenate([ii, amb_i[keep]])
        jj = np.concatenate([jj, amb_j[keep]])
    return ii, jj


def _tiles(n: int, tile: int = _TILE) -> Iterator[tuple[int, int, int, int]]:
    """Upper-triangle tiles (row range, column range) covering all pairs i < j."""
    if n <= int(tile * 1.5):
        yield 0, n, 0, n
        return
    starts = list(range(0, n, tile))
    for a in starts:
        for c in starts:
            if c >= a:
                yield a, min(n, a + tile), c, min(n, c + tile)


@overload
def _band(d: int, max_sq_rows: float, max_sq_cols: float, sq_radius: float) -> float: ...
@overload
def _band(d: int, max_sq_rows: np.ndarray, max_sq_cols: np.ndarray, sq_radius: float) -> np.ndarray: ...
def _band(
    d: int, max_sq_rows: float | np.ndarray, max_sq_cols: float | np.ndarray, sq_radius: float
) -> float | np.ndarray:
    """The band around ``sq_radius`` outside which float32 products decide a pair, for a tile (or, with arrays of
    squared norms, for each of a batch of elements)."""
    # A bound on the float32 rounding of |x|^2 + |y|^2 - 2 x.y for the whole tile: a dot product of length d errs by
    # at most d u |x||y| <= d u (|x|^2 + |y|^2) / 2 (u = eps / 2, unit roundoff), each squared norm by d u |x|^2,
    # the three additions by a few u of their magnitudes; doubled for margin.
    return (2 * d + 8) * _F32_EPS * (max_sq_rows + max_sq_cols + sq_radius) + 1e-30


# (sure i, sure j, ambiguous i, ambiguous j) of one tile: pairs decided by the float32 products, and pairs within the
# rounding band of the radius, for the float64 check
Candidates = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _candidates_numpy(
    X32: np.ndarray, sqn: np.ndarray, a: int, b: int, c: int, e: int, sq_radius: float, strict: bool
) -> Candidates:
    d = X32.shape[1]
    diagonal = a == c
    # X @ X.T runs as a symmetric rank-k update (half the flops) in numpy
    g = X32[a:b] @ X32[a:b].T if diagonal else X32[a:b] @ X32[c:e].T
    g *= -2.0
    g += sqn[a:b, None]
    g += sqn[None, c:e]
    band = _band(d, float(sqn[a:b].max()), float(sqn[c:e].max()), sq_radius)
    r, col = np.nonzero(g <= sq_radius + band)
    if diagonal:
        upper = col > r
        r, col = r[upper], col[upper]
    vals = g[r, col]
    sure = (vals < sq_radius - band) if strict else (vals <= sq_radius - band)
    r = r + a
    col = col + c
    return r[sure], col[sure], r[~sure], col[~sure]


def _sq_dist_tile_torch(
    X32: np.ndarray, sqn: np.ndarray, a: int, b: int, c: int, e: int, sq_radius: float, device: str
) -> tuple[torch.Tensor, float]:
    """Squared distances of rows a:b to rows c:e in one torch product, and the float32 rounding band around eps^2."""
    import torch

    d = X32.shape[1]
    dev = torch.device("cpu" if device == "torch-cpu" else device)
    xa = torch.from_numpy(X32[a:b]).to(dev)
    xc = xa if a == c else torch.from_numpy(X32[c:e]).to(dev)
    sa = torch.from_numpy(sqn[a:b]).to(dev)
    sc = sa if a == c else torch.from_numpy(sqn[c:e]).to(dev)
    g = torch.addmm(sa[:, None] + sc[None, :], xa, xc.T, beta=1.0, alpha=-2.0)
    return g, _band(d, float(sa.max()), float(sc.max()), sq_radius)


def _candidates_torch(
    X32: np.ndarray, sqn: np.ndarray, a: int, b: int, c: int, e: int, sq_radius: float, strict: bool, device: str
) -> Candidates:
    import torch

    g, band = _sq_dist_tile_torch(X32, sqn, a, b, c, e, sq_radius, device)
    idx = torch.nonzero(g <= sq_radius + band)
    r, col = idx[:, 0], idx[:, 1]
    if a == c:
        upper = col > r
        r, col = r[upper], col[upper]
    vals = g[r, col]
    sure = (vals < sq_radius - band) if strict else (vals <= sq_radius - band)
    rows: np.ndarray = (r + a).cpu().numpy()
    cols: np.ndarray = (col + c).cpu().numpy()
    certain: np.ndarray = sure.cpu().numpy()
    return rows[certain], cols[certain], rows[~certain], cols[~certain]


def _exact_check(
    X: np.ndarray, ii: np.ndarray, jj: np.ndarray, sq_radius: float, strict: bool, metric: str
) -> np.ndarray:
    """float64 decision for pairs near the radius, from coordinate differences (no cancellation)."""
    keep = np.empty(len(ii), dtype=bool)
    step = max(1, 2_000_000 // max(X.shape[1], 1))
    for a in range(0, len(ii), step):
        xi = np.asarray(X[ii[a : a + step]], dtype=np.float64)
        xj = np.asarray(X[jj[a : a + step]], dtype=np.float64)
        diff = xi - xj
        sq = np.einsum("ij,ij->i", diff, diff)
        if metric == "cosine":
            # scikit-learn's cosine distance: 1 - <u, v> on unit rows
            sq = 2.0 * (1.0 - np.einsum("ij,ij->i", xi, xj))
        keep[a : a + step] = (sq < sq_radius) if strict else (sq <= sq_radius)
    return keep


def sparse_nonzero(mask: np.ndarray, count: int | np.integer | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a 2-D boolean matrix, several times faster when few entries are set: the scan runs over
    8-byte words, and only the set words are expanded to entries."""
    count = np.count_nonzero(mask) if count is None else count
    if count * 64 > mask.size or not mask.flags.c_contiguous:
        rows, cols = np.nonzero(mask)
        return rows, cols
    flat = mask.reshape(-1)
    whole = flat.size - flat.size % 8
    words = np.flatnonzero(flat[:whole].view(np.uint64))
    idx = (words[:, None] * 8 + np.arange(8)).reshape(-1)
    idx = idx[flat[idx]]
    if whole < flat.size:
        idx = np.concatenate([idx, whole + np.flatnonzero(flat[whole:])])
    return np.divmod(idx, mask.shape[1])


def _cat(parts: Iterable[np.ndarray]) -> np.ndarray:
    parts = [np.asarray(p, dtype=np.int64) for p in parts if len(p)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def default_device() -> str | None:
    """``"cuda"`` when torch sees a GPU, else None (numpy on the CPU). Without an NVIDIA driver on the machine
    torch is not imported at all (its import alone takes over a second)."""
    import sys

    if "torch" not in sys.modules and not _nvidia_driver():
        return None
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return None
    return "cuda" if torch.cuda.is_available() else None


def _nvidia_driver() -> bool:
    import glob
    import os

    return os.path.exists("/proc/driver/nvidia/version") or bool(glob.glob("/dev/nvidia[0-9]*"))


METRICS = ("euclidean", "cosine")  # the distances every Mapper step supports (one list: lens, clusterer, API)
DENSE_LIMIT = 6144  # cover elements up to this many rows get a dense boolean adjacency (<= 36 MiB)


def radius_mask(
    X: np.ndarray, radius: float, *, metric: str = "euclidean", strict: bool = False, device: str | None = None
) -> np.ndarray:
    """(n x n) boolean matrix of ``dist(x_i, x_j) <= radius`` (``<`` when strict), diagonal included when not
    strict. For n up to ``DENSE_LIMIT``: neighbourhoods that hold most of the cover element (dense clusters, a large
    eps) are then cheap to use, where a pair list would hold n^2 / 2 entries."""
    X = np.asarray(X)
    n, d = X.shape
    X32, X64, sq_radius = _prepared(X, radius, metric)
    sqn = np.einsum("ij,ij->i", X32, X32, dtype=np.float32)
    mask = np.empty((n, n), dtype=bool)
    amb_r: list[np.ndarray] = []
    amb_c: list[np.ndarray] = []
    for a, b, c, e in _tiles(n):
        if device is not None and device != "cpu":
            sure, amb = _tile_mask_torch(X32, sqn, a, b, c, e, sq_radius, strict, device)
        else:
            sure, amb = _tile_mask_numpy(X32, sqn, a, b, c, e, sq_radius, strict)
        mask[a:b, c:e] = sure
        if c != a:
            mask[c:e, a:b] = sure.T
        if np.count_nonzero(amb):
            r, col = np.nonzero(amb)
            keep = col + c > r + a
            amb_r.append(r[keep] + a)
            amb_c.append(col[keep] + c)
    ii, jj = _cat(amb_r), _cat(amb_c)
    if len(ii):
        keep = _exact_check(X if X64 is None else X64, ii, jj, sq_radius, strict, metric)
        mask[ii, jj] = keep
        mask[jj, ii] = keep
    np.fill_diagonal(mask, not strict)
    return mask


def metric_rows(X: np.ndarray, metric: str) -> np.ndarray:
    """float64 rows; unit rows for the cosine metric (so Euclidean geometry on them is cosine geometry)."""
    X = np.asarray(X, dtype=np.float64)
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        X = X / np.where(norms > 0, norms, 1.0)
    return X


def _prepared(X: np.ndarray, radius: float, metric: str) -> tuple[np.ndarray, np.ndarray | None, float]:
    """(float32 rows for the products, float64 rows for exact checks or None = use X, squared radius)."""
    if metric == "cosine":
        X64 = np.asarray(X, dtype=np.float64)
        norms = np.sqrt(np.einsum("ij,ij->i", X64, X64))
        X64 = X64 / np.where(norms > 0, norms, 1.0)[:, None]
        return X64.astype(np.float32), X64, 2.0 * float(radius)  # unit rows: 1 - cos = |u - v|^2 / 2
    # centring keeps |x|^2 small, hence the float32 rounding band narrow. Any common shift leaves differences
    # unchanged, so float32 input is centred in float32 (one rounding per coordinate, as in float64 then rounding).
    if X.dtype == np.float32:
        return X - X.mean(axis=0, dtype=np.float64).astype(np.float32), None, float(radius) ** 2
    return (X - X.mean(axis=0, dtype=np.float64)).astype(np.float32), None, float(radius) ** 2


def _tile_mask_numpy(
    X32: np.ndarray, sqn: np.ndarray, a: int, b: int, c: int, e: int, sq_radius: float, strict: bool
) -> tuple[np.ndarray, np.ndarray]:
    d = X32.shape[1]
    g = X32[a:b] @ X32[a:b].T if a == c else X32[a:b] @ X32[c:e].T
    g *= -2.0
    g += sqn[a:b, None]
    g += sqn[None, c:e]
    band = _band(d, float(sqn[a:b].max()), float(sqn[c:e].max()), sq_radius)
    sure = (g < sq_radius - band) if strict else (g <= sq_radius - band)
    amb = g <= sq_radius + band
    amb ^= sure  # sure implies amb's test: the difference is the band
    return sure, amb


def _tile_mask_torch(
    X32: np.ndarray, sqn: np.ndarray, a: int, b: int, c: int, e: int, sq_radius: float, strict: bool, device: str
) -> tuple[np.ndarray, np.ndarray]:
    g, band = _sq_dist_tile_torch(X32, sqn, a, b, c, e, sq_radius, device)
    sure = (g < sq_radius - band) if strict else (g <= sq_radius - band)
    amb = (g <= sq_radius + band) & ~sure
    return sure.cpu().numpy(), amb.cpu().numpy()


# -- fused products: squared distances straight out of one matrix product ----------------------------------------
#
# With A = [x, |x|^2, 1] and B = [-2 y, 1, |y|^2] (rows of length d + 2), A @ B.T = |x|^2 + |y|^2 - 2 x.y: the
# product itself yields the squared distances, so a tile costs one GEMM and one comparison (no elementwise passes
# over the tile to add the norms). Row blocks of ``_ROWS`` rows keep each tile in cache. Scaling by -2 is exact, and
# the rounding band (``_band`` with length d + 2) bounds the float32 error of the longer dot product as before.

_ROWS = 256
_FIRST_ROWS = 32
_PRUNE_MAX = 0.05  # lower-bound pruning stops in an element once a block keeps more than this share of its pairs


# The pruned blocks' pair step: "auto" runs the numba loop (``pairs_numba``) once this process has it compiled and
# numpy until then; "numba" always (compiled on first use); "numpy" never (the reference). Loading numba and the
# compiled loop costs ~0.5 s, more than the loop saves in one build of 20,000 rows (~0.05 s), so a one-shot process
# (the command line) stays on numpy, while warm processes use the loop: Dask workers load it as they start
# (``jobs.worker.warm_up_worker``), and any other process starts loading it in the background after its first
# pruned build (``PAIR_LOOP_WARM_UP``).
PAIR_LOOP = "auto"
PAIR_LOOP_WARM_UP = True  # False: no background loading (the command line's one-shot processes)
_warming: list[threading.Thread] = []
_warm_loop: list[pairs_numba.PrunedBlockPairs] = []  # the loop, once compiled in this process


def _pruned_block_pairs() -> pairs_numba.PrunedBlockPairs | None:
    """The numba loop where ``PAIR_LOOP`` asks for it and it is available, else None (numpy)."""
    if PAIR_LOOP == "numpy":
        return None
    if PAIR_LOOP == "numba":
        from topoalign.mapper import pairs_numba

        return pairs_numba.pruned_block_pairs
    return _warm_loop[0] if _warm_loop else None


def warm_up_pair_loop(background: bool = False) -> None:
    """Load numba and compile the pair loop (or read it from numba's disk cache), here or in a daemon thread
    (started once per process)."""

    def load() -> None:
        from topoalign.mapper import pairs_numba

        pairs_numba.warm_up()
        if pairs_numba.pruned_block_pairs is not None and not _warm_loop:  # (numba is available)
            _warm_loop.append(pairs_numba.pruned_block_pairs)

    if not background:
        load()
    elif not _warming:
        _warming.append(threading.Thread(target=load, name="warm-pair-loop", daemon=True))
        _warming[0].start()


def augmented(X32: np.ndarray, sqn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) with ``A[i] @ B[j] = |x_i|^2 + |x_j|^2 - 2 x_i . x_j`` (float32)."""
    n, d = X32.shape
    A = np.empty((n, d + 2), dtype=np.float32)
    B = np.empty((n, d + 2), dtype=np.float32)
    A[:, :d] = X32
    A[:, d] = sqn
    A[:, d + 1] = 1.0
    np.multiply(X32, -2.0, out=B[:, :d])
    B[:, d] = 1.0
    B[:, d + 1] = sqn
    return A, B


class FusedRadius:
    """Exact within-radius decisions for the rows of one matrix via fused float32 products (see above)."""

    n: int
    d: int
    Bk: np.ndarray  # set with ``Ak`` by ``use_projection``
    prune_above: float

    def __init__(
        self,
        X: np.ndarray,
        radius: float,
        metric: str = "euclidean",
        strict: bool = False,
        axes: np.ndarray | None = None,
    ) -> None:
        X = np.asarray(X)
        self.n, self.d = X.shape
        self.metric, self.strict = metric, strict
        d = self.d
        if metric == "euclidean":
            # centred rows written straight into A (see ``_prepared``), no intermediate copies
            self.sq, self.Xexact = float(radius) ** 2, X
            self.A = np.empty((self.n, d + 2), dtype=np.float32)
            X32 = self.A[:, :d]
            # float32 rows: a float32 shift (one rounding of the centred value) by a float32 mean (one BLAS pass; any
            # centre is exact here, a near one keeps the band narrow); other dtypes: centred in float64
            if X.dtype == np.float32:
                mean = (np.ones(self.n, dtype=np.float32) @ X) / np.float32(max(self.n, 1))
            else:
                mean = X.mean(axis=0, dtype=np.float64)
            np.subtract(X, mean, out=X32, casting="unsafe")
            sqn = np.einsum("ij,ij->i", X32, X32, dtype=np.float32)
            self.A[:, d] = sqn
            self.A[:, d + 1] = 1.0
            self._B: np.ndarray | None = None  # made on first use: pruned elements never need it
        else:
            X32, X64, self.sq = _prepared(X, radius, metric)
            self.Xexact = X if X64 is None else X64
            sqn = np.einsum("ij,ij->i", X32, X32, dtype=np.float32)
            self.A, self._B = augmented(X32, sqn)
        max_sqn = float(sqn.max()) if self.n else 0.0
        self.band = _band(self.d + 2, max_sqn, max_sqn, self.sq)
        self.lo, self.hi = self.sq - self.band, self.sq + self.band
        self.Ak: np.ndarray | None = None  # the rows' projections, augmented (``use_projection``); None: no pruning
        self.prune_failed = False
        if axes is not None:
            self.use_projection(axes)

    def use_projection(self, V: np.ndarray) -> None:
        """Prune pairs in ``pairs`` with exact lower bounds from the rows' projections on orthonormal axes ``V``
        (d x k float32, ``build._projection_axes``); euclidean, more than ``_ROWS`` rows."""
        if self.metric == "euclidean" and self.n > _ROWS:
            # lower bounds: |V'(x - y)| <= |x - y| for orthonormal columns V. The centred float32 rows (A) are
            # projected in float32: each projected coordinate errs by at most ~(d + 1) u |x| (u = eps / 2: the
            # rounding of the centred row and the length-d dot product), so a projected difference by at most
            # sqrt(k) (d + 1) eps max|x|; ``err`` doubles that. A pair is skipped when its projected distance exceeds
            # (1 + 1e-3) radius + 2 err after the product's rounding band (V's float32 departure from
            # orthonormality is ~1e-7 relative, well inside the 1e-3).
            d, k = V.shape
            P = self.A[:, :d] @ np.asarray(V, dtype=np.float32)
            psq = np.einsum("ij,ij->i", P, P, dtype=np.float32)
            self.Ak, self.Bk = augmented(P, psq)
            max_norm = 1.001 * float(np.sqrt(self.A[:, d].max()))
            err = 2.0 * np.sqrt(k) * (d + 2) * _F32_EPS * max_norm
            reach = (1 + 1e-3) * np.sqrt(self.sq) + 2.0 * err
            self.prune_above = float(reach**2 + _band(k + 2, float(psq.max()), float(psq.max()), reach**2))

    @property
    def B(self) -> np.ndarray:
        if self._B is None:
            self._B = self._b_rows(slice(None))
        return self._B

    def _b_rows(self, J: slice | np.ndarray) -> np.ndarray:
        """Rows J of B, from A when B is not made (a few columns need no full copy)."""
        if self._B is not None:
            return self._B[J]
        d = self.d
        A = self.A[J]
        B = np.empty_like(A)
        np.multiply(A[:, :d], -2.0, out=B[:, :d])
        B[:, d] = 1.0
        B[:, d + 1] = A[:, d]
        return B

    def _sure(self, g: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        sure: np.ndarray = (np.less if self.strict else np.less_equal)(g, self.lo, out=out)
        return sure

    def _exact(self, ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
        return _exact_check(self.Xexact, ii, jj, self.sq, self.strict, self.metric)

    @overload
    def pairs(self, max_pairs: None = None, row_stop: int | None = None) -> tuple[np.ndarray, np.ndarray]: ...
    @overload
    def pairs(self, max_pairs: int, row_stop: int | None = None) -> tuple[np.ndarray, np.ndarray] | None: ...
    def pairs(self, max_pairs: int | None = None, row_stop: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """All pairs i < j within the radius, or None once more than ``max_pairs`` candidates turned up.
        ``row_stop``: only the pairs with ``i < row_stop`` (the pairs among the later rows are known)."""
        n = self.n
        stop = n if row_stop is None else min(n, row_stop)
        out_i: list[np.ndarray] = []
        out_j: list[np.ndarray] = []
        amb_i: list[np.ndarray] = []
        amb_j: list[np.ndarray] = []
        total: int | np.integer = 0
        prune = self.Ak is not None
        # with a cap, a small first block estimates the density before the full-size blocks (see below)
        starts = [0] + list(range(_FIRST_ROWS if max_pairs is not None else _ROWS, min(n - 1, stop), _ROWS))
        for a, b in zip(starts, starts[1:] + [stop]):
            if a >= min(n - 1, stop):
                break
            if prune and self.Ak is not None:
                found = self._pruned_block(a, b)
                if found is not None:
                    r, c, sure = found
                    total += len(r)
                    if max_pairs is not None and total > max_pairs:
                        return None
                    out_i.append(r[sure])
                    out_j.append(c[sure])
                    amb_i.append(r[~sure])
                    amb_j.append(c[~sure])
                    continue
                prune = False  # the bounds do not separate these rows: plain products from here on
                self.prune_failed = True
            g = self.A[a:b] @ self.B[a:].T
            cand = g <= self.hi
            count = np.count_nonzero(cand)
            if max_pairs is not None:
                # about the block's candidate pairs (the diagonal square counts its pairs twice; a heuristic cap)
                total += (count - (b - a)) // 2
                if total > max_pairs:
                    return None
                if a == 0 and (count - b) / b * stop / 2 > max_pairs:
                    # the first block holds its rows' whole neighbourhoods: their mean degree predicts the total,
                    # and a dense element stops here instead of after half its products
                    return None
            r, c = sparse_nonzero(cand, count)
            keep = c > r
            r, c = r[keep], c[keep]
            vals = g[r, c]
            sure = self._sure(vals)
            r += a
            c += a
            if sure.all():
                out_i.append(r)
                out_j.append(c)
            else:
                out_i.append(r[sure])
                out_j.append(c[sure])
                amb_i.append(r[~sure])
                amb_j.append(c[~sure])
        ii, jj = _cat(out_i), _cat(out_j)
        ai, aj = _cat(amb_i), _cat(amb_j)
        if len(ai):
            keep = self._exact(ai, aj)
            ii, jj = np.concatenate([ii, ai[keep]]), np.concatenate([jj, aj[keep]])
        return ii, jj

    def _pruned_block(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(rows, columns, sure) of the pairs i < j of rows a:b against rows a: that pass the lower bounds and lie
        below the band's upper edge (``sure``: below its lower edge); None when the bounds keep more than
        ``_PRUNE_MAX`` of the block's pairs."""
        assert self.Ak is not None  # (called only with the projections set)
        bounds = self.Ak[a:b] @ self.Bk[a:].T
        rows, cols = bounds.shape
        limit = int(_PRUNE_MAX * (rows * cols - rows * (rows + 1) // 2))  # of the pairs j > i
        d = int(self.d)
        kernel = _pruned_block_pairs()
        if kernel is not None:  # the same decisions in one loop (``pairs_numba``)
            lo, hi, above = float(self.lo), float(self.hi), float(self.prune_above)
            found, r, c, sure = kernel(bounds, int(a), above, limit, self.A, d, lo, hi, bool(self.strict))
            return None if found < 0 else (r, c, sure)
        cand = bounds <= self.prune_above
        # the pairs j > i: the block's columns past its diagonal square, and that square's upper triangle
        upper = np.count_nonzero(cand[:, rows:]) + np.count_nonzero(np.triu(cand[:, :rows], 1))
        if upper > limit:
            return None
        r, c = sparse_nonzero(cand)
        keep = c > r
        r, c = r[keep] + a, c[keep] + a
        # the product's entries pair by pair, |x|^2 + |y|^2 - 2 x.y (within the same rounding band)
        Ar, Ac = self.A[r], self.A[c]
        vals = np.einsum("ij,ij->i", Ar[:, :d], Ac[:, :d])
        vals *= -2.0
        vals += Ar[:, d]
        vals += Ac[:, d]
        near = vals <= self.hi
        return r[near], c[near], self._sure(vals[near])

    def mask(self) -> np.ndarray:
        """(n x n) within-radius matrix, diagonal set unless strict."""
        n = self.n
        mask = np.empty((n, n), dtype=bool)
        for a in range(0, n, _ROWS):
            b = min(n, a + _ROWS)
            g = self.A[a:b] @ self.B.T
            block = self._sure(g, out=mask[a:b])
            amb = g <= self.hi
            if np.count_nonzero(amb) != np.count_nonzero(block):
                amb ^= block
                r, c = np.nonzero(amb)
                block[r, c] = self._exact(r + a, c)
        np.fill_diagonal(mask, not self.strict)
        return mask

    def block(self, I: np.ndarray | None, J: np.ndarray | None = None) -> np.ndarray:
        """Within-radius matrix of rows I against rows J (None: all rows)."""
        g = (self.A if I is None else self.A[I]) @ (self.B if J is None else self._b_rows(J)).T
        sure = self._sure(g)
        amb = g <= self.hi
        if np.count_nonzero(amb) != np.count_nonzero(sure):
            amb ^= sure
            r, c = np.nonzero(amb)
            sure[r, c] = self._exact(r if I is None else I[r], c if J is None else J[c])
        return sure
