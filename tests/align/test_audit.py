"""The audit over a small synthetic collection: planning from provenance, Dask execution, storage, export."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from topoalign.align.audit import audit_csv, layer_matrix, prepare_audit, run_audit, save_audit
from topoalign.align.audit_plan import AuditPlan
from topoalign.align.procrustes import procrustes_score
from topoalign.errors import InvalidInputError, InvalidParameterError


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
    # 3x3 layer pairs; 3 layers by depth; 3 layers x 2 checkpoints; 3 layers x 2 conditions; 3 x (final, untrained)
    assert kinds == {"layers": 9, "depth": 3, "epochs": 6, "ood": 6, "random_init": 6}
    assert d["n_pairs"] == 9 + 3 + 6 - 3  # epochs at the final checkpoint repeat the layer-matrix diagonal ...
    assert len(plan.pairs()) == len(set(plan.pairs()))


def test_audit_on_a_real_local_cluster(synth_store):
    distributed = pytest.importorskip("distributed")
    events = []
    # threads keep start-up fast on a shared 2-core box; the scheduler is still reached over TCP on loopback
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        payload = run_audit(synth_store, "synth", metrics=["procrustes", "linear"], folds=3,
                            scheduler=cluster.scheduler_address, progress=lambda f, m="": events.append(f))
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
    ep = {(c["layer_a"], c["checkpoint"]): c["score"] for c in cells
          if c["analysis"] == "epochs" and c["metric"] == "procrustes"}
    assert ep[("L1", "epoch-2")] > ep[("L1", "epoch-0")]
    ood = {(c["layer_a"], c["condition"]): c["score"] for c in cells
           if c["analysis"] == "ood" and c["metric"] == "procrustes"}
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


def test_audit_needs_two_models(store):
    from align_fixtures import build_synthetic_collection

    build_synthetic_collection(store, seeds=1)
    with pytest.raises(InvalidInputError, match="at least two models"):
        prepare_audit(store, "synth", ["cka"])


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
