"""Cost bombs for every numeric field without an upper bound in the live OpenAPI: each is sent at 1e12 (and the
float fields at 1e308) on an otherwise valid request. The server answers a 4xx naming the field or its budget, or does
the (cheap) work and stays up, with bounded memory growth and no collection or representation changed. A new
unbounded numeric field fails this test until it gets a case here."""

from __future__ import annotations

import io
import time

import numpy as np
import psutil
import pytest
from fastapi.testclient import TestClient

from topoalign.api.app import create_app
from topoalign.api.settings import Settings

# the clusterer kind that reads each clusterer field
CLUSTERER_KIND = {
    "eps": "dbscan",
    "eps_quantile": "dbscan",
    "min_samples": "dbscan",
    "min_points": "single",
    "gap_bins": "single",
    "distance_threshold": "single",
    "n_clusters": "agglomerative",
    "min_cluster_size": "hdbscan",
}
# numbers that are data, not a cost (label values, task metrics, a label value searched for, a page offset)
DATA_FIELDS = {
    "POST /api/collections.labels.*[]",
    "POST /api/uploads/{upload_id}/commit.provenance.metrics.*",
    "POST /api/uploads/{upload_id}/commit.rows[].metrics.*",
    "POST /api/topo/motifs.concept.value",
    "GET /api/collections/{collection_id}/stimuli ?offset",
}
COST_ROUTES = ("POST /api/graphs.", "POST /api/graphs/aligned.")


def unbounded_numeric_fields(spec: dict) -> set[str]:
    """``"METHOD /path.a.b"`` (``[]`` for list items, ``*`` for map values, `` ?name`` for query parameters) of every
    integer or number without a maximum, through $ref, anyOf, arrays and maps."""
    comps, out = spec["components"]["schemas"], set()

    def walk(s, path, seen):
        if "$ref" in s:
            name = s["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                return
            s, seen = comps[name], seen | {name}
        for key in ("anyOf", "oneOf", "allOf"):
            for alt in s.get(key, []):
                walk(alt, path, seen)
        if s.get("type") in ("integer", "number") and "maximum" not in s and "exclusiveMaximum" not in s:
            out.add(path)
        if s.get("type") == "array" and "items" in s:
            walk(s["items"], path + "[]", seen)
        for k, v in s.get("properties", {}).items():
            walk(v, f"{path}.{k}", seen)
        if isinstance(s.get("additionalProperties"), dict):
            walk(s["additionalProperties"], path + ".*", seen)

    for p, ops in spec["paths"].items():
        for m, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                walk(body["schema"], f"{m.upper()} {p}", frozenset())
            for prm in op.get("parameters", []):
                walk(prm.get("schema", {}), f"{m.upper()} {p} ?{prm['name']}", frozenset())
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("bombs")
    with TestClient(create_app(Settings(data=data, warm_umap=False))) as client:
        ids = [f"s{i}" for i in range(300)]
        cid = client.post("/api/collections", json={"name": "c", "stimulus_ids": ids}).json()["id"]
        rng = np.random.default_rng(0)
        rep_ids = []
        for name in ("a", "b"):
            buf = io.BytesIO()
            np.save(buf, rng.normal(size=(300, 8)).astype(np.float32))
            r = client.post(f"/api/collections/{cid}/representations", files={"file": (f"{name}.npy", buf.getvalue())})
            assert r.status_code == 201, r.text
            rep_ids.append(r.json()["representations"][0]["id"])
        yield client, rep_ids


def _request(field: str, value, rep_ids):
    """(method, url, json body) setting ``field`` to ``value`` on a valid graph or aligned-graphs request."""
    route, _, rest = field.partition(".")
    method, path = route.split(" ")
    parts = rest.replace("[]", "").split(".")
    base = {
        "auto": False,
        "lens": {"kind": "pca", "n_components": 1},
        "cover": {"n_intervals": 5, "overlap": 0.3},
        "clusterer": {"kind": "dbscan", "eps": 1.0, "min_samples": 3},
    }
    base = (
        {**base, "representation_ids": rep_ids}
        if path.endswith("/aligned")
        else {**base, "representation_id": rep_ids[0]}
    )
    section, leaf = parts[0], parts[-1]
    if section == "clusterer":
        kind = CLUSTERER_KIND[leaf]
        extra = (
            {"gap_bins": 10}
            if kind == "single" and leaf == "min_points"
            else {"eps": "auto"}
            if leaf == "eps_quantile"
            else {}
        )
        base["clusterer"] = {"kind": kind, **extra, leaf: value}
    elif section == "lens":
        base["lens"] = {"kind": "density", leaf: value}
    else:
        base[section] = {**base.get(section, {}), leaf: value}
    return method, path, base


def _wait(client, job_id, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running after {timeout} s")


def test_every_unbounded_numeric_field_has_a_case(server):
    client, _ = server
    fields = unbounded_numeric_fields(client.get("/openapi.json").json())
    uncovered = sorted(
        f
        for f in fields
        if f not in DATA_FIELDS
        and not (
            f.startswith(COST_ROUTES)
            and f.rstrip("[]").rsplit(".", 1)[-1] in {*CLUSTERER_KIND, "n_intervals", "overlap", "bandwidth"}
        )
    )
    assert not uncovered, f"unbounded numeric fields without a cost-bomb case: {uncovered}"


def test_cost_bombs_are_refused_or_cheap(server):
    client, rep_ids = server
    spec = client.get("/openapi.json").json()
    fields = sorted(f for f in unbounded_numeric_fields(spec) if f.startswith(COST_ROUTES))
    assert len(fields) >= 20
    process = psutil.Process()
    before = (client.get("/api/collections").json(), client.get("/api/representations").json())
    rss0, failures, outcomes = process.memory_info().rss, [], {}
    for field in fields:
        leaf = field.rstrip("[]").rsplit(".", 1)[-1]
        values = [10**12, -(10**12)] + (
            [1e308]
            if leaf not in ("n_intervals", "gap_bins", "min_samples", "n_clusters", "min_cluster_size", "min_points")
            else []
        )
        for value in values:
            method, path, body = _request(field, [value] if field.endswith("[]") else value, rep_ids)
            t0 = time.time()
            r = client.request(method, path, json=body)
            if r.status_code == 202:
                job = _wait(client, r.json()["job_id"])
                outcome = job["status"] + (f": {job['error'][:80]}" if job.get("error") else "")
                if job["status"] == "failed" and leaf not in (job.get("error") or ""):
                    failures.append(f"{field}={value}: the job failed without naming the field: {job['error']}")
            else:
                outcome = str(r.status_code)
                if not (r.status_code < 300 or (400 <= r.status_code < 500 and set(r.json()) == {"error", "detail"})):
                    failures.append(f"{field}={value}: {r.status_code} {r.text[:200]}")
                elif r.status_code >= 400 and leaf not in r.text and "budget" not in r.text.lower():
                    failures.append(f"{field}={value}: the 4xx does not name the field: {r.text[:200]}")
            outcomes[f"{field}={value}"] = (outcome, round(time.time() - t0, 2))
            if process.memory_info().rss - rss0 > 600 * 2**20:
                failures.append(
                    f"{field}={value}: server memory grew by {(process.memory_info().rss - rss0) / 2**20:.0f} MiB"
                )
    assert not failures, "\n".join(failures) + f"\n{outcomes}"
    assert (client.get("/api/collections").json(), client.get("/api/representations").json()) == before
    assert client.get("/api/health").status_code == 200
