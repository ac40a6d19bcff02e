from __future__ import annotations

import pytest
from align_fixtures import build_synthetic_collection


@pytest.fixture
def synth_store(store):
    build_synthetic_collection(store)
    return store
