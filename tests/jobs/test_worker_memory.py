"""A job that goes over its worker's memory budget is stopped, not the server: the nanny stops the worker, the job
fails with a message naming the budget and its setting, the server keeps answering (its own memory untouched), a
new worker replaces the old one, and the next job succeeds."""

from __future__ import annotations

import gc
import threading
import time

import numpy as np
import psutil
import pytest
from fastapi.testclient import TestClient
from job_helpers import wait_job

from topoalign.api.app import create_app
from topoalign.api.settings import Settings
from topoalign.representation import Representation

BUDGET = "1GiB"
GRAPH = {
    "lens": {"kind": "pca", "n_components": 1},
    "cover": {"kind": "kmapper", "n_intervals": 8, "overlap": 0.3},
    "clusterer": {"kind": "dbscan", "eps": 2.0, "min_samples": 3},
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(
        data=tmp_path_factory.mktemp("memory") / "store", warm_umap=False, dask_workers=1, worker_memory=BUDGET
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _add(store, collection: str, n: int, d: int) -> str:
    ids = [f"s{i}" for i in range(n)]
    store.create_collection(collection, ids)
    x = np.random.default_rng(0).random((n, d), dtype=np.float32)
    rep = store.add_representation(collection, Representation(x, ids, name="layer")).id
    del x
    return rep


@pytest.mark.slow
def test_a_job_over_the_worker_budget_fails_and_the_next_one_succeeds(client):
    store = client.app.state.store
    # 30,000 stimuli x 5,000 units: 600 MB as float32, which a worker (about 0.5 GB once it has imported the compute
    # core) cannot load within its 1 GiB budget; the request itself passes every cost check (an 8-interval cover)
    big = _add(store, "big", 30_000, 5_000)
    small = _add(store, "small", 600, 8)
    gc.collect()
    engine = client.app.state.jobs.engine
    before_workers = engine.worker_addresses()
    server = psutil.Process()
    baseline = server.memory_info().rss
    peak = [baseline]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], server.memory_info().rss)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        r = client.post("/api/graphs", json={"representation_id": big, **GRAPH})
        assert r.status_code == 202, r.text
        deadline = time.time() + 120
        while (job := client.get(f"/api/jobs/{r.json()['job_id']}").json())["status"] in ("queued", "running"):
            assert client.get("/api/health").status_code == 200  # the server answers all along
            assert time.time() < deadline, job
            time.sleep(0.2)
    finally:
        stop.set()
        watcher.join()
    assert job["status"] == "failed", job
    assert job["message"] == "worker_lost"
    assert "memory budget of 1.00 GiB per worker" in job["error"] and "TOPOALIGN_WORKER_MEMORY" in job["error"]
    assert peak[0] - baseline < 150 * 2**20, (baseline, peak[0])  # the server never held the array

    r = client.post("/api/graphs", json={"representation_id": small, **GRAPH})
    assert r.status_code == 202, r.text
    assert wait_job(client, r.json()["job_id"], timeout=120)["status"] == "done"
    assert engine.worker_addresses() != before_workers  # the nanny replaced the worker it stopped
