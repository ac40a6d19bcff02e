"""JobRunner: two lanes (heavy jobs cannot starve graph builds), identical requests merged, public-safe failures."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from job_helpers import wait_until

from topoalign.jobs import JobRunner
from topoalign.jobs.lanes import HEAVY, INTERACTIVE, INTERACTIVE_KINDS, lane_of
from topoalign.store import Store


@pytest.fixture
def runner(tmp_path):
    jobs = JobRunner(Store(tmp_path / "store"), max_concurrent=1, max_interactive=1)
    release = threading.Event()

    def blocking(params):
        def run(progress):
            progress(0.1, "waiting")
            assert release.wait(20)
            return {"params": params}

        return run

    for kind in ("topo_score", "audit", "graph"):
        jobs.register(kind, blocking)
    jobs.release = release
    yield jobs
    release.set()
    jobs.shutdown()


def _status(jobs, job_id):
    return jobs.store.get_job(job_id)["status"]


def test_kinds_are_classified_in_one_place():
    assert lane_of("graph") == lane_of("aligned_graphs") == INTERACTIVE
    assert {lane_of(k) for k in ("topo_regions", "topo_score", "audit", "align", "extract", "unknown")} == {HEAVY}


def test_every_interactive_kind_is_a_registered_job_kind():
    """Job kinds live in one core registry (not in routers), which the server, a restarted server and the CLI
    share; every kind the lanes name is in it, and the routers register nothing."""
    import importlib

    from topoalign.api.app import ROUTER_MODULES
    from topoalign.jobs.kinds import KINDS

    assert INTERACTIVE_KINDS <= set(KINDS)
    assert {"graph", "aligned_graphs", "topo_regions", "topo_score", "align", "audit", "extract", "warmup_umap"} <= set(
        KINDS
    )
    assert not [m for m in ROUTER_MODULES if hasattr(importlib.import_module(m), "register_jobs")]


def test_heavy_jobs_cannot_hold_the_interactive_lane(runner):
    heavy = [runner.submit("topo_score", {"n_null": 1000, "i": i}) for i in range(2)]
    assert wait_until(lambda: _status(runner, heavy[0]) == "running")
    assert _status(runner, heavy[1]) == "queued"  # the heavy lane is full
    built = runner.submit("graph", {"representation_id": "r1"})
    assert wait_until(lambda: _status(runner, built) == "running")  # ... but a build starts at once
    assert runner.busy == 2
    runner.release.set()
    assert wait_until(lambda: {_status(runner, j) for j in heavy + [built]} == {"done"})


def test_identical_concurrent_requests_make_one_job(runner):
    params = {"representation_id": "r1", "cover": {"n_intervals": 10, "overlap": 0.3}}
    with ThreadPoolExecutor(16) as pool:
        ids = list(pool.map(lambda i: runner.submit("graph", dict(reversed(list(params.items())))), range(100)))
    assert len(set(ids)) == 1
    assert [j["id"] for j in runner.store.list_jobs()] == [ids[0]]
    other = runner.submit("graph", {**params, "cover": {"n_intervals": 11, "overlap": 0.3}})
    assert other != ids[0]  # other params: another job
    runner.release.set()
    assert wait_until(lambda: _status(runner, ids[0]) == "done")
    assert wait_until(lambda: runner.submit("graph", params) != ids[0])  # an ended job is never joined


def test_a_cancelled_job_is_not_joined_and_explicit_functions_are_not_merged(runner):
    first = runner.submit("audit", {"collection_id": "c"})
    assert runner.submit("audit", {"collection_id": "c"}) == first
    runner.cancel(first)
    second = runner.submit("audit", {"collection_id": "c"})
    assert second != first
    assert wait_until(lambda: _status(runner, first) == "cancelled")
    one = runner.submit("custom", {}, lambda progress: 1)
    two = runner.submit("custom", {}, lambda progress: 2)
    assert one != two


def test_rerun_of_an_interrupted_job_runs_it_again(runner):
    old = runner.store.create_job("graph", {"representation_id": "r9"})
    runner.store.update_job(old, status="interrupted")
    new = runner.rerun(old)
    assert new != old and runner.rerun(old) == new  # re-running twice while it runs: one job
    runner.release.set()
    assert wait_until(lambda: _status(runner, new) == "done")
    assert runner.store.get_job(new)["result"] == {"params": {"representation_id": "r9"}}


def test_a_failed_job_keeps_type_and_message_without_paths(tmp_path, caplog):
    import numpy

    store = Store(tmp_path / "store")
    jobs = JobRunner(store)
    site_file = numpy.__file__

    def broken(progress):
        raise ValueError(f"cannot read {store.data_dir.resolve()}/arrays/r1.npy (from {site_file})")

    with caplog.at_level(logging.ERROR, logger="topoalign.jobs"):
        job_id = jobs.submit("broken", {}, broken)
        assert wait_until(lambda: _status(jobs, job_id) == "failed")
    job = store.get_job(job_id)
    assert job["message"] == "ValueError"
    assert job["error"].startswith("ValueError: cannot read <data>/arrays/r1.npy (from <site-packages>/numpy/")
    assert (
        "Traceback" not in job["error"] and str(tmp_path) not in job["error"] and "/site-packages" not in job["error"]
    )
    assert any(r.exc_info and "Traceback" not in r.getMessage() for r in caplog.records)  # the trace is logged
    jobs.shutdown()
