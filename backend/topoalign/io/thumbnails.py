"""Stimulus images as thumbnails: square grey levels (uint8), at most ``MAX_SIDE`` pixels a side.

Read from a ``.npy`` (never unpickled) of shape (n, h, w), (n, h, w, 3) or (n, h, w, 4), in the collection's stimulus
order. Colour is averaged to grey, the image centre-cropped to a square and block-averaged down to at most 32 x 32;
values are scaled to 0-255 from the array's own range (uint8 kept as is).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from topoalign.errors import InvalidInputError

MAX_SIDE = 32


def read_thumbnails(path: str | Path, *, n: int, label: str = "thumbnails") -> np.ndarray:
    """(n, s, s) uint8 thumbnails from an image array file."""
    if Path(label).suffix.lower() != ".npy" and Path(path).suffix.lower() != ".npy":
        raise InvalidInputError(
            f"Thumbnails {label!r} must be a .npy array of images (n, h, w) or (n, h, w, 3).", code="unsupported_format"
        )
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise InvalidInputError(
            f"Thumbnails {label!r} hold pickled objects or are not a plain array ({exc}); save them with numpy.save.",
            code="pickle_refused",
        ) from None
    except Exception as exc:  # noqa: BLE001 - a damaged file can make numpy raise anything
        raise InvalidInputError(f"Thumbnails {label!r} could not be read: {exc}.", code="corrupt_file") from None
    return make_thumbnails(arr, n=n, label=label)


def make_thumbnails(arr: np.ndarray, *, n: int, label: str = "thumbnails") -> np.ndarray:
    if arr.dtype.kind not in "uif" or arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] not in (3, 4)):
        raise InvalidInputError(
            f"Thumbnails {label!r} must be numeric images (n, h, w) or (n, h, w, 3|4); got {arr.dtype} {arr.shape}.",
            code="invalid_shape",
        )
    if arr.shape[0] != n:
        raise InvalidInputError(
            f"Thumbnails {label!r} hold {arr.shape[0]} images for {n} stimuli.", code="row_mismatch"
        )
    img = arr.astype(np.float64)
    if img.ndim == 4:
        img = img[..., :3].mean(axis=-1)
    if not np.isfinite(img).all():
        raise InvalidInputError(f"Thumbnails {label!r} hold NaN or infinite values.", code="nonfinite")
    h, w = img.shape[1:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    img = img[:, top : top + side, left : left + side]
    factor = int(np.ceil(side / MAX_SIDE))
    if factor > 1:
        cut = (side // factor) * factor
        img = img[:, :cut, :cut].reshape(n, cut // factor, factor, cut // factor, factor).mean(axis=(2, 4))
    if arr.dtype == np.uint8 and factor == 1:
        return np.clip(np.round(img), 0, 255).astype(np.uint8)
    lo, hi = float(img.min()), float(img.max())
    scaled = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    return np.round(scaled * 255).astype(np.uint8)
