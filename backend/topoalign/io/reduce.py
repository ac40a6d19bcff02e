"""Reduce conv and sequence activations to one (n_stimuli x n_units) matrix per layer.

Rules (also used by ``topoalign.extract``):

- conv ``(n, c, h, w)``: ``gap`` global average pool over h, w -> (n, c) (default); ``center`` the centre pixel
  ``[h // 2, w // 2]`` -> (n, c); ``flatten`` -> (n, c * h * w) in C order (as ``torch.flatten(x, 1)``).
- sequence ``(n, t, d)``: ``mean`` over tokens -> (n, d), restricted to ``mask`` (n, t) when given (default);
  ``first`` the first token (CLS) -> (n, d).
"""

from __future__ import annotations

import numpy as np

from topoalign.errors import InvalidInputError, check_param

CONV_RULES = ("gap", "center", "flatten")
SEQ_RULES = ("mean", "first")


def reduce_conv(x: np.ndarray, rule: str = "gap") -> np.ndarray:
    """(n, c, h, w) -> (n, c) for ``gap``/``center`` or (n, c*h*w) for ``flatten``; float32."""
    check_param("reduce_conv", "rule", rule, rule in CONV_RULES, f"one of {list(CONV_RULES)}")
    x = np.asarray(x)
    if x.ndim != 4:
        raise InvalidInputError(
            f"Conv reduction needs a 4-D (n, c, h, w) array; got shape {x.shape}.", code="bad_shape"
        )
    if rule == "gap":
        out = x.mean(axis=(2, 3), dtype=np.float64)
    elif rule == "center":
        out = x[:, :, x.shape[2] // 2, x.shape[3] // 2]
    else:
        out = x.reshape(x.shape[0], -1)
    return np.ascontiguousarray(out, dtype=np.float32)


def reduce_sequence(x: np.ndarray, rule: str = "mean", mask: np.ndarray | None = None) -> np.ndarray:
    """(n, t, d) -> (n, d); ``mask`` (n, t) of 0/1 or bool selects the tokens averaged by ``mean``."""
    check_param("reduce_sequence", "rule", rule, rule in SEQ_RULES, f"one of {list(SEQ_RULES)}")
    x = np.asarray(x)
    if x.ndim != 3:
        raise InvalidInputError(
            f"Sequence reduction needs a 3-D (n, t, d) array; got shape {x.shape}.", code="bad_shape"
        )
    if rule == "first":
        return np.ascontiguousarray(x[:, 0, :], dtype=np.float32)
    if mask is None:
        return np.ascontiguousarray(x.mean(axis=1, dtype=np.float64), dtype=np.float32)
    mask = np.asarray(mask)
    if mask.shape != x.shape[:2]:
        raise InvalidInputError(
            f"The sequence mask has shape {mask.shape} but the activations have shape {x.shape}; "
            f"the mask must be (n, t) = {x.shape[:2]}.",
            code="bad_shape",
        )
    if mask.dtype.kind not in "biuf":
        raise InvalidInputError(
            f"The sequence mask must be bool or 0/1 numbers; got dtype {mask.dtype}.", code="non_numeric"
        )
    keep = mask.astype(bool)
    counts = keep.sum(axis=1)
    if (counts == 0).any():
        rows = np.flatnonzero(counts == 0)[:5].tolist()
        raise InvalidInputError(
            f"The sequence mask selects no token in {int((counts == 0).sum())} rows (e.g. {rows}).", code="bad_mask"
        )
    # where() rather than multiply so that NaN in padded positions cannot leak into the mean
    summed = np.where(keep[:, :, None], x, 0).sum(axis=1, dtype=np.float64)
    return np.ascontiguousarray(summed / counts[:, None], dtype=np.float32)


def reduce_activations(
    x: np.ndarray, *, conv: str = "gap", seq: str = "mean", mask: np.ndarray | None = None
) -> np.ndarray:
    """Any 2-D, 3-D (sequence) or 4-D (conv) array -> (n x d) float32; other ranks are rejected.

    Values beyond the float32 range become +/-Inf here, which validation then reports.
    """
    x = np.asarray(x)
    with np.errstate(over="ignore", invalid="ignore"):
        if x.ndim == 2:
            return np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim == 3:
            return reduce_sequence(x, seq, mask)
        if x.ndim == 4:
            return reduce_conv(x, conv)
    raise InvalidInputError(
        f"Cannot reduce an array of shape {x.shape} ({x.ndim}-D); expected 2-D, 3-D or 4-D.", code="bad_shape"
    )
