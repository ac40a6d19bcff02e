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
        (
            "post",
            "/api/collections",
            {"content": b"not json", "headers": {"content-type": "application/json"}},
            422,
            "invalid_request",
        ),
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

    with TestClient(
        create_app(Settings(data=tmp_path, warm_umap=False, max_upload_bytes=10, max_json_bytes=1 << 20))
    ) as c:
        r = c.post("/api/collections", content=b"x" * (2 << 20), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    assert "TOPOALIGN_MAX_JSON_BYTES" in r.json()["detail"]


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


def test_500_hides_the_exception_and_logs_it_under_a_request_id(tmp_path, caplog):
    """An unexpected exception's text (paths, data) stays in the server log; the client gets the request id."""
    import logging
    import re

    from fastapi.testclient import TestClient

    from topoalign.api.app import create_app
    from topoalign.api.settings import Settings

    app = create_app(Settings(data=tmp_path, warm_umap=False))

    def boom():
        raise RuntimeError(f"secret detail at {tmp_path}/catalog.sqlite")

    app.add_api_route("/api/boom", boom)
    app.router.routes.insert(0, app.router.routes.pop())  # before the dashboard's mount at /
    with caplog.at_level(logging.ERROR, logger="topoalign.api"), TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/boom")
    assert r.status_code == 500
    body = r.json()
    assert set(body) == {"error", "detail"} and body["error"] == "internal_error"
    assert "secret" not in r.text and str(tmp_path) not in r.text and "RuntimeError" not in r.text
    request_id = re.search(r"request id ([0-9a-f]+)", body["detail"]).group(1)
    assert r.headers["x-request-id"] == request_id
    logged = [rec for rec in caplog.records if request_id in rec.getMessage()]
    assert logged and "secret detail" in str(logged[0].exc_info[1])
