"""An aligned build and an audit through the API, run on a real Dask cluster: the server's in-process cluster of two
worker processes, and a separately started ``dask scheduler`` + ``dask worker`` pair, both on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from distributed import Client, get_task_stream
from fastapi.testclient import TestClient
from job_helpers import add_two_models, wait_job
from threadpoolctl import threadpool_info

from topoalign.align.procrustes import procrustes_score
from topoalign.api.app import create_app
from topoalign.api.settings import Settings
from topoalign.cores import usable_cores
from topoalign.mapper.build import _threads as mapper_threads
from topoalign.jobs.engine import EngineConfig, close_engines

LAYOUT = {"mode": "overlay", "quality": False}
GRAPH = {
    "lens": {"kind": "pca", "n_components": 1},
    "cover": {"kind": "kmapper", "n_intervals": 6, "overlap": 0.3},
    "clusterer": {"kind": "dbscan", "eps": 3.0, "min_samples": 3},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def external_scheduler(tmp_path_factory):
    """``dask scheduler`` and one ``dask worker`` (two threads, the lane slots, a memory budget) as subprocesses."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask-logs")
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(logs / "scheduler.log", "wb"),
        )
    ]
    procs.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                address,
                "--host",
                "127.0.0.1",
                "--nthreads",
                "2",
                "--resources",
                "interactive=1,heavy=1",
                "--memory-limit",
                "4GiB",
                "--no-dashboard",
                "--name",
                "external-worker",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(logs / "worker.log", "wb"),
        )
    )
    try:
        deadline = time.time() + 120
        while True:
            try:
                with Client(address, timeout="5s") as probe:
                    probe.wait_for_workers(1, timeout=max(1.0, deadline - time.time()))
                break
            except OSError:
                if time.time() > deadline or any(p.poll() is not None for p in procs):
                    raise RuntimeError(
                        (logs / "scheduler.log").read_text()[-2000:] + (logs / "worker.log").read_text()[-2000:]
                    ) from None
                time.sleep(0.5)
        yield address
    finally:
        close_engines(EngineConfig(scheduler=address))  # the app's client, before its scheduler goes
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(params=["in-process cluster", "external scheduler"])
def served(request, tmp_path):
    """An app whose jobs run on the cluster of the parameter, over a fresh data directory."""
    if request.param == "external scheduler":
        settings = Settings(
            data=tmp_path / "store", warm_umap=False, dask_scheduler=request.getfixturevalue("external_scheduler")
        )
    else:
        settings = Settings(data=tmp_path / "store", warm_umap=False, dask_workers=2)
    with TestClient(create_app(settings)) as client:
        yield request.param, client


def test_aligned_build_and_audit_run_on_the_cluster(served):
    which, client = served
    store = client.app.state.store
    reps = add_two_models(store)
    engine = client.app.state.jobs.engine
    workers = engine.worker_addresses()
    pids = engine.client.run(os.getpid)
    assert os.getpid() not in pids.values()  # worker processes, not threads of the server
    assert len(workers) == (2 if which == "in-process cluster" else 1)
    # the in-process workers split the cores (their Mapper pools and BLAS); a remote cluster's workers keep theirs
    # (functions of installed packages only: the external worker cannot import this test module)
    threads, pools = engine.client.run(mapper_threads), engine.client.run(threadpool_info)
    expected = max(1, usable_cores() // 2) if which == "in-process cluster" else usable_cores()
    assert set(threads.values()) == {expected}
    assert all(p["num_threads"] <= expected for info in pools.values() for p in info if p["user_api"] == "blas")

    with get_task_stream(engine.client) as stream:
        r = client.post("/api/graphs/aligned", json={"representation_ids": reps[:4], "layout": LAYOUT, **GRAPH})
        assert r.status_code == 202, r.text
        job = wait_job(client, r.json()["job_id"])
        assert job["status"] == "done", job
        graph_ids = job["result"]["graph_ids"]
        assert len(set(graph_ids)) == 4 and job["result"]["layout"]["result_id"]
        for rid, gid in zip(reps, graph_ids):  # the graphs the workers stored are the server's cache
            assert client.get(f"/api/graphs/{gid}").json()["representation_id"] == rid

        r = client.post("/api/collections/zoo/audits", json={"metrics": ["procrustes"], "folds": 3, "n_null": 0})
        assert r.status_code == 202, r.text
        job = wait_job(client, r.json()["job_id"])
        assert job["status"] == "done", job
    ran = {task["worker"] for task in stream.data if str(task["key"]).startswith("run_piece-")}
    assert ran <= set(workers) and (len(ran) == 2 if which == "in-process cluster" else ran == set(workers))

    audit = client.get(f"/api/audits/{job['result']['audit_id']}").json()
    assert {c["metric"] for c in audit["cells"]} == {"procrustes"} and len(audit["cells"]) == job["result"]["n_cells"]
    cell = next(c for c in audit["cells"] if c["analysis"] == "layers")
    a, b = (store.load_representation(cell[k]) for k in ("representation_a", "representation_b"))
    assert cell["score"] == pytest.approx(procrustes_score(a, b, folds=3).score, abs=1e-6)
