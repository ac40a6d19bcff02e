"""Every DBSCAN engine of ``mapper.dbscan``, forced one by one, equals ``sklearn.cluster.DBSCAN`` on small data.

The engines number clusters as scikit-learn does (by their lowest-index core row) and give a border row the
lowest-numbered cluster among its core neighbours, as scikit-learn's expansion order does; so labels are compared
exactly, border rows included, as in the per-engine tests (``test_pivot_dbscan``, ``test_grouped``,
``test_small_dbscan``). The leaders and pivot methods may decline an element that does not suit them (None: the
caller then takes another path); each must answer on the dense cluster.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SkDBSCAN
from sklearn.datasets import make_blobs

from topoalign.mapper.dbscan import element_labels, grouped, row_groups
from topoalign.mapper.dbscan.leaders import dbscan_labels_leaders
from topoalign.mapper.dbscan.pivots import dbscan_labels_pivots
from topoalign.mapper.dbscan.rules import labels_from_mask, labels_from_pairs
from topoalign.mapper.dbscan.small import small_elements_labels
from topoalign.mapper.dbscan.within import WithinEps


def _blobs():
    X, _ = make_blobs(n_samples=200, centers=4, n_features=5, cluster_std=1.2, random_state=0)
    return X, 2.5, 5


def _uniform_noise():
    return np.random.default_rng(1).uniform(size=(150, 3)), 0.18, 4


def _duplicates():
    rng = np.random.default_rng(2)
    base = rng.uniform(size=(40, 2))
    return base[rng.integers(0, 40, size=130)], 0.08, 3  # every row repeated: pairs at distance 0


def _dense_cluster():
    rng = np.random.default_rng(3)
    core = rng.normal(size=(180, 16)) * 0.3  # nearly every pair within eps
    noise = rng.normal(size=(10, 16)) * 20
    direction = rng.normal(size=(6, 16))
    border = 4.0 * direction / np.linalg.norm(direction, axis=1, keepdims=True)  # a few core rows within eps
    return np.concatenate([core, noise, border])[rng.permutation(196)].astype(np.float32), 3.4, 5


def _one_dimensional():
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(0, 0.2, 50), rng.normal(3, 0.3, 50), rng.uniform(-3, 6, 20)])
    return x[:, None], 0.12, 4


def _fewer_rows_than_min_samples():
    return np.random.default_rng(5).normal(size=(3, 4)), 10.0, 5


DATA = {
    "blobs": _blobs,
    "uniform noise": _uniform_noise,
    "duplicates": _duplicates,
    "dense cluster": _dense_cluster,
    "1-D": _one_dimensional,
    "rows < min_samples": _fewer_rows_than_min_samples,
}


def _pairs(X, eps, ms):
    ii, jj = WithinEps(X, eps, "euclidean").pairs()
    return labels_from_pairs(len(X), ii, jj, ms)


ENGINES = {
    "pair list": _pairs,
    "adjacency matrix": lambda X, eps, ms: labels_from_mask(WithinEps(X, eps, "euclidean").mask(), ms),
    "leaders": lambda X, eps, ms: dbscan_labels_leaders(X, eps, ms, max_leaders=10_000),
    "pivots": lambda X, eps, ms: dbscan_labels_pivots(WithinEps(X, eps, "euclidean"), ms)[0],
    "grouped": lambda X, eps, ms: grouped.grouped_dbscan_labels(WithinEps(X, eps, "euclidean"), ms),
    "small": lambda X, eps, ms: small_elements_labels(X, [np.arange(len(X))], eps, ms)[0],
    "picked (element_labels)": lambda X, eps, ms: element_labels(X, eps, ms),
}
MAY_DECLINE = {"leaders", "pivots"}


@pytest.mark.parametrize("data", list(DATA))
@pytest.mark.parametrize("engine", list(ENGINES))
def test_engine_equals_sklearn(engine, data, monkeypatch):
    monkeypatch.setattr(row_groups, "GROUP_ROWS", 24)  # several groups even in small data
    X, eps, ms = DATA[data]()
    ours = ENGINES[engine](X, eps, ms)
    if ours is None:
        assert engine in MAY_DECLINE and data != "dense cluster", f"{engine} declined the {data} data"
        return
    ref = SkDBSCAN(eps=eps, min_samples=ms).fit_predict(np.asarray(X, dtype=np.float64))
    assert np.array_equal(ours, ref)
