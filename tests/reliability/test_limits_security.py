"""Limits and security defaults: job concurrency, upload cap, token on non-loopback binds, ids never become paths."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from topoalign.api.app import create_app
from topoalign.api.settings import Settings
from topoalign.errors import NotFoundError


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def _wait(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


# -- job concurrency --------------------------------------------------------------------------------------------
def test_jobs_beyond_the_concurrency_limit_queue(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPOALIGN_MAX_CONCURRENT_JOBS", "2")
    settings = Settings(data=tmp_path, warm_umap=False)
    assert settings.max_concurrent_jobs == 2
    release = threading.Event()

    def blocker(progress):
        progress(0.1, "waiting")
        assert release.wait(20)
        return {"ok": True}

    with TestClient(create_app(settings)) as client:
        jobs = client.app.state.jobs
        jobs.register("blocker", lambda params: blocker)
        ids = [jobs.submit("blocker", {"i": i}) for i in range(5)]
        try:
            status = lambda: {j: client.get(f"/api/jobs/{j}").json()["status"] for j in ids}  # noqa: E731
            assert _wait(lambda: list(status().values()).count("running") == 2)
            time.sleep(0.3)  # no third one starts while two run
            assert sorted(status().values()) == ["queued"] * 3 + ["running"] * 2
            assert client.get("/api/health").json()["running_jobs"] == 2
        finally:
            release.set()
        assert _wait(lambda: set(status().values()) == {"done"})


@pytest.mark.parametrize("value", ["0", "-1", "65", "lots"])
def test_concurrency_limit_is_validated(tmp_path, monkeypatch, value):
    from pydantic import ValidationError

    monkeypatch.setenv("TOPOALIGN_MAX_CONCURRENT_JOBS", value)
    with pytest.raises(ValidationError, match="max_concurrent_jobs"):
        Settings(data=tmp_path)


# -- upload cap -------------------------------------------------------------------------------------------------
def test_upload_cap_declared_and_streamed(tmp_path):
    with TestClient(create_app(Settings(data=tmp_path, warm_umap=False, max_upload_bytes=10_000))) as client:
        cid = client.post("/api/collections", json={"name": "c", "stimulus_ids": ["a", "b"]}).json()["id"]
        url = f"/api/collections/{cid}/representations"
        small = client.post(url, files={"file": ("ok.npy", _npy(np.ones((2, 3), "f4")))})
        assert small.status_code == 201, small.text
        for cols in (5000, 400_000):  # over the cap: streamed check / declared Content-Length check
            r = client.post(url, files={"file": ("big.npy", _npy(np.ones((2, cols), "f4")))})
            assert r.status_code == 413, r.text
            assert r.json()["error"] == "payload_too_large" and "cap" in r.json()["detail"]

        def chunks():  # no Content-Length: only the streaming check can stop it
            body = _npy(np.ones((2, 5000), "f4"))
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.npy"\r\n\r\n'
            for i in range(0, len(body), 4096):
                yield body[i : i + 4096]
            yield b"\r\n--b--\r\n"

        r = client.post(url, content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
        assert r.status_code == 413, r.text
        assert len(client.get(f"/api/collections/{cid}/representations").json()) == 1
        assert not any((tmp_path / "uploads").iterdir())


def test_json_bodies_have_their_own_small_cap(tmp_path):
    """A JSON body far below the upload cap but over the JSON cap is refused before it is parsed (declared length)
    or while it streams (chunked); nothing is created, and an upload of the same size still goes through."""
    settings = Settings(data=tmp_path, warm_umap=False, max_json_bytes=64_000, max_upload_bytes=10_000_000)
    with TestClient(create_app(settings)) as client:
        ids = [f"s{i}" for i in range(20_000)]  # ~200 kB of JSON
        r = client.post("/api/collections", json={"name": "big", "stimulus_ids": ids})
        assert r.status_code == 413 and "TOPOALIGN_MAX_JSON_BYTES" in r.json()["detail"], r.text

        def chunks():
            body = json.dumps({"name": "big", "stimulus_ids": ids}).encode()
            for i in range(0, len(body), 8192):
                yield body[i : i + 8192]

        r = client.post("/api/collections", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413 and "stopped reading" in r.json()["detail"], r.text
        assert client.get("/api/collections").json() == []
        cid = client.post("/api/collections", json={"name": "c", "stimulus_ids": ["a", "b"]}).json()["id"]
        up = client.post(
            f"/api/collections/{cid}/representations", files={"file": ("wide.npy", _npy(np.ones((2, 40_000), "f4")))}
        )  # 320 kB: an upload
        assert up.status_code == 201, up.text


@pytest.mark.parametrize("length", ["-5", "abc", "1e9", " "])
def test_malformed_content_length_is_refused(tmp_path, length):
    with TestClient(create_app(Settings(data=tmp_path, warm_umap=False))) as client:
        r = client.post(
            "/api/collections", content=b"{}", headers={"content-type": "application/json", "content-length": length}
        )
        assert r.status_code == 400 and "content-length" in r.json()["detail"].lower()


# -- ids and names never become paths --------------------------------------------------------------------------
BAD_IDS = [
    "..",
    "...",
    "..%2F..%2Fcatalog.sqlite",
    "%2E%2E%2F%2E%2E",
    "..%5Carrays",
    "%00",
    "r%00",
    "a" * 300,
    "%2Fetc%2Fpasswd",
    "~root",
    "r000000000000.npy",
    "%E2%80%AE",
    "CON",
    "arrays",
    "*",
]


@pytest.mark.parametrize("resource", ["representations", "collections", "jobs"])
def test_ids_never_become_paths(tmp_path, resource):
    data = tmp_path / "store"
    (tmp_path / "secret.npy").write_bytes(_npy(np.ones((2, 2), "f4")))
    with TestClient(create_app(Settings(data=data, warm_umap=False))) as client:
        cid = client.post("/api/collections", json={"name": "c", "stimulus_ids": ["a", "b"]}).json()["id"]
        client.post(f"/api/collections/{cid}/representations", files={"file": ("x.npy", _npy(np.ones((2, 2), "f4")))})
        files_before = sorted(p for p in tmp_path.rglob("*") if not p.name.startswith("catalog.sqlite"))
        for bad in BAD_IDS + ["..%2Fsecret", "..%2F..%2Fsecret.npy"]:
            for method in ("GET", "DELETE"):
                r = client.request(method, f"/api/{resource}/{bad}")
                assert r.status_code in (404, 405, 422), (method, bad, r.status_code, r.text)
                assert set(r.json()) == {"error", "detail"}
        files_after = sorted(p for p in tmp_path.rglob("*") if not p.name.startswith("catalog.sqlite"))
        assert files_after == files_before
        assert len(client.get("/api/representations").json()) == 1


def test_store_refuses_path_like_ids(store):
    for bad in ("../x", "/etc/passwd", "a/b", "..", "A" * 65, "x\x00", ""):
        with pytest.raises(NotFoundError):
            store.get_representation(bad)
        with pytest.raises(NotFoundError):
            store.load_representation(bad)


# -- binding and token --------------------------------------------------------------------------------------------
def _serve(tmp_path, *args, env_extra=None, timeout=30):
    env = {k: v for k, v in os.environ.items() if k != "TOPOALIGN_TOKEN"}
    env.update({"TOPOALIGN_WARM_UMAP": "false", **(env_extra or {})})
    return subprocess.run(
        [sys.executable, "-m", "topoalign.cli", "serve", "--data", str(tmp_path / "s"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20"])
def test_non_loopback_bind_without_token_exits_2(tmp_path, host):
    r = _serve(tmp_path, "--host", host, "--port", "1")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "TOPOALIGN_TOKEN" in r.stderr and host in r.stderr


def test_serve_binds_loopback_by_default():
    import argparse

    from topoalign.cli.serve import is_loopback, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["serve"])
    assert args.host == "127.0.0.1"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.com")


def test_token_guards_a_real_server(server_factory):
    srv = server_factory(TOPOALIGN_TOKEN="t0k3n-xyz").start()
    assert httpx.get(srv.url + "/api/health").status_code == 200  # liveness stays open
    r = httpx.get(srv.url + "/api/collections")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert httpx.get(srv.url + "/api/collections", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert httpx.post(srv.url + "/api/collections", json={"name": "x", "stimulus_ids": ["a"]}).status_code == 401
    ok = httpx.get(srv.url + "/api/collections", headers={"Authorization": "Bearer t0k3n-xyz"})
    assert ok.status_code == 200 and ok.json() == []
    # ?token= only on the job event stream (EventSource sends no headers): elsewhere it would land in URLs and logs
    assert httpx.get(srv.url + "/api/collections", params={"token": "t0k3n-xyz"}).status_code == 401
    assert httpx.get(srv.url + "/api/jobs/jnope/events", params={"token": "t0k3n-xyz"}).status_code == 404
    assert httpx.get(srv.url + "/api/collections", headers={"Authorization": "bearer t0k3n-xyz"}).status_code == 200
    assert httpx.get(srv.url + "/api/collections", headers={"Authorization": "t0k3n-xyz"}).status_code == 401


def test_cors_never_wildcard(tmp_path):
    settings = Settings(data=tmp_path, warm_umap=False, cors_origins=["*", "http://ok.example"])
    with TestClient(create_app(settings)) as client:
        evil = client.get("/api/health", headers={"Origin": "http://evil.example"})
        assert evil.headers.get("access-control-allow-origin") in (None, "")
        ok = client.get("/api/health", headers={"Origin": "http://ok.example"})
        assert ok.headers.get("access-control-allow-origin") == "http://ok.example"


def test_cors_preflight_passes_the_token_guard(tmp_path):
    """Browsers send preflights without credentials: an allowed origin must get its answer, others nothing."""
    settings = Settings(data=tmp_path, warm_umap=False, token="s3cret", cors_origins=["http://ok.example"])
    with TestClient(create_app(settings)) as client:
        pre = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
        ok = client.options("/api/collections", headers={"Origin": "http://ok.example", **pre})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "http://ok.example"
        evil = client.options("/api/collections", headers={"Origin": "http://evil.example", **pre})
        assert evil.headers.get("access-control-allow-origin") in (None, "")
        r = client.get("/api/collections", headers={"Origin": "http://ok.example"})
        assert r.status_code == 401 and r.headers["access-control-allow-origin"] == "http://ok.example"


# -- compute limits: graph size, motif matches and time -----------------------------------------------------------
def _graph_world(tmp_path, **settings_kw):
    client = TestClient(create_app(Settings(data=tmp_path, warm_umap=False, **settings_kw)))
    client.__enter__()
    paths = client.get("/openapi.json").json()["paths"]
    if "/api/graphs" not in paths:
        client.__exit__(None, None, None)
        pytest.fail("/api/graphs is not served")
    n = 60
    cid = client.post("/api/collections", json={"name": "g", "stimulus_ids": [f"s{i}" for i in range(n)]}).json()["id"]
    x = np.random.default_rng(0).normal(size=(n, 4)).astype("f4") + np.repeat(np.eye(3, 4) * 8, n // 3, axis=0)
    rid = client.post(f"/api/collections/{cid}/representations", files={"file": ("x.npy", _npy(x))}).json()[
        "representations"
    ][0]["id"]
    return client, paths, rid


def _graph(client, rid, **body):
    r = client.post("/api/graphs", json={"representation_id": rid, **body})
    if r.status_code == 202:
        job_id = r.json()["job_id"]
        assert _wait(lambda: client.get(f"/api/jobs/{job_id}").json()["status"] not in ("queued", "running"), 60)
        return client.get(f"/api/jobs/{job_id}").json()
    return r


def test_graph_size_cap(tmp_path):
    client, _, rid = _graph_world(tmp_path, max_graph_nodes=2)
    try:
        out = _graph(client, rid, cover={"n_intervals": 10, "overlap": 0.3})
        if isinstance(out, dict):  # built as a job: the job fails, naming the limit
            assert out["status"] == "failed" and "max_graph_nodes" in out["error"], out
        else:
            assert out.status_code == 422 and "max_graph_nodes" in out.json()["detail"], out.text
        assert client.get("/api/graphs").json() == []
    finally:
        client.__exit__(None, None, None)


def test_motif_search_respects_match_and_time_limits(tmp_path):
    client, paths, rid = _graph_world(tmp_path, motif_max_matches=1, motif_time_limit_s=0.5)
    try:
        assert "/api/topo/motifs" in paths, "/api/topo/motifs is not served"
        job = _graph(client, rid, cover={"n_intervals": 6, "overlap": 0.5})
        gid = job["result"]["graph_id"] if isinstance(job, dict) else job.json()["id"]
        r = client.post(
            "/api/topo/motifs", json={"graph_ids": [gid], "pattern": "path:2", "max_matches": 1000, "time_limit": 100}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["max_matches"] == 1 and body["time_limit"] <= 0.5  # the request cannot raise the server's limits
        assert all(g["n_matches"] <= 1 for g in body["graphs"])
        assert body["elapsed_s"] < 5
    finally:
        client.__exit__(None, None, None)


@pytest.mark.parametrize("route", ["collections", "upload"])
def test_undeclared_body_is_cut_at_the_cap(tmp_path, route):
    """A chunked body (no Content-Length) is not read past its cap (upload cap + 1 MiB, or the JSON cap), whatever
    the route."""
    settings = Settings(data=tmp_path, warm_umap=False, max_upload_bytes=1000, max_json_bytes=2000)
    with TestClient(create_app(settings)) as client:
        cid = client.post("/api/collections", json={"name": "c", "stimulus_ids": ["a", "b"]}).json()["id"]
        sent = [0]

        def chunks(head=b"", tail=b""):
            yield head
            for _ in range(64):  # 4 MiB in all
                sent[0] += 1 << 16
                yield b"0" * (1 << 16)
            yield tail

        if route == "collections":
            r = client.post(
                "/api/collections", content=chunks(b'{"name": "', b'"}'), headers={"content-type": "application/json"}
            )
        else:
            r = client.post(
                f"/api/collections/{cid}/representations",
                content=chunks(
                    b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.npy"\r\n\r\n', b"\r\n--b--\r\n"
                ),
                headers={"content-type": "multipart/form-data; boundary=b"},
            )
        assert r.status_code == 413, r.text
        assert r.json()["error"] == "payload_too_large" and "cap" in r.json()["detail"]
        assert len(client.get("/api/collections").json()) == 1
        assert not any((tmp_path / "uploads").iterdir()) if (tmp_path / "uploads").exists() else True
