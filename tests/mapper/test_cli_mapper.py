"""``topoalign mapper``: files and representation ids in, graph JSON out; bad parameters exit with code 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from topoalign.cli import main
from topoalign.representation import Representation


@pytest.fixture
def npy(tmp_path):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.3, size=(80, 6)) for c in (0, 3)]).astype(np.float32)
    path = tmp_path / "acts.npy"
    np.save(path, X)
    return path


def test_mapper_on_a_file(npy, tmp_path, capsys):
    out = tmp_path / "graph.json"
    code = main(
        [
            "mapper",
            str(npy),
            "--lens",
            "pca:2",
            "--cover",
            "kmapper",
            "--intervals",
            "4",
            "--overlap",
            "0.3",
            "--clusterer",
            "dbscan",
            "--eps",
            "1.0",
            "--min-samples",
            "3",
            "--metric",
            "euclidean",
            "-o",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    graph = json.loads(out.read_text())
    assert graph["nodes"] and isinstance(graph["nodes"][0]["members"], list)
    assert {"source", "target", "jaccard"} <= set(graph["edges"][0]) if graph["edges"] else True
    summary = json.loads(capsys.readouterr().out)
    assert summary["nodes"] == len(graph["nodes"])


def test_mapper_matches_kmapper_from_cli(npy, tmp_path):
    import kmapper as km
    from sklearn.cluster import DBSCAN
    from sklearn.decomposition import PCA

    X = np.load(npy)
    out = tmp_path / "g.json"
    assert (
        main(["mapper", str(npy), "--lens", "pca:1", "--intervals", "6", "--eps", "0.9", "--quiet", "-o", str(out)])
        == 0
    )
    lens = PCA(1, random_state=0).fit_transform(X.astype(np.float64))
    ref = km.KeplerMapper(verbose=0).map(lens, X, cover=km.Cover(6, 0.3), clusterer=DBSCAN(eps=0.9, min_samples=3))
    ours = {frozenset(n["members"]) for n in json.loads(out.read_text())["nodes"]}
    assert ours == {frozenset(v) for v in ref["nodes"].values()}


def test_mapper_on_a_representation_id_with_stability_and_auto(tmp_path, capsys):
    from topoalign.store import Store

    store = Store(tmp_path / "store")
    X = np.random.default_rng(1).normal(size=(100, 4)).astype(np.float32)
    ids = [f"s{i}" for i in range(100)]
    coll = store.create_collection("c", ids)
    rid = store.add_representation(coll.id, Representation(X, ids, name="l")).id
    args = ["mapper", rid, "--data", str(tmp_path / "store"), "--intervals", "3", "--eps", "1.5", "--quiet"]
    assert main(args + ["--stability", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["stability"]["n_resamples"] == 2
    assert len(store.list_artifacts("graph")) == 1 and len(store.list_artifacts("lens")) == 1
    assert main(args + ["--stability", "2"]) == 0  # cached
    assert len(store.list_artifacts("graph")) == 1
    capsys.readouterr()
    assert main(["mapper", rid, "--data", str(tmp_path / "store"), "--auto", "--stability", "2", "--quiet"]) == 0
    assert "auto_choice" in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "extra,name",
    [
        (["--overlap", "1.5"], "overlap"),
        (["--intervals", "0"], "n_intervals"),
        (["--eps", "0"], "eps"),
        (["--min-samples", "1000"], "min_samples"),
        (["--lens", "pca:50"], "n_components"),
        (["--lens", "wavelet"], "lens"),
    ],
)
def test_bad_parameters_exit_2(npy, capsys, extra, name):
    assert main(["mapper", str(npy), "--quiet", "--eps", "1.0"] + extra) == 2
    assert f"'{name}'" in capsys.readouterr().err


def test_missing_input_exit_2(tmp_path, capsys):
    assert main(["mapper", "rnothere", "--data", str(tmp_path / "s"), "--quiet"]) == 2
    assert "neither a file nor a representation id" in capsys.readouterr().err


def test_mapper_without_flags_recovers_the_shape_and_says_why(tmp_path, capsys):
    from topoalign.mapper.planted import planted_shape

    X, truth = planted_shape("figure_eight", n=2500, noise=0.02, seed=1, dim=64)
    path = tmp_path / "eight.npy"
    np.save(path, X)
    out = tmp_path / "g.json"
    assert main(["mapper", str(path), "-o", str(out), "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["components"], summary["loops"]) == truth
    assert summary["coverage"] == 1.0 and summary["covered_rows"] == 2500
    assert summary["auto"] == "shape" and "b1=2" in summary["auto_choice"]
    graph = json.loads(out.read_text())
    assert graph["topology"]["b1"] == 2 and graph["params"]["clusterer"]["kind"] == "single"


def test_any_explicit_flag_turns_auto_off_and_auto_with_flags_is_refused(npy, capsys):
    assert main(["mapper", str(npy), "--intervals", "4", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert "auto" not in summary and summary["cover"] == {"kind": "kmapper", "n_cubes": 4, "perc_overlap": 0.3}
    assert summary["clusterer"]["kind"] == "dbscan"
    assert main(["mapper", str(npy), "--auto", "shape", "--eps", "1.0", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--auto shape" in err and "--eps" in err
    # a cover with --auto shape: that cover, and the clustering scale chosen from the data
    assert main(["mapper", str(npy), "--auto", "shape", "--intervals", "4", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["auto"] == "shape" and summary["cover"]["n_cubes"] == 4
    assert summary["clusterer"]["kind"] == "single" and summary["coverage"] == 1.0
