"""A researcher's own data in the browser: a real uvicorn server with TOPOALIGN_TOKEN set over an empty store, driven
by a real headless Chromium (frontend/e2e/researcher.mjs). Sign in, create a collection, upload two models' layers
with provenance edited in the table, refuse a malformed file with nothing stored, build aligned graphs, export SVG."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from fixtures import ARTIFACTS, FRONTEND, missing_prerequisite, serving, step

pytestmark = pytest.mark.e2e
TOKEN = "s3cret-token-for-e2e"


def write_files(folder):
    """300 stimuli on two planted loops; model A's two layers, model B's two (rotated, noisier) layers."""
    from topoalign.mapper.planted import planted_shape

    X, _ = planted_shape("two_circles", n=300, noise=0.01, seed=3, dim=24)
    ids = [f"img{i:03d}" for i in range(len(X))]
    rng = np.random.default_rng(0)
    rot = np.linalg.qr(rng.normal(size=(24, 24)))[0].astype(np.float32)
    layers = {
        "modelA/hidden1": X,
        "modelA/hidden2": np.tanh(X * 2),
        "modelB/hidden1": X @ rot + rng.normal(0, 0.01, X.shape).astype(np.float32),
        "modelB/hidden2": np.tanh(2 * X @ rot),
    }
    np.savez(
        folder / "two_models.npz", stimulus_ids=np.array(ids), **{k: v.astype(np.float32) for k, v in layers.items()}
    )
    side = np.where(np.arange(len(X)) < 150, "left", "right")  # planted_shape draws the left ring first
    pd.DataFrame(
        {
            "stimulus_id": ids,
            "text": [f"shape point {i}" for i in range(len(ids))],
            "ring": side,
            "angle": np.round(rng.uniform(0, 360, len(ids)), 1),
        }
    ).to_csv(folder / "stimuli.csv", index=False)
    np.save(folder / "thumbs.npy", rng.integers(0, 255, size=(len(ids), 28, 28), dtype=np.uint8))
    (folder / "broken.npy").write_bytes(b"this is not a numpy file")


@pytest.fixture(scope="module")
def researcher_report(tmp_path_factory):
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    from topoalign.api.app import create_app
    from topoalign.api.settings import Settings

    data = tmp_path_factory.mktemp("researcher-store")
    files = tmp_path_factory.mktemp("researcher-files")
    write_files(files)
    out = ARTIFACTS.parent / "researcher"
    out.mkdir(parents=True, exist_ok=True)
    with serving(create_app(Settings(data=data, warm_umap=False, token=TOKEN))) as base:
        proc = subprocess.run(
            ["node", str(FRONTEND / "e2e" / "researcher.mjs"), base, TOKEN, str(files), str(out)],
            cwd=FRONTEND,
            capture_output=True,
            text=True,
            timeout=600,
        )
    path = out / "researcher-report.json"
    assert path.is_file(), f"no report:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    report = json.loads(path.read_text())
    report["store"] = data
    report["out"] = out
    return report


def test_sign_in_refuses_a_wrong_token_and_takes_one_from_the_fragment(researcher_report):
    s = step(researcher_report, "sign_in")
    assert "refused" in s["refused"]
    assert "No collections yet" in s["empty"]
    assert "token" not in s["fragmentUrl"] and s["dialogInFragmentSession"] == 0


def test_collection_from_a_stimulus_table(researcher_report):
    s = step(researcher_report, "create_collection")
    assert s["collections"] == [{"name": "my-stimuli", "n": 300, "labels": ["ring", "angle"], "text": True}]


def test_upload_with_provenance_edited_in_the_table(researcher_report):
    s = step(researcher_report, "upload")
    assert s["arrays"] == ["modelA/hidden1", "modelA/hidden2", "modelB/hidden1", "modelB/hidden2"]
    # the defaults shown come from the file order: model from the key, layer index and depth within each model
    first = s["placeholders"][0]
    assert (first["model"], first["layer"], first["layer_index"], first["layer_fraction"]) == (
        "modelA",
        "hidden1",
        "0",
        "0",
    )
    assert s["placeholders"][3]["layer_fraction"] == "1"
    reps = {r["name"]: r for r in s["reps"]}
    assert set(reps) == {"modelA/hidden1", "modelA/last", "modelB/hidden1", "modelB/hidden2"}
    last = reps["modelA/last"]
    assert (last["model"], last["architecture"], last["layer"], last["layer_index"], last["layer_fraction"]) == (
        "modelA",
        "toy-mlp",
        "hidden2",
        1,
        1.0,
    )
    assert last["epoch"] == 10 and last["seed"] == 0 and last["metrics"] == {"accuracy": 0.94}
    assert reps["modelB/hidden2"]["seed"] == 1 and reps["modelB/hidden2"]["metrics"] == {"accuracy": 0.91}


def test_malformed_upload_shows_its_error_and_stores_nothing(researcher_report):
    s = step(researcher_report, "malformed_upload")
    assert "broken.npy" in s["message"] and s["before"] == s["after"] == 4
    leftovers = (
        [p for p in (researcher_report["store"] / "uploads").iterdir()]
        if (researcher_report["store"] / "uploads").exists()
        else []
    )
    assert leftovers == []  # the refused file left no staging behind; the committed one was removed


def test_aligned_graphs_of_the_two_models_and_svg_export(researcher_report):
    s = step(researcher_report, "aligned_graphs")
    assert len(s["panels"]) == 2 and all(p["nodes"] > 0 for p in s["panels"])
    assert all("all stimuli placed" in p["head"] for p in s["panels"])
    svg = step(researcher_report, "export_svg")
    assert svg["starts"].lstrip().startswith(("<?xml", "<svg"))
    root = ET.parse(researcher_report["out"] / "researcher-export.svg").getroot()
    assert root.tag.endswith("svg")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) >= svg["nodesOnPage"] > 0


def test_no_script_errors(researcher_report):
    errors = [m for m in researcher_report["console"] if "pageerror" in m]
    assert not errors, errors
