"""POST /api/graphs/aligned: one graph per representation and their joint layout in one job, sharing the caches of
POST /api/graphs and POST /api/topo/layout; errors name the problem and store nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_graphs_api import BODY, wait_for

from topoalign.representation import Representation
from topoalign.topo import service as topo_service

LAYOUT = {"mode": "overlay", "quality": False}


@pytest.fixture
def rep_ids(client):
    store = client.app.state.store
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.3, size=(60, 5)) for c in (0, 3, 6)]).astype(np.float32)
    ids = [f"s{i}" for i in range(180)]
    labels = pd.DataFrame({"group": ["a"] * 60 + ["b"] * 60 + ["c"] * 60}, index=ids)
    coll = store.create_collection("toy", ids, labels=labels)
    rotation = np.linalg.qr(rng.normal(size=(5, 5)))[0].astype(np.float32)
    return [
        store.add_representation(coll.id, Representation(X, ids, name="layer1")).id,
        store.add_representation(
            coll.id,
            Representation(X @ rotation + 0.05 * rng.normal(size=X.shape).astype(np.float32), ids, name="layer2"),
        ).id,
    ]


def test_aligned_graphs_equal_separate_builds_and_layout(client, rep_ids):
    r = client.post("/api/graphs/aligned", json={"representation_ids": rep_ids, **BODY, "layout": LAYOUT})
    assert r.status_code == 202, r.text
    job = wait_for(client, r.json()["job_id"])
    assert job["status"] == "done", job
    result = job["result"]
    graph_ids, layout = result["graph_ids"], result["layout"]
    assert len(graph_ids) == 2 and len(set(graph_ids)) == 2
    # the same graphs as one build per representation (answered from the cache: same ids)
    for rid, gid in zip(rep_ids, graph_ids):
        single = client.post("/api/graphs", json={"representation_id": rid, **BODY})
        assert single.status_code == 200 and single.json()["id"] == gid
        assert client.get(f"/api/graphs/{gid}").json()["representation_id"] == rid
    # the same layout as POST /api/topo/layout (answered from the cache: same result id)
    alone = client.post("/api/topo/layout", json={"graph_ids": graph_ids, **LAYOUT})
    assert alone.status_code == 200 and alone.json()["result_id"] == layout["result_id"]
    # and as computing it here, independently of both caches
    store = client.app.state.store
    graphs, names = topo_service.load_graphs(graph_ids, store, allow_files=False)
    fresh = topo_service.layout(graphs, names, mode="overlay", quality=False)
    assert [g["name"] for g in layout["graphs"]] == graph_ids
    for got, want, graph in zip(layout["graphs"], fresh["graphs"], graphs):
        assert [n["id"] for n in got["nodes"]] == [n.id for n in graph.nodes]
        np.testing.assert_allclose(
            [[n["x"], n["y"]] for n in got["nodes"]], [[n["x"], n["y"]] for n in want["nodes"]], atol=1e-3
        )
    # asked again: answered at once from the caches
    again = client.post("/api/graphs/aligned", json={"representation_ids": rep_ids, **BODY, "layout": LAYOUT})
    assert again.status_code == 200, again.text
    assert again.json()["graph_ids"] == graph_ids and again.json()["layout"]["result_id"] == layout["result_id"]


def test_aligned_graphs_reuse_a_layout_computed_before(client, rep_ids):
    graph_ids = []
    for rid in rep_ids:
        r = client.post("/api/graphs", json={"representation_id": rid, **BODY})
        graph_ids.append(wait_for(client, r.json()["job_id"])["result"]["graph_id"])
    first = client.post("/api/topo/layout", json={"graph_ids": graph_ids, **LAYOUT}).json()
    r = client.post("/api/graphs/aligned", json={"representation_ids": rep_ids, **BODY, "layout": LAYOUT})
    assert r.status_code == 200 and r.json()["layout"]["result_id"] == first["result_id"]


@pytest.mark.parametrize(
    "patch, status, words",
    [
        ({"representation_ids": "same"}, 422, "more than once"),
        ({"representation_ids": "one"}, 422, "representation_ids"),
        ({"representation_ids": "missing"}, 404, "rnope"),
        ({"cover": {"kind": "kmapper", "n_intervals": 0, "overlap": 0.3}}, 422, "n_intervals"),
        ({"layout": {"mode": "sideways"}}, 422, "mode"),
    ],
)
def test_aligned_graphs_errors_name_the_problem_and_store_nothing(client, rep_ids, patch, status, words):
    body = {"representation_ids": rep_ids, **BODY, "layout": LAYOUT, **patch}
    body["representation_ids"] = {
        "same": [rep_ids[0], rep_ids[0]],
        "one": rep_ids[:1],
        "missing": [rep_ids[0], "rnope"],
    }.get(patch.get("representation_ids"), rep_ids)
    r = client.post("/api/graphs/aligned", json=body)
    assert r.status_code == status, r.text
    assert words in r.text
    assert client.get("/api/graphs").json() == [] and client.get("/api/jobs").json() == []
