"""POST /api/graphs (job, then cached), GET /api/graphs[/{id}], validation errors naming the parameter."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from topoalign.representation import Representation


def wait_for(client, job_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


@pytest.fixture
def rep_id(client):
    store = client.app.state.store
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.3, size=(60, 5)) for c in (0, 3)]).astype(np.float32)
    ids = [f"s{i}" for i in range(120)]
    labels = pd.DataFrame({"group": ["a"] * 60 + ["b"] * 60}, index=ids)
    coll = store.create_collection("toy", ids, labels=labels)
    return store.add_representation(coll.id, Representation(X, ids, name="layer1")).id


BODY = {
    "lens": {"kind": "pca", "n_components": 1},
    "cover": {"kind": "kmapper", "n_intervals": 5, "overlap": 0.3},
    "clusterer": {"kind": "dbscan", "eps": 1.0, "min_samples": 3},
}


def test_build_then_cached(client, rep_id):
    r = client.post("/api/graphs", json={"representation_id": rep_id, **BODY})
    assert r.status_code == 202, r.text
    job = wait_for(client, r.json()["job_id"])
    assert job["status"] == "done", job
    gid = job["result"]["graph_id"]
    g = client.get(f"/api/graphs/{gid}").json()
    assert g["id"] == gid and g["representation_id"] == rep_id and g["n_stimuli"] == 120
    assert g["nodes"] and {"id", "members", "size", "labels"} <= set(g["nodes"][0])
    assert g["nodes"][0]["labels"]["group"]["purity"] == 1.0
    again = client.post("/api/graphs", json={"representation_id": rep_id, **BODY})
    assert again.status_code == 200 and again.json()["id"] == gid
    listed = client.get("/api/graphs", params={"representation_id": rep_id}).json()
    assert [x["id"] for x in listed] == [gid] and listed[0]["n_nodes"] == len(g["nodes"])
    assert client.get("/api/graphs", params={"representation_id": "rnope"}).json() == []


def test_stability_and_auto(client, rep_id):
    r = client.post("/api/graphs", json={"representation_id": rep_id, **BODY, "stability": 3})
    job = wait_for(client, r.json()["job_id"])
    g = client.get(f"/api/graphs/{job['result']['graph_id']}").json()
    assert g["params"]["stability"]["n_resamples"] == 3
    assert all(n["stability"] is not None for n in g["nodes"])
    r = client.post(
        "/api/graphs",
        json={
            "representation_id": rep_id,
            "lens": {"kind": "pca", "n_components": 1},
            "auto": True,
            "auto_grid": {"n_intervals": [3, 5], "eps": [1.0]},
        },
    )
    job = wait_for(client, r.json()["job_id"])
    assert job["status"] == "done", job
    g = client.get(f"/api/graphs/{job['result']['graph_id']}").json()
    assert len(g["params"]["auto"]["table"]) == 2


@pytest.mark.parametrize(
    "patch,name",
    [
        ({"cover": {"kind": "kmapper", "n_intervals": 5, "overlap": 1.5}}, "overlap"),
        ({"cover": {"kind": "uniform", "n_intervals": 0, "overlap": 0.3}}, "n_intervals"),
        ({"clusterer": {"kind": "dbscan", "eps": 0, "min_samples": 3}}, "eps"),
        ({"clusterer": {"kind": "dbscan", "eps": 1.0, "min_samples": 500}}, "min_samples"),
        ({"lens": {"kind": "pca", "n_components": 9}}, "n_components"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(client, rep_id, patch, name):
    r = client.post("/api/graphs", json={"representation_id": rep_id, **BODY, **patch})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_parameter" and f"'{name}'" in r.json()["detail"]


def test_unknown_lens_and_missing_things(client, rep_id):
    r = client.post("/api/graphs", json={"representation_id": rep_id, **BODY, "lens": {"kind": "wavelet"}})
    assert r.status_code == 422 and "lens" in r.json()["detail"]
    r = client.post("/api/graphs", json={"representation_id": "rmissing", **BODY})
    assert r.status_code == 404
    assert client.get("/api/graphs/anope").status_code == 404


def test_graph_schema_in_openapi(client):
    spec = client.get("/openapi.json").json()
    assert "/api/graphs" in spec["paths"] and "/api/graphs/{graph_id}" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert {"GraphOut", "GraphNode", "GraphEdge", "GraphRequest"} <= set(schemas)
    assert "members" in schemas["GraphNode"]["properties"]
    assert "202" in spec["paths"]["/api/graphs"]["post"]["responses"]


def test_graph_job_can_be_rerun_from_its_params(client, rep_id):
    """Job kinds are rebuilt from their JSON params (what a restart after a crash needs): re-running a graph
    build gives the same cached graph."""
    r = client.post("/api/graphs", json={"representation_id": rep_id, **BODY, "random_state": 3})
    first = wait_for(client, r.json()["job_id"])
    assert first["status"] == "done", first
    again = client.post(f"/api/jobs/{first['id']}/rerun")
    assert again.status_code == 202, again.text
    second = wait_for(client, again.json()["job_id"])
    assert second["status"] == "done" and second["result"]["graph_id"] == first["result"]["graph_id"]


def test_graph_answer_is_the_stored_json_and_matches_the_schema(client, rep_id):
    """GET passes the stored JSON on unparsed: it must equal what the response model makes of the stored payload."""
    from topoalign.api.schemas.graphs import GraphOut

    job = wait_for(client, client.post("/api/graphs", json={"representation_id": rep_id, **BODY}).json()["job_id"])
    gid = job["result"]["graph_id"]
    r = client.get(f"/api/graphs/{gid}")
    assert r.headers["content-type"] == "application/json"
    stored = client.app.state.store.load_artifact(gid)
    assert GraphOut.model_validate(r.json()) == GraphOut(id=gid, **stored)
    assert r.json() == {"id": gid, **stored}
    assert client.post("/api/graphs", json={"representation_id": rep_id, **BODY}).json() == r.json()


def _strict_json(text: str):
    """JSON as a browser parses it: bare NaN / Infinity are errors."""
    import json

    def refuse(name):
        raise AssertionError(f"bare {name} in the JSON")

    return json.loads(text, parse_constant=refuse)


def test_graph_with_non_finite_values_is_answered_as_json(client, rep_id):
    """Python's json writes NaN bare; the store writes null instead, so the stored bytes are served as they are."""
    import json

    store = client.app.state.store
    job = wait_for(client, client.post("/api/graphs", json={"representation_id": rep_id, **BODY}).json()["job_id"])
    payload = store.load_artifact(job["result"]["graph_id"])
    payload["nodes"][0]["lens_mean"] = [float("nan")]
    payload["edges"] = [dict(payload["edges"][0], jaccard=float("inf"))] if payload["edges"] else []
    rec = store.put_artifact("graph", {"representation_id": rep_id, "nan": True}, payload, representation_ids=[rep_id])
    r = client.get(f"/api/graphs/{rec.id}")
    assert r.status_code == 200

    def refuse(name):
        raise AssertionError(f"bare {name} in the answer")

    body = json.loads(r.text, parse_constant=refuse)  # strict JSON, as a browser parses it
    assert body["nodes"][0]["lens_mean"] == [None] and body["id"] == rec.id
    assert client.get("/api/graphs/anope").status_code == 404
    stored = store.artifact_path("graph", rec.id, ".json").read_text()
    assert _strict_json(stored)["nodes"][0]["lens_mean"] == [None]  # null where it was written, not when served
    assert body == {"id": rec.id, **_strict_json(stored)}


