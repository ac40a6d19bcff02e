"""End-to-end fixtures: a real uvicorn server on a free loopback port over a temporary data dir holding the quick
demo, and one run of the Chromium walk-through (frontend/e2e/flow.mjs) whose report the tests read.

Needs: the built dashboard (backend/topoalign/static, `npm run build`), frontend/node_modules (playwright-core) and
Debian's chromium; tests skip with the reason when one is missing. Screenshots and exports go to test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
STATIC = ROOT / "backend" / "topoalign" / "static"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

sys.path.insert(0, str(Path(__file__).parent))


def missing_prerequisite() -> str | None:
    if not (STATIC / "index.html").is_file():
        return "the dashboard is not built (cd frontend && npm run build)"
    if not (FRONTEND / "node_modules" / "playwright-core").is_dir():
        return "frontend/node_modules is missing (cd frontend && npm ci)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if shutil.which("node") is None:
        return "node is not installed"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory):
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    import uvicorn

    from fixtures import add_second_model
    from topoalign.api.app import create_app
    from topoalign.api.settings import Settings
    from topoalign.extract.zoo.demo import build_demo
    from topoalign.store import Store

    data = tmp_path_factory.mktemp("e2e-store")
    store = Store(data)
    build_demo(store, quick=True)
    add_second_model(store)
    app = create_app(Settings(data=data, warm_umap=False))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield {"base": f"http://127.0.0.1:{port}"}
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def e2e_report(e2e_server):
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    proc = subprocess.run(["node", str(FRONTEND / "e2e" / "flow.mjs"), e2e_server["base"], str(ARTIFACTS)],
                          cwd=FRONTEND, capture_output=True, text=True, timeout=600)
    path = ARTIFACTS / "e2e-report.json"
    assert path.is_file(), f"the walk-through wrote no report:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(path.read_text())
