"""Point clouds of known shape, for checking that Mapper graphs recover it.

Each shape is drawn in the plane, embedded by a random rotation into ``dim`` dimensions and blurred by isotropic
Gaussian noise of standard deviation ``noise`` per dimension. ``planted_shape`` returns the points and the truth:
``(b0, b1)``, the number of connected components and of independent loops.

    >>> X, (b0, b1) = planted_shape("figure_eight", n=4000, noise=0.02, seed=0)
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from topoalign.errors import check_param

Point = tuple[float, float]
Maker = Callable[[int, np.random.Generator, float], np.ndarray]  # (n, rng, width) -> (n x 2) points in the plane


def _circle(n: int, rng: np.random.Generator, r: float = 1.0, c: Point = (0.0, 0.0), width: float = 0.0) -> np.ndarray:
    t = rng.uniform(0, 2 * np.pi, n)
    rr = r + rng.uniform(-width / 2, width / 2, n)
    points: np.ndarray = np.c_[c[0] + rr * np.cos(t), c[1] + rr * np.sin(t)]
    return points


def _blob(n: int, rng: np.random.Generator, c: Point, s: float = 0.3) -> np.ndarray:
    return np.asarray(c, dtype=float) + rng.normal(0, s, (n, 2))


def _segment(n: int, rng: np.random.Generator, a: Point, b: Point, width: float = 0.0) -> np.ndarray:
    start, end = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    t = rng.uniform(0, 1, n)[:, None]
    d = end - start
    normal = np.array([-d[1], d[0]]) / np.linalg.norm(d)
    points: np.ndarray = start + t * d + rng.uniform(-width / 2, width / 2, n)[:, None] * normal
    return points


def _split(n: int, shares: Sequence[float]) -> list[int]:
    counts = [int(n * s) for s in shares[:-1]]
    return counts + [n - sum(counts)]


def _flares(n: int, rng: np.random.Generator, w: float) -> np.ndarray:
    return np.vstack(
        [
            _segment(k, rng, (0, 0), (2 * np.cos(a), 2 * np.sin(a)), w)
            for k, a in zip(_split(n, [1 / 3] * 3), (0.3, 2.4, 4.5))
        ]
    )


def _blobs(n: int, rng: np.random.Generator, w: float) -> np.ndarray:
    return np.vstack([_blob(k, rng, c) for k, c in zip(_split(n, [1 / 3] * 3), ((0, 0), (3, 0.5), (1.2, 2.8)))])


def _loop_blobs(n: int, rng: np.random.Generator, w: float) -> np.ndarray:
    a, b, c = _split(n, [0.5, 0.25, 0.25])
    return np.vstack([_circle(a, rng, width=w), _blob(b, rng, (3.2, 0)), _blob(c, rng, (-3.2, 0.5))])


def _ellipse(n: int, rng: np.random.Generator, w: float) -> np.ndarray:
    t = rng.uniform(0, 2 * np.pi, n)
    points: np.ndarray = np.c_[2.5 * np.cos(t), 0.8 * np.sin(t)] + rng.uniform(-w / 2, w / 2, (n, 2))
    return points


# name -> (maker(n, rng, width), (b0, b1))
SHAPES: dict[str, tuple[Maker, tuple[int, int]]] = {
    "circle": (lambda n, rng, w: _circle(n, rng, width=w), (1, 1)),
    "two_circles": (
        lambda n, rng, w: np.r_[
            _circle(n // 2, rng, c=(-1.7, 0), width=w), _circle(n - n // 2, rng, c=(1.7, 0), width=w)
        ],
        (2, 2),
    ),
    "figure_eight": (
        lambda n, rng, w: np.r_[_circle(n // 2, rng, c=(-1, 0), width=w), _circle(n - n // 2, rng, c=(1, 0), width=w)],
        (1, 2),
    ),
    "flares": (_flares, (1, 0)),
    "blobs": (_blobs, (3, 0)),
    "loop_blobs": (_loop_blobs, (3, 1)),
    "circle_tail": (
        lambda n, rng, w: np.r_[
            _circle(int(0.7 * n), rng, width=w), _segment(n - int(0.7 * n), rng, (1, 0), (3, 0), w)
        ],
        (1, 1),
    ),
    "rings_of_two_sizes": (
        lambda n, rng, w: np.r_[
            _circle(int(0.6 * n), rng, width=w), _circle(n - int(0.6 * n), rng, r=0.6, c=(2.5, 0), width=w)
        ],
        (2, 2),
    ),
    "blob_and_ring": (
        lambda n, rng, w: np.r_[_circle(n // 2, rng, r=1.2, width=w), _blob(n - n // 2, rng, (4, 0), 0.4)],
        (2, 1),
    ),
    "line": (lambda n, rng, w: _segment(n, rng, (-3, 0), (3, 0.5), w), (1, 0)),
    "ellipse": (_ellipse, (1, 1)),
    "dumbbell": (
        lambda n, rng, w: np.r_[
            _blob(n // 3, rng, (-3, 0), 0.35),
            _blob(n // 3, rng, (3, 0), 0.35),
            _segment(n - 2 * (n // 3), rng, (-2.5, 0), (2.5, 0), w),
        ],
        (1, 0),
    ),
}


def planted_shape(
    name: str, n: int = 4000, *, width: float = 0.1, noise: float = 0.01, dim: int = 256, seed: int = 0
) -> tuple[np.ndarray, tuple[int, int]]:
    """(n x dim) float32 points of a planted shape and its (b0, b1). ``width``: thickness of curves in the plane
    (radius 1 circles); ``noise``: per-dimension standard deviation of the isotropic noise."""
    check_param("planted_shape", "name", name, name in SHAPES, f"one of {sorted(SHAPES)}")
    check_param("planted_shape", "n", n, isinstance(n, int) and n >= 10, "an int >= 10")
    check_param("planted_shape", "dim", dim, isinstance(dim, int) and dim >= 2, "an int >= 2")
    rng = np.random.default_rng(seed)
    make, truth = SHAPES[name]
    P = make(n, rng, width)
    Q, _ = np.linalg.qr(rng.normal(size=(dim, 2)))
    X = P @ Q.T + rng.normal(0, noise, (len(P), dim))
    return X.astype(np.float32), truth