def test_graph_stored_with_bare_nan_by_an_older_version_is_served_as_json(client, rep_id):
    """Graphs written before the store wrote null hold bare NaN / Infinity: served with null, and the file is
    rewritten once."""
    import json

    store = client.app.state.store
    job = wait_for(client, client.post("/api/graphs", json={"representation_id": rep_id, **BODY}).json()["job_id"])
    gid = job["result"]["graph_id"]
    payload = store.load_artifact(gid)
    payload["nodes"][0]["lens_mean"] = [float("nan"), float("-inf")]
    payload["nodes"][0]["stability"] = float("inf")
    path = store.artifact_path("graph", gid, ".json")
    path.write_text(json.dumps(payload, separators=(",", ":")))  # what the store wrote before
    assert b"NaN" in path.read_bytes()
    r = client.get(f"/api/graphs/{gid}")
    assert r.status_code == 200
    body = _strict_json(r.text)
    assert body["nodes"][0]["lens_mean"] == [None, None] and body["nodes"][0]["stability"] is None
    assert body["id"] == gid and body["nodes"][1:] == payload["nodes"][1:]
    assert _strict_json(path.read_text())["nodes"][0]["lens_mean"] == [None, None]  # converted once
    assert _strict_json(client.get(f"/api/graphs/{gid}").text) == body


