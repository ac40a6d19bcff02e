"""Every malformed input of the corpus gets a 4xx naming the problem; the catalog is unchanged; no pickle runs."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from make_corpus import CORPUS_TOKEN, MARKER_PREFIX, N_EXISTING, UPLOAD_CAP, UploadCase, make_corpus

from topoalign.api.app import create_app  # noqa: E402
from topoalign.api.settings import Settings  # noqa: E402

CORPUS_DIR_NAME = "corpus"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp(CORPUS_DIR_NAME)
    return folder, {c.name: c for c in make_corpus(folder)}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A real app on a real SQLite file holding collection ``base`` (b0..b5, labels) and one representation; it
    wants a token, which the client sends unless a case says otherwise."""
    data = tmp_path_factory.mktemp("store")
    settings = Settings(data=data, warm_umap=False, max_upload_bytes=UPLOAD_CAP, token=CORPUS_TOKEN)
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {CORPUS_TOKEN}"}) as client:
        ids = [f"b{i}" for i in range(N_EXISTING)]
        coll = client.post(
            "/api/collections", json={"name": "base", "stimulus_ids": ids, "labels": {"class": list("xyxyxy")}}
        )
        assert coll.status_code == 201, coll.text
        buf = io.BytesIO()
        np.save(buf, np.arange(N_EXISTING * 3, dtype=np.float32).reshape(N_EXISTING, 3))
        up = client.post(
            f"/api/collections/{coll.json()['id']}/representations", files={"file": ("existing.npy", buf.getvalue())}
        )
        assert up.status_code == 201, up.text
        yield client, data, {"cid": coll.json()["id"], "rid": up.json()["representations"][0]["id"]}


def snapshot(client: TestClient, data: Path) -> tuple:
    """What a refused request must leave as it was: catalog rows (via the API) and every file of the data dir."""
    collections = client.get("/api/collections").json()
    stimuli = {c["id"]: client.get(f"/api/collections/{c['id']}/stimuli").json() for c in collections}
    reps = client.get("/api/representations").json()
    jobs = [(j["id"], j["status"]) for j in client.get("/api/jobs").json()]
    files = sorted(
        (str(p.relative_to(data)), p.stat().st_size)
        for p in data.rglob("*")
        if p.is_file() and not p.name.startswith("catalog.sqlite")
    )
    return collections, stimuli, reps, jobs, files


def send(client: TestClient, folder: Path, case, ids: dict):
    if isinstance(case, UploadCase):
        files = {"file": (case.filename, (folder / case.file).read_bytes())}
        if case.labels:
            files["labels"] = ("labels.csv", (folder / case.labels).read_bytes())
        url = f"/api/collections/{case.collection.format(**ids)}/representations"
        request = client.build_request("POST", url, files=files, data=case.form)
    else:
        kw = {}
        if case.json is not None:
            kw["json"] = case.json
        if case.content is not None:
            kw["content"] = case.content.encode()
            kw["headers"] = {"content-type": "application/json"}
        if case.params:
            kw["params"] = case.params
        request = client.build_request(case.method.upper(), case.path.format(**ids), **kw)
    for name, value in case.headers.items():  # the Host, Origin and token classes
        if value is None:
            request.headers.pop(name, None)
        else:
            request.headers[name] = value
    return client.send(request)


def test_corpus_is_big_enough(corpus):
    _, cases = corpus
    uploads = [c for c in cases.values() if isinstance(c, UploadCase)]
    assert len(uploads) >= 40 and len(cases) >= 80
    for ext in (".npy", ".npz", ".safetensors", ".pt", ".pth", ".h5", ".csv", ".tsv"):
        assert any(c.filename.endswith(ext) for c in uploads), ext


def _all_case_names():
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return [c.name for c in make_corpus(tmp)]


@pytest.mark.parametrize("name", _all_case_names())
def test_bad_input_is_refused_cleanly(corpus, world, name):
    folder, cases = corpus
    client, data, ids = world
    case = cases[name]
    before = snapshot(client, data)
    r = send(client, folder, case, ids)
    assert 400 <= r.status_code < 500, f"{name}: {r.status_code} {r.text[:500]}"
    body = r.json()
    assert set(body) == {"error", "detail"}, body
    assert isinstance(body["error"], str) and body["error"] and isinstance(body["detail"], str)
    detail = body["detail"].lower()
    assert any(k in detail for k in case.keywords), f"{name}: {body['detail']!r} names none of {case.keywords}"
    assert snapshot(client, data) == before, f"{name} changed the catalog"
    assert not list(folder.glob(MARKER_PREFIX + "*")), f"{name}: a pickle was executed"


