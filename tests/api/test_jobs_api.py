import json
import threading
import time

from job_helpers import wait_job as wait_for


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


def test_identical_concurrent_graph_requests_share_one_job(client):
    """100 identical POST /api/graphs at once used to make 100 jobs; now they share one (or hit its cache)."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from topoalign.representation import Representation

    store = client.app.state.store
    ids = [f"s{i}" for i in range(200)]
    coll = store.create_collection("concurrent", ids)
    x = np.random.default_rng(0).normal(size=(200, 6)).astype(np.float32)
    rep = store.add_representation(coll.id, Representation(x, ids, name="layer")).id
    body = {
        "representation_id": rep,
        "lens": {"kind": "pca", "n_components": 1},
        "cover": {"kind": "kmapper", "n_intervals": 6, "overlap": 0.3},
        "clusterer": {"kind": "dbscan", "eps": 1.5, "min_samples": 3},
    }
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: client.post("/api/graphs", json=body), range(100)))
    assert {r.status_code for r in answers} <= {200, 202}, {r.status_code for r in answers}
    job_ids = {r.json()["job_id"] for r in answers if r.status_code == 202}
    assert len(job_ids) == 1
    assert [j["id"] for j in client.get("/api/jobs").json() if j["kind"] == "graph"] == list(job_ids)
    assert wait_for(client, job_ids.pop(), {"done"}, timeout=60)["status"] == "done"


def test_failed_job_records_show_no_traceback_or_paths(client):
    """Records of old server versions kept a traceback with absolute paths: the API shows neither."""
    store = client.app.state.store
    jid = store.create_job("graph", {})
    store.update_job(
        jid,
        status="failed",
        message="ValueError",
        error=(f'bad value\nTraceback (most recent call last):\n  File "{store.data_dir.resolve()}/x.py", line 3'),
    )
    for job in (client.get(f"/api/jobs/{jid}").json(), client.get("/api/jobs").json()[0]):
        assert job["error"] == "bad value"
