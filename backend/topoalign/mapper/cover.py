"""Covers of the lens image: products of closed intervals, one family of intervals per lens dimension.

- ``UniformCover(n_intervals, overlap)``: equal-length intervals spanning [min, max]; adjacent intervals share the
  fraction ``overlap`` of their length.
- ``BalancedCover(n_intervals, overlap)``: the same construction in rank space, so intervals hold about equally
  many rows (quantile intervals).
- ``KMapperCover(n_cubes, perc_overlap)``: KeplerMapper 2.1 ``Cover`` to the last float operation, quirks
  included: centres ``linspace(min + range/(2n), max - range/(2n), n)``, radius ``range / (2 n (1 - p))``, closed
  intervals. The centres do not move with p; the cubes widen instead, so the outer cubes overhang [min, max] (the
  uniform cover instead fits its n intervals to [min, max]); n_cubes = 1 is one cube centred on the middle.

``fit(lens)`` computes the intervals; ``elements(lens)`` lists the non-empty cover elements as
``(index tuple, sorted row indices)`` in ``itertools.product`` order (the order KeplerMapper visits its cubes).
"""

from __future__ import annotations

from itertools import product
from typing import Any, Iterator

import numpy as np

from topoalign.errors import InvalidParameterError, check_param

IntervalCounts = int | list[int]  # one count for every lens dimension, or one per dimension
Overlaps = float | list[float]
CoverElement = tuple[tuple[int, ...], np.ndarray]  # (interval index per lens dimension, sorted int64 rows)


class Cover:
    """Base class: subclasses implement ``_intervals(values, n, p) -> (lower, upper)`` per lens dimension."""

    kind = "cover"
    _n_name = "n_intervals"
    _p_name = "overlap"
    intervals_: list[tuple[np.ndarray, np.ndarray]]

    def __init__(self, n_intervals: IntervalCounts = 10, overlap: Overlaps = 0.3) -> None:
        self.n_intervals = n_intervals
        self.overlap = overlap

    def get_params(self) -> dict[str, Any]:
        return {
            self._n_name: _jsonable(getattr(self, self._n_name)),
            self._p_name: _jsonable(getattr(self, self._p_name)),
        }

    def params(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.get_params()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    # -- fitting ----------------------------------------------------------------------------------------------
    def _per_dim(self, name: str, value: object, n_dims: int) -> list[Any]:
        values = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value] * n_dims
        check_param(
            type(self).__name__,
            name,
            value,
            len(values) == n_dims,
            f"a single value or one per lens dimension ({n_dims})",
        )
        return values

    def check_params(self, n_dims: int | None = None) -> tuple[list[int], list[float]]:
        """Validate the parameters (per-dimension lists need ``n_dims``); returns them per dimension."""
        owner = type(self).__name__
        n_raw, p_raw = getattr(self, self._n_name), getattr(self, self._p_name)
        if n_dims is None:
            n_dims = max(len(v) if isinstance(v, (list, tuple, np.ndarray)) else 1 for v in (n_raw, p_raw))
        ns = self._per_dim(self._n_name, n_raw, n_dims)
        ps = self._per_dim(self._p_name, p_raw, n_dims)
        check_intervals_overlap(owner, ns, ps, self._n_name, self._p_name)
        return ns, ps

    def fit(self, lens: np.ndarray) -> "Cover":
        """Compute the intervals of each lens dimension. ``lens``: (n x k) lens values."""
        lens = _as_lens(lens)
        ns, ps = self.check_params(lens.shape[1])
        check_cover_cost(type(self).__name__, ns, lens.shape[0])
        self.intervals_ = [self._intervals(lens[:, k], int(n), float(p)) for k, (n, p) in enumerate(zip(ns, ps))]
        return self

    def _intervals(self, values: np.ndarray, n: int, p: float) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    # -- membership -------------------------------------------------------------------------------------------
    def memberships(self, lens: np.ndarray) -> list[np.ndarray]:
        """Per lens dimension, an (n x n_intervals) boolean matrix: row in closed interval."""
        lens = _as_lens(lens)
        if not hasattr(self, "intervals_"):
            raise InvalidParameterError(f"{type(self).__name__} must be fitted before use.")
        return [
            (lens[:, [k]] >= lo[None, :]) & (lens[:, [k]] <= hi[None, :]) for k, (lo, hi) in enumerate(self.intervals_)
        ]

    def elements(self, lens: np.ndarray) -> Iterator[CoverElement]:
        """Non-empty cover elements ``(index tuple, sorted int64 rows)``, in ``itertools.product`` order."""
        masks = self.memberships(lens)
        rows_first = [np.flatnonzero(masks[0][:, i]) for i in range(masks[0].shape[1])]
        for index in product(*(range(m.shape[1]) for m in masks)):
            rows = rows_first[index[0]]
            for k in range(1, len(masks)):
                if not len(rows):
                    break
                rows = rows[masks[k][rows, index[k]]]
            if len(rows):
                yield tuple(int(i) for i in index), rows.astype(np.int64)

    def fit_elements(self, lens: np.ndarray) -> list[CoverElement]:
        return list(self.fit(lens).elements(lens))

    @property
    def n_elements(self) -> int:
        return int(np.prod([len(lo) for lo, _ in self.intervals_]))