@pytest.fixture
def circles_id(client):
    """Two planted loops: the default graph must show b0 = 2, b1 = 2 and place every stimulus."""
    from topoalign.mapper.planted import planted_shape

    store = client.app.state.store
    X, _ = planted_shape("two_circles", n=900, noise=0.01, seed=0, dim=16)
    ids = [f"p{i}" for i in range(len(X))]
    coll = store.create_collection("planted", ids)
    return store.add_representation(coll.id, Representation(X, ids, name="circles")).id


def test_defaults_choose_the_cover_and_scale_from_the_data(client, circles_id):
    r = client.post("/api/graphs", json={"representation_id": circles_id})
    assert r.status_code == 202, r.text
    job = wait_for(client, r.json()["job_id"])
    assert job["status"] == "done", job
    g = client.get(f"/api/graphs/{job['result']['graph_id']}").json()
    assert g["coverage"] == 1.0 and g["n_covered"] == 900
    assert (g["topology"]["b0"], g["topology"]["b1"]) == (2, 2)
    assert len(g["topology"]["loops"]) == 2 and all(lp["confidence"] is not None for lp in g["topology"]["loops"])
    auto = g["params"]["auto"]
    assert auto["strategy"] == "shape" and "b1=2" in auto["reason"] and auto["table"]
    assert g["params"]["clusterer"]["kind"] == "single" and g["params"]["cover"]["kind"] == "kmapper"
    # the same request again is answered from the cache; so is an explicit "auto": "shape"
    again = client.post("/api/graphs", json={"representation_id": circles_id, "auto": "shape"})
    assert again.status_code == 200 and again.json()["id"] == g["id"]
    # the chosen parameters rebuild the graph explicitly (the dashboard's "edit" path)
    cover = g["params"]["cover"]
    clusterer = {k: v for k, v in g["params"]["clusterer"].items() if v is not None}
    r = client.post(
        "/api/graphs",
        json={
            "representation_id": circles_id,
            "auto": False,
            "cover": {"kind": "kmapper", "n_intervals": cover["n_cubes"], "overlap": cover["perc_overlap"]},
            "clusterer": clusterer,
        },
    )
    job = wait_for(client, r.json()["job_id"])
    explicit = client.get(f"/api/graphs/{job['result']['graph_id']}").json()
    assert [n["members"] for n in explicit["nodes"]] == [n["members"] for n in g["nodes"]]


def test_cmo_strategy_and_explicit_kmapper_mode(client, circles_id):
    r = client.post("/api/graphs", json={"representation_id": circles_id, "auto": "cmo"})
    job = wait_for(client, r.json()["job_id"])
    g = client.get(f"/api/graphs/{job['result']['graph_id']}").json()
    assert g["params"]["auto"]["strategy"] == "cmo" and "Carriere-Michel-Oudot" in g["params"]["auto"]["reason"]
    r = client.post("/api/graphs", json={"representation_id": circles_id, "cover": {"kind": "kmapper"}})
    job = wait_for(client, r.json()["job_id"])
    g = client.get(f"/api/graphs/{job['result']['graph_id']}").json()
    assert "auto" not in g["params"]
    assert g["params"]["cover"] == {"kind": "kmapper", "n_cubes": 10, "perc_overlap": 0.3}
    assert g["params"]["clusterer"]["kind"] == "dbscan" and g["params"]["clusterer"]["eps"] == "auto"


def test_auto_shape_keeps_a_given_cover_and_refuses_a_given_clusterer(client, circles_id):
    r = client.post(
        "/api/graphs",
        json={
            "representation_id": circles_id,
            "auto": "shape",
            "cover": {"kind": "uniform", "n_intervals": 7, "overlap": 0.4},
        },
    )
    job = wait_for(client, r.json()["job_id"])
    g = client.get(f"/api/graphs/{job['result']['graph_id']}").json()
    assert g["params"]["cover"] == {"kind": "uniform", "n_intervals": 7, "overlap": 0.4}
    assert g["params"]["clusterer"]["kind"] == "single" and g["coverage"] == 1.0
    assert "cover was given" in g["params"]["auto"]["reason"]
    before = len(client.app.state.store.list_artifacts("graph"))
    r = client.post(
        "/api/graphs",
        json={"representation_id": circles_id, "auto": "shape", "clusterer": {"kind": "dbscan", "eps": 1.0}},
    )
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_parameter" and "'auto'" in r.json()["detail"]
    r = client.post("/api/graphs", json={"representation_id": circles_id, "auto": "magic"})
    assert r.status_code == 422 and "auto" in r.json()["detail"]
    assert len(client.app.state.store.list_artifacts("graph")) == before
