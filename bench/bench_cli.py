"""The command line as a user runs it: whole processes (interpreter start, imports, file read, build, JSON out).

Prints ``name, ours_s, reference_s, ratio`` (ratio = reference / ours: higher is better for us) and appends a section
to ``bench/RESULTS.md``:

- ``cli_help``: ``topoalign --help`` against the 0.2 s target;
- ``cli_mapper_<data>_kmapper_mode``: ``topoalign mapper X.npy --cover kmapper --intervals 10 --overlap 0.3
  --clusterer dbscan --eps E --min-samples 3 -o g.json`` against a script doing the same with KeplerMapper 2.1
  (scikit-learn PCA-2 lens, ``KeplerMapper().map(lens, X, cover=Cover(10, 0.3), clusterer=DBSCAN(eps=E,
  min_samples=3))``, its graph written as JSON); the distinct member sets of the two JSON files are compared;
- ``cli_mapper_<data>_auto``: the default ``topoalign mapper X.npy -o g.json`` (cover and scale chosen from the data).

    .venv/bin/python bench/bench_cli.py            # best of 3 (help: best of 5)
    .venv/bin/python bench/bench_cli.py --no-write
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_data import blobs, dense_clusters, minilm_embeddings  # noqa: E402
from bench_mapper import machine  # noqa: E402

KMAPPER_SCRIPT = """
import json, sys, warnings
import numpy as np
import kmapper as km
from sklearn.cluster import DBSCAN
from sklearn.decomposition import PCA

warnings.simplefilter("ignore")
X = np.load(sys.argv[1])
eps = float(sys.argv[2])
lens = PCA(n_components=2).fit_transform(X.astype(np.float64))
graph = km.KeplerMapper(verbose=0).map(lens, X, cover=km.Cover(n_cubes=10, perc_overlap=0.3),
                                       clusterer=DBSCAN(eps=eps, min_samples=3))
with open(sys.argv[3], "w") as f:
    json.dump({"nodes": graph["nodes"], "links": graph["links"]}, f)
"""


def topoalign_command() -> list[str]:
    script = Path(sys.executable).with_name("topoalign")
    return [str(script)] if script.exists() else [sys.executable, "-m", "topoalign.cli"]


ENV: dict[str, str] = {}


def best_of(repeats: int, argv: list[str], env: dict[str, str] | None = None) -> float:
    """The fastest of ``repeats`` whole-process runs (the machine is shared: the minimum is the least disturbed),
    after one untimed run that writes the bytecode caches, as an installed package has them."""
    best = np.inf
    for i in range(repeats + 1):
        t = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env or ENV)
        if i:
            best = min(best, time.perf_counter() - t)
    return best


def member_sets_ours(path: Path) -> set[frozenset[int]]:
    return {frozenset(n["members"]) for n in json.loads(path.read_text())["nodes"]}


def member_sets_kmapper(path: Path) -> set[frozenset[int]]:
    return {frozenset(v) for v in json.loads(path.read_text())["nodes"].values()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-write", action="store_true", help="do not append to bench/RESULTS.md")
    args = ap.parse_args()
    header = machine()
    print(f"# {header}\nname, ours_s, reference_s, ratio", flush=True)
    lines: list[str] = []
    cli = topoalign_command()

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    cases = [
        ("minilm_20k_x384", minilm_embeddings(20000), 0.7),
        ("blobs_20k_x384", blobs(20000, 384), 35.0),
        ("dense10_20k_x384", dense_clusters(20000, 384), 40.0),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # bytecode caches in a scratch folder (not the work tree), also where PYTHONDONTWRITEBYTECODE is set
        ENV.update(
            {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
        )
        script = tmp / "kmapper_graph.py"
        script.write_text(KMAPPER_SCRIPT)
        t = best_of(max(5, args.repeats), [*cli, "--help"])
        emit(f"cli_help, {t:.3f}, 0.200, {0.2 / t:.1f}   (reference = the 0.2 s target)")
        cold = {**{k: v for k, v in ENV.items() if k != "PYTHONPYCACHEPREFIX"}, "PYTHONDONTWRITEBYTECODE": "1"}
        t = best_of(max(5, args.repeats), [*cli, "--help"], env=cold)
        emit(
            f"cli_help_without_bytecode_cache, {t:.3f}, 0.200, {0.2 / t:.1f}   (PYTHONDONTWRITEBYTECODE=1 and no "
            "__pycache__ in the work tree: the topoalign modules compiled on each start)"
        )
        for name, X, eps in cases:
            if X is None:
                print(f"{name}: data not available, skipped", flush=True)
                continue
            data = tmp / f"{name}.npy"
            np.save(data, X)
            ours_json, ref_json = tmp / "ours.json", tmp / "kmapper.json"
            explicit = [
                *cli,
                "mapper",
                str(data),
                "--cover",
                "kmapper",
                "--intervals",
                "10",
                "--overlap",
                "0.3",
                "--clusterer",
                "dbscan",
                "--eps",
                str(eps),
                "--min-samples",
                "3",
                "-o",
                str(ours_json),
                "--quiet",
            ]
            t_ours = best_of(args.repeats, explicit)
            t_ref = best_of(args.repeats, [sys.executable, str(script), str(data), str(eps), str(ref_json)])
            ours_sets, ref_sets = member_sets_ours(ours_json), member_sets_kmapper(ref_json)
            same = ours_sets == ref_sets
            emit(
                f"cli_mapper_{name}_kmapper_mode_eps{eps:g}, {t_ours:.3f}, {t_ref:.3f}, {t_ref / t_ours:.1f}   "
                f"(whole processes, best of {args.repeats}; distinct member sets {len(ours_sets)}, identical: "
                f"{same})"
            )
            if not same:
                raise SystemExit(f"{name}: member sets differ from kmapper")
            t_auto = best_of(args.repeats, [*cli, "mapper", str(data), "-o", str(ours_json), "--quiet"])
            auto = json.loads(ours_json.read_text())
            emit(
                f"cli_mapper_{name}_auto, {t_auto:.3f}, -, -   (default --auto shape: {len(auto['nodes'])} nodes, "
                f"coverage {auto['coverage']:.3f}, b0 {auto['topology']['b0']}, b1 {auto['topology']['b1']})"
            )
    if not args.no_write:
        write(header, lines)


def write(header: str, lines: list[str]) -> None:
    with open(HERE / "RESULTS.md", "a") as f:
        f.write(
            f"\n## Command line: whole processes ({_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC)\n\n"
            f"{header}.\nEach time is one whole process (`subprocess.run`: interpreter start, imports, file "
            "read, build, JSON written), the best of the runs after an untimed one that writes the bytecode "
            "caches (as an installed package has them); `bench/bench_cli.py`. KeplerMapper reference: "
            "a script with scikit-learn's PCA-2 and DBSCAN and KeplerMapper 2.1's Cover(10, 0.3), writing "
            "its graph as JSON; ratio = reference / ours.\n\n```\nname, ours_s, reference_s, ratio\n"
            + "\n".join(lines)
            + "\n```\n"
        )


if __name__ == "__main__":
    main()
