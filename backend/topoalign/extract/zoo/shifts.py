"""Shifted copies of the MNIST test images: ImageNet-C style corruptions at graded severities, and a second real
domain of handwritten digits (``sklearn``'s 8x8 digits, upsampled to MNIST's 28x28 format).

Corruptions come from ``corrupt-tta`` (MIT; ImageNet-C's corruptions rewritten on OpenCV / scikit-image, with its
frost textures bundled: nothing is fetched at run time). Each 28x28 image is repeated to three channels, corrupted,
and averaged back to grey. ``corrupt-tta`` draws from NumPy's global generator, so every (corruption, severity) is
seeded on its own and the caller's global state is restored afterwards: the shifted images are the same on every run.

The digits domain keeps the stimulus ids of the MNIST test set: the slot of MNIST test image *i* shows a
``load_digits`` image of the same class (each used once), so class labels stay valid and conditions compare by id.
"""

from __future__ import annotations

import zlib
from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np

from topoalign.errors import InvalidParameterError, NotFoundError

# The corruptions a default build uses, two noises, three blurs, two weathers and one digital, chosen because
# their severities 1, 3 and 5 cost a trained model graded amounts of accuracy on 28x28 digits (docs/demo.md).
# Left out: shot/speckle noise, JPEG, saturate (no effect on these digits), elastic (not graded at this size),
# frost and zoom blur (slow: 2-8 ms an image).
CORRUPTIONS = (
    "gaussian_noise",
    "impulse_noise",
    "gaussian_blur",
    "glass_blur",
    "motion_blur",
    "fog",
    "snow",
    "contrast",
)
SEVERITIES = (1, 3, 5)
DIGITS_DOMAIN = "sklearn-digits"


def corruption_names() -> list[str]:
    """Every corruption ``corrupt-tta`` offers (19)."""
    return list(_corrupt_tta().corruption_dict)


def _corrupt_tta():
    try:
        import corrupt_tta
    except ImportError as exc:
        raise NotFoundError(
            "The image corruptions of the MNIST demo need the 'corrupt-tta' package: pip install --no-deps "
            "corrupt-tta==0.1.7 opencv-python-headless scikit-image (make run installs them)."
        ) from exc
    return corrupt_tta


@contextmanager
def _seeded_numpy_global(seed: int) -> Iterator[None]:
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def corrupt_images(images: np.ndarray, corruption: str, severity: int, seed: int = 0) -> np.ndarray:
    """One corruption of grey images.

    Parameters
    ----------
    images : (n_images x 28 x 28) float array in [0, 1]
    corruption : a name of :func:`corruption_names`
    severity : 1 (mild) to 5 (strongest)

    Returns (n_images x 28 x 28) float32 in [0, 1], the same for the same arguments on every run.
    """
    ctta = _corrupt_tta()
    if corruption not in ctta.corruption_dict:
        raise InvalidParameterError(
            f"The 'corruption' parameter must be one of {sorted(ctta.corruption_dict)}. Got {corruption!r} instead."
        )
    if not (isinstance(severity, (int, np.integer)) and 1 <= severity <= 5):
        raise InvalidParameterError(f"The 'severity' parameter must be an integer in [1, 5]. Got {severity!r} instead.")
    fn = ctta.corruption_dict[corruption]
    rgb = np.repeat(np.clip(images, 0.0, 1.0)[..., None] * 255.0, 3, axis=-1).astype(np.float32)
    out = np.empty(images.shape, dtype=np.float32)
    with _seeded_numpy_global(zlib.crc32(f"{seed}/{corruption}/{severity}".encode())):
        for i, img in enumerate(rgb):
            res = np.asarray(fn(img, int(severity)), dtype=np.float32)
            out[i] = res.mean(axis=-1) if res.ndim == 3 else res
    return np.clip(out / 255.0, 0.0, 1.0)


def digits_domain(classes: np.ndarray, seed: int = 0) -> np.ndarray:
    """``sklearn``'s 8x8 digits as MNIST-format images, one per slot, of the class of that slot.

    Parameters
    ----------
    classes : (n,) int, the class of each slot (at most as many of a class as ``load_digits`` has, ~180)

    Returns (n x 28 x 28) float32 in [0, 1]: each 8x8 digit upsampled to 20x20 (bilinear) and centred in 28x28,
    as MNIST's digits are.
    """
    from scipy import ndimage
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    pools = {c: list(rng.permutation(np.flatnonzero(digits.target == c))) for c in range(10)}
    out = np.zeros((len(classes), 28, 28), dtype=np.float32)
    for i, c in enumerate(np.asarray(classes, dtype=int)):
        if not pools[c]:
            raise InvalidParameterError(f"More slots of class {c} than sklearn's digits hold.")
        img = digits.images[pools[c].pop()] / 16.0
        big = ndimage.zoom(img, 20 / 8, order=1, mode="nearest", grid_mode=True)
        out[i, 4:24, 4:24] = np.clip(big, 0.0, 1.0)
    return out


def shifted_conditions(
    x_test: np.ndarray,
    y_test: np.ndarray,
    corruptions: Sequence[str] = CORRUPTIONS,
    severities: Sequence[int] = SEVERITIES,
    digits: bool = True,
    seed: int = 0,
    progress=None,
) -> dict[str, np.ndarray]:
    """``ood:<corruption>-<severity>`` for every pair, and ``ood:sklearn-digits``; each (n x 28 x 28) in [0, 1]."""
    out: dict[str, np.ndarray] = {}
    total = len(corruptions) * len(severities) + int(digits)
    for corruption in corruptions:
        for severity in severities:
            out[f"ood:{corruption}-{severity}"] = corrupt_images(x_test, corruption, severity, seed)
            if progress is not None:
                progress(len(out) / total, f"corrupting: {corruption} {severity}")
    if digits:
        out[f"ood:{DIGITS_DOMAIN}"] = digits_domain(y_test, seed)
    return out
