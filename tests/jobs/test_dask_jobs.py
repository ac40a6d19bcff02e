"""Jobs on the server's in-process cluster of two worker processes: progress events from the workers, the lanes (a
graph build finishes while heavy jobs hold every heavy slot), and cancellation of running pieces."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from job_helpers import add_two_models, wait_job

from topoalign.api.app import create_app
from topoalign.api.settings import Settings
from topoalign.representation import Representation

GRAPH = {
    "lens": {"kind": "pca", "n_components": 1},
    "cover": {"kind": "kmapper", "n_intervals": 6, "overlap": 0.3},
    "clusterer": {"kind": "dbscan", "eps": 3.0, "min_samples": 3},
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    # as many heavy jobs may run as the two workers have threads: only the workers' lane slots keep one thread free
    settings = Settings(
        data=tmp_path_factory.mktemp("dask-jobs") / "store",
        warm_umap=False,
        dask_workers=2,
        max_concurrent_jobs=4,
        max_interactive_jobs=2,
    )
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def wide(client):
    """Two representations of 2,000 stimuli x 64 units: a Procrustes permutation null on them takes tens of ms per
    draw, so 1,000 draws keep a worker busy for half a minute or more, reporting every draw."""
    store = client.app.state.store
    rng = np.random.default_rng(1)
    ids = [f"w{i}" for i in range(2000)]
    store.create_collection("wide", ids)
    x = rng.normal(size=(2000, 64)).astype(np.float32)
    y = (x @ rng.normal(size=(64, 64)) + rng.normal(size=(2000, 64))).astype(np.float32)
    return [store.add_representation("wide", Representation(m, ids, name=f"r{k}")).id for k, m in enumerate((x, y))]


def _align(client, wide, n_permutations: int, random_state: int) -> str:
    r = client.post(
        "/api/align",
        json={
            "representation_a": wide[0],
            "representation_b": wide[1],
            "metric": "procrustes",
            "folds": 2,
            "n_permutations": n_permutations,
            "random_state": random_state,
        },
    )
    assert r.status_code == 202, r.text
    return r.json()["job_id"]


def _status(client, job_id: str) -> dict:
    return client.get(f"/api/jobs/{job_id}").json()


def test_progress_of_a_piece_reaches_the_record_and_the_event_stream(client, wide):
    job_id = _align(client, wide, n_permutations=60, random_state=7)
    events = []
    with client.stream("GET", f"/api/jobs/{job_id}/events") as r:
        for line in r.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert events[-1]["status"] == "done", events[-1]
    assert 0 <= events[-1]["result"]["score"] <= 1 and len(events[-1]["result"]["null"]) == 60
    # the worker's progress calls, relayed: fractions between 0 and 1 with the permutation messages
    during = [e for e in events if e["status"] == "running" and 0 < e["progress"] < 1]
    assert any(e["message"].startswith("permutation ") for e in during), events
    assert [e["progress"] for e in during] == sorted(e["progress"] for e in during)


def test_a_build_finishes_while_heavy_jobs_hold_the_heavy_slots_and_cancel_stops_them(client, wide):
    reps = add_two_models(client.app.state.store, name="lanes")
    heavy = [_align(client, wide, n_permutations=1000, random_state=100 + i) for i in range(4)]
    deadline = time.time() + 120
    while sum(_status(client, j)["progress"] > 0.01 for j in heavy) < 2 and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    # four heavy jobs running on the server, but only two pieces on the workers: one per worker's heavy slot
    assert [_status(client, j)["status"] for j in heavy] == ["running"] * 4
    assert sum(_status(client, j)["progress"] > 0 for j in heavy) == 2

    r = client.post("/api/graphs", json={"representation_id": reps[0], **GRAPH})
    assert r.status_code == 202, r.text
    build = wait_job(client, r.json()["job_id"], timeout=60)
    assert build["status"] == "done", build
    states = [_status(client, j) for j in heavy]
    assert [s["status"] for s in states] == ["running"] * 4  # the build did not wait for them
    assert max(s["progress"] for s in states) < 0.5

    for job_id in heavy:
        assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 200
    for job_id in heavy:
        assert wait_job(client, job_id, timeout=20)["status"] == "cancelled"
    # the pieces stopped on the workers: their heavy slots are free again at once (not after the 1,000 draws)
    engine = client.app.state.jobs.engine
    deadline = time.time() + 20
    while time.time() < deadline and sum(engine.client.run(_executing).values()):
        time.sleep(0.1)
    assert sum(engine.client.run(_executing).values()) == 0
    started = time.time()
    quick = wait_job(client, _align(client, wide, n_permutations=0, random_state=5), timeout=60)
    assert quick["status"] == "done" and time.time() - started < 20, quick


def _executing(dask_worker) -> int:
    """Tasks a worker is running now (on the worker, by Client.run)."""
    return dask_worker.state.executing_count + len(dask_worker.state.long_running)
