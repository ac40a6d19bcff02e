"""The audit over a small synthetic collection: planning from provenance, Dask execution, storage, export."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from topoalign.align.audit import audit_csv, prepare_audit, run_audit, save_audit
from topoalign.align.audit_plan import AuditPlan
from topoalign.align.audit_summary import layer_matrices
from topoalign.align.procrustes import procrustes_score
from topoalign.errors import InvalidInputError, InvalidParameterError


def layer_matrix(payload, model_a, model_b, metric):
    """The layer x layer matrix of one model pair (audit_summary.layer_matrices) with the scores as an array."""
    m = next(
        m
        for m in layer_matrices(payload["cells"])
        if (m["model_a"], m["model_b"], m["metric"]) == (model_a, model_b, metric)
    )
    return {**m, "scores": np.array(m["scores"], dtype=float)}


def test_plan_reads_provenance(synth_store):
    plan = AuditPlan(synth_store.list_representations("synth"))
    d = plan.describe()
    assert d["models"] == ["net-s0", "net-s1"]
    assert d["checkpoints"] == ["epoch-0", "epoch-2"]
    assert d["final_checkpoint"] == "epoch-2" and d["untrained_checkpoint"] == "epoch-0"
    assert d["in_distribution_condition"] == "test"
    kinds = {}
    for c in plan.comparisons:
        kinds[c.analysis] = kinds.get(c.analysis, 0) + 1
    # 3x3 layer pairs between the models and 3x2 ordered pairs within each; 3 layers by depth; 3 layers x 2
    # checkpoints; 3 layers x 2 conditions; 3 layers at the untrained checkpoint only (the random baseline)
    assert kinds == {"layers": 9 + 2 * 6, "depth": 3, "epochs": 6, "ood": 6, "random_init": 3}
    # depth and the final-checkpoint epochs repeat the layer-matrix diagonal, random_init the epoch-0 epochs, the
    # in-distribution ood pairs the diagonal too: new pairs are the layer matrices, 3 untrained and 3 shifted ones
    assert d["n_pairs"] == 9 + 12 + 3 + 3
    assert all(c.a.id != c.b.id for c in plan.comparisons)
    assert d["depth_from_order"] == []
    assert len(plan.pairs()) == len(set(plan.pairs()))


def test_audit_on_a_real_local_cluster(synth_store):
    distributed = pytest.importorskip("distributed")
    events = []
    # threads keep start-up fast on a shared 2-core box; the scheduler is still reached over TCP on loopback
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        payload = run_audit(
            synth_store,
            "synth",
            metrics=["procrustes", "linear"],
            folds=3,
            scheduler=cluster.scheduler_address,
            progress=lambda f, m="": events.append(f),
        )
    assert events and events[-1] == pytest.approx(1.0) and events == sorted(events)
    cells = payload["cells"]
    assert {c["metric"] for c in cells} == {"procrustes", "linear"}
    # every cell links back to its two representations, and the batched path equals the per-pair one
    cell = next(c for c in cells if c["analysis"] == "layers" and c["metric"] == "procrustes")
    a = synth_store.load_representation(cell["representation_a"])
    b = synth_store.load_representation(cell["representation_b"])
    assert a.provenance.model == cell["model_a"] and b.provenance.layer == cell["layer_b"]
    np.testing.assert_allclose(cell["folds"], procrustes_score(a, b, folds=3).folds, atol=1e-9)
    # planted structure: alignment falls with depth, rises with training, falls out of distribution
    depth = {c["layer_a"]: c["score"] for c in cells if c["analysis"] == "depth" and c["metric"] == "procrustes"}
    assert depth["L0"] > depth["L2"]
    ep = {
        (c["layer_a"], c["checkpoint"]): c["score"]
        for c in cells
        if c["analysis"] == "epochs" and c["metric"] == "procrustes"
    }
    assert ep[("L1", "epoch-2")] > ep[("L1", "epoch-0")]
    ood = {
        (c["layer_a"], c["condition"]): c["score"]
        for c in cells
        if c["analysis"] == "ood" and c["metric"] == "procrustes"
    }
    assert ood[("L2", "test")] > ood[("L2", "ood:noise")]

    rec = save_audit(synth_store, payload)
    assert rec.kind == "audit" and cell["representation_a"] in rec.representation_ids
    _, _, _, params = prepare_audit(synth_store, "synth", ["procrustes", "linear"], folds=3)
    assert synth_store.find_artifact("audit", params).id == rec.id
    assert synth_store.load_artifact(rec.id)["cells"][0]["score"] == pytest.approx(cells[0]["score"])

    rows = list(csv.DictReader(io.StringIO(audit_csv(payload))))
    assert len(rows) == len(cells) and rows[0]["representation_a"] == cells[0]["representation_a"]
    m = layer_matrix(payload, "net-s0", "net-s1", "procrustes")
    assert m["rows"] == ["L0", "L1", "L2"] and m["scores"].shape == (3, 3)
    assert m["scores"][0, 0] > m["scores"][0, 2]  # matching layers align best


def test_audit_in_process_default_and_errors(synth_store):
    payload = run_audit(synth_store, "synth", metrics=["cka"], analyses=["depth"], folds=2)
    assert len(payload["cells"]) == 3 and all(c["analysis"] == "depth" for c in payload["cells"])
    with pytest.raises(InvalidParameterError, match="'metric' parameter of audit"):
        prepare_audit(synth_store, "synth", ["cosine"])
    with pytest.raises(InvalidParameterError, match="'analyses' parameter of audit"):
        prepare_audit(synth_store, "synth", ["cka"], analyses=["everything"])


def test_one_model_is_audited_layer_by_layer_and_one_layer_is_refused(store):
    from align_fixtures import build_synthetic_collection

    build_synthetic_collection(store, seeds=1)
    _, plan, _, _ = prepare_audit(store, "synth", ["cka"])
    assert {c.analysis for c in plan.comparisons} == {"layers"}
    assert all(c.a.model == c.b.model and c.a.layer != c.b.layer for c in plan.comparisons)
    payload = run_audit(store, "synth", metrics=["cka"], analyses=["layers"], folds=2)
    (m,) = layer_matrices(payload["cells"])
    assert m["within_model"] and m["rows"] == m["columns"] == ["L0", "L1", "L2"]
    scores = np.array(m["scores"], dtype=float)
    assert np.isnan(np.diag(scores)).all() and np.isfinite(scores[~np.eye(3, dtype=bool)]).all()
    np.testing.assert_allclose(scores, scores.T)  # CKA is symmetric
    rep = store.load_representation(store.list_representations("synth")[0].id)
    coll = store.create_collection("single", list(rep.stimulus_ids))
    store.add_representation(coll.id, rep, name="only")
    with pytest.raises(InvalidInputError, match="two layers of one model"):
        prepare_audit(store, "single", ["cka"])


def test_batched_procrustes_in_partner_chunks_equals_one_call(synth_store, monkeypatch):
    from topoalign.align import audit

    whole = run_audit(synth_store, "synth", metrics=["procrustes"], analyses=["layers"], folds=3)
    monkeypatch.setattr(audit, "_PROCRUSTES_STACK_BYTES", 1)  # one partner per batched call
    audit._CACHE.clear()
    a_id = whole["cells"][0]["representation_a"]
    partners = sorted({c["representation_b"] for c in whole["cells"] if c["representation_a"] == a_id})
    assert len(partners) >= 3
    a = audit._load(str(synth_store.data_dir), a_id)
    got = audit._batched_procrustes(str(synth_store.data_dir), a, partners, 3, 0)
    for c in whole["cells"]:
        if c["representation_a"] == a_id:
            np.testing.assert_allclose(got[c["representation_b"]], c["folds"], atol=1e-12)


def test_audit_mutual_knn_reuses_neighbours_with_the_same_values(synth_store):
    from topoalign.align import audit
    from topoalign.align.knn import mutual_knn_score

    audit._KNN_CACHE.clear()
    payload = run_audit(synth_store, "synth", metrics=["mutual_knn"], analyses=["layers"], folds=3)
    cells = payload["cells"]
    reps = {c["representation_a"] for c in cells} | {c["representation_b"] for c in cells}
    assert len(cells) > len(reps)  # more pairs than representations: neighbours were reused
    for c in cells:
        a = synth_store.load_representation(c["representation_a"])
        b = synth_store.load_representation(c["representation_b"])
        ref = mutual_knn_score(a, b, folds=3)
        assert c["folds"] == ref.folds and c["score"] == ref.score


def test_audit_topological_cells(synth_store):
    from topoalign.align.score import alignment_score

    payload = run_audit(synth_store, "synth", metrics=["topological", "cka"], analyses=["layers"], folds=2)
    topo = [c for c in payload["cells"] if c["metric"] == "topological"]
    assert topo and len(topo) == len([c for c in payload["cells"] if c["metric"] == "cka"])
    c = topo[0]
    a = synth_store.load_representation(c["representation_a"])
    b = synth_store.load_representation(c["representation_b"])
    assert c["score"] == alignment_score(a, b, metric="topological").score
    m = layer_matrix(payload, "net-s0", "net-s1", "topological")
    assert m["scores"].shape == (3, 3) and np.isfinite(m["scores"]).all()


def test_a_constant_representation_fails_only_its_cells(synth_store):
    """One representation whose rows are all equal used to fail the whole audit; now its cells are null with an
    error note and every other cell is scored as before."""
    from topoalign.representation import Provenance, Representation

    ids = [f"t{i}" for i in range(60)]
    prov = Provenance(
        model="net-const",
        layer="L0",
        layer_index=0,
        layer_fraction=0.0,
        checkpoint="epoch-2",
        epoch=2,
        condition="test",
        seed=9,
    )
    synth_store.add_representation("synth", Representation(np.ones((60, 6)), ids, provenance=prov, name="const"))
    payload = run_audit(synth_store, "synth", metrics=["procrustes", "linear"], analyses=["layers"], folds=3)
    const = [c for c in payload["cells"] if "net-const" in (c["model_a"], c["model_b"])]
    other = [c for c in payload["cells"] if "net-const" not in (c["model_a"], c["model_b"])]
    assert const and {c["metric"] for c in const} == {"procrustes", "linear"}  # the batched path too
    for c in const:
        assert c["score"] is None and c["std"] is None and c["folds"] == []
        assert "constant" in c["error"]
    assert other and all(isinstance(c["score"], float) and c["error"] is None for c in other)
    rows = list(csv.DictReader(io.StringIO(audit_csv(payload))))
    assert {r["score"] for r in rows if "net-const" in (r["model_a"], r["model_b"])} == {""}
    assert all("constant" in r["error"] for r in rows if "net-const" in (r["model_a"], r["model_b"]))
    m = layer_matrix(payload, "net-s0", "net-const", "procrustes")
    assert m["scores"].shape == (3, 1) and np.isnan(m["scores"]).all()
    assert all("constant" in row[0] for row in m["errors"])


def test_audit_csv_escapes_formula_like_text_but_not_numbers():
    cell = {
        "analysis": "layers",
        "metric": "linear",
        "score": -0.25,
        "std": 0.1,
        "model_a": '=HYPERLINK("x")',
        "model_b": "@SUM(A1)",
        "layer_a": "+cmd",
        "layer_b": "-2+3",
        "checkpoint": "-1.5e3",
        "epoch": -1,
        "condition": "\tood",
        "representation_a": "r1",
        "representation_b": "r2",
        "folds": [-0.5, 0.25],
    }
    (row,) = csv.DictReader(io.StringIO(audit_csv({"cells": [cell]})))
    assert row["model_a"] == '\'=HYPERLINK("x")' and row["model_b"] == "'@SUM(A1)"
    assert row["layer_a"] == "'+cmd" and row["layer_b"] == "'-2+3" and row["condition"] == "'\tood"
    assert row["score"] == "-0.25" and row["epoch"] == "-1" and row["checkpoint"] == "-1.5e3"
    assert row["folds"] == "-0.5;0.25" and row["error"] == ""
