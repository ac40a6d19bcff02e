"""Host, Origin and token checks before any route: DNS rebinding and cross-site writes are refused, the server's
own names, pages and clients pass (the refusals themselves are cases of the malformed-input corpus)."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from topoalign.api.app import create_app
from topoalign.api.guards import allowed_host_names, host_refusal, split_host
from topoalign.api.settings import Settings

COLL = {"name": "c", "stimulus_ids": ["a", "b"]}


def _client(tmp_path, **settings):
    return TestClient(create_app(Settings(data=tmp_path / "store", warm_umap=False, **settings)))


@pytest.mark.parametrize(
    "value,expected",
    [
        ("localhost", ("localhost", None)),
        ("LocalHost.:8000", ("localhost", 8000)),
        ("[::1]:80", ("::1", 80)),
        ("[::1]", ("::1", None)),
        ("127.0.0.1:1", ("127.0.0.1", 1)),
        ("::1", None),
        ("[::1", None),
        ("[::1]x", None),
        ("host:port", None),
        (":80", None),
        ("", None),
    ],
)
def test_split_host(value, expected):
    assert split_host(value) == expected


@pytest.mark.parametrize(
    "server,host,ok",
    [
        (("192.168.1.5", 8000), "192.168.1.5:8000", True),
        (("::ffff:192.168.1.5", 8000), "192.168.1.5:8000", True),
        (("::1", 8000), "[::1]:8000", True),
        (("192.168.1.5", 8000), "evil.example:8000", False),
        (("192.168.1.5", 8000), "192.168.1.6:8000", False),
        (None, "evil.example", False),
    ],
)
def test_the_connection_address_is_a_name_of_the_server(server, host, ok):
    """``serve --host ADDRESS``: uvicorn puts the socket's own address in the scope; it needs no setting."""
    scope = {"type": "http", "headers": [(b"host", host.encode())], "server": server}
    assert (host_refusal(scope, allowed_host_names([])) is None) is ok


@pytest.mark.parametrize(
    "host", ["testserver", "localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST.", "127.0.0.1"]
)
def test_the_servers_own_names_pass(tmp_path, host):
    with _client(tmp_path) as c:
        assert c.get("/api/collections", headers={"Host": host}).status_code == 200


