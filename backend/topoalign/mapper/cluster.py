"""Clusterers run inside each cover element.

- ``DBSCAN(eps, min_samples, metric)``: scikit-learn's DBSCAN labels, from the engine the ``dbscan`` package picks
  for each element. Border points join the cluster scikit-learn gives them: clusters are numbered by their
  lowest-index core point and a border point takes the lowest-numbered cluster among its core neighbours
  (``sklearn.cluster._dbscan_inner`` expands clusters one at a time, in that order).
  ``eps="auto"``: the ``eps_quantile`` quantile of the distance to the ``min_samples``-th neighbour (self included,
  as DBSCAN counts it) over a seeded sample of all rows, fixed once per graph in ``prepare``.
- ``SingleLinkage(distance_threshold | n_clusters | gap_bins)``: single-linkage clusters, i.e. scikit-learn
  ``AgglomerativeClustering(linkage="single")``: with a threshold, the components of the ``dist < threshold``
  graph; with ``n_clusters``, the minimum spanning tree cut at its ``n_clusters - 1`` longest edges; with
  ``gap_bins`` (the rule of Singh, Memoli & Carlsson 2007), cut at the first empty bin of a histogram of the merge
  distances (one cluster when there is no gap).
- ``HDBSCAN(min_cluster_size, min_samples)``: ``sklearn.cluster.HDBSCAN``.

``min_cube_points`` is KeplerMapper's rule for skipping small cover elements (its ``n_clusters``,
``min_cluster_size`` or ``min_samples`` parameter, else 2), kept so graphs match KeplerMapper's.

No stimulus lost: ``DBSCAN(noise="keep" | "attach")`` and ``SingleLinkage(min_points=1)`` place every row of every
cover element in a node (``min_cube_points`` is then 1). ``keep`` makes each noise row a node of its own; ``attach``
joins each noise row to the cluster of its element holding its nearest row (rows of an element without clusters
become nodes of their own). ``SingleLinkage(join_isolated=True)``: a row farther than the threshold from every other
row of its element joins the cluster of its nearest neighbour among all rows, when that neighbour is in the element
(a sampling outlier in a blob's tail then stays with its blob instead of becoming a component of its own).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, Self, TypeGuard

import numpy as np

from topoalign.errors import InvalidParameterError, check_param
from topoalign.mapper.components import pair_components
from topoalign.mapper.dbscan import element_labels
from topoalign.mapper.dbscan.rules import labels_from_mask
from topoalign.mapper.neighbors import DENSE_LIMIT, METRICS, radius_mask, radius_pairs
from topoalign.mapper.placement import NearestRows, labels_first, ordered_labels, place_noise

# auto eps depends on the data and four settings only, and a cover change rebuilds the same data: remembered here
# (data digest, shape, k, quantile, metric, random_state, sample) -> eps
_AUTO_EPS: OrderedDict[tuple[bytes, tuple[int, ...], int, float, str, int | None, int], float] = OrderedDict()
_AUTO_EPS_SIZE = 64
_AUTO_EPS_LOCK = threading.Lock()


def _is_int(v: object) -> TypeGuard[int | np.integer]:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_num(v: object) -> TypeGuard[float | np.integer | np.floating]:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


MAX_RADIUS = 1e150  # radii are squared on the way (1e308 overflows); far beyond any activation distance


def _is_radius(v: object) -> bool | np.bool_:
    """A finite positive distance that can be squared in float64."""
    return _is_num(v) and 0 < v <= MAX_RADIUS


class Clusterer:
    kind = "clusterer"
    _param_names: tuple[str, ...] = ()
    metric: str

    def get_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._param_names}

    def params(self) -> dict[str, Any]:
        out = {"kind": self.kind, **self.get_params()}
        eps_ = getattr(self, "eps_", None)
        if eps_ is not None and self.get_params().get("eps") == "auto":
            out["eps_resolved"] = float(eps_)
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    def _check_metric(self) -> None:
        check_param(type(self).__name__, "metric", self.metric, self.metric in METRICS, f"one of {list(METRICS)}")

    def check_params(self) -> Self:
        """Validate the parameters that do not depend on the data; returns self."""
        self._check_metric()
        return self

    def prepare(self, X: np.ndarray, *, random_state: int | None = 0) -> Self:
        """Validate against the whole data (n x d) and fix data-dependent parameters; returns self."""
        return self.check_params()

    @property
    def min_cube_points(self) -> int:
        return 2

    def fit_predict(self, X: np.ndarray, *, device: str | None = None) -> np.ndarray:  # pragma: no cover
        """Cluster labels of the rows of one cover element: ints from 0, -1 for noise."""
        raise NotImplementedError

    def finish_labels(self, X: np.ndarray, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """The labels of one cover element (``rows`` of the whole data ``X``) after the clusterer's rule for noise
        and isolated rows (default: as they are)."""
        return labels


NOISE_RULES = ("drop", "keep", "attach")


class DBSCAN(Clusterer):
    kind = "dbscan"
    _param_names = ("eps", "min_samples", "metric", "eps_quantile", "noise")
    eps_: float  # the radius used: ``eps``, or the one chosen for ``eps="auto"`` by ``prepare``

    def __init__(
        self,
        eps: float | str = 0.5,
        min_samples: int = 5,
        metric: str = "euclidean",
        eps_quantile: float = 0.5,
        noise: str = "drop",
    ) -> None:
        self.eps = eps
        self.min_samples = min_samples
        self.metric = metric
        self.eps_quantile = eps_quantile
        self.noise = noise

    def get_params(self) -> dict[str, Any]:
        out = super().get_params()
        if out["noise"] == "drop":  # the default keeps the parameters (and cache keys) of graphs made before it
            del out["noise"]
        return out

    def check_params(self) -> Self:
        self._check_metric()
        check_param("DBSCAN", "noise", self.noise, self.noise in NOISE_RULES, f"one of {list(NOISE_RULES)}")
        check_param(
            "DBSCAN",
            "min_samples",
            self.min_samples,
            _is_int(self.min_samples) and self.min_samples >= 1,
            "an int >= 1",
        )
        if self.eps == "auto":
            check_param(
                "DBSCAN",
                "eps_quantile",
                self.eps_quantile,
                _is_num(self.eps_quantile) and 0 < self.eps_quantile <= 1,
                "in (0, 1]",
            )
        else:
            check_param("DBSCAN", "eps", self.eps, _is_radius(self.eps), f"a float in (0, {MAX_RADIUS:g}] or 'auto'")
        return self

    def prepare(self, X: np.ndarray, *, random_state: int | None = 0) -> Self:
        self.check_params()
        check_param(
            "DBSCAN",
            "min_samples",
            self.min_samples,
            self.min_samples <= len(X),
            f"at most the number of points ({len(X)})",
        )
        if self.eps == "auto":
            self.eps_ = auto_eps(X, self.min_samples, self.eps_quantile, metric=self.metric, random_state=random_state)
        else:
            self.eps_ = float(self.eps)
        return self

    @property
    def min_cube_points(self) -> int:
        return 1 if self.noise != "drop" else int(self.min_samples)

    def finish_labels(self, X: np.ndarray, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
        if self.noise == "drop":
            return labels
        return place_noise(X[rows], labels, metric=self.metric, attach=self.noise == "attach")

    def fit_predict(self, X: np.ndarray, *, device: str | None = None) -> np.ndarray:
        if getattr(self, "eps_", None) is None:
            self.prepare(X)
        return element_labels(X, self.eps_, self.min_samples, self.metric, device=device)


def auto_eps(
    X: np.ndarray,
    min_samples: int,
    quantile: float,
    *,
    metric: str = "euclidean",
    random_state: int | None = 0,
    sample: int = 5000,
) -> float:
    """The ``quantile`` of the distance to the ``min_samples``-th neighbour (self included) over a row sample.

    Remembered per (data, settings) for the process: the k-NN search is most of a cover change's rebuild."""
    X = np.asarray(X, dtype=np.float64)
    k = int(min(max(min_samples, 2), len(X)))
    key = None
    if random_state is not None or len(X) <= sample:
        data = np.ascontiguousarray(X).view(np.uint8)
        # an ndarray is a buffer: numpy's stubs declare its __buffer__ for Python >= 3.12 only
        digest = hashlib.blake2b(data, digest_size=16).digest()  # type: ignore[arg-type]
        key = (digest, X.shape, k, float(quantile), metric, random_state, sample)
        with _AUTO_EPS_LOCK:
            if key in _AUTO_EPS:
                _AUTO_EPS.move_to_end(key)
                return _AUTO_EPS[key]
    eps = _auto_eps(X, k, quantile, metric, random_state, sample)
    if key is not None:
        with _AUTO_EPS_LOCK:
            _AUTO_EPS[key] = eps
            while len(_AUTO_EPS) > _AUTO_EPS_SIZE:
                _AUTO_EPS.popitem(last=False)
    return eps


