"""Hostile input: cost bombs are refused before any work with a 4xx naming the parameter and the budget, with a
bounded peak memory and an unchanged catalog; names and ids can no longer collide or escape the routes."""

from __future__ import annotations

import io
import tracemalloc

import h5py
import numpy as np
import pytest
from fastapi.testclient import TestClient

from topoalign.representation import Representation


def snapshot(store):
    return (
        [c.id for c in store.list_collections()],
        [r.id for r in store.list_representations()],
        sorted(a.id for kind in ("graph", "lens", "topo_regions") for a in store.list_artifacts(kind)),
        [j["id"] if isinstance(j, dict) else j.id for j in store.list_jobs()],
    )


@pytest.fixture
def rep_id(client):
    store = client.app.state.store
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 8)).astype(np.float32)
    ids = [f"s{i}" for i in range(400)]
    coll = store.create_collection("toy", ids)
    return store.add_representation(coll.id, Representation(X, ids, name="l1")).id


def refused(client, body, budget):
    store = client.app.state.store
    before = snapshot(store)
    tracemalloc.start()
    r = client.post("/api/graphs", json=body)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "limit_exceeded" and budget in r.json()["detail"], r.json()
    assert peak < 64 * 1024**2, f"peak {peak / 1e6:.0f} MB"
    assert snapshot(store) == before
    return r.json()["detail"]


@pytest.mark.parametrize("n_intervals", [1_000_000_000, [100_000, 100_000]])
def test_a_cover_of_a_billion_intervals_is_refused_before_any_work(client, rep_id, n_intervals):
    lens = {"kind": "pca", "n_components": 1 if isinstance(n_intervals, int) else 2}
    detail = refused(
        client,
        {
            "representation_id": rep_id,
            "lens": lens,
            "auto": False,
            "cover": {"kind": "kmapper", "n_intervals": n_intervals, "overlap": 0.3},
        },
        "TOPOALIGN_MAX_COVER",
    )
    assert "intervals" in detail
    # the same cover fixed in the automatic mode is refused too
    refused(
        client,
        {
            "representation_id": rep_id,
            "lens": lens,
            "auto": "shape",
            "cover": {"kind": "uniform", "n_intervals": n_intervals},
        },
        "TOPOALIGN_MAX_COVER",
    )


def test_gap_bins_and_grid_bombs(client, rep_id):
    refused(
        client,
        {"representation_id": rep_id, "auto": False, "clusterer": {"kind": "single", "gap_bins": 1_000_000_000}},
        "max_gap_bins",
    )
    grid = {
        "n_intervals": list(range(2, 152)),
        "overlap": [0.1 + i / 1000 for i in range(150)],
        "eps": [0.5 + i for i in range(150)],
        "min_samples": list(range(1, 151)),
    }
    detail = refused(client, {"representation_id": rep_id, "auto": True, "auto_grid": grid}, "max_grid_settings")
    assert "150 x 150 x 150 x 150" in detail


def test_budgets_are_settings_and_hold_for_the_null_models(tmp_path):
    from topoalign import limits
    from topoalign.api.app import create_app
    from topoalign.api.settings import Settings

    settings = Settings(data=tmp_path / "s", warm_umap=False, max_null_work=500, max_cover_cells=50)
    try:
        client = TestClient(create_app(settings))
        store = client.app.state.store
        X = np.random.default_rng(1).normal(size=(200, 5)).astype(np.float32)
        ids = [f"s{i}" for i in range(200)]
        coll = store.create_collection("c", ids)
        reps = [store.add_representation(coll.id, Representation(X + k, ids, name=f"l{k}")).id for k in range(2)]
        r = client.post(
            "/api/graphs",
            json={"representation_id": reps[0], "auto": False, "cover": {"kind": "kmapper", "n_intervals": 8}},
        )
        assert r.status_code == 422 and "64" in r.json()["detail"] and "max_cover_cells" in r.json()["detail"]
        body = {"representation_ids": reps, "auto": False, "cover": {"kind": "kmapper", "n_intervals": 5}}
        job = client.post("/api/graphs/aligned", json=body).json()
        import time

        while (j := client.get(f"/api/jobs/{job['job_id']}").json())["status"] not in ("done", "failed"):
            time.sleep(0.05)
        graph_ids = j["result"]["graph_ids"]
        r = client.post("/api/topo/regions", json={"graph_ids": graph_ids, "n_null": 100})
        if r.status_code == 202:
            while (j := client.get(f"/api/jobs/{r.json()['job_id']}").json())["status"] not in ("done", "failed"):
                time.sleep(0.05)
            assert j["status"] == "failed" and "max_null_work" in (j["error"] or j["message"])
        else:
            assert r.status_code == 422 and "max_null_work" in r.json()["detail"]
    finally:
        limits.configure(**{f: getattr(limits.Limits(), f) for f in ("max_null_work", "max_cover_cells")})


