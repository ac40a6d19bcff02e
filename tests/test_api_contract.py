"""The committed OpenAPI document is the API's contract with the dashboard: its TypeScript client is generated from
``frontend/openapi.json`` (``cd frontend && npm run gen:api``), so that file must be what the app serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from topoalign.api.app import create_app
from topoalign.api.settings import Settings

COMMITTED = Path(__file__).resolve().parents[1] / "frontend" / "openapi.json"


def test_committed_openapi_matches_the_app(tmp_path):
    # serialised exactly as frontend/scripts/gen-api.mjs writes it (print() adds the final newline)
    spec = create_app(Settings(data=tmp_path / "store", warm_umap=False)).openapi()
    live = json.dumps(spec, indent=1, sort_keys=True) + "\n"
    committed = COMMITTED.read_text()
    if live != committed:
        old, new = json.loads(committed), json.loads(live)
        changed = sorted(set(old["paths"]) ^ set(new["paths"]))
        schemas = sorted(
            k
            for k in set(old["components"]["schemas"]) | set(new["components"]["schemas"])
            if old["components"]["schemas"].get(k) != new["components"]["schemas"].get(k)
        )
        paths = sorted(k for k in set(old["paths"]) | set(new["paths"]) if old["paths"].get(k) != new["paths"].get(k))
        pytest.fail(
            "frontend/openapi.json differs from the app's OpenAPI document (and so does the TypeScript client "
            "generated from it): run `cd frontend && npm run gen:api` and commit openapi.json and "
            f"src/api/schema.d.ts. Paths added or removed: {changed or 'none'}; paths changed: {paths or 'none'}; "
            f"schemas changed: {schemas or 'none'}."
        )
