"""GET /api/collections/{id}/thumbnails: the demo's digit thumbnails as 64 grey levels per stimulus."""

import numpy as np


def _collection_with_thumbnails(client, store_dir):
    from topoalign.store import Store

    ids = ["d0", "d1", "d2"]
    c = client.post("/api/collections", json={"name": "digits", "stimulus_ids": ids}).json()
    images = np.arange(3 * 64, dtype=np.uint8).reshape(3, 8, 8)
    Store(store_dir).put_artifact("thumbnails", {"collection": c["id"]}, {"images": images, "ids": np.asarray(ids)})
    return c, images


def test_thumbnails_of_some_stimuli(client, app_settings):
    c, images = _collection_with_thumbnails(client, app_settings.data)
    r = client.get(f"/api/collections/{c['id']}/thumbnails", params={"ids": "d2,d0,unknown"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"d2", "d0"}  # ids without a thumbnail are left out
    assert body["d2"] == images[2].ravel().tolist() and len(body["d0"]) == 64
    assert client.get("/api/collections/digits/thumbnails", params={"ids": "d1"}).json()["d1"][0] == 64  # by name


def test_thumbnails_missing_is_404_in_the_error_shape(client):
    c = client.post("/api/collections", json={"name": "plain", "stimulus_ids": ["a"]}).json()
    r = client.get(f"/api/collections/{c['id']}/thumbnails", params={"ids": "a"})
    assert r.status_code == 404 and r.json()["error"] == "not_found" and "no thumbnails" in r.json()["detail"]
    assert client.get("/api/collections/nope/thumbnails", params={"ids": "a"}).status_code == 404


def test_thumbnails_in_openapi(client):
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/collections/{collection_id}/thumbnails"]["get"]
    assert "200" in op["responses"] and "404" in op["responses"]