def test_decompression_bombs_of_every_container_are_refused(tmp_path):
    from topoalign import limits
    from topoalign.api.app import create_app
    from topoalign.api.settings import Settings

    client = TestClient(create_app(Settings(data=tmp_path / "s", warm_umap=False, max_expanded_bytes=20 * 1024**2)))
    store = client.app.state.store
    store.create_collection("c", [f"s{i}" for i in range(1000)])
    zeros = np.zeros((1000, 8000), dtype=np.float32)  # 32 MB of arrays in a file of a few hundred KB
    npz = io.BytesIO()
    np.savez_compressed(npz, layer=zeros)
    h5 = io.BytesIO()
    with h5py.File(h5, "w") as f:
        f.create_dataset("layer", data=zeros, chunks=(100, 800), compression="gzip")
    try:
        for name, payload in (("bomb.npz", npz.getvalue()), ("bomb.h5", h5.getvalue())):
            assert len(payload) < 2 * 1024**2
            before = snapshot(store)
            tracemalloc.start()
            r = client.post("/api/uploads", files={"file": (name, payload)})
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert r.status_code == 413, (name, r.text)
            assert "TOPOALIGN_MAX_EXPANDED_BYTES" in r.json()["detail"] and name in r.json()["detail"]
            assert peak < 16 * 1024**2, (name, peak)
            assert snapshot(store) == before
            r = client.post("/api/collections/c/representations", files={"file": (name, payload)})
            assert r.status_code == 413
        assert list((store.data_dir / "uploads").iterdir()) == []
    finally:
        limits.configure(max_expanded_bytes=limits.Limits().max_expanded_bytes)


def test_names_and_ids_never_collide_or_escape(client):
    store = client.app.state.store
    a = client.post("/api/collections", json={"name": "alpha", "stimulus_ids": ["x", "y"]}).json()
    # a collection named like another's id (or like any generated id) cannot be made, so a delete names one thing
    for name in (a["id"], "c0123456789ab", "digits/stimuli"):
        r = client.post("/api/collections", json={"name": name, "stimulus_ids": ["x"]})
        assert r.status_code == 422 and "name" in r.json()["detail"], name
        assert client.patch(f"/api/collections/{a['id']}", json={"name": name}).status_code == 422
    for bad in ([""], ["a\x00b"], ["left\u202eright"], ["tab\there"], ["x" * 501]):
        r = client.post("/api/collections", json={"name": "ids", "stimulus_ids": bad})
        assert r.status_code == 422, bad
    r = client.post("/api/collections", json={"name": "lab", "stimulus_ids": ["x"], "labels": {"text": ["t"]}})
    assert r.status_code == 422 and "reserved" in r.json()["detail"]
    assert [c.name for c in store.list_collections()] == ["alpha"]
    assert client.delete(f"/api/collections/{a['id']}").status_code == 204


def test_listing_collections_does_not_read_their_stimuli(client):
    store = client.app.state.store
    coll = store.create_collection("big", [f"s{i}" for i in range(50_000)])
    with store._connect() as db:  # a listing that parsed the stimuli would fail on this
        db.execute("UPDATE collections SET stimuli_json='not json' WHERE id=?", (coll.id,))
    listed = client.get("/api/collections").json()
    assert [(c["name"], c["n_stimuli"]) for c in listed] == [("big", 50_000)]
