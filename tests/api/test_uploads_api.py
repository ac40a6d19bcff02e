"""A researcher's own data through the API: collections from a stimulus table, rename, labels merged; staged
multi-array uploads committed with provenance per array; task metrics; extraction jobs; the model folder listing;
the token's 401s."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

IDS = [f"s{i:02d}" for i in range(40)]


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def two_models() -> bytes:
    rng = np.random.default_rng(0)
    return npz_bytes(
        stimulus_ids=np.array(IDS),
        **{
            f"{m}/{layer}": rng.normal(size=(40, 6)).astype(np.float32)
            for m in ("netA", "netB")
            for layer in ("l1", "l2", "l3")
        },
    )


def table_csv() -> bytes:
    frame = pd.DataFrame(
        {
            "stimulus_id": IDS,
            "text": [f"sentence {i}" for i in range(40)],
            "topic": ["a", "b"] * 20,
            "score": np.arange(40) / 10,
        }
    )
    return frame.to_csv(index=False).encode()


def wait(client, job_id, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(job)


@pytest.fixture
def coll(client):
    r = client.post(
        "/api/collections/from-table",
        data={"name": "mine", "description": "d"},
        files={"table": ("stimuli.csv", table_csv(), "text/csv")},
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_collection_from_a_table_with_thumbnails_rename_and_delete(client):
    thumbs = np.random.default_rng(1).integers(0, 255, size=(40, 64, 64, 3), dtype=np.uint8)
    buf = io.BytesIO()
    np.save(buf, thumbs)
    r = client.post(
        "/api/collections/from-table",
        data={"name": "imgs"},
        files={"table": ("s.csv", table_csv(), "text/csv"), "thumbnails": ("t.npy", buf.getvalue())},
    )
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["n_stimuli"], c["label_columns"], c["has_text"]) == (40, ["topic", "score"], True)
    t = client.get(f"/api/collections/{c['id']}/thumbnails", params={"ids": "s00,s01"}).json()
    assert len(t["s00"]) == 32 * 32  # colour averaged to grey, 64 x 64 block-averaged to 32 x 32
    stimuli = client.get(f"/api/collections/{c['id']}/stimuli").json()
    assert stimuli["texts"][3] == "sentence 3" and stimuli["labels"]["topic"][:2] == ["a", "b"]
    r = client.patch(f"/api/collections/{c['id']}", json={"name": "images", "description": "renamed"})
    assert r.status_code == 200 and r.json()["name"] == "images" and r.json()["description"] == "renamed"
    client.post("/api/collections", json={"name": "other", "stimulus_ids": ["x"]})
    r = client.patch(f"/api/collections/{c['id']}", json={"name": "other"})
    assert r.status_code == 409 and "already exists" in r.json()["detail"]
    assert client.patch(f"/api/collections/{c['id']}", json={"name": "../x"}).status_code == 422
    # wrong thumbnails: a count that differs from the table is refused, and nothing is created
    bad = io.BytesIO()
    np.save(bad, thumbs[:5])
    r = client.post(
        "/api/collections/from-table",
        data={"name": "imgs2"},
        files={"table": ("s.csv", table_csv(), "text/csv"), "thumbnails": ("t.npy", bad.getvalue())},
    )
    assert r.status_code == 422 and "5 images for 40" in r.json()["detail"]
    assert [x["name"] for x in client.get("/api/collections").json()] == ["images", "other"]
    assert client.delete(f"/api/collections/{c['id']}").status_code == 204
    assert client.get(f"/api/collections/{c['id']}").status_code == 404


def test_labels_merge_and_overwrite_only_when_asked(client, coll):
    partial = pd.DataFrame({"stimulus_id": IDS[:10], "mood": ["calm"] * 10, "topic": ["a", "b"] * 5})
    r = client.post(
        f"/api/collections/{coll['id']}/labels",
        files={"labels": ("l.csv", partial.to_csv(index=False).encode(), "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == {"mood": 10, "topic": 0}
    labels = client.get(f"/api/collections/{coll['id']}/stimuli").json()["labels"]
    assert labels["mood"][:10] == ["calm"] * 10 and labels["mood"][10] is None
    assert labels["topic"] == ["a", "b"] * 20  # stimuli the file leaves out keep their labels
    change = pd.DataFrame({"stimulus_id": ["s00"], "topic": ["z"]}).to_csv(index=False).encode()
    r = client.post(f"/api/collections/{coll['id']}/labels", files={"labels": ("l.csv", change, "text/csv")})
    assert r.status_code == 409 and "overwrite" in r.json()["detail"]
    r = client.post(
        f"/api/collections/{coll['id']}/labels",
        files={"labels": ("l.csv", change, "text/csv")},
        data={"overwrite": "true"},
    )
    assert r.status_code == 200 and r.json()["changed"] == {"topic": 1}
    reserved = pd.DataFrame({"stimulus_id": ["s00"], "text": ["x"]}).to_csv(index=False).encode()
    r = client.post(f"/api/collections/{coll['id']}/labels", files={"labels": ("l.csv", reserved, "text/csv")})
    assert r.status_code == 422 and "reserved" in r.json()["detail"]


def test_staged_upload_shows_its_arrays_and_commits_with_provenance_per_array(client, coll):
    r = client.post("/api/uploads", files={"file": ("acts.npz", two_models())})
    assert r.status_code == 201, r.text
    staged = r.json()
    assert staged["n_rows"] == 40 and staged["has_ids"] and not staged["single"]
    a = {x["key"]: x for x in staged["arrays"]}
    assert list(a) == ["netA/l1", "netA/l2", "netA/l3", "netB/l1", "netB/l2", "netB/l3"]
    assert (
        a["netB/l2"]["model"],
        a["netB/l2"]["layer"],
        a["netB/l2"]["layer_index"],
        a["netB/l2"]["layer_fraction"],
    ) == ("netB", "l2", 1, 0.5)
    assert client.get(f"/api/uploads/{staged['upload_id']}").json()["arrays"] == staged["arrays"]
    # a bad row: refused, nothing stored, the staging kept for the retry
    bad = {"collection": coll["id"], "rows": [{"key": "netA/l1", "metrics": {"accuracy": "high"}}]}
    assert client.post(f"/api/uploads/{staged['upload_id']}/commit", json=bad).status_code == 422
    bad = {"collection": coll["id"], "rows": [{"key": "nope"}]}
    r = client.post(f"/api/uploads/{staged['upload_id']}/commit", json=bad)
    assert r.status_code == 422 and "nope" in r.json()["detail"]
    assert client.get(f"/api/collections/{coll['id']}/representations").json() == []
    body = {
        "collection": coll["id"],
        "provenance": {"architecture": "mlp", "epoch": 5, "metrics": {"loss": 0.3}},
        "rows": [
            {"key": "netA/l1"},
            {"key": "netA/l2"},
            {"key": "netA/l3", "name": "netA/top", "seed": 0, "metrics": {"accuracy": 0.9}},
            {"key": "netB/l1", "include": False},
            {"key": "netB/l2", "seed": 1},
            {"key": "netB/l3", "seed": 1, "layer_fraction": 0.9, "condition": "ood:blur"},
        ],
    }
    r = client.post(f"/api/uploads/{staged['upload_id']}/commit", json=body)
    assert r.status_code == 201, r.text
    reps = {x["name"]: x["provenance"] for x in r.json()["representations"]}
    assert set(reps) == {"netA/l1", "netA/l2", "netA/top", "netB/l2", "netB/l3"}
    top = reps["netA/top"]
    assert (
        top["model"],
        top["architecture"],
        top["layer"],
        top["layer_index"],
        top["layer_fraction"],
        top["epoch"],
        top["seed"],
    ) == ("netA", "mlp", "l3", 2, 1.0, 5, 0)
    assert top["metrics"] == {"loss": 0.3, "accuracy": 0.9}  # the base's metrics, then the row's
    assert reps["netB/l3"]["layer_fraction"] == 0.9 and reps["netB/l3"]["condition"] == "ood:blur"
    assert client.get(f"/api/uploads/{staged['upload_id']}").status_code == 404  # committed: the staging is gone
    listed = client.get(f"/api/collections/{coll['id']}/representations").json()
    assert {x["name"]: x["provenance"]["metrics"] for x in listed}["netA/top"] == {"loss": 0.3, "accuracy": 0.9}


def test_commit_into_a_new_collection_and_a_name_conflict_stores_nothing(client, coll):
    staged = client.post("/api/uploads", files={"file": ("acts.npz", two_models())}).json()
    r = client.post(
        f"/api/uploads/{staged['upload_id']}/commit",
        json={"collection": "fresh", "create": True, "description": "made by a commit"},
    )
    assert r.status_code == 201 and len(r.json()["representations"]) == 6
    fresh = client.get("/api/collections/fresh").json()
    assert fresh["n_stimuli"] == 40 and fresh["description"] == "made by a commit"
    again = client.post("/api/uploads", files={"file": ("acts.npz", two_models())}).json()
    r = client.post(f"/api/uploads/{again['upload_id']}/commit", json={"collection": "fresh"})
    assert r.status_code == 409
    assert len(client.get("/api/collections/fresh/representations").json()) == 6
    assert client.delete(f"/api/uploads/{again['upload_id']}").status_code == 204
    assert client.delete(f"/api/uploads/{again['upload_id']}").status_code == 404


def test_a_malformed_file_is_refused_at_staging_and_leaves_nothing(client, coll):
    store = client.app.state.store
    r = client.post("/api/uploads", files={"file": ("broken.npy", b"not numpy at all")})
    assert r.status_code in (400, 415, 422) and "broken.npy" in r.json()["detail"]
    assert not (store.data_dir / "uploads").exists() or list((store.data_dir / "uploads").iterdir()) == []
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    r = client.post("/api/uploads", files={"file": ("obj.npy", pickled.getvalue())})
    assert r.status_code in (400, 415, 422) and "pickle" in r.json()["detail"].lower()


def test_single_shot_upload_takes_metrics_architecture_and_rows(client, coll):
    r = client.post(
        f"/api/collections/{coll['id']}/representations",
        files={"file": ("acts.npz", two_models())},
        data={
            "architecture": "mlp",
            "metrics": json.dumps({"accuracy": 0.8}),
            "rows": json.dumps([{"key": "netA/l1", "name": "first"}, {"key": "netA/l2"}]),
        },
    )
    assert r.status_code == 201, r.text
    reps = r.json()["representations"]
    assert [x["name"] for x in reps] == ["first", "netA/l2"]
    assert reps[0]["provenance"]["metrics"] == {"accuracy": 0.8} and reps[0]["provenance"]["architecture"] == "mlp"
    r = client.post(
        f"/api/collections/{coll['id']}/representations",
        files={"file": ("acts.npz", two_models())},
        data={"metrics": "{not json"},
    )
    assert r.status_code == 422 and "metrics" in r.json()["detail"]


def test_model_listing_and_extraction_jobs(tmp_path, app_settings):
    import torch
    from torch import nn

    from topoalign.api.app import create_app
    from topoalign.extract.zoo.minilm import minilm_path

    models = tmp_path / "models"
    models.mkdir()
    (models / "minilm").symlink_to(minilm_path(), target_is_directory=True)
    (models / "notes.txt").write_text("not a model")
    (models / "empty").mkdir()
    app_settings.models_dir = models
    client = TestClient(create_app(app_settings))
    listed = client.get("/api/models").json()
    assert [m["name"] for m in listed] == ["minilm"] and len(listed[0]["layers"]) == 7

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(5, 8), nn.Linear(8, 3)

        def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
            h = torch.relu(self.a(x))
            return {"hidden": h, "out": self.b(h)}

    torch.manual_seed(0)
    ts = io.BytesIO()
    torch.jit.save(torch.jit.script(Net().eval()), ts)
    x = io.BytesIO()
    np.save(x, np.random.default_rng(0).normal(size=(30, 5)).astype(np.float32))
    r = client.post(
        "/api/extractions",
        data={"collection": "ts", "model": "tiny", "metrics": '{"accuracy": 0.7}', "condition": "test"},
        files={"model_file": ("tiny.pt", ts.getvalue()), "inputs": ("x.npy", x.getvalue())},
    )
    assert r.status_code == 202, r.text
    job = wait(client, r.json()["job_id"])
    assert job["status"] == "done", job
    reps = job["result"]["representations"]
    assert [(x["name"], x["provenance"]["layer_index"], x["provenance"]["layer_fraction"]) for x in reps] == [
        ("tiny/test/hidden", 0, 0.0),
        ("tiny/test/out", 1, 1.0),
    ]
    assert reps[0]["provenance"]["metrics"] == {"accuracy": 0.7} and (reps[0]["n"], reps[0]["d"]) == (30, 8)
    texts = "The cat sat.\nRain fell on the city.\nA chef baked bread.\n"
    r = client.post(
        "/api/extractions",
        data={"collection": "words", "hf_model": "minilm"},
        files={"inputs": ("t.txt", texts.encode())},
    )
    job = wait(client, r.json()["job_id"])
    assert job["status"] == "done", job
    assert [x["provenance"]["layer"] for x in job["result"]["representations"]] == ["embeddings"] + [
        f"layer{i}" for i in range(1, 7)
    ]
    assert client.get("/api/collections/words/stimuli").json()["texts"][1] == "Rain fell on the city."
    # only listed names: no paths, no '..', no files, no empty folders; exactly one model
    for name in ("../models/minilm", str(minilm_path()), "notes.txt", "empty", "nothing"):
        r = client.post(
            "/api/extractions", data={"collection": "w2", "hf_model": name}, files={"inputs": ("t.txt", texts.encode())}
        )
        assert r.status_code == 404 and "model folder" in r.json()["detail"], name
    r = client.post(
        "/api/extractions",
        data={"collection": "w2", "hf_model": "minilm"},
        files={"inputs": ("t.txt", texts.encode()), "model_file": ("m.pt", ts.getvalue())},
    )
    assert r.status_code == 422 and "exactly one model" in r.json()["detail"]
    assert [c["name"] for c in client.get("/api/collections").json()] == ["ts", "words"]


def test_token_refusals_and_an_open_health_check(app_settings):
    from topoalign.api.app import create_app

    app_settings.token = "tok"
    client = TestClient(create_app(app_settings))
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        r = client.get("/api/collections", headers=headers)
        assert r.status_code == 401 and r.json() == {"error": "unauthorized", "detail": r.json()["detail"]}
        assert "token" in r.json()["detail"]
    health = client.get("/api/health").json()
    assert health["auth_required"] is True and health["data_dir"] is None and health["collections"] is None
    ok = client.get("/api/collections", headers={"Authorization": "Bearer tok"})
    assert ok.status_code == 200
    r = client.post("/api/uploads", files={"file": ("a.npy", b"x")})
    assert r.status_code == 401
