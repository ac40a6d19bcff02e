"""Helpers of the end-to-end tests: where things are, whether Chromium and the built dashboard are there, a real
uvicorn server on a free loopback port, a walk-through step's facts, and the data: the quick demo plus a second
MNIST "model" (a rotated, noisy copy of seed 0), because audits compare models and the quick demo trains one seed."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from topoalign.representation import Representation

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
STATIC = ROOT / "backend" / "topoalign" / "static"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


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


def add_second_model(store, collection: str = "mnist", suffix: str = "-copy", noise: float = 0.3, seed: int = 1) -> int:
    rng = np.random.default_rng(seed)
    cid = next(c.id for c in store.list_collections() if c.name == collection)
    added = 0
    for rec in store.list_representations(cid):
        if rec.provenance.model is None or rec.provenance.model.endswith(suffix):
            continue
        rep = store.load_representation(rec.id)
        d = rep.matrix.shape[1]
        q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        X = rep.matrix @ q + noise * rep.matrix.std() * rng.normal(size=rep.matrix.shape)
        prov = dataclasses.replace(
            rep.provenance, model=rep.provenance.model + suffix, seed=(rep.provenance.seed or 0) + 100
        )
        store.add_representation(
            cid,
            Representation(
                X.astype(np.float32),
                rep.stimulus_ids,
                rep.labels,
                prov,
                rep.name.replace(rep.provenance.model, prov.model),
            ),
        )
        added += 1
    return added


@contextmanager
def serving(app):
    """A real uvicorn server for ``app`` on a free loopback port; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def step(report, name):
    """A walk-through step's facts, failing with its error when the step did not run or failed."""
    s = report["steps"].get(name)
    assert s is not None, f"step {name!r} did not run"
    assert s["ok"], f"step {name!r} failed: {s.get('error')}"
    return s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
