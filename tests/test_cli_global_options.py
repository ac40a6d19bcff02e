"""``--data``, ``--json`` and ``--quiet`` before or after the command name; refused where the command lacks them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from topoalign.cli import build_parser, global_options_after_command, main
from topoalign.representation import Representation


@pytest.fixture
def data_dir(tmp_path):
    from topoalign.store import Store

    store = Store(tmp_path / "store")
    ids = [f"s{i}" for i in range(60)]
    coll = store.create_collection("mine", ids)
    X = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
    store.add_representation(coll.id, Representation(X, ids, name="layer"))
    return str(tmp_path / "store")


@pytest.mark.parametrize(
    "argv",
    [
        ["--data", "{d}", "--json", "list"],
        ["--data={d}", "list", "--json"],
        ["--json", "list", "--data", "{d}"],
        ["list", "--json", "--data", "{d}"],
    ],
)
def test_list_takes_the_global_options_anywhere(argv, data_dir, capsys):
    assert main([a.format(d=data_dir) for a in argv]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in listed] == ["mine"]


def test_global_options_reach_the_command_with_its_positionals(data_dir, capsys):
    assert main(["--data", data_dir, "--json", "list", "mine"]) == 0
    reps = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in reps] == ["layer"]


def test_an_option_after_the_command_wins_over_the_same_one_before(data_dir, tmp_path, capsys):
    assert main(["--data", str(tmp_path / "elsewhere"), "list", "--json", "--data", data_dir]) == 0
    assert [c["name"] for c in json.loads(capsys.readouterr().out)] == ["mine"]


def test_a_value_that_looks_like_a_command_stays_a_value():
    parser = build_parser()
    assert global_options_after_command(parser, ["--data", "list", "list"]) == ["list", "--data", "list"]
    assert global_options_after_command(parser, ["list", "--json"]) == ["list", "--json"]


@pytest.mark.parametrize(
    "argv, command, option",
    [
        (["--json", "show", "x"], "show", "--json"),
        (["--quiet", "list"], "list", "--quiet"),
        (["--quiet", "--data", "d", "delete", "x"], "delete", "--quiet"),
    ],
)
def test_a_global_option_the_command_lacks_is_refused(argv, command, option, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert f"'topoalign {command}' has no option {option}" in capsys.readouterr().err


def test_mapper_takes_quiet_and_data_before_the_command(data_dir, tmp_path, capsys):
    from topoalign.store import Store

    rid = Store(data_dir).list_representations("mine")[0].id
    out = tmp_path / "g.json"
    assert main(["--quiet", "--data", data_dir, "mapper", rid, "--intervals", "3", "--eps", "2.0", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["nodes"] == len(json.loads(out.read_text())["nodes"])
    assert captured.err == ""  # --quiet reached the command: no progress bar


def test_help_lists_the_global_options_and_imports_no_heavy_library():
    code = (
        "import sys; from topoalign.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pandas', 'sklearn', 'torch', 'scipy', 'networkx') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "global options" in out and "--data DIR" in out
    assert out.strip().splitlines()[-1] == "[]"
