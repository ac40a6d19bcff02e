"""Chance in the audit (permutation null and random rotations on the first seed pair of every layer), the summary
endpoint, the findings downloads and ``topoalign audit --summary``, on the planted synthetic collection."""

from __future__ import annotations

import json

import numpy as np
import pytest

from topoalign.align.audit import null_pairs, prepare_audit, run_audit, save_audit
from topoalign.align.chance import permutation_null
from topoalign.align.matching import rotation_baseline
from topoalign.align.score import METRICS


def test_chance_cells_are_the_permutation_null_of_the_first_seed_pair(synth_store):
    payload = run_audit(
        synth_store, "synth", metrics=["procrustes", "permutation"], analyses=["depth"], folds=3, n_null=4
    )
    _, plan, _, params = prepare_audit(synth_store, "synth", ["procrustes", "permutation"], ["depth"], 3, 0, 4)
    assert params["n_null"] == 4 and payload["params"]["n_null"] == 4
    chosen = null_pairs(plan)
    assert len(chosen) == 3  # one pair per layer (two seeds: one pair)
    for c in payload["cells"]:
        pair = (c["representation_a"], c["representation_b"])
        if pair not in chosen:
            assert c["chance"] is None and c["n_null"] is None
            continue
        a, b = (synth_store.load_representation(r) for r in pair)
        null = permutation_null(METRICS[c["metric"]], a, b, n_permutations=4, random_state=0, folds=3)
        assert c["chance"] == pytest.approx(float(np.mean(null)), abs=1e-12) and c["n_null"] == 4
        assert c["chance"] < c["score"]  # the planted layers are aligned far above chance
        if c["metric"] == "permutation":
            rot = rotation_baseline(METRICS["permutation"], a, b, n_rotations=4, random_state=0, folds=3)
            assert c["rotation"] == pytest.approx(rot["mean"], abs=1e-12)
        else:
            assert c["rotation"] is None
    none = run_audit(synth_store, "synth", metrics=["cka"], analyses=["depth"], folds=3, n_null=0)
    assert all(c["chance"] is None for c in none["cells"])


def _wait(client, job_id):
    import time

    for _ in range(600):
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_summary_endpoint_findings_downloads_and_errors(synth_store, client):
    r = client.post(
        "/api/collections/synth/audits",
        json={"metrics": ["linear", "procrustes", "permutation"], "folds": 3, "n_null": 2},
    )
    job = _wait(client, r.json()["job_id"])
    assert job["status"] == "done", job
    audit_id = job["result"]["audit_id"]
    s = client.get(f"/api/audits/{audit_id}/summary")
    assert s.status_code == 200, s.text
    s = s.json()
    assert {"depth", "epochs", "ood", "wd_ood", "layers", "findings"} <= set(s) and s["n_null"] == 2
    row = next(r for r in s["depth"] if r["metric"] == "procrustes" and r["layer"] == "L0")
    assert row["n_pairs"] == 1 and row["random_mean"] < row["mean"] and row["chance"] < row["random_mean"]
    assert row["layer_fraction"] == 0.0 and row["pairs"] and row["random_sd"] == 0.0
    perm = next(r for r in s["depth"] if r["metric"] == "permutation")
    assert perm["rotation"] is not None
    within = [m for m in s["layers"] if m["within_model"]]
    assert {m["model_a"] for m in within} == {"net-s0", "net-s1"}
    assert {f["id"] for f in s["findings"]} >= {
        "ordering",
        "above_random",
        "above_chance",
        "depth_trend",
        "early_epoch",
        "ood_depth",
        "ood_performance",
    }
    by_id = {f["id"]: f for f in s["findings"]}
    assert by_id["above_random"]["holds"] is True and by_id["depth_trend"]["holds"] is True
    assert by_id["ood_performance"]["holds"] is None  # the synthetic collection records no accuracy

    md = client.get(f"/api/audits/{audit_id}/findings")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "attachment" in md.headers["content-disposition"] and "| `above_random` |" in md.text
    assert "2 permutation-null draws" in md.text
    js = client.get(f"/api/audits/{audit_id}/findings", params={"format": "json"}).json()
    assert [f["id"] for f in js["findings"]] == [f["id"] for f in s["findings"]]
    assert client.get(f"/api/audits/{audit_id}/findings", params={"format": "pdf"}).status_code == 422
    missing = client.get("/api/audits/nope/summary")
    assert missing.status_code == 404 and missing.json()["error"]
    bad = client.post("/api/collections/synth/audits", json={"n_null": -1})
    assert bad.status_code == 422 and "n_null" in bad.text


def test_cli_audit_summary_json_and_findings_file(synth_store, tmp_path, capsys):
    from topoalign.cli import main

    out = tmp_path / "findings.md"
    code = main(
        [
            "audit",
            "synth",
            "--data",
            str(synth_store.data_dir),
            "--metrics",
            "procrustes",
            "permutation",
            "--folds",
            "3",
            "--null-draws",
            "2",
            "--summary",
            "--json",
            "--findings",
            str(out),
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) >= {"depth", "epochs", "ood", "layers", "findings"}
    keys = {"metric", "model", "layer", "layer_fraction", "mean", "sd", "n_pairs", "random_mean", "random_sd", "chance"}
    assert all(keys <= set(r) for r in summary["depth"])
    assert all({"metric", "model", "layer", "epoch", "mean", "sd", "accuracy"} <= set(r) for r in summary["epochs"])
    assert all(
        {"metric", "model", "layer", "layer_fraction", "condition", "mean", "sd", "accuracy"} <= set(r)
        for r in summary["ood"]
    )
    assert all({"id", "claim", "holds", "evidence"} <= set(f) for f in summary["findings"])
    assert out.read_text().startswith("# Convergent-learning findings")
    js = tmp_path / "findings.json"
    assert (
        main(
            [
                "audit",
                "synth",
                "--data",
                str(synth_store.data_dir),
                "--metrics",
                "procrustes",
                "permutation",
                "--folds",
                "3",
                "--null-draws",
                "2",
                "--findings",
                str(js),
            ]
        )
        == 0
    )
    assert json.loads(js.read_text())["findings"] == summary["findings"]
    capsys.readouterr()
    assert (
        main(
            [
                "audit",
                "synth",
                "--data",
                str(synth_store.data_dir),
                "--metrics",
                "procrustes",
                "permutation",
                "--folds",
                "3",
                "--null-draws",
                "2",
                "--summary",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "above_chance" in text and "holds" in text


def test_saved_audit_keeps_chance_through_the_store(synth_store):
    payload = run_audit(synth_store, "synth", metrics=["soft"], analyses=["depth"], folds=3, n_null=2)
    rec = save_audit(synth_store, payload)
    stored = synth_store.load_artifact(rec.id)
    assert [c["chance"] for c in stored["cells"]] == [c["chance"] for c in payload["cells"]]
    assert any(c["rotation"] is not None for c in stored["cells"])
