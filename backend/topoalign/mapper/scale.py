"""The clustering scale and cover resolution of Carriere, Michel & Oudot ("Statistical analysis and parameter
selection for Mapper", JMLR 19, 2018), as GUDHI's ``MapperComplex(resolutions=None, clustering=None)`` computes them.

- ``hausdorff_scale``: delta = the mean, over ``n_draws`` random subsamples S of size
  m = s / (log s / log C)^(1 + beta), of the Hausdorff distance from the rows to S. Single linkage cut at delta is the
  clustering of the paper's estimator.
- ``lens_resolution``: per lens dimension, the largest lens difference over pairs of rows within delta; with gain g the
  number of intervals is floor(range * g / that difference), so any two rows within delta share a cover element.

Both work on a seeded sample of rows (``sample_rows``) and its distance matrix, never on all pairs of a large data
set: the scale of a sample is at least that of the whole data (a denser sample only joins more rows within delta),
so delta from a sample errs on the side of connecting.
"""

from __future__ import annotations

import numpy as np

from topoalign.errors import InvalidInputError
from topoalign.mapper.neighbors import metric_rows


def sample_rows(n: int, size: int, random_state: int | None = 0) -> np.ndarray:
    """Sorted indices of a seeded sample of ``size`` of ``n`` rows (all rows when n <= size)."""
    if n <= size:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size, replace=False))


def distance_matrix(W: np.ndarray, metric: str = "euclidean") -> np.ndarray:
    """(s x s) float64 distances between the rows of W (euclidean, or cosine distance 1 - cos)."""
    W = metric_rows(W, metric)
    if metric == "cosine":
        D: np.ndarray = 1.0 - W @ W.T
        np.clip(D, 0.0, 2.0, out=D)
        np.fill_diagonal(D, 0.0)
        return D
    sq = np.einsum("ij,ij->i", W, W)
    D = sq[:, None] + sq[None, :] - 2.0 * (W @ W.T)
    np.maximum(D, 0.0, out=D)
    np.fill_diagonal(D, 0.0)
    distances: np.ndarray = np.sqrt(D, out=D)
    return distances


def hausdorff_scale(
    D: np.ndarray, *, n_draws: int = 30, beta: float = 0.0, C: float = 10.0, random_state: int | None = 0
) -> float:
    """The CMO clustering scale delta from a (s x s) distance matrix (module docstring)."""
    s = len(D)
    if s < 3:
        raise InvalidInputError(f"The clustering scale needs at least 3 rows; got {s}.")
    m = int(s / np.exp((1.0 + beta) * np.log(np.log(s) / np.log(C))))
    m = min(max(m, 1), s)
    rng = np.random.default_rng(random_state)
    total = 0.0
    for _ in range(n_draws):
        cols = rng.choice(s, m, replace=False)
        total += float(D[cols].min(axis=0).max())  # D is symmetric: whole rows gather faster than columns
    delta = total / n_draws
    if not delta > 0:
        raise InvalidInputError("The clustering scale is 0: the sampled rows are all duplicates of a few points.")
    return delta


def lens_jumps(D: np.ndarray, lens: np.ndarray, delta: float, quantile: float = 1.0) -> np.ndarray:
    """Per lens dimension, the ``quantile`` (1 = the largest, as in the paper) of |f(x) - f(y)| over pairs of sample
    rows within ``delta``. ``lens``: the sample's (s x k) lens values."""
    lens = np.asarray(lens, dtype=np.float64).reshape(len(D), -1)
    i, j = np.nonzero(np.triu(D <= delta, 1))
    if not len(i):
        return np.zeros(lens.shape[1])
    diffs = np.abs(lens[i] - lens[j])
    return np.quantile(diffs, quantile, axis=0) if quantile < 1 else diffs.max(axis=0)


def lens_resolution(spans: np.ndarray, jumps: np.ndarray, gain: float = 1 / 3) -> list[int]:
    """The paper's number of intervals per lens dimension: floor(range * gain / largest jump), at least 1."""
    spans = np.asarray(spans, dtype=np.float64)
    jumps = np.asarray(jumps, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(jumps > 0, np.floor(spans * gain / np.where(jumps > 0, jumps, 1.0)), 1.0)
    return [int(max(1, min(v, 10_000))) for v in r]
