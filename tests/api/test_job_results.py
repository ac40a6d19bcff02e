"""Every job kind's result is typed (one model per kind of ``topoalign.jobs.kinds.KINDS``, told apart by ``kind``), and
the typing changes nothing in the JSON the server sends: a served job is its stored record."""

from __future__ import annotations

import json

from job_helpers import add_two_models
from job_helpers import wait_job as wait_for

from topoalign.api.schemas.jobs import JOB_RESULTS
from topoalign.jobs.kinds import KINDS
from topoalign.store.record_json import representation_json

GRAPH = {
    "lens": {"kind": "pca", "n_components": 1},
    "cover": {"kind": "kmapper", "n_intervals": 5, "overlap": 0.3},
    "clusterer": {"kind": "dbscan", "eps": 2.0, "min_samples": 3},
}


def test_every_job_kind_has_a_result_model_in_the_openapi_document(client):
    assert set(JOB_RESULTS) == set(KINDS)
    spec = client.get("/openapi.json").json()
    one = spec["paths"]["/api/jobs/{job_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    members = [spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]] for ref in one["oneOf"]]
    assert [m["properties"]["kind"]["const"] for m in members] == list(KINDS)
    assert all("$ref" in json.dumps(m["properties"]["result"]) for m in members)  # typed, not "any"
    listed = spec["paths"]["/api/jobs"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["items"]["oneOf"] == one["oneOf"]
    cancel = spec["paths"]["/api/jobs/{job_id}/cancel"]["post"]["responses"]["200"]["content"]["application/json"]
    assert cancel["schema"]["oneOf"] == one["oneOf"]


def _served_as_stored(client, job_id: str) -> dict:
    stored = json.loads(json.dumps(client.app.state.store.get_job(job_id)))
    served = client.get(f"/api/jobs/{job_id}").json()
    assert served == stored
    assert list(served) == [
        "id",
        "kind",
        "status",
        "progress",
        "message",
        "params",
        "result",
        "error",
        "created_at",
        "updated_at",
    ]  # as before results were typed
    assert [j for j in client.get("/api/jobs").json() if j["id"] == job_id] == [stored]
    if stored["status"] in ("done", "failed"):  # the stream of a queued job would wait for it
        with client.stream("GET", f"/api/jobs/{job_id}/events") as r:
            events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]
        assert events[-1] == stored
    return served


def test_jobs_of_every_kind_are_served_as_stored(client):
    store = client.app.state.store
    reps = add_two_models(store, n=120, layers=1)
    graph = wait_for(client, client.post("/api/graphs", json={"representation_id": reps[0], **GRAPH}).json()["job_id"])
    assert graph["status"] == "done", graph
    _served_as_stored(client, graph["id"])
    aligned = client.post(
        "/api/graphs/aligned", json={"representation_ids": reps, **GRAPH, "layout": {"quality": False}}
    )
    job = wait_for(client, aligned.json()["job_id"])
    assert job["status"] == "done" and set(job["result"]) == {"graph_ids", "layout"}, job
    _served_as_stored(client, job["id"])
    align = client.post("/api/align", json={"representation_a": reps[0], "representation_b": reps[1], "folds": 3})
    job = wait_for(client, align.json()["job_id"])
    assert job["status"] == "done" and job["result"]["metric"] == "procrustes", job
    _served_as_stored(client, job["id"])

    # the other kinds' results, in the shapes their drivers return (kinds.py), without running the work
    rep = representation_json(store.get_representation(reps[0]))
    results = {
        "topo_regions": {"result_id": "a1"},
        "topo_score": {"result_id": "a2"},
        "audit": {"audit_id": "a3", "n_cells": 12, "cached": False},
        "extract": {"collection_id": rep["collection_id"], "representations": [rep]},
        "warmup_umap": {"ready": True},
        "align": {**job["result"], "score": None, "folds": [None, 0.5, None]},
    }  # NaN scores are null
    for kind, result in results.items():
        jid = store.create_job(kind, {})
        store.update_job(jid, status="done", progress=1.0, message="done", result_json=json.dumps(result))
        assert _served_as_stored(client, jid)["result"] == result


def test_jobs_outside_the_registry_are_served_as_stored(client):
    """A kind an older version ran, and work submitted in-process, keep their untyped results."""
    store = client.app.state.store
    old = store.create_job("mapper", {"rep": "r1"})
    store.update_job(old, status="done", result_json=json.dumps({"graph": {"nodes": []}, "n": 3}))
    assert _served_as_stored(client, old)["kind"] == "mapper"
    jid = client.app.state.jobs.submit("custom", {}, lambda progress: [1, "two"])
    assert wait_for(client, jid)["result"] == [1, "two"]
    _served_as_stored(client, jid)


def test_queued_and_failed_jobs_have_no_result(client):
    store = client.app.state.store
    queued = store.create_job("audit", {"collection_id": "c"})
    assert _served_as_stored(client, queued)["result"] is None
    store.update_job(queued, status="failed", error="InvalidInputError: no")
    assert _served_as_stored(client, queued)["result"] is None
