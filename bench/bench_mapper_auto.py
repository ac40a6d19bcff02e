"""Automatic Mapper parameters: our default against KeplerMapper's usual parameters and GUDHI's automatic Mapper.

The planted-shape suite (``topoalign.mapper.planted``: 12 shapes x a few widths, noise levels and sizes, seeds
fixed), each built three ways on the same PCA-2 lens, side by side in one process:

- ours: the default (``auto="shape"``: cover and scale chosen from the data, every stimulus placed);
- kmapper-usual: KeplerMapper's usual parameters (10 intervals, 30% overlap, DBSCAN with eps from the data's k-NN
  distance quantile and min_samples 3), through our KeplerMapper-exact engine (same member sets as kmapper, tested);
- gudhi: ``gudhi.cover_complex.MapperComplex(resolutions=None, clustering=None)`` (Carriere, Michel & Oudot).

A shape is recovered when the graph's b0 and b1 (triangles filled) equal the planted ones. Then timings of ``auto``
on 20,000 x 384 (clustered points and MiniLM embeddings) and 100,000 x 256 (clustered points), with GUDHI beside it:
GUDHI runs in a child process there, because it segfaulted on 20,000 x 384 (a crash must not end the benchmark).

    .venv/bin/python bench/bench_mapper_auto.py            # suite + 20k + 100k, appended to bench/RESULTS.md
    .venv/bin/python bench/bench_mapper_auto.py --quick    # 6 shapes, one condition, 20k only
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "backend"))

from bench_data import blobs, minilm_embeddings  # noqa: E402

from topoalign.mapper import DBSCAN, KMapperCover, build_mapper_graph, compute_lens  # noqa: E402
from topoalign.mapper.graph_topology import GraphHomology, betti_numbers  # noqa: E402
from topoalign.mapper.planted import SHAPES, planted_shape  # noqa: E402
from topoalign.mapper.service import MapperParams, build_graph  # noqa: E402

CONDITIONS = [(3000, 0.1, 0.01, 0), (5000, 0.25, 0.03, 1), (6000, 0.05, 0.005, 2)]  # n, width, noise, seed


def ours(X, lens):
    t = time.perf_counter()
    g = build_graph(X, lens, MapperParams.from_dict({}))
    return time.perf_counter() - t, betti_numbers(g), g.coverage()[1], len(g.nodes)


def kmapper_usual(X, lens):
    t = time.perf_counter()
    g = build_mapper_graph(X, lens, KMapperCover(10, 0.3), DBSCAN(eps="auto", min_samples=3), device=None)
    return time.perf_counter() - t, betti_numbers(g), g.coverage()[1], len(g.nodes)


def gudhi_auto(X, lens):
    from gudhi.cover_complex import MapperComplex

    np.random.seed(0)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = MapperComplex(resolutions=None, clustering=None).fit(X, filters=lens, colors=lens)
    dt = time.perf_counter() - t
    nodes = [s[0][0] for s in m.simplex_tree_.get_skeleton(0)]
    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[s[0][0]], index[s[0][1]]) for s in m.simplex_tree_.get_skeleton(1) if len(s[0]) == 2]
    h = GraphHomology.of(len(nodes), edges)
    covered = len(set(np.concatenate([m.node_info_[v]["indices"] for v in nodes]).tolist())) if nodes else 0
    return dt, (h.b0, h.b1), covered / len(X), len(nodes)


def suite(shapes, conditions):
    rows = []
    for n, width, noise, seed in conditions:
        for name in shapes:
            X, truth = planted_shape(name, n=n, width=width, noise=noise, seed=seed)
            lens = compute_lens(X, "pca:2")
            row = {"shape": name, "n": n, "width": width, "noise": noise, "truth": truth}
            for label, fn in (("ours", ours), ("kmapper", kmapper_usual), ("gudhi", gudhi_auto)):
                dt, betti, cov, nodes = fn(X, lens)
                row[label] = {"s": dt, "betti": betti, "ok": betti == truth, "coverage": cov, "nodes": nodes}
            rows.append(row)
            print(
                f"{name:20s} n={n} w={width} noise={noise}: truth {truth} | ours {row['ours']['betti']} "
                f"{row['ours']['s']:.2f}s | kmapper {row['kmapper']['betti']} | gudhi {row['gudhi']['betti']} "
                f"{row['gudhi']['s']:.2f}s",
                flush=True,
            )
    return rows


GUDHI_CHILD = """
import json, sys, time, numpy as np, warnings
warnings.filterwarnings("ignore")
from gudhi.cover_complex import MapperComplex
X = np.load(sys.argv[1]); lens = np.load(sys.argv[2]); np.random.seed(0)
t = time.perf_counter()
m = MapperComplex(resolutions=None, clustering=None).fit(X, filters=lens, colors=lens)
print(json.dumps({"s": time.perf_counter() - t, "nodes": len(list(m.simplex_tree_.get_skeleton(0)))}))
"""


def gudhi_in_child(X, lens, timeout):
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        np.save(f"{d}/X.npy", X)
        np.save(f"{d}/L.npy", lens)
        try:
            out = subprocess.run(
                [sys.executable, "-c", GUDHI_CHILD, f"{d}/X.npy", f"{d}/L.npy"],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return None, f"over {timeout} s"
    if out.returncode != 0:
        return None, f"exit {out.returncode}" + (" (segmentation fault)" if out.returncode == -11 else "")
    return json.loads(out.stdout.strip().splitlines()[-1])["s"], ""


def large(cases, gudhi_timeout):
    rows = []
    for name, X in cases:
        lens = compute_lens(X, "pca:2")
        build_graph(X[:3000], lens[:3000], MapperParams.from_dict({}))  # warm caches and compiled paths
        times = []
        for _ in range(3):
            t = time.perf_counter()
            g = build_graph(X, lens, MapperParams.from_dict({}))
            times.append(time.perf_counter() - t)
        best = min(times)
        ref, why = gudhi_in_child(X, lens, gudhi_timeout)
        rows.append(
            {
                "name": name,
                "ours_s": best,
                "ours_all": times,
                "gudhi_s": ref,
                "gudhi_note": why,
                "betti": betti_numbers(g),
                "nodes": len(g.nodes),
                "coverage": g.coverage()[1],
            }
        )
        print(
            f"{name}: ours {best:.2f} s (best of 3: {', '.join(f'{t:.2f}' for t in times)}), b={betti_numbers(g)}, "
            f"{len(g.nodes)} nodes; gudhi {'%.2f s' % ref if ref is not None else why}",
            flush=True,
        )
    return rows


def report(rows, big, args):
    when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        f"\n## Automatic Mapper parameters: planted shapes and scale ({when})\n",
        f"Machine: {os.cpu_count()} cores ({platform.machine()}), Python {platform.python_version()}, load average "
        f"{load:.1f} at the end. `bench/bench_mapper_auto.py{' --quick' if args.quick else ''}`. A shape is "
        "recovered when b0 and b1 (triangles filled) equal the planted ones. kmapper-usual = 10 intervals, 30% "
        "overlap, DBSCAN eps auto, min_samples 3 (KeplerMapper-exact engine).\n",
        "| method | shapes recovered | coverage (min / median) | nodes (median) | seconds (median / max) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label in ("ours", "kmapper", "gudhi"):
        ok = sum(r[label]["ok"] for r in rows)
        cov = [r[label]["coverage"] for r in rows]
        secs = [r[label]["s"] for r in rows]
        lines.append(
            f"| {label} | {ok} / {len(rows)} | {min(cov):.3f} / {np.median(cov):.3f} | "
            f"{np.median([r[label]['nodes'] for r in rows]):.0f} | {np.median(secs):.2f} / {max(secs):.2f} |"
        )
    missed = [
        f"{r['shape']} (n {r['n']}, noise {r['noise']}): gudhi {r['gudhi']['betti']}"
        for r in rows
        if not r["gudhi"]["ok"]
    ]
    ours_missed = [
        f"{r['shape']} (n {r['n']}, noise {r['noise']}): {r['ours']['betti']}" for r in rows if not r["ours"]["ok"]
    ]
    lines.append(f"\nGUDHI missed: {'; '.join(missed) or 'none'}. Ours missed: {'; '.join(ours_missed) or 'none'}.\n")
    if big:
        lines += ["```", "name, ours_s, reference_s, ratio"]
        for b in big:
            ref = b["gudhi_s"]
            lines.append(
                f"auto_{b['name']}_vs_gudhi_automatic, {b['ours_s']:.3f}, "
                f"{'%.3f' % ref if ref is not None else '-'}, {'%.1f' % (ref / b['ours_s']) if ref else '-'}"
                f"  # b={b['betti']}, {b['nodes']} nodes, coverage {b['coverage']:.3f}; best of 3 "
                f"({', '.join(f'{t:.2f}' for t in b['ours_all'])}), lens excluded"
                f"{'; gudhi ' + b['gudhi_note'] if b['gudhi_note'] else ''}"
            )
        lines.append("```")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        with open(HERE / "RESULTS.md", "a") as f:
            f.write(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--gudhi-timeout", type=int, default=600)
    args = ap.parse_args()
    shapes = sorted(SHAPES)[:6] if args.quick else sorted(SHAPES)
    rows = suite(shapes, CONDITIONS[:1] if args.quick else CONDITIONS)
    cases = [("20000x384_blobs", blobs(20000, 384))]
    emb = minilm_embeddings(20000)
    if emb is not None:
        cases.append(("20000x384_minilm", emb))
    if not args.quick:
        cases.append(("100000x256_blobs", blobs(100000, 256)))
    report(rows, large(cases, args.gudhi_timeout), args)


if __name__ == "__main__":
    main()
