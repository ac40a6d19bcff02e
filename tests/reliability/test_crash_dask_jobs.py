"""kill -9 a server while a job runs on its in-process Dask workers: the worker processes go with it, the restarted
server marks the job interrupted, and re-running it runs it on the new workers (with progress, and cancellable)."""

from __future__ import annotations

import httpx
import numpy as np
import psutil
import pytest
from job_helpers import wait_until

from topoalign.representation import Representation
from topoalign.store import Store


def _job(url: str, job_id: str) -> dict:
    return httpx.get(f"{url}/api/jobs/{job_id}").json()


@pytest.mark.slow
def test_kill_during_a_dask_job_then_rerun_it(server_factory, tmp_path):
    store = Store(tmp_path / "store")
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(2000)]
    store.create_collection("c", ids)
    x = rng.normal(size=(2000, 64)).astype(np.float32)
    reps = [
        store.add_representation("c", Representation(m, ids, name=f"r{k}")).id
        for k, m in enumerate((x, x @ rng.normal(size=(64, 64)).astype(np.float32)))
    ]
    body = {
        "representation_a": reps[0],
        "representation_b": reps[1],
        "metric": "procrustes",
        "folds": 2,
        "n_permutations": 1000,
    }

    srv = server_factory(TOPOALIGN_DASK_WORKERS="1").start()
    job_id = httpx.post(f"{srv.url}/api/align", json=body, timeout=30).json()["job_id"]
    assert wait_until(lambda: _job(srv.url, job_id)["progress"] > 0, 120), _job(srv.url, job_id)
    workers = psutil.Process(srv.proc.pid).children(recursive=True)
    assert workers, "the server runs its jobs in worker processes"
    srv.kill9()
    assert wait_until(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in workers), 30), (
        "worker processes outlived their server"
    )

    srv2 = server_factory(TOPOALIGN_DASK_WORKERS="1").start()
    assert _job(srv2.url, job_id)["status"] == "interrupted"
    r = httpx.post(f"{srv2.url}/api/jobs/{job_id}/rerun", timeout=30)
    assert r.status_code == 202, r.text
    new_id = r.json()["job_id"]
    assert wait_until(lambda: _job(srv2.url, new_id)["progress"] > 0, 120), _job(srv2.url, new_id)
    assert httpx.post(f"{srv2.url}/api/jobs/{new_id}/cancel", timeout=30).status_code == 200
    assert wait_until(lambda: _job(srv2.url, new_id)["status"] == "cancelled", 30), _job(srv2.url, new_id)
    srv2.stop()
