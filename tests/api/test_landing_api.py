"""GET /api/graphs/landing: the prepared case `topoalign demo` writes, which a bare dashboard address opens."""

from __future__ import annotations

import numpy as np

from topoalign.extract.zoo.demo import build_landing
from topoalign.representation import Provenance, Representation


def _model(store, cid, ids, model, layers, rng):
    for i in range(layers):
        prov = Provenance(model=model, layer=f"layer{i}", layer_index=i, layer_fraction=i / (layers - 1))
        store.add_representation(
            cid,
            Representation(
                rng.normal(size=(len(ids), 4)).astype(np.float32), ids, provenance=prov, name=f"{model}/layer{i}"
            ),
        )


def test_no_prepared_case_is_a_404_in_the_error_shape(client):
    r = client.get("/api/graphs/landing")
    assert r.status_code == 404 and r.json()["error"] == "not_found" and "topoalign demo" in r.json()["detail"]


def test_the_last_layers_of_two_models_and_the_audit_collection(client, store):
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(30)]
    sentences = store.create_collection("sentences", ids)
    mnist = store.create_collection("mnist", ids)
    _model(store, sentences.id, ids, "small", 3, rng)
    _model(store, sentences.id, ids, "large", 5, rng)
    assert build_landing(store, build_graphs=False) is not None
    case = client.get("/api/graphs/landing").json()
    names = [client.get(f"/api/representations/{r}").json()["name"] for r in case["representation_ids"]]
    assert names == ["small/layer2", "large/layer4"]
    assert case["collection_id"] == sentences.id and case["label_column"] == "topic"
    assert case["audit_collection_id"] == mnist.id and case["audit_collection"] == "mnist"
    assert case["graph_ids"] == [] and "small layer2 vs large layer4" == case["title"]
    # a deleted representation withdraws the case instead of sending the dashboard to a missing id
    client.delete(f"/api/representations/{case['representation_ids'][0]}")
    assert client.get("/api/graphs/landing").status_code == 404