def test_allowed_hosts_setting_and_wildcard(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPOALIGN_ALLOWED_HOSTS", '["topoalign.lab.example"]')
    settings = Settings(data=tmp_path / "a", warm_umap=False)
    assert settings.allowed_hosts == ["topoalign.lab.example"]
    with TestClient(create_app(settings)) as c:
        assert c.get("/api/collections", headers={"Host": "TopoAlign.lab.example:8000"}).status_code == 200
        assert c.get("/api/collections", headers={"Host": "localhost"}).status_code == 200  # loopback stays
        r = c.get("/api/collections", headers={"Host": "other.example"})
        assert r.status_code == 421 and r.json()["error"] == "invalid_host"
        assert "TOPOALIGN_ALLOWED_HOSTS" in r.json()["detail"]
    with _client(tmp_path, allowed_hosts=["*"]) as c:
        assert c.get("/api/collections", headers={"Host": "anything.example"}).status_code == 200


def test_writes_from_the_servers_own_pages_and_cors_origins_pass(tmp_path):
    with _client(tmp_path, cors_origins=["http://ok.example:5173"]) as c:
        assert c.post("/api/collections", json=COLL, headers={"Origin": "http://testserver"}).status_code == 201
        cid = c.get("/api/collections").json()[0]["id"]
        same = c.patch(
            f"/api/collections/{cid}",
            json={"name": "d"},
            headers={"Origin": "http://localhost:8000", "Host": "localhost:8000"},
        )
        assert same.status_code == 200, same.text
        allowed = c.post("/api/collections", json={**COLL, "name": "e"}, headers={"Origin": "http://OK.example:5173/"})
        assert allowed.status_code == 201, allowed.text
        refused = c.delete(f"/api/collections/{cid}", headers={"Origin": "http://ok.example"})  # other port
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden_origin"
        # reads and preflights are not writes: CORS decides what a foreign page may read
        assert c.get("/api/collections", headers={"Origin": "http://evil.example"}).status_code == 200
        assert len(c.get("/api/collections").json()) == 2


def test_a_foreign_page_cannot_upload_without_a_token(tmp_path):
    """The attack of the issue: a page on another site posts a multipart upload to a tokenless loopback server."""
    buf = io.BytesIO()
    np.save(buf, np.ones((2, 3), "f4"))
    with _client(tmp_path) as c:
        cid = c.post("/api/collections", json=COLL).json()["id"]
        r = c.post(
            f"/api/collections/{cid}/representations",
            files={"file": ("x.npy", buf.getvalue())},
            headers={"Origin": "http://evil.example"},
        )
        assert r.status_code == 403 and "origin" in r.json()["detail"].lower()
        assert c.get("/api/representations").json() == []
        ok = c.post(f"/api/collections/{cid}/representations", files={"file": ("x.npy", buf.getvalue())})
        assert ok.status_code == 201  # a client without an Origin (a script, the CLI) is not a browser page


@pytest.mark.parametrize(
    "header,status",
    [
        ("Bearer s3cret", 200),
        ("bearer s3cret", 200),
        ("BEARER  s3cret ", 200),
        ("s3cret", 401),
        ("Basic s3cret", 401),
        ("Bearer", 401),
        ("Bearers3cret", 401),
        ("Bearer s3cre", 401),
    ],
)
def test_the_bearer_scheme_is_required_in_any_case(tmp_path, header, status):
    with _client(tmp_path, token="s3cret") as c:
        assert c.get("/api/collections", headers={"Authorization": header}).status_code == status


def test_query_token_only_opens_the_event_stream(tmp_path):
    with _client(tmp_path, token="s3cret") as c:
        auth = {"Authorization": "Bearer s3cret"}
        jid = c.app.state.jobs.submit("quick", {}, lambda progress: {"ok": True})
        assert c.get("/api/collections", params={"token": "s3cret"}).status_code == 401
        assert c.get(f"/api/jobs/{jid}", params={"token": "s3cret"}).status_code == 401
        assert c.post(f"/api/jobs/{jid}/cancel", params={"token": "s3cret"}).status_code == 401
        with c.stream("GET", f"/api/jobs/{jid}/events", params={"token": "s3cret"}) as r:
            assert r.status_code == 200 and any(line.startswith("data: ") for line in r.iter_lines())
        wrong_header = c.get(
            f"/api/jobs/{jid}/events", params={"token": "s3cret"}, headers={"Authorization": "Bearer nope"}
        )
        assert wrong_header.status_code == 401  # a header, when sent, is what counts
        assert c.get(f"/api/jobs/{jid}", headers=auth).status_code == 200


def test_a_real_server_bound_to_another_address_answers_by_it(server_factory):
    """uvicorn's connection address makes ``serve --host`` work with no setting; a rebound name is refused."""
    srv = server_factory(host="127.0.0.2").start()
    assert httpx.get(srv.url + "/api/collections").status_code == 200  # Host: 127.0.0.2:PORT
    rebound = httpx.get(srv.url + "/api/collections", headers={"Host": f"evil.example:{srv.port}"})
    assert rebound.status_code == 421 and rebound.json()["error"] == "invalid_host"
    assert httpx.get(srv.url + "/api/collections", headers={"Host": f"localhost:{srv.port}"}).status_code == 200
    post = httpx.post(srv.url + "/api/collections", json=COLL, headers={"Origin": "http://evil.example"})
    assert post.status_code == 403 and httpx.get(srv.url + "/api/collections").json() == []
    own = httpx.post(srv.url + "/api/collections", json=COLL, headers={"Origin": srv.url})
    assert own.status_code == 201, own.text
