"""Compile umap-learn's numba code in the background at start-up, as a visible job (about a minute, once)."""

from __future__ import annotations

from topoalign.jobs import JobRunner


def _warm(progress) -> dict:
    import numpy as np

    progress(0.05, "importing umap-learn")
    import umap

    progress(0.3, "compiling UMAP (numba), once per process")
    import warnings

    x = np.random.default_rng(0).normal(size=(200, 8)).astype(np.float32)
    with warnings.catch_warnings():  # "n_jobs overridden by setting random_state": expected, not for the console
        warnings.simplefilter("ignore", UserWarning)
        umap.UMAP(n_neighbors=10, n_components=2, random_state=0, n_epochs=20).fit_transform(x)
    progress(1.0, "UMAP ready")
    return {"ready": True}


def register_warmup(jobs: JobRunner) -> None:
    jobs.register("warmup_umap", lambda params: _warm)


def start_umap_warmup(jobs: JobRunner) -> str:
    return jobs.submit("warmup_umap", {})