def test_no_pickle_ever_ran(corpus, world):
    folder, _ = corpus
    client, data, _ = world
    assert not list(folder.glob(MARKER_PREFIX + "*"))
    assert not list(data.rglob(MARKER_PREFIX + "*"))


def test_filename_never_becomes_a_path(world, tmp_path):
    """A client filename full of ``..`` only lends its extension; nothing lands outside the data dir."""
    client, data, ids = world
    buf = io.BytesIO()
    np.save(buf, np.ones((N_EXISTING, 2), dtype=np.float32))
    r = client.post(
        f"/api/collections/{ids['cid']}/representations",
        files={"file": ("../../../../tmp/evil-name.npy", buf.getvalue())},
    )
    try:
        assert r.status_code in (201, 422), r.text
        if r.status_code == 201:
            (rep,) = r.json()["representations"]
            assert "/" not in rep["name"] and ".." not in rep["name"]
        assert not Path("/tmp/evil-name.npy").exists()
        assert not list(data.parent.glob("evil-name*"))
    finally:
        if r.status_code == 201:
            client.delete(f"/api/representations/{r.json()['representations'][0]['id']}")


# -- invalid parameters for every endpoint, derived from /openapi.json (covers routers as they land) ---------------
def _schema_of(spec: dict, s: dict) -> dict:
    if "$ref" in s:
        s = spec["components"]["schemas"][s["$ref"].rsplit("/", 1)[-1]]
    for alt in s.get("anyOf", []):  # Optional[X] -> X
        if alt.get("type") != "null":
            return _schema_of(spec, alt)
    return s


def _bad_values(s: dict) -> list:
    """Values outside a parameter's schema: out of range, unknown enum value, wrong type."""
    out = []
    if "minimum" in s:
        out.append(s["minimum"] - 1)
    if "exclusiveMinimum" in s:
        out.append(s["exclusiveMinimum"])
    if "maximum" in s:
        out.append(s["maximum"] + 1)
    if "exclusiveMaximum" in s:
        out.append(s["exclusiveMaximum"])
    if "enum" in s:
        out.append("zz-unknown-value")
    if s.get("type") in ("integer", "number"):
        out.append("not-a-number")
    if s.get("type") == "boolean":
        out.append("maybe")
    if s.get("type") == "string" and "maxLength" in s:
        out.append("x" * (s["maxLength"] + 1))
    if s.get("type") == "string" and "pattern" in s:
        out.append("\x01zz-unknown")
    return out


def invalid_parameter_cases(spec: dict) -> list[tuple[str, str, dict, tuple[str, ...]]]:
    """``(method, path, request kwargs, keywords)`` for each bad query param and JSON body field of every route."""
    cases = []
    for path, ops in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in ops.items():
            for p in op.get("parameters", []):
                if p["in"] != "query":
                    continue
                for v in _bad_values(_schema_of(spec, p.get("schema", {}))):
                    cases.append((method, path, {"params": {p["name"]: v}}, (p["name"],)))
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            body = _schema_of(spec, content["application/json"]["schema"])
            required = tuple(body.get("required", ()))
            if required:
                cases.append((method, path, {"json": {}}, required + ("more problems",)))
            cases.append((method, path, {"json": [1, 2]}, ("object", "dict", "valid")))
            for name, prop in body.get("properties", {}).items():
                for v in _bad_values(_schema_of(spec, prop)):
                    cases.append((method, path, {"json": {name: v}}, (name, "more problems")))
    return cases


def test_invalid_parameters_of_every_endpoint(world):
    client, data, ids = world
    spec = client.get("/openapi.json").json()
    cases = invalid_parameter_cases(spec)
    assert len(cases) >= 20
    failures = []
    for method, path, kw, keywords in cases:
        url = path
        for name in [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]:
            url = url.replace(
                "{" + name + "}",
                {"collection_id": ids["cid"], "representation_id": ids["rid"]}.get(name, "x0000000000"),
            )
        before = snapshot(client, data)
        r = client.request(method.upper(), url, **kw)
        ok = 400 <= r.status_code < 500 and set(r.json()) == {"error", "detail"}
        if ok and r.status_code == 422:
            ok = any(k.lower() in r.json()["detail"].lower() for k in keywords)
        if not ok or snapshot(client, data) != before:
            failures.append(f"{method.upper()} {url} {kw}: {r.status_code} {r.text[:300]}")
    assert not failures, "\n".join(failures)
