"""Fixtures of the io tests: a populated store, and a check that a failed ingest changed nothing.

(``store``, a real Store in tmp_path, comes from tests/conftest.py.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from topoalign.io import ingest_arrays
from topoalign.store import Store


def store_snapshot(store: Store) -> tuple:
    """Everything a failed ingest must leave as it was: catalog rows, stimuli/labels, and the data files."""
    collections = store.list_collections()
    stimuli = {c.id: store.stimuli(c.id).to_json() for c in collections}
    reps = store.list_representations()
    files = sorted(
        str(p.relative_to(store.data_dir))
        for folder in ("arrays", "artifacts")
        for p in (store.data_dir / folder).rglob("*")
    )
    return collections, stimuli, reps, files


@pytest.fixture
def populated(store) -> Store:
    """A store with collection ``base`` (6 stimuli b0..b5, labels) holding one representation ``existing``."""
    ids = [f"b{i}" for i in range(6)]
    labels = pd.DataFrame({"class": list("xyxyxy")}, index=pd.Index(ids, name="stimulus_id"))
    ingest_arrays(store, "base", {"existing": np.arange(12, dtype=np.float32).reshape(6, 2)}, ids=ids, labels=labels)
    return store


@pytest.fixture
def unchanged(populated):
    """Use as ``with unchanged():`` around an ingest that must fail: asserts the store is exactly as before."""
    from contextlib import contextmanager

    @contextmanager
    def check():
        before = store_snapshot(populated)
        yield populated
        assert store_snapshot(populated) == before

    return check
