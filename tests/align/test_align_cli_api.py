"""`topoalign align` / `topoalign audit` and the /api/align, /api/audits endpoints, on real files and a real store."""

from __future__ import annotations

import csv
import io
import json
import time

import numpy as np
import pytest
from align_fixtures import planted
from scipy.stats import ortho_group

from topoalign.cli import main


def _wait(client, job_id, timeout=120):
    t = time.monotonic()
    while time.monotonic() - t < timeout:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_cli_align_files_json_contract(tmp_path, capsys):
    X = planted(n=90)
    np.save(tmp_path / "a.npy", X.astype(np.float32))
    np.save(tmp_path / "b.npy", (X @ ortho_group.rvs(X.shape[1], random_state=0)).astype(np.float32))
    code = main(
        [
            "align",
            str(tmp_path / "a.npy"),
            str(tmp_path / "b.npy"),
            "--metric",
            "procrustes",
            "--folds",
            "3",
            "--permutations",
            "5",
            "--json",
            "--data",
            str(tmp_path / "store"),
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out)[:5] == ["metric", "score", "folds", "chance", "p_value"]
    assert out["metric"] == "procrustes" and out["score"] == pytest.approx(1.0, abs=1e-5)
    assert len(out["folds"]) == 3 and out["p_value"] == pytest.approx(1 / 6) and abs(out["chance"]) < 0.5


def test_cli_align_ids_and_audit(synth_store, tmp_path, capsys):
    reps = synth_store.list_representations("synth", condition="test", checkpoint="epoch-2", layer="L0")
    data = ["--data", str(synth_store.data_dir)]
    assert (
        main(
            [
                "align",
                reps[0].id,
                reps[1].id,
                "--metric",
                "soft",
                "--permutations",
                "0",
                "--rotations",
                "2",
                "--folds",
                "3",
                "--json",
                *data,
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["chance"] is None and out["baselines"]["random_rotation"]["n_rotations"] == 2
    assert main(["align", reps[0].id, "nosuchrep", *data]) == 2
    assert (
        main(
            [
                "audit",
                "synth",
                "--metrics",
                "cka",
                "procrustes",
                "--analyses",
                "depth",
                "--folds",
                "3",
                "--csv",
                str(tmp_path / "audit.csv"),
                *data,
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "depth" in text and "6 cells over 3 representation pairs" in text
    rows = list(csv.DictReader(open(tmp_path / "audit.csv")))
    assert len(rows) == 6 and {r["metric"] for r in rows} == {"cka", "procrustes"}
    with pytest.raises(SystemExit):  # argparse rejects unknown metrics
        main(["audit", "synth", "--metrics", "cosine", *data])


def test_api_align_and_audit(synth_store, client):
    reps = synth_store.list_representations("synth", condition="test", checkpoint="epoch-2", layer="L1")
    r = client.post(
        "/api/align",
        json={
            "representation_a": reps[0].id,
            "representation_b": reps[1].id,
            "metric": "linear",
            "folds": 3,
            "n_permutations": 3,
        },
    )
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["job_id"])
    assert job["status"] == "done", job
    res = job["result"]
    assert res["metric"] == "linear" and len(res["folds"]) == 3 and res["p_value"] == pytest.approx(0.25)
    assert set(res["details"]) >= {"forward", "backward", "alpha_forward"}

    assert (
        client.post("/api/align", json={"representation_a": "rnope", "representation_b": reps[1].id}).status_code == 404
    )
    bad = client.post("/api/collections/synth/audits", json={"metrics": ["cosine"]})
    assert bad.status_code == 422

    r = client.post(
        "/api/collections/synth/audits", json={"metrics": ["procrustes"], "analyses": ["layers", "ood"], "folds": 3}
    )
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["job_id"])
    assert job["status"] == "done", job
    audit_id = job["result"]["audit_id"]
    again = _wait(
        client,
        client.post(
            "/api/collections/synth/audits", json={"metrics": ["procrustes"], "analyses": ["layers", "ood"], "folds": 3}
        ).json()["job_id"],
    )
    assert again["result"] == {"audit_id": audit_id, "n_cells": job["result"]["n_cells"], "cached": True}

    listed = client.get("/api/audits", params={"collection_id": "synth"}).json()
    assert [a["id"] for a in listed] == [audit_id]
    audit = client.get(f"/api/audits/{audit_id}").json()
    assert {c["analysis"] for c in audit["cells"]} == {"layers", "ood"}
    cell = audit["cells"][0]
    assert client.get(f"/api/representations/{cell['representation_a']}").status_code == 200
    exported = client.get(f"/api/audits/{audit_id}/export", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(exported.text)))) == len(audit["cells"])
    assert client.get(f"/api/audits/{audit_id}/export", params={"format": "json"}).json()["cells"][0] == cell
    assert client.get("/api/audits/anope").status_code == 404
    assert client.delete(f"/api/audits/{audit_id}").status_code == 204
    assert client.get(f"/api/audits/{audit_id}").status_code == 404


def test_api_audit_reports_a_constant_representation_per_cell_and_escapes_the_csv(synth_store, client):
    """A constant representation (named like a spreadsheet formula) gives null cells with an error note, not a
    failed audit; the CSV export quotes the formula-like name and keeps numbers as numbers."""
    from topoalign.representation import Provenance, Representation

    prov = Provenance(
        model='=HYPERLINK("http://x")',
        layer="L0",
        layer_index=0,
        layer_fraction=0.0,
        checkpoint="epoch-2",
        epoch=2,
        condition="test",
        seed=9,
    )
    synth_store.add_representation(
        "synth", Representation(np.ones((60, 6)), [f"t{i}" for i in range(60)], provenance=prov, name="const")
    )
    r = client.post(
        "/api/collections/synth/audits", json={"metrics": ["procrustes", "cka"], "analyses": ["layers"], "folds": 3}
    )
    job = _wait(client, r.json()["job_id"])
    assert job["status"] == "done", job
    audit = client.get(f"/api/audits/{job['result']['audit_id']}").json()
    bad = [c for c in audit["cells"] if c["model_a"] == prov.model or c["model_b"] == prov.model]
    assert bad and all(c["score"] is None and "constant" in c["error"] for c in bad)
    assert any(c["score"] is not None and c["error"] is None for c in audit["cells"])
    text = client.get(f"/api/audits/{audit['id']}/export", params={"format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "'=HYPERLINK" in text and not any(v.startswith("=") for row in rows for v in row.values())
    scores = [float(row["score"]) for row in rows if row["score"]]  # numbers, never quoted
    assert len(scores) == len([c for c in audit["cells"] if c["score"] is not None])


def _strict_json(text: str):
    def refuse(name):
        raise AssertionError(f"bare {name} in the JSON")

    return json.loads(text, parse_constant=refuse)


def test_audit_exports_with_nan_scores_are_valid_json(synth_store, client):
    """NaN scores (stored now, or by an older version that wrote bare NaN) are null in the JSON export and empty
    cells in the CSV export."""
    r = client.post(
        "/api/collections/synth/audits",
        json={"metrics": ["procrustes"], "analyses": ["layers"], "folds": 3, "n_null": 0},
    )
    job = _wait(client, r.json()["job_id"])
    assert job["status"] == "done", job
    audit_id = job["result"]["audit_id"]
    payload = synth_store.load_artifact(audit_id)
    payload["cells"][0].update(score=float("nan"), std=float("nan"), folds=[float("nan"), 0.5, float("inf")])
    path = synth_store.artifact_path("audit", audit_id, ".json")
    path.write_text(json.dumps(payload))  # as an older version stored it
    rec = synth_store.put_artifact(
        "audit", {**payload["params"], "copy": True}, payload, meta=synth_store.get_artifact(audit_id).meta
    )
    assert _strict_json(synth_store.artifact_path("audit", rec.id, ".json").read_text())["cells"][0]["score"] is None
    for aid in (audit_id, rec.id):
        exported = client.get(f"/api/audits/{aid}/export", params={"format": "json"})
        assert exported.status_code == 200
        cell = _strict_json(exported.text)["cells"][0]
        assert cell["score"] is None and cell["std"] is None and cell["folds"] == [None, 0.5, None]
        rows = list(csv.DictReader(io.StringIO(client.get(f"/api/audits/{aid}/export", params={"format": "csv"}).text)))
        assert rows[0]["score"] == "" and rows[0]["std"] == "" and rows[0]["folds"] == ";0.5;"
        assert "nan" not in json.dumps(rows).lower()
