import numpy as np


def make_collection(client, name="c1", n=5, labels=True):
    body = {"name": name, "stimulus_ids": [f"s{i}" for i in range(n)], "texts": [f"text {i}" for i in range(n)]}
    if labels:
        body["labels"] = {"class": ["a", "b", "a", "b", "a"][:n], "score": [float(i) for i in range(n)]}
    r = client.post("/api/collections", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_health(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_collection_crud(client):
    c = make_collection(client)
    assert c["n_stimuli"] == 5 and c["label_columns"] == ["class", "score"] and c["has_text"]
    assert client.get(f"/api/collections/{c['id']}").json()["name"] == "c1"
    assert client.get("/api/collections/c1").json()["id"] == c["id"]  # by name too
    assert [x["id"] for x in client.get("/api/collections").json()] == [c["id"]]
    page = client.get(f"/api/collections/{c['id']}/stimuli", params={"offset": 1, "limit": 2}).json()
    assert page["total"] == 5 and page["stimulus_ids"] == ["s1", "s2"] and page["texts"] == ["text 1", "text 2"]
    assert page["labels"]["class"] == ["b", "a"] and page["labels"]["score"] == [1.0, 2.0]
    assert client.delete(f"/api/collections/{c['id']}").status_code == 204
    assert client.get(f"/api/collections/{c['id']}").status_code == 404


def test_duplicate_collection_name_is_409_and_keeps_the_first(client):
    first = make_collection(client)
    r = client.post("/api/collections", json={"name": "c1", "stimulus_ids": ["x"]})
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    assert client.get("/api/collections/c1").json()["id"] == first["id"]


def test_collection_input_errors(client):
    r = client.post("/api/collections", json={"name": "../../etc", "stimulus_ids": ["a"]})
    assert r.status_code == 422 and "Invalid collection name" in r.json()["detail"]
    r = client.post("/api/collections", json={"name": "dup", "stimulus_ids": ["a", "a"]})
    assert r.status_code == 422 and "duplicate stimulus ids" in r.json()["detail"]
    r = client.post("/api/collections", json={"name": "lab", "stimulus_ids": ["a", "b"], "labels": {"k": ["x"]}})
    assert r.status_code == 422 and "one value per stimulus" in r.json()["detail"]
    assert client.get("/api/collections").json() == []


def test_representation_listing_and_delete(client, app_settings):
    from topoalign.representation import Provenance, Representation
    from topoalign.store import Store

    c = make_collection(client)
    store = Store(app_settings.data)
    rep = Representation(
        np.arange(15, dtype=np.float32).reshape(5, 3),
        [f"s{i}" for i in range(5)],
        provenance=Provenance(model="m", layer="l1", layer_index=0),
        name="m/l1",
    )
    rec = store.add_representation(c["id"], rep)
    listed = client.get(f"/api/collections/{c['id']}/representations").json()
    assert [x["id"] for x in listed] == [rec.id]
    got = client.get(f"/api/representations/{rec.id}").json()
    assert got["n"] == 5 and got["d"] == 3 and got["provenance"]["model"] == "m"
    assert got["stats"]["zero_variance_units"] == 0
    assert client.get("/api/representations", params={"model": "m"}).json()[0]["id"] == rec.id
    assert client.get("/api/representations", params={"model": "other"}).json() == []
    assert client.delete(f"/api/representations/{rec.id}").status_code == 204
    assert client.get(f"/api/representations/{rec.id}").status_code == 404
    assert not store.array_path(rec.id).exists()
