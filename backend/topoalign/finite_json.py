"""The one rule for non-finite numbers in stored and exported JSON: NaN and +-Infinity are written as ``null``.

Python's ``json`` writes them as bare ``NaN`` / ``Infinity``, which is not JSON (browsers' ``JSON.parse`` rejects
it), so every writer of a stored result (graphs, topo results, audits, job results) and of an export (the audit's
CSV and JSON) passes its payload through :func:`dumps_finite` or :func:`finite_json`; what the store holds can then
be passed on unparsed.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite_json(value: Any) -> Any:
    """``value`` as plain JSON data: dicts (keys as str), lists, numpy arrays and scalars as Python values, and
    every non-finite float as None."""
    if isinstance(value, dict):
        return {str(k): finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # a numpy array or scalar, without importing numpy
        return finite_json(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps_finite(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` of ``value`` with non-finite floats as ``null`` (``kwargs`` as for ``json.dumps``)."""
    try:  # the common case (nothing to replace) without a copy of the payload
        return json.dumps(value, allow_nan=False, **kwargs)
    except ValueError:
        return json.dumps(finite_json(value), allow_nan=False, **kwargs)
