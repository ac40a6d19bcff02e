"""schemathesis over ``/openapi.json``: >= 1,000 generated requests, no 5xx, every response as documented.

The app runs on a real SQLite store pre-filled with a small collection and representations; generated path ids are
swapped half of the time for ids that exist (found through the API's own list routes), so the handlers behind a
successful lookup get exercised too, not only the 404 branch. DELETE requests never get a real id (they would empty
the store for the rest of the run).
"""

from __future__ import annotations

import collections
import io
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from topoalign.api.app import create_app
from topoalign.api.settings import Settings
from topoalign.jobs import JobRunner

pytestmark = pytest.mark.slow  # ~1.5 min: >= 1,000 generated requests

MIN_CASES = 1000
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _wait_job(client: TestClient, job_id: str, timeout: float = 120) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"prefill job {job_id} did not end")


def _result_of(client: TestClient, r, key: str) -> str | None:
    """The id a compute route returned: at once (200) or through its job (202)."""
    if r.status_code == 200:
        return r.json().get(key) or r.json().get("id")
    if r.status_code == 202:
        job = _wait_job(client, r.json()["job_id"])
        return (job.get("result") or {}).get(key) if job["status"] == "done" else None
    return None


def _prefill(client: TestClient) -> dict[str, list[str]]:
    """A collection (30 stimuli, 3 classes), four representations (2 models x 2 layers), and, where the routes exist, two Mapper graphs,
    an audit and a joint layout, built by the real job runner. Returns ids found no list route gives."""
    ids = [f"s{i}" for i in range(30)]
    coll = client.post(
        "/api/collections",
        json={"name": "fuzz", "stimulus_ids": ids, "labels": {"class": [str(i % 3) for i in range(30)]}},
    ).json()
    rng = np.random.default_rng(0)
    rids = []
    for model, layer in (("m1", "l1"), ("m2", "l1"), ("m1", "l2"), ("m2", "l2")):
        buf = io.BytesIO()
        np.save(buf, rng.normal(size=(30, 5)).astype(np.float32) + np.repeat(np.eye(3, 5), 10, axis=0) * 3)
        r = client.post(
            f"/api/collections/{coll['id']}/representations",
            files={"file": (f"{model}-{layer}.npy", buf.getvalue())},
            data={"model": model, "layer": layer, "layer_index": layer[1]},
        )
        assert r.status_code == 201, r.text
        rids.append(r.json()["representations"][0]["id"])
    paths = APP.openapi()["paths"]
    extra: dict[str, list[str]] = {}
    graphs = []
    if "/api/graphs" in paths:
        for rid in rids[:2]:
            gid = _result_of(client, client.post("/api/graphs", json={"representation_id": rid}), "graph_id")
            graphs += [gid] if gid else []
    if "/api/collections/{collection_id}/audits" in paths:
        _result_of(
            client,
            client.post(f"/api/collections/{coll['id']}/audits", json={"metrics": ["procrustes"], "folds": 2}),
            "audit_id",
        )
    if "/api/topo/layout" in paths and len(graphs) == 2:
        res = _result_of(client, client.post("/api/topo/layout", json={"graph_ids": graphs, "n_iter": 5}), "result_id")
        extra["result"] = [res] if res else []
    return extra


def _id_pool(client: TestClient, spec: dict) -> dict[str, list[str]]:
    """``{resource: [ids]}`` from every parameterless GET list route (``/api/graphs`` -> ``graph``)."""
    pool: dict[str, list[str]] = {}
    for path, ops in spec["paths"].items():
        if "get" not in ops or "{" in path or not path.startswith("/api/"):
            continue
        r = client.get(path)
        if r.status_code != 200 or not isinstance(r.json(), list):
            continue
        found = [x["id"] for x in r.json() if isinstance(x, dict) and isinstance(x.get("id"), str)]
        if found:
            pool[path.rstrip("/").rsplit("/", 1)[-1].removesuffix("s")] = found
    return pool


class _JobsNotRun(JobRunner):
    """Jobs are recorded and end at once: fuzzing tests the HTTP layer, not a thousand random Mapper builds."""

    def _run(self, job_id, fn) -> None:
        self.store.update_job(job_id, status="cancelled", message="not run while fuzzing")

    def shutdown(self) -> None:  # schemathesis's client enters and leaves the app's lifespan around each call
        pass


DATA = Path(tempfile.mkdtemp(prefix="topoalign-fuzz-"))
APP = create_app(Settings(data=DATA, warm_umap=False, max_upload_bytes=1 << 20, max_concurrent_jobs=1))
with TestClient(APP) as _client:
    _extra_ids = _prefill(_client)
    ID_POOL = {**_id_pool(_client, APP.openapi()), **_extra_ids}
_runner = _JobsNotRun(APP.state.store, max_concurrent=1)
_runner._factories = APP.state.jobs._factories
APP.state.jobs = _runner

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
N_OPERATIONS = sum(
    1 for p in APP.openapi()["paths"].values() for m in p if m in ("get", "post", "put", "patch", "delete")
)
# each of the positive and negative modes runs max_examples; explicit examples and schema variants add ~40%
EXAMPLES = max(12, -(-MIN_CASES // (2 * max(N_OPERATIONS, 1))))
CALLS: list[tuple[str, int]] = []
SLOW: list[str] = []  # requests over 5 s, printed at the end (a sync route doing a job's work)


def _existing(name: str, value):
    """An existing id for a field named ``<resource>_id`` (or a list of them for ``<resource>_ids``), half the time."""
    h = zlib.crc32(repr(value).encode())
    if h % 2:
        return value
    if name.endswith("_ids") and isinstance(value, list) and ID_POOL.get(name.removesuffix("_ids")):
        ids = ID_POOL[name.removesuffix("_ids")]
        return [ids[(h + i) % len(ids)] for i in range(max(len(value), 1))]
    ids = ID_POOL.get(name.removesuffix("_id"))
    return ids[h % len(ids)] if ids and name.endswith("_id") else value


def _use_existing_ids(case) -> None:
    if case.method.upper() == "DELETE" or case.path.endswith("/events"):
        return  # a real job's event stream lasts as long as the job
    for name, value in (case.path_parameters or {}).items():
        case.path_parameters[name] = _existing(name, value)
    for name, value in (case.query or {}).items():
        case.query[name] = _existing(name, value)
    if isinstance(case.body, dict):
        for name, value in case.body.items():
            case.body[name] = _existing(name, value)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_and_never_5xx(case):
    t0 = time.perf_counter()
    _use_existing_ids(case)
    response = case.call_and_validate(checks=CHECKS, timeout=60)  # a loaded shared machine: sync routes may be slow
    CALLS.append((f"{case.method} {case.path}", response.status_code))
    if time.perf_counter() - t0 > 5:
        SLOW.append(f"{time.perf_counter() - t0:.1f}s {case.method} {case.path} {case.body!r:.300}")


def test_enough_cases_were_generated():
    """Runs after the generated tests (same module, defined after them)."""
    if not CALLS:
        pytest.skip("the generated tests did not run (selected out)")
    assert len(CALLS) >= MIN_CASES, f"only {len(CALLS)} generated requests"
    assert not [c for c in CALLS if c[1] >= 500]
    ops = {c[0] for c in CALLS}
    print(
        f"{len(CALLS)} generated requests over {len(ops)} operations; statuses "
        f"{sorted(collections.Counter(c[1] for c in CALLS).items())}; over 5 s: {SLOW}"
    )
