"""End-to-end fixtures: a real uvicorn server on a free loopback port over a temporary data dir holding the quick
demo, and one run of the Chromium walk-through (frontend/e2e/flow.mjs) whose report the tests read.

Needs: the built dashboard (backend/topoalign/static, `npm run build`), frontend/node_modules (playwright-core) and
Debian's chromium; tests skip with the reason when one is missing. Screenshots and exports go to test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures import ARTIFACTS, FRONTEND, missing_prerequisite  # noqa: E402


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory):
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    from fixtures import add_second_model, serving
    from topoalign.api.app import create_app
    from topoalign.api.settings import Settings
    from topoalign.extract.zoo.demo import build_demo
    from topoalign.store import Store

    data = tmp_path_factory.mktemp("e2e-store")
    store = Store(data)
    build_demo(store, quick=True)
    add_second_model(store)
    with serving(create_app(Settings(data=data, warm_umap=False))) as base:
        yield {"base": base}


@pytest.fixture(scope="session")
def e2e_report(e2e_server):
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    proc = subprocess.run(
        ["node", str(FRONTEND / "e2e" / "flow.mjs"), e2e_server["base"], str(ARTIFACTS)],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=600,
    )
    path = ARTIFACTS / "e2e-report.json"
    assert path.is_file(), f"the walk-through wrote no report:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(path.read_text())