def _auto_eps(X: np.ndarray, k: int, quantile: float, metric: str, random_state: int | None, sample: int) -> float:
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(random_state)
    rows = np.sort(rng.choice(len(X), sample, replace=False)) if len(X) > sample else np.arange(len(X))
    nn = NearestNeighbors(n_neighbors=k, metric=metric, algorithm="brute").fit(X)
    dist, _ = nn.kneighbors(X[rows])
    eps = float(np.quantile(dist[:, k - 1], quantile))
    if not eps > 0:
        raise InvalidParameterError(
            "The 'eps' parameter of DBSCAN could not be chosen automatically: the data has duplicate rows at the "
            "k-NN quantile; give eps explicitly."
        )
    return eps


class SingleLinkage(Clusterer):
    kind = "single"
    _param_names = ("distance_threshold", "n_clusters", "gap_bins", "metric", "min_points", "join_isolated")

    def __init__(
        self,
        distance_threshold: float | None = None,
        n_clusters: int | None = None,
        gap_bins: int | None = None,
        metric: str = "euclidean",
        min_points: int | None = None,
        join_isolated: bool = False,
    ) -> None:
        self.distance_threshold = distance_threshold
        self.n_clusters = n_clusters
        self.gap_bins = gap_bins
        self.metric = metric
        self.min_points = min_points
        self.join_isolated = join_isolated

    def get_params(self) -> dict[str, Any]:
        out = super().get_params()
        # unset options keep the parameters (and cache keys) of graphs made before they existed
        if out["min_points"] is None:
            del out["min_points"]
        if not out["join_isolated"]:
            del out["join_isolated"]
        return out

    def __getstate__(self) -> dict[str, Any]:
        # copies and pickles carry the parameters, not a build's caches
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def prepare(self, X: np.ndarray, *, random_state: int | None = 0) -> Self:
        self.check_params()
        self._nearest = NearestRows(X, self.metric) if self.join_isolated else None
        return self

    def finish_labels(self, X: np.ndarray, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
        if not self.join_isolated or len(rows) < 2:
            return labels
        sizes = np.bincount(labels)
        alone = np.flatnonzero(sizes[labels] == 1)
        if not len(alone):
            return labels
        nearest: NearestRows | None = getattr(self, "_nearest", None)
        if nearest is None or nearest.n != len(X):
            nearest = self._nearest = NearestRows(X, self.metric)
        nn = nearest.of(rows[alone])
        where = np.searchsorted(rows, nn)
        inside = (where < len(rows)) & (rows[np.minimum(where, len(rows) - 1)] == nn)
        if not inside.any():
            return labels
        a, b = alone[inside], where[inside]
        joined = pair_components(len(rows), np.r_[np.arange(len(rows)), a], np.r_[labels_first(labels), b])
        return ordered_labels(joined)

    def check_params(self) -> Self:
        self._check_metric()
        check_param(
            "SingleLinkage", "join_isolated", self.join_isolated, isinstance(self.join_isolated, bool), "a bool"
        )
        given = [p for p in ("distance_threshold", "n_clusters", "gap_bins") if getattr(self, p) is not None]
        check_param(
            "SingleLinkage",
            "distance_threshold",
            self.distance_threshold,
            len(given) == 1,
            "given alone (exactly one of distance_threshold, n_clusters, gap_bins)",
        )
        if self.distance_threshold is not None:
            t = self.distance_threshold
            check_param("SingleLinkage", "distance_threshold", t, _is_radius(t), f"a float in (0, {MAX_RADIUS:g}]")
        if self.n_clusters is not None:
            check_param(
                "SingleLinkage",
                "n_clusters",
                self.n_clusters,
                _is_int(self.n_clusters) and self.n_clusters >= 1,
                "an int >= 1",
            )
        if self.gap_bins is not None:
            check_param(
                "SingleLinkage", "gap_bins", self.gap_bins, _is_int(self.gap_bins) and self.gap_bins >= 2, "an int >= 2"
            )
            from topoalign import limits

            limits.check("The 'gap_bins' parameter of SingleLinkage", self.gap_bins, "max_gap_bins")
        if self.min_points is not None:
            check_param(
                "SingleLinkage",
                "min_points",
                self.min_points,
                _is_int(self.min_points) and self.min_points >= 1,
                "an int >= 1 or None (KeplerMapper's rule)",
            )
        return self

    @property
    def min_cube_points(self) -> int:
        """Cover elements with fewer rows make no node: ``min_points``, else KeplerMapper's rule (``n_clusters``,
        else 2)."""
        if self.min_points is not None:
            return int(self.min_points)
        return int(self.n_clusters) if self.n_clusters else 2

    def engine(self) -> "DBSCAN | None":
        """The DBSCAN that gives the same clusters (``distance_threshold`` only): every row a core point, pairs at
        distance < t joined, i.e. eps just below t. Single linkage then runs on the DBSCAN engine's pair pruning."""
        if self.distance_threshold is None:
            return None
        t = float(self.distance_threshold)
        return DBSCAN(eps=float(np.nextafter(t, 0.0)), min_samples=1, metric=self.metric).prepare(np.zeros((1, 1)))

    def fit_predict(self, X: np.ndarray, *, device: str | None = None) -> np.ndarray:
        n = len(X)
        if self.distance_threshold is not None:
            if n <= DENSE_LIMIT:
                mask = radius_mask(X, self.distance_threshold, metric=self.metric, strict=True, device=device)
                np.fill_diagonal(mask, True)
                return labels_from_mask(mask, 1)  # every point a core point: the components, lowest row first
            ii, jj = radius_pairs(X, self.distance_threshold, metric=self.metric, strict=True, device=device)
            return ordered_labels(pair_components(n, ii, jj))
        src, dst, w = _mst(X, self.metric)
        if self.n_clusters is not None:
            k = min(int(self.n_clusters), n)
            keep = np.argsort(w, kind="stable")[: n - k]
        elif self.gap_bins is not None:
            keep = np.flatnonzero(w < gap_threshold(w, int(self.gap_bins)))
        else:  # none of the three options given (fit_predict without prepare)
            self.check_params()  # raises the parameter error
            raise AssertionError("unreachable")
        return ordered_labels(pair_components(n, src[keep], dst[keep]))


def gap_threshold(merge_distances: np.ndarray, bins: int) -> float:
    """Singh et al.'s rule: the lower edge of the first empty histogram bin of the merge distances (else +inf)."""
    w = np.asarray(merge_distances, dtype=np.float64)
    if len(w) < 2 or w.max() <= w.min():
        return np.inf
    counts, edges = np.histogram(w, bins=bins)
    empty = np.flatnonzero(counts == 0)
    return float(edges[empty[0]]) if len(empty) else np.inf


def _mst(X: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum spanning tree edges (n - 1) in O(n) memory (scikit-learn's Prim implementation)."""
    from sklearn.cluster._hierarchical_fast import mst_linkage_core
    from sklearn.metrics import DistanceMetric

    X = np.ascontiguousarray(X, dtype=np.float64)
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        X = np.ascontiguousarray(X / np.where(norms > 0, norms, 1.0))
    if len(X) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    mst = mst_linkage_core(X, DistanceMetric.get_metric("euclidean"))
    w = mst[:, 2] if metric == "euclidean" else mst[:, 2] ** 2 / 2.0
    return mst[:, 0].astype(np.int64), mst[:, 1].astype(np.int64), w


class HDBSCAN(Clusterer):
    kind = "hdbscan"
    _param_names = ("min_cluster_size", "min_samples", "metric")

    def __init__(self, min_cluster_size: int = 5, min_samples: int | None = None, metric: str = "euclidean") -> None:
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.metric = metric

    def check_params(self) -> Self:
        self._check_metric()
        check_param(
            "HDBSCAN",
            "min_cluster_size",
            self.min_cluster_size,
            _is_int(self.min_cluster_size) and self.min_cluster_size >= 2,
            "an int >= 2",
        )
        if self.min_samples is not None:
            check_param(
                "HDBSCAN",
                "min_samples",
                self.min_samples,
                _is_int(self.min_samples) and self.min_samples >= 1,
                "an int >= 1 or None",
            )
        return self

    def prepare(self, X: np.ndarray, *, random_state: int | None = 0) -> Self:
        self.check_params()
        check_param(
            "HDBSCAN",
            "min_cluster_size",
            self.min_cluster_size,
            self.min_cluster_size <= len(X),
            f"at most the number of points ({len(X)})",
        )
        return self

    @property
    def min_cube_points(self) -> int:
        return int(self.min_cluster_size)

    def fit_predict(self, X: np.ndarray, *, device: str | None = None) -> np.ndarray:
        from sklearn.cluster import HDBSCAN as SkHDBSCAN

        labels: np.ndarray = SkHDBSCAN(
            min_cluster_size=self.min_cluster_size, min_samples=self.min_samples, metric=self.metric, copy=True
        ).fit_predict(np.asarray(X, dtype=np.float64))
        return labels


CLUSTERERS: dict[str, type[Clusterer]] = {c.kind: c for c in (DBSCAN, SingleLinkage, HDBSCAN)}
CLUSTERERS["agglomerative"] = SingleLinkage


def make_clusterer(spec: Clusterer | dict[str, Any] | str, **params: Any) -> Clusterer:
    """A clusterer from an object, a dict with a ``kind``, or a kind name and keyword parameters."""
    if isinstance(spec, Clusterer):
        return spec
    if isinstance(spec, dict):
        params = {**spec, **params}
        kind = params.pop("kind", "dbscan")
    else:
        kind = spec
    check_param("Mapper", "clusterer", kind, kind in CLUSTERERS, f"one of {sorted(CLUSTERERS)}")
    cls = CLUSTERERS[kind]
    unknown = sorted(k for k, v in params.items() if k not in cls._param_names)
    if unknown:
        raise InvalidParameterError(
            f"{cls.__name__} has no parameter {unknown[0]!r}; its parameters are {list(cls._param_names)}."
        )
    return cls(**params)
