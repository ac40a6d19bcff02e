"""The one NaN -> null rule of stored and exported JSON (``topoalign.finite_json``) and the store's reading of files
written before it."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from topoalign.finite_json import dumps_finite, finite_json
from topoalign.store.files import read_json_bytes, write_json


def _strict(text):
    def refuse(name):
        raise AssertionError(f"bare {name}")

    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_become_null_and_numpy_values_plain():
    value = {
        "a": [1.0, math.nan, -math.inf],
        2: (np.float32(np.nan), np.int64(3)),
        "x": np.array([0.5, np.inf]),
        "s": "NaN",
    }
    assert finite_json(value) == {"a": [1.0, None, None], "2": [None, 3], "x": [0.5, None], "s": "NaN"}
    assert _strict(dumps_finite(value, default=str)) == finite_json(value)
    plain = {"a": [1, 2.5, "Infinity"]}
    assert dumps_finite(plain, separators=(",", ":")) == json.dumps(plain, separators=(",", ":"))
    with pytest.raises(TypeError):
        dumps_finite({"x": object()})


def test_store_writes_null_and_reads_old_bare_nan_once(tmp_path):
    path = tmp_path / "g.json"
    write_json(path, {"v": [math.nan, 1.0], "label": "NaN"})
    assert _strict(path.read_text()) == {"v": [None, 1.0], "label": "NaN"}
    assert read_json_bytes(path) == path.read_bytes()  # "NaN" inside a string is left alone
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"v": [math.nan, math.inf, -math.inf], "label": "NaN"}, separators=(",", ":")))
    raw = read_json_bytes(old)
    assert _strict(raw) == {"v": [None, None, None], "label": "NaN"}
    assert old.read_bytes() == raw  # rewritten once
