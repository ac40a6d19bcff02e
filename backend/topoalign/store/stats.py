"""Summary statistics of an activation matrix, computed once at ingest and shown in listings."""

from __future__ import annotations

import numpy as np


def summary_stats(matrix: np.ndarray) -> dict[str, float | int]:
    """Scalar summaries of an (n_stimuli x n_units) matrix.

    ``participation_ratio`` (sum of covariance eigenvalues squared over sum of squares) is an effective
    dimensionality; ``zero_variance_units`` is what the alignment metrics will drop.
    """
    x = np.asarray(matrix, dtype=np.float64)
    n, d = x.shape
    std = x.std(axis=0)
    centred = x - x.mean(axis=0)
    # eigenvalues of the covariance from the smaller Gram side; fine up to a few thousand on the small side
    if min(n, d) <= 4096:
        small = centred.T @ centred if d <= n else centred @ centred.T
        ev = np.clip(np.linalg.eigvalsh(small), 0, None)
        pr = float(ev.sum() ** 2 / (ev @ ev)) if ev.sum() > 0 else 0.0
    else:
        pr = float("nan")
    return {
        "n": int(n),
        "d": int(d),
        "mean": float(x.mean()),
        "std": float(x.std()),
        "min": float(x.min()),
        "max": float(x.max()),
        "mean_row_norm": float(np.linalg.norm(x, axis=1).mean()),
        "zero_variance_units": int((std == 0).sum()),
        "sparsity": float((x == 0).mean()),
        "participation_ratio": pr,
    }
