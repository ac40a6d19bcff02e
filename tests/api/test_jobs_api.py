import json
import threading
import time

import pytest


def wait_for(client, job_id, statuses, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach {statuses}: {job}")


def test_job_runs_reports_progress_and_streams_events(client):
    jobs = client.app.state.jobs

    def work(progress):
        for i in range(5):
            progress(i / 5, f"step {i}")
            time.sleep(0.05)
        return {"answer": 42}

    jid = jobs.submit("test", {"x": 1}, work)
    events = []
    with client.stream("GET", f"/api/jobs/{jid}/events") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert events[-1]["status"] == "done" and events[-1]["result"] == {"answer": 42}
    assert len(events) >= 2
    assert client.get(f"/api/jobs/{jid}").json()["progress"] == 1.0


def test_job_cancel(client):
    jobs = client.app.state.jobs
    started = threading.Event()

    def slow(progress):
        started.set()
        for i in range(400):
            progress(i / 400, "working")
            time.sleep(0.01)
        return {}

    jid = jobs.submit("slow", {}, slow)
    assert started.wait(5)
    r = client.post(f"/api/jobs/{jid}/cancel")
    assert r.status_code == 200
    assert wait_for(client, jid, {"cancelled"})["status"] == "cancelled"


def test_failed_job_keeps_message(client):
    from topoalign.errors import InvalidParameterError

    def bad(progress):
        raise InvalidParameterError("The 'eps' parameter of DBSCAN must be > 0. Got -1 instead.")

    jid = client.app.state.jobs.submit("bad", {}, bad)
    job = wait_for(client, jid, {"failed"})
    assert "eps" in job["error"] and job["message"] == "invalid_parameter"


def test_running_jobs_are_marked_interrupted_on_restart(tmp_path):
    from topoalign.store import Store

    store = Store(tmp_path)
    jid = store.create_job("mapper", {})
    store.update_job(jid, status="running")
    report = Store(tmp_path).recover()
    assert report["interrupted_jobs"] == 1
    assert store.get_job(jid)["status"] == "interrupted"
