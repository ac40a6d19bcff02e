"""Every error, whatever raised it, has the one shape {"error": code, "detail": message}."""

import pytest


@pytest.mark.parametrize(
    "method,path,kwargs,status,code",
    [
        ("get", "/api/collections/nope", {}, 404, "not_found"),
        ("get", "/api/representations/r000000000000", {}, 404, "not_found"),
        ("get", "/api/representations/..%2F..%2Fetc", {}, 404, "not_found"),
        ("get", "/api/jobs/nope", {}, 404, "not_found"),
        ("get", "/api/no-such-route", {}, 404, "not_found"),
        ("post", "/api/collections", {"json": {"name": 3}}, 422, "invalid_request"),
        ("post", "/api/collections", {"content": b"not json", "headers": {"content-type": "application/json"}}, 422,
         "invalid_request"),
        ("get", "/api/collections/x/stimuli?limit=0", {}, 422, "invalid_request"),
        ("delete", "/api/health", {}, 405, "method_not_allowed"),
    ],
)
def test_error_shape(client, method, path, kwargs, status, code):
    r = getattr(client, method)(path, **kwargs)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == code
    assert isinstance(body["detail"], str) and body["detail"]


def test_declared_body_over_cap_is_413(tmp_path):
    from fastapi.testclient import TestClient

    from topoalign.api.app import create_app
    from topoalign.api.settings import Settings

    with TestClient(create_app(Settings(data=tmp_path, warm_umap=False, max_upload_bytes=10))) as c:
        r = c.post("/api/collections", content=b"x" * (2 << 20), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"


def test_token_required_when_set(tmp_path):
    from fastapi.testclient import TestClient

    from topoalign.api.app import create_app
    from topoalign.api.settings import Settings

    with TestClient(create_app(Settings(data=tmp_path, warm_umap=False, token="s3cret"))) as c:
        assert c.get("/api/health").status_code == 200
        r = c.get("/api/collections")
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        assert c.get("/api/collections", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/collections", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_no_wildcard_cors_by_default(client):
    r = client.get("/api/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers
