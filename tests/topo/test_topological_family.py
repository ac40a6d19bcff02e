"""The topological score is one more alignment family: same entry point, same result shape, chance from shuffles."""

import numpy as np

from topoalign.align import METRICS, alignment_score


def _blobs(seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(c, 0.4, (100, 10)) for c in (0, 3, 6)]).astype(np.float32)


def test_topological_family_rotation_vs_shuffle():
    assert "topological" in METRICS
    X = _blobs()
    Q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(10, 10)))
    rotated = alignment_score(X, X @ Q, metric="topological", n_permutations=5, random_state=0)
    shuffled = alignment_score(X, np.random.default_rng(2).permutation(X), metric="topological", random_state=0)
    assert rotated.metric == "topological" and rotated.n_stimuli == 300
    assert rotated.details["transport_overlap"] > 0.99  # a rotation keeps every Mapper node
    assert rotated.score > 0.5 > shuffled.score
    assert rotated.chance is not None and rotated.chance < 0.3 and rotated.p_value <= 1 / 6 + 1e-9
