"""Lenses (filter functions): maps from the rows of a representation to R^k that the cover is laid over.

Every lens is a small parameter object in the scikit-learn style: ``__init__`` only stores parameters, validation
happens in ``fit_transform``, and ``params()`` is the JSON-able dictionary that identifies the lens values (the cache
key of the store's ``lens`` artifacts, together with the representation id).

``compute_lens(rep_or_X, spec)`` accepts a lens object, a spec string (``"pca:2"``, ``"umap:2"``, ``"norm"``,
``"density"``, ``"eccentricity"``, ``"knn:5"``, ``"label:digit"``), a dict (``{"kind": "pca", "n_components": 2}``)
or an array of user values.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
import numpy.typing as npt

from topoalign.errors import InvalidParameterError, check_param, param_error
from topoalign.mapper.neighbors import METRICS, metric_rows
from topoalign.representation import Representation

if TYPE_CHECKING:  # pandas only where label columns are read (its import costs ~0.2 s of a CLI start)
    import pandas as pd


class Lens:
    """Base class: subclasses set ``kind`` and implement ``_transform(X, labels) -> (n x k) float64``."""

    kind = "lens"
    _param_names: tuple[str, ...] = ()

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names}

    def params(self) -> dict[str, Any]:
        """JSON-able parameters identifying the lens values (with the input, a cache key)."""
        return {"kind": self.kind, **self.get_params()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def fit_transform(self, X: np.ndarray, labels: pd.DataFrame | None = None) -> np.ndarray:
        """Lens values of the rows of ``X`` (n x d): an (n x k) float64 array."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[0] == 0:
            raise InvalidParameterError(f"A lens needs a non-empty 2-D matrix (n x d); got shape {X.shape}.")
        metric = getattr(self, "metric", "euclidean")
        if metric not in METRICS:
            check_param(type(self).__name__, "metric", metric, False, f"one of {list(METRICS)}")
        values = np.asarray(self._transform(X, labels), dtype=np.float64)
        return values.reshape(len(X), -1)

    def _transform(self, X: np.ndarray, labels: pd.DataFrame | None) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


def _check_int(owner: str, name: str, value: object, lo: int, hi: int | None = None) -> None:
    ok = (
        isinstance(value, (int, np.integer))
        and not isinstance(value, bool)
        and value >= lo
        and (hi is None or value <= hi)
    )
    allowed = f"an int in [{lo}, {hi}]" if hi is not None else f"an int >= {lo}"
    check_param(owner, name, value, ok, allowed)


class PCALens(Lens):
    """The first ``n_components`` principal components (of unit rows for the cosine metric): scikit-learn's
    ``PCA``, computed in numpy (``mapper.pca``, the same values) for tall data."""

    kind = "pca"
    _param_names = ("n_components", "metric", "random_state")

    def __init__(self, n_components: int = 2, metric: str = "euclidean", random_state: int | None = 0) -> None:
        self.n_components = n_components
        self.metric = metric
        self.random_state = random_state

    def _transform(self, X: np.ndarray, labels: pd.DataFrame | None) -> np.ndarray:
        from topoalign.mapper.pca import pca_transform

        n, d = X.shape
        _check_int("PCALens", "n_components", self.n_components, 1, min(n, d))
        rows = metric_rows(X, self.metric)
        values = pca_transform(rows, self.n_components)
        if values is not None:
            return values
        from sklearn.decomposition import PCA

        components: np.ndarray = PCA(n_components=self.n_components, random_state=self.random_state).fit_transform(rows)
        return components


class UMAPLens(Lens):
    """UMAP embedding (umap-learn) with a fixed ``random_state`` (deterministic, single-threaded)."""

    kind = "umap"
    _param_names = ("n_components", "n_neighbors", "min_dist", "metric", "random_state")

    def __init__(
        self,
        n_components: int = 2,
        n_neighbors: int = 15,
        min_dist: float = 0.1,
        metric: str = "euclidean",
        random_state: int = 0,
    ) -> None:
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.metric = metric
        self.random_state = random_state

    def _transform(self, X: np.ndarray, labels: pd.DataFrame | None) -> np.ndarray:
        import umap

        n, d = X.shape
        _check_int("UMAPLens", "n_components", self.n_components, 1, min(d, max(n - 2, 1)))
        _check_int("UMAPLens", "n_neighbors", self.n_neighbors, 2, max(n - 1, 2))
        check_param(
            "UMAPLens",
            "min_dist",
            self.min_dist,
            isinstance(self.min_dist, (int, float)) and 0 <= self.min_dist <= 1,
            "a float in [0, 1]",
        )
        model = umap.UMAP(
            n_components=self.n_components,
            n_neighbors=self.n_neighbors,
            min_dist=self.min_dist,
            metric=self.metric,
            random_state=self.random_state,
        )
        embedding: np.ndarray = model.fit_transform(np.asarray(X, dtype=np.float32))
        return embedding


