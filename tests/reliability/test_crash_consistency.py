"""kill -9 the server mid-upload and mid-job, restart: the catalog is consistent and nothing half-written shows."""

from __future__ import annotations

import io
import socket
import time

import httpx
import numpy as np

from topoalign.store import Store, check_integrity


def _npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def _upload(url, cid, data: bytes, filename="acts.npy", **form):
    return httpx.post(
        f"{url}/api/collections/{cid}/representations", files={"file": (filename, data)}, data=form, timeout=60
    )


def test_kill_during_upload_leaves_catalog_consistent(server_factory):
    srv = server_factory().start()
    n = 50
    cid = httpx.post(
        srv.url + "/api/collections", json={"name": "crash", "stimulus_ids": [f"s{i}" for i in range(n)]}
    ).json()["id"]
    first = _upload(srv.url, cid, _npy_bytes(np.random.default_rng(0).normal(size=(n, 8)).astype("f4")), name="first")
    assert first.status_code == 201, first.text

    # a slow multipart upload: send the headers and half the body, then kill the server mid-stream
    big = _npy_bytes(np.ones((n, 200_000), dtype="f4"))
    boundary = "xBOUNDARYx"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.npy"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body_len = len(head) + len(big) + len(tail)
    sock = socket.create_connection(("127.0.0.1", srv.port))
    sock.sendall(
        (
            f"POST /api/collections/{cid}/representations HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {body_len}\r\n\r\n"
        ).encode()
    )
    sock.sendall(head + big[: len(big) // 2])
    time.sleep(1.0)
    srv.kill9()
    sock.close()

    srv2 = server_factory().start()
    reps = httpx.get(f"{srv2.url}/api/collections/{cid}/representations").json()
    assert [r["name"] for r in reps] == ["first"]
    srv2.stop()
    store = Store(srv.data_dir)
    report = check_integrity(store)
    assert report.ok, report
    assert not any((srv.data_dir / "uploads").iterdir())
    assert store.load_representation(first.json()["representations"][0]["id"]).matrix.shape == (n, 8)


def test_kill_during_job_marks_it_interrupted_and_it_can_rerun(server_factory):
    # the UMAP warm-up job starts with the server and takes seconds (numba): kill -9 while it runs
    srv = server_factory(TOPOALIGN_WARM_UMAP="true").start()
    deadline = time.time() + 30
    job = None
    while time.time() < deadline:
        jobs = httpx.get(srv.url + "/api/jobs").json()
        if jobs and jobs[0]["status"] == "running":
            job = jobs[0]
            break
        time.sleep(0.05)
    assert job is not None, "warm-up job never started"
    srv.kill9()

    srv2 = server_factory(TOPOALIGN_WARM_UMAP="false").start()
    old = httpx.get(f"{srv2.url}/api/jobs/{job['id']}").json()
    assert old["status"] == "interrupted"
    srv3 = srv2
    r = httpx.post(f"{srv3.url}/api/jobs/{job['id']}/rerun")
    assert r.status_code == 202, r.text
    new_id = r.json()["job_id"]
    deadline = time.time() + 240
    while time.time() < deadline:
        status = httpx.get(f"{srv3.url}/api/jobs/{new_id}").json()["status"]
        if status in ("done", "failed"):
            break
        time.sleep(0.5)
    assert status == "done"
    srv3.stop()
    assert check_integrity(Store(srv.data_dir)).ok