class UniformCover(Cover):
    """``n_intervals`` equal closed intervals over [min, max] per dimension; neighbours share ``overlap`` of a length."""

    kind = "uniform"

    def _intervals(self, values: np.ndarray, n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
        lo_v, hi_v = float(values.min()), float(values.max())
        length = (hi_v - lo_v) / ((n - 1) * (1 - p) + 1)
        lower = lo_v + np.arange(n) * length * (1 - p)
        upper = lower + length
        lower[0], upper[-1] = lo_v, hi_v  # no row lost to rounding at the ends
        return lower, upper


class BalancedCover(Cover):
    """Quantile intervals: the uniform construction on ranks, so each interval holds about n / n_intervals rows."""

    kind = "balanced"

    def _intervals(self, values: np.ndarray, n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
        length = 1.0 / ((n - 1) * (1 - p) + 1)
        q_lo = np.arange(n) * length * (1 - p)
        q_hi = np.minimum(q_lo + length, 1.0)
        q_lo[0], q_hi[-1] = 0.0, 1.0
        return np.quantile(values, q_lo), np.quantile(values, q_hi)


class KMapperCover(Cover):
    """KeplerMapper 2.1 ``Cover(n_cubes, perc_overlap)``, reproduced float operation for float operation."""

    kind = "kmapper"
    _n_name = "n_cubes"
    _p_name = "perc_overlap"

    def __init__(self, n_cubes: IntervalCounts = 10, perc_overlap: Overlaps = 0.3) -> None:
        self.n_cubes = n_cubes
        self.perc_overlap = perc_overlap

    def _intervals(self, values: np.ndarray, n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
        # kmapper: bounds = (min, max); inner_range = ((n-1)/n) * range; inset = (range - inner_range) / 2;
        # radius = range / (2 n (1 - p)); centers = linspace(min + inset, max - inset, n);
        # a row is in a cube when center - radius <= value <= center + radius (elementwise, float64).
        n_cubes = np.repeat(n, 1)
        perc = np.repeat(p, 1)
        bounds = (np.min(values[:, None], axis=0), np.max(values[:, None], axis=0))
        ranges = bounds[1] - bounds[0]
        inner_range = ((n_cubes - 1) / n_cubes) * ranges
        inset = (ranges - inner_range) / 2
        with np.errstate(divide="ignore"):
            radius = ranges / (2 * n_cubes * (1 - perc))
        centers = np.linspace(bounds[0][0] + inset[0], bounds[1][0] - inset[0], num=n)
        return centers - radius[0], centers + radius[0]


COVERS: dict[str, type[Cover]] = {c.kind: c for c in (KMapperCover, UniformCover, BalancedCover)}  # the default first


def make_cover(kind: str | Cover, n_intervals: IntervalCounts = 10, overlap: Overlaps = 0.3) -> Cover:
    """A cover by name (``uniform``, ``balanced``, ``kmapper``) with intervals per dimension and overlap."""
    if isinstance(kind, Cover):
        return kind
    check_param("Mapper", "cover", kind, kind in COVERS, f"one of {sorted(COVERS)}")
    return COVERS[kind](n_intervals, overlap)


def check_intervals_overlap(
    owner: str, ns: object, ps: object, n_name: str = "n_intervals", p_name: str = "overlap"
) -> None:
    """Intervals per dimension are ints >= 1; overlaps are in [0, 1)."""
    for n in ns if isinstance(ns, (list, tuple)) else [ns]:
        check_param(
            owner, n_name, n, isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1, "an int >= 1"
        )
    for p in ps if isinstance(ps, (list, tuple)) else [ps]:
        check_param(
            owner,
            p_name,
            p,
            isinstance(p, (int, float, np.floating)) and not isinstance(p, bool) and 0 <= p < 1,
            "in [0, 1)",
        )


def check_cover_cost(owner: str, ns: int | list[int] | tuple[int, ...], n_rows: int) -> None:
    """Refuse a cover whose cost is over budget before anything is allocated (``topoalign.limits``): its elements
    (the product of the intervals per lens dimension) and its membership tables (rows x intervals per dimension)."""
    from topoalign import limits

    counts = [int(n) for n in (ns if isinstance(ns, (list, tuple)) else [ns])]
    limits.check(
        f"The cover of {owner} ({' x '.join(map(str, counts))} intervals)",
        float(np.prod(counts, dtype=float)),
        "max_cover_cells",
        hint="Use fewer intervals.",
    )
    limits.check(
        f"The cover of {owner} on {n_rows:,} rows ({' + '.join(map(str, counts))} intervals)",
        float(n_rows) * float(sum(counts)),
        "max_cover_membership",
        hint="Use fewer intervals.",
    )


def _as_lens(lens: np.ndarray) -> np.ndarray:
    lens = np.asarray(lens, dtype=np.float64)
    if lens.ndim == 1:
        lens = lens[:, None]
    if lens.ndim != 2 or lens.shape[0] == 0 or lens.shape[1] == 0:
        raise InvalidParameterError(f"Lens values must be a non-empty (n,) or (n x k) array; got shape {lens.shape}.")
    if not np.isfinite(lens).all():
        raise InvalidParameterError("Lens values must be finite.")
    return lens


def _jsonable(v: object) -> object:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return list(v) if isinstance(v, tuple) else v