class NormLens(Lens):
    """The L2 norm of each row."""

    kind = "norm"

    def _transform(self, X: np.ndarray, labels: pd.DataFrame | None) -> np.ndarray:
        norms: np.ndarray = np.linalg.norm(np.asarray(X, dtype=np.float64), axis=1)
        return norms


class _ReferenceLens(Lens):
    """A lens summing over the other rows: exact up to ``max_reference`` rows, else over a seeded random sample."""

    max_reference: int
    random_state: int | None

    def _reference(self, X: np.ndarray) -> np.ndarray:
        _check_int(type(self).__name__, "max_reference", self.max_reference, 2)
        if len(X) <= self.max_reference:
            return X
        rng = np.random.default_rng(self.random_state)
        return X[np.sort(rng.choice(len(X), self.max_reference, replace=False))]

    @staticmethod
    def _chunks(X: np.ndarray, ref: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """Squared Euclidean distances to the reference rows, in row blocks of bounded memory."""
        ref_sq = np.einsum("ij,ij->i", ref, ref)
        step = max(1, 2_000_000 // max(len(ref), 1))
        for a in range(0, len(X), step):
            blk = X[a : a + step]
            d2 = np.einsum("ij,ij->i", blk, blk)[:, None] + ref_sq[None, :] - 2.0 * blk @ ref.T
            yield a, np.maximum(d2, 0.0)


class DensityLens(_ReferenceLens):
    """Gaussian kernel density: mean over rows j of exp(-|x - x_j|^2 / (2 h^2)).

    ``bandwidth`` h defaults to the mean distance to the 15th nearest neighbour of a sample of rows.
    """

    kind = "density"
    _param_names = ("bandwidth", "metric", "max_reference", "random_state")

    def __init__(
        self,
        bandwidth: float | None = None,
        metric: str = "euclidean",
        max_reference: int = 20000,
        random_state: int | None = 0,
    ) -> None:
        self.bandwidth = bandwidth
        self.metric = metric
        self.max_reference = max_reference
        self.random_state = random_state

    def _transform(self, X: np.ndarray, labels: pd.DataFrame | None) -> np.ndarray:
        X = metric_rows(X, self.metric)
        h = self.bandwidth
        if h is None:
            h = _knn_scale(X, 15, self.random_state)
        check_param("DensityLens", "bandwidth", h, isinstance(h, (int, float)) and h > 0, "a float > 0")
        ref = self._reference(X)
        out = np.empty(len(X))
        for a, d2 in self._chunks(X, ref):
            out[a : a + len(d2)] = np.exp(-d2 / (2.0 * h * h)).mean(axis=1)
        return out


class EccentricityLens(_ReferenceLens):
    """Eccentricity: (mean over rows j of |x - x_j|^p)^(1/p), large at the periphery of the data."""

    kind = "eccentricity"
    _param_names = ("p", "metric", "max_reference", "random_state")

    def __init__(
        self, p: float = 1.0, metric: str = "euclidean", max_reference: int = 20000, random_state: int | None = 0
    ) -> None:
        self.p = p
        self.metric = metric
        self.max_reference = max_reference
        self.random_state = random_state

    def _transform(self, X: np.ndarray, labels: pd.DataFrame | None) -> np.ndarray:
        check_param("EccentricityLens", "p", self.p, isinstance(self.p, (int, float)) and self.p > 0, "a float > 0")
        X = metric_rows(X, self.metric)
        ref = self._reference(X)
        out = np.empty(len(X))
        for a, d2 in self._chunks(X, ref):
            out[a : a + len(d2)] = (np.sqrt(d2) ** self.p).mean(axis=1) ** (1.0 / self.p)
        return out


class KNNDistanceLens(Lens):
    """Distance to the k-th nearest other row (small in dense regions)."""

    kind = "knn"
    _param_names = ("k", "metric")

    def __init__(self, k: int = 5, metric: str = "euclidean") -> None:
        self.k = k
        self.metric = metric

    def _transform(self, X: np.ndarray, labels: pd.DataFrame | None) -> np.ndarray:
        from sklearn.neighbors import NearestNeighbors

        _check_int("KNNDistanceLens", "k", self.k, 1, len(X) - 1)
        X = metric_rows(X, self.metric)
        dist, _ = NearestNeighbors(n_neighbors=self.k + 1).fit(X).kneighbors(X)
        kth: np.ndarray = dist[:, self.k]
        return kth


class LabelLens(Lens):
    """A label column: numeric values as they are, categories as their sorted codes."""

    kind = "label"
    _param_names = ("column",)

    def __init__(self, column: str) -> None:
        self.column = column

    def _transform(self, X: np.ndarray, labels: pd.DataFrame | None) -> np.ndarray:
        import pandas as pd

        cols = [] if labels is None else [str(c) for c in labels.columns]
        if labels is None or self.column not in cols:
            raise param_error("LabelLens", "column", self.column, f"a label column, one of {cols}")
        s = labels[[c for c in labels.columns if str(c) == self.column][0]]
        if len(s) != len(X):
            raise InvalidParameterError(
                f"The label column {self.column!r} has {len(s)} rows for {len(X)} rows of data."
            )
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            values = s.to_numpy(dtype=np.float64)
        else:
            values = pd.Categorical(s.astype("string")).codes.astype(np.float64)
            values[values < 0] = np.nan
        if np.isnan(values).any():
            raise InvalidParameterError(
                f"The label column {self.column!r} has missing values; a lens needs one per row."
            )
        return values


class ValuesLens(Lens):
    """User-provided lens values, (n,) or (n x k); identified by a hash of the values."""

    kind = "values"
    _param_names = ("sha256",)

    def __init__(self, values: npt.ArrayLike) -> None:
        self.values = values

    @property
    def sha256(self) -> str:
        arr = np.ascontiguousarray(np.asarray(self.values, dtype=np.float64))
        return hashlib.sha256(repr(arr.shape).encode() + arr.tobytes()).hexdigest()[:32]

    def _transform(self, X: np.ndarray, labels: pd.DataFrame | None) -> np.ndarray:
        values = np.asarray(self.values, dtype=np.float64)
        ok = values.ndim in (1, 2) and len(values) == len(X)
        check_param("ValuesLens", "values", f"array of shape {values.shape}", ok, f"an array of {len(X)} rows")
        if not np.isfinite(values).all():
            raise InvalidParameterError("The 'values' parameter of ValuesLens must be finite everywhere.")
        return values


def _knn_scale(X: np.ndarray, k: int, random_state: int | None, sample: int = 2000) -> float:
    from sklearn.neighbors import NearestNeighbors

    k = max(1, min(k, len(X) - 1))
    rng = np.random.default_rng(random_state)
    rows = X if len(X) <= sample else X[rng.choice(len(X), sample, replace=False)]
    dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(rows)
    scale = float(dist[:, k].mean())
    return scale if scale > 0 else 1.0


LENSES: dict[str, type[Lens]] = {
    cls.kind: cls
    for cls in (PCALens, UMAPLens, NormLens, DensityLens, EccentricityLens, KNNDistanceLens, LabelLens, ValuesLens)
}
# The positional argument of a spec string ("pca:2", "knn:5", "label:digit", "density:0.5").
_SPEC_ARG = {
    "pca": "n_components",
    "umap": "n_components",
    "knn": "k",
    "label": "column",
    "density": "bandwidth",
    "eccentricity": "p",
}


def make_lens(spec: Lens | str | dict[str, Any] | np.ndarray, *, metric: str | None = None) -> Lens:
    """A lens object from a spec string, a dict with a ``kind``, an array of values, or a lens (returned as is)."""
    if isinstance(spec, Lens):
        return spec
    if isinstance(spec, (np.ndarray, list)):
        return ValuesLens(spec)
    if isinstance(spec, str):
        kind, _, arg = spec.partition(":")
        kwargs: dict[str, Any] = {}
        if arg:
            name = _SPEC_ARG.get(kind)
            if name is None:
                raise param_error("Mapper", "lens", spec, "a lens spec such as 'pca:2', 'knn:5', 'label:COLUMN'")
            kwargs[name] = arg if kind == "label" else _number(arg, spec)
        spec = {"kind": kind, **kwargs}
    if not isinstance(spec, dict):
        check_param("Mapper", "lens", spec, False, "a lens spec string, dict or array")
    params = dict(spec)
    lens_kind = params.pop("kind", None)
    check_param("Mapper", "lens", lens_kind, lens_kind in LENSES, f"one of {sorted(LENSES)}")
    cls = LENSES[lens_kind]
    if metric is not None and "metric" in cls._param_names:
        params.setdefault("metric", metric)
    unknown = sorted(set(params) - set(cls._param_names) - ({"values"} if cls is ValuesLens else set()))
    if unknown:
        raise InvalidParameterError(
            f"{cls.__name__} has no parameter {unknown[0]!r}; its parameters are {list(cls._param_names)}."
        )
    return cls(**params)


def _number(text: str, spec: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            check_param("Mapper", "lens", spec, False, "a lens spec with a numeric argument, e.g. 'pca:2'")
    raise AssertionError  # unreachable


def compute_lens(
    rep_or_X: Representation | np.ndarray,
    spec: Lens | str | dict[str, Any] | np.ndarray,
    *,
    labels: pd.DataFrame | None = None,
    metric: str | None = None,
) -> np.ndarray:
    """Lens values (n x k float64) of a representation's rows (labels taken from it) or of a matrix."""
    lens = make_lens(spec, metric=metric)
    if isinstance(rep_or_X, Representation):
        X = rep_or_X.matrix
        if labels is None and rep_or_X.labels is not None:
            labels = rep_or_X.label_frame()
    else:
        X = np.asarray(rep_or_X)
    return lens.fit_transform(X, labels)
