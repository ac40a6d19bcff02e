"""Shared fixtures: a real Store on a real SQLite file, and the real app over it."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def store(tmp_path):
    from topoalign.store import Store

    return Store(tmp_path / "store")


@pytest.fixture
def app_settings(tmp_path):
    from topoalign.api.settings import Settings

    return Settings(data=tmp_path / "store", warm_umap=False)


@pytest.fixture
def client(app_settings):
    from fastapi.testclient import TestClient

    from topoalign.api.app import create_app

    with TestClient(create_app(app_settings)) as c:
        yield c
