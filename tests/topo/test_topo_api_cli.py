import json
import time

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from topoalign.api.app import create_app
from topoalign.api.settings import Settings
from topoalign.cli import main
from topoalign.mapper.graph import MapperGraph
from topoalign.mapper.service import GRAPH_KIND
from topoalign.representation import Representation


@pytest.fixture()
def client_and_graphs(tmp_path, blobs_pair):
    ga, gb, ids, blob = blobs_pair
    app = create_app(Settings(data=tmp_path, warm_umap=False))
    store = app.state.store
    # labels reach the graphs through their representation's collection, as for graphs built by /api/graphs
    coll = store.create_collection("blobs", ids, labels=pd.DataFrame({"blob": blob.astype(str)}, index=ids))
    gids = []
    for i, g in enumerate((ga, gb)):
        rep = store.add_representation(coll.id, Representation(np.zeros((len(ids), 2)), ids, name=f"r{i}"))
        payload = dict(g.to_json(), representation_id=rep.id)
        rec = store.put_artifact(GRAPH_KIND, {"test": i}, payload, meta={"n_nodes": len(g.nodes)})
        gids.append(rec.id)
    with TestClient(app) as client:
        yield client, gids


def wait_job(client, job):
    for _ in range(300):
        got = client.get(f"/api/jobs/{job['job_id']}").json()
        if got["status"] in ("done", "failed", "cancelled"):
            return got
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_compare_and_motifs_answer_directly(client_and_graphs):
    client, gids = client_and_graphs
    r = client.post("/api/topo/compare", json={"graph_ids": gids, "max_pairs": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["n_shared"] == 300 and body["pairs"][0]["coot_normalized"] == pytest.approx(0, abs=1e-9)
    assert len(body["pairs"][0]["pairs"]) == 5
    again = client.post("/api/topo/compare", json={"graph_ids": gids, "max_pairs": 5}).json()
    assert again["result_id"] == body["result_id"]
    m = client.post("/api/topo/motifs", json={"graph_ids": gids, "pattern": "path:3", "max_matches": 3})
    assert m.status_code == 200, m.text
    assert m.json()["graphs"][0]["n_matches"] == 3
    bad = client.post("/api/topo/motifs", json={"graph_ids": gids, "pattern": "star:9"})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_parameter"
    missing = client.post("/api/topo/compare", json={"graph_ids": [gids[0], "a000000000000"]})
    assert missing.status_code == 404


@pytest.mark.parametrize("path,extra,key", [("regions", {"n_null": 3}, "regions"), ("score", {"n_null": 3}, "pairs")])
def test_large_requests_run_as_jobs_then_cache(client_and_graphs, monkeypatch, path, extra, key):
    from topoalign.api.routers import topo

    monkeypatch.setattr(topo, "SYNC_WORK", 1)  # force the job path
    client, gids = client_and_graphs
    body = {"graph_ids": gids, **extra}
    r = client.post(f"/api/topo/{path}", json=body)
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json())
    assert job["status"] == "done", job
    result = client.get(f"/api/topo/results/{job['result']['result_id']}")
    assert result.status_code == 200 and key in result.json()
    cached = client.post(f"/api/topo/{path}", json=body)
    assert cached.status_code == 200 and cached.json()["result_id"] == job["result"]["result_id"]


def test_small_requests_answer_directly(client_and_graphs):
    client, gids = client_and_graphs
    lay = client.post("/api/topo/layout", json={"graph_ids": gids, "mode": "overlay"})
    assert lay.status_code == 200, lay.text
    body = lay.json()
    assert [g["name"] for g in body["graphs"]] == gids and body["quality"]["distance_ratio"] > 0
    regions = client.post("/api/topo/regions", json={"graph_ids": gids, "n_null": 0})
    assert regions.status_code == 200 and regions.json()["regions"][0]["score"] == pytest.approx(1.0)


def test_one_graph_gets_its_own_layout(client_and_graphs):
    """The dashboard opens a single graph through the layout route: no springs, every node placed, the same
    positions as laying it out alone in the core; comparing still needs two graphs."""
    from topoalign.topo.layout import joint_layout
    from topoalign.topo.service import load_graphs

    client, gids = client_and_graphs
    r = client.post("/api/topo/layout", json={"graph_ids": gids[:1]})
    assert r.status_code == 200, r.text
    (laid,) = r.json()["graphs"]
    (graph,), _ = load_graphs(gids[:1], client.app.state.store, allow_files=False)
    nodes = client.get(f"/api/graphs/{gids[0]}").json()["nodes"]
    assert laid["name"] == gids[0] and {n["id"] for n in laid["nodes"]} == {n["id"] for n in nodes}
    assert all(np.isfinite(n["x"]) and np.isfinite(n["y"]) for n in laid["nodes"])
    alone = joint_layout([graph], [gids[0]]).to_json()["graphs"][0]["nodes"]
    served = {n["id"]: (n["x"], n["y"]) for n in laid["nodes"]}
    assert np.allclose([(n["x"], n["y"]) for n in alone], [served[n["id"]] for n in alone], atol=1e-3)
    bad = client.post("/api/topo/compare", json={"graph_ids": gids[:1]})
    assert bad.status_code == 422 and "graph_ids" in bad.json()["detail"]


def test_stored_results_are_typed_by_kind_and_sent_as_stored(client_and_graphs):
    """GET /api/topo/results answers one model per stored kind (those of the service), with exactly the stored
    keys: a result an older version stored without ``strength`` gets no ``strength: null``."""
    import typing

    from topoalign.api.schemas.topo import TopoResultOut
    from topoalign.topo.service import KINDS

    models = typing.get_args(typing.get_args(TopoResultOut)[0])
    assert {typing.get_args(m.model_fields["kind"].annotation)[0] for m in models} == set(KINDS)
    client, gids = client_and_graphs
    store = client.app.state.store
    rids = {}
    for kind, body in [
        ("compare", {"max_pairs": 2}),
        ("regions", {"n_null": 0}),
        ("layout", {}),
        ("score", {"n_null": 0}),
    ]:
        rid = rids[kind] = client.post(f"/api/topo/{kind}", json={"graph_ids": gids, **body}).json()["result_id"]
        got = client.get(f"/api/topo/results/{rid}").json()
        assert got == {**store.load_artifact(rid), "result_id": rid, "kind": kind}
    old = store.load_artifact(rids["regions"])
    old["regions"] = [{k: v for k, v in r.items() if k != "strength"} for r in old["regions"]]
    rec = store.put_artifact(KINDS["regions"], {"older": True}, old, meta={})
    assert client.get(f"/api/topo/results/{rec.id}").json() == {**old, "result_id": rec.id, "kind": "regions"}


def test_motif_kinds_and_concepts(client_and_graphs):
    client, gids = client_and_graphs
    r = client.post("/api/topo/motifs", json={"graph_ids": gids, "kind": "path", "k": 3, "max_matches": 2})
    assert r.status_code == 200, r.text
    assert {m["graph_id"] for m in r.json()["matches"]} == set(gids)
    r = client.post(
        "/api/topo/motifs",
        json={"graph_ids": gids, "kind": "pattern", "pattern": {"edges": [[0, 1]]}, "max_matches": 2},
    )
    assert r.status_code == 200 and len(r.json()["matches"]) == 4
    c = client.post(
        "/api/topo/motifs", json={"graph_ids": gids, "kind": "concept", "concept": {"column": "blob", "value": "1"}}
    )
    assert c.status_code == 200, c.text
    assert c.json()["footprint"]["n_selected"] == 150 and c.json()["matches"]
    bad = client.post("/api/topo/motifs", json={"graph_ids": gids, "kind": "concept", "where": "colour == red"})
    assert bad.status_code == 422 and "Unknown label column" in bad.json()["detail"]


def test_cli_compare_and_motif_on_graph_files(tmp_path, circle_pair, capsys):
    files = []
    for i, g in enumerate(circle_pair):
        f = tmp_path / f"layer{i}.json"
        f.write_text(json.dumps(g.to_json()))
        files.append(str(f))
    assert main(["compare", *files, "--json", "--n-null", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [g["name"] for g in report["graphs"]] == ["layer0", "layer1"]
    assert report["scores"][0]["score"] > report["scores"][0]["chance"]
    assert report["layout_quality"]["distance_ratio"] > 1
    assert main(["motif", *files, "--pattern", "cycle:5+", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert all(g["n_matches"] >= 1 for g in res["graphs"])
    assert main(["motif", files[0], "--pattern", "cycle:5+", "--where", "x == 1"]) == 2
    assert "needs stimulus labels" in capsys.readouterr().err


def test_graph_ids_never_become_paths_and_repeats_are_refused(client_and_graphs, tmp_path):
    """A graph id that names a JSON file on the server is an unknown id, not a file to read (the CLI may read
    files; the API never does); the same graph twice is a clear 422."""
    client, gids = client_and_graphs
    secret = tmp_path / "secret.json"
    secret.write_text('{"nodes": [], "edges": [], "stimulus_ids": []}')
    r = client.post("/api/topo/compare", json={"graph_ids": [gids[0], str(secret)]})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = client.post("/api/topo/regions", json={"graph_ids": [gids[0], gids[1], gids[0]]})
    assert r.status_code == 422 and "more than once" in r.json()["detail"]


def test_mapper_files_carry_labels_so_motif_where_works(tmp_path, capsys):
    """``topoalign mapper -o`` writes the label columns per stimulus (from the collection, or from --labels for a
    file input), so ``motif FILE --where`` needs no store."""
    from topoalign.store import Store

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.4, size=(60, 5)) for c in (0.0, 4.0)]).astype(np.float32)
    ids = [f"s{i}" for i in range(len(X))]
    blob = ["a"] * 60 + ["b"] * 60
    store = Store(tmp_path / "store")
    coll = store.create_collection("c", ids, labels=pd.DataFrame({"blob": blob}, index=ids))
    rid = store.add_representation(coll.id, Representation(X, ids, name="l")).id
    from_store = tmp_path / "from_store.json"
    build = ["--intervals", "4", "--eps", "1.5", "--quiet"]
    for _ in range(2):  # built, then cached (the stored graph has no labels: they come from the collection)
        assert main(["mapper", rid, "--data", str(tmp_path / "store"), *build, "-o", str(from_store)]) == 0
        payload = json.loads(from_store.read_text())
        assert dict(zip(payload["stimulus_ids"], payload["stimulus_labels"]["blob"])) == dict(zip(ids, blob))
    npy, table = tmp_path / "acts.npy", tmp_path / "labels.csv"
    np.save(npy, X)  # no ids in the file: rows are "0".."n-1"
    pd.DataFrame({"stimulus_id": range(len(X)), "blob": blob}).to_csv(table, index=False)
    from_file = tmp_path / "from_file.json"
    assert main(["mapper", str(npy), "--labels", str(table), *build, "-o", str(from_file)]) == 0
    capsys.readouterr()
    for f in (from_store, from_file):
        assert main(["motif", str(f), "--pattern", "path:2", "--where", "blob == a", "--json"]) == 0
        res = json.loads(capsys.readouterr().out)
        assert res["where"] == "blob == a" and res["graphs"][0]["n_matches"] >= 1
        graph = MapperGraph.from_json(json.loads(f.read_text()))
        for m in res["graphs"][0]["matches"]:  # every match lies in blob a
            members = np.concatenate([graph.node(n).members for n in m["nodes"]])
            assert set(graph.labels["blob"].iloc[members]) == {"a"}
    other = tmp_path / "from_file_5.json"
    assert main(["mapper", str(npy), "--labels", str(table), *build, "--intervals", "5", "-o", str(other)]) == 0
    capsys.readouterr()
    assert main(["compare", str(from_file), str(other), "--json", "--n-null", "2", "--no-layout"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {r["dominant_labels"]["blob"]["dominant"] for r in report["regions"]["regions"]} == {"a", "b"}
    bad = tmp_path / "other.csv"
    pd.DataFrame({"stimulus_id": ["x", "y"], "blob": ["a", "b"]}).to_csv(bad, index=False)
    assert main(["mapper", str(npy), "--labels", str(bad), *build]) == 2
    assert "shares no stimulus id" in capsys.readouterr().err


@pytest.mark.parametrize("coords", ["[1e308, 0]", "[NaN, 0]", "[0, -Infinity]", "[0, 1, 2]", '["x", 0]'])
def test_layout_warm_start_refuses_absurd_coordinates_with_422(client_and_graphs, coords):
    """1e308 or NaN warm-start positions used to reach the solver and answer 500 (LinAlgError)."""
    client, gids = client_and_graphs
    first = client.post("/api/topo/layout", json={"graph_ids": gids}).json()
    node = first["graphs"][0]["nodes"][0]["id"]
    body = '{"graph_ids": %s, "initial": {"%s": {"%s": %s}}}' % (json.dumps(gids), gids[0], node, coords)
    r = client.post("/api/topo/layout", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_request" and "initial" in r.json()["detail"]
    ok = client.post("/api/topo/layout", json={"graph_ids": gids, "initial": {gids[0]: {node: [1e5, -1e5]}}})
    assert ok.status_code == 200, ok.text
