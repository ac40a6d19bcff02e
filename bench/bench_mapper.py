"""Mapper engine vs KeplerMapper 2.1, side by side in one process.

Prints ``name, ours_s, reference_s, ratio`` (ratio = reference / ours: higher is better for us), checks that the
distinct node member sets are identical, and appends a section to ``bench/RESULTS.md``.

    .venv/bin/python bench/bench_mapper.py                 # 20k comparisons + scaling 5k/20k/100k
    .venv/bin/python bench/bench_mapper.py --scaling 1000000  # add sizes to the scaling table
    .venv/bin/python bench/bench_mapper.py --quick         # 5k only (a smoke run)
    .venv/bin/python bench/bench_mapper.py --dense-only --scaling   # the dense-cluster rows only

Both sides get the same lens values (PCA-2 computed once); the timed part is the graph construction.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CHECK_ALL_PAIRS = False
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "backend"))

from bench_data import blobs, dense_clusters, minilm_embeddings  # noqa: E402

from topoalign.mapper.build import build_mapper_graph  # noqa: E402
from topoalign.mapper.cluster import DBSCAN  # noqa: E402
from topoalign.mapper.cover import KMapperCover  # noqa: E402
from topoalign.mapper import neighbors  # noqa: E402


def pca2(X: np.ndarray) -> np.ndarray:
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=0).fit_transform(X)


CPU: dict[str, float] = {}


def ours(X, lens, eps, min_samples, n_cubes=10, overlap=0.3, metric="euclidean"):
    t, c = time.perf_counter(), time.process_time()
    g = build_mapper_graph(
        X, lens, KMapperCover(n_cubes, overlap), DBSCAN(eps=eps, min_samples=min_samples, metric=metric), device=None
    )
    CPU["ours"] = time.process_time() - c
    return time.perf_counter() - t, g


def kmapper_ref(X, lens, eps, min_samples, n_cubes=10, overlap=0.3, metric="euclidean"):
    import kmapper as km
    from sklearn.cluster import DBSCAN as SkDBSCAN

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, c = time.perf_counter(), time.process_time()
        ref = km.KeplerMapper(verbose=0).map(
            lens,
            X,
            cover=km.Cover(n_cubes=n_cubes, perc_overlap=overlap),
            clusterer=SkDBSCAN(eps=eps, min_samples=min_samples, metric=metric),
        )
        CPU["reference"] = time.process_time() - c
        return time.perf_counter() - t, ref


def best_of(repeats, fn, *args, **kwargs):
    """The fastest of ``repeats`` runs (the machine is shared: the minimum is the least disturbed run).
    Also keeps the smallest CPU time (both threads) of the runs in ``CPU["best_" + side]``."""
    best, out = np.inf, None
    side = "ours" if fn is ours else "reference"
    CPU["best_" + side] = np.inf
    for _ in range(repeats):
        t, out = fn(*args, **kwargs)
        best = min(best, t)
        CPU["best_" + side] = min(CPU["best_" + side], CPU[side])
    return best, out


def compare(name, X, eps, min_samples=3, metric="euclidean", lines=None, repeats=3):
    lens = pca2(X)
    ours(X[:300], lens[:300], eps, min_samples, metric=metric)  # imports, first-call costs
    t_ours, g = best_of(repeats, ours, X, lens, eps, min_samples, metric=metric)
    t_ref, ref = best_of(repeats, kmapper_ref, X, lens, eps, min_samples, metric=metric)
    same = g.member_sets() == {frozenset(v) for v in ref["nodes"].values()}
    cpu_ratio = CPU["best_reference"] / CPU["best_ours"]
    line = (
        f"{name}, {t_ours:.3f}, {t_ref:.3f}, {t_ref / t_ours:.1f}   "
        f"(CPU s ours {CPU['best_ours']:.2f} / kmapper {CPU['best_reference']:.2f} = {cpu_ratio:.1f}; nodes ours {len(g.nodes)} / kmapper {len(ref['nodes'])}, distinct {len(g.member_sets())}, "
        f"identical member sets: {same})"
    )
    print(line, flush=True)
    lines.append(line)
    if not same:
        raise SystemExit(f"{name}: member sets differ from kmapper")
    return t_ours, t_ref


def scaling(sizes, d=256, with_reference_up_to=20000, lines=None, n_cubes=10):
    for n in sizes:
        X = embedding_like(n, d)
        lens = pca2(X)
        eps = 0.55
        t_ours, g = best_of(3 if n <= 20000 else 1, ours, X, lens, eps, 5, metric="euclidean", n_cubes=n_cubes)
        peak = "-"
        if n <= 100_000:  # a separate, untimed run: tracing allocations slows numpy down
            tracemalloc.start()
            ours(X, lens, eps, 5, metric="euclidean", n_cubes=n_cubes)
            peak = f"{tracemalloc.get_traced_memory()[1] / 2**20:.0f}"
            tracemalloc.stop()
        if n <= with_reference_up_to:
            t_ref, ref = best_of(3, kmapper_ref, X, lens, eps, 5, n_cubes=n_cubes)
            same = g.member_sets() == {frozenset(v) for v in ref["nodes"].values()}
            ref_s, ratio = f"{t_ref:.3f}", f"{t_ref / t_ours:.1f}"
        elif CHECK_ALL_PAIRS:
            # no kmapper at this size: the same graph from the all-pairs path (no groups), an untimed run
            from topoalign.mapper import dbscan

            saved, dbscan.GROUP_MIN_ROWS = dbscan.GROUP_MIN_ROWS, 10**12
            try:
                _, plain = ours(X, lens, eps, 5, metric="euclidean", n_cubes=n_cubes)
            finally:
                dbscan.GROUP_MIN_ROWS = saved
            ref_s, ratio = "-", "-"
            same = f"{g.member_sets() == plain.member_sets()} (all-pairs path)"
        else:
            ref_s, ratio, same = "-", "-", "not run"
        cover = "" if n_cubes == 10 else f"_{n_cubes}x{n_cubes}"
        line = (
            f"scaling_{n // 1000}k_x{d}{cover}, {t_ours:.3f}, {ref_s}, {ratio}   (nodes {len(g.nodes)}, edges "
            f"{len(g.edges)}, peak traced memory {peak} MiB, data {X.nbytes / 2**20:.0f} MiB, "
            f"identical: {same})"
        )
        print(line, flush=True)
        lines.append(line)


def default_blobs(n: int, d: int, seed: int = 0) -> np.ndarray:
    """``sklearn.datasets.make_blobs`` with its default centres (3) and spread (1.0), float32."""
    from sklearn.datasets import make_blobs

    return make_blobs(n_samples=n, n_features=d, random_state=seed)[0].astype(np.float32)


def embedding_like(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Unit-norm rows around 40 topic directions with anisotropic spread: a stand-in for sentence embeddings."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(40, d))
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    basis = rng.normal(size=(40, 8, d)) / np.sqrt(d)
    which = rng.integers(0, 40, size=n)
    X = np.empty((n, d), dtype=np.float32)
    step = 100_000
    for a in range(0, n, step):
        w = which[a : a + step]
        x = topics[w] * 1.0 + np.einsum("nk,nkd->nd", rng.normal(size=(len(w), 8)) * 0.35, basis[w])
        x += rng.normal(size=x.shape) * (0.25 / np.sqrt(d))
        X[a : a + step] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return X


def machine() -> str:
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    cpu = platform.processor() or platform.machine()
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, numpy {np.__version__}; "
        f"load average at start {load:.1f} (the machine is shared with other sessions)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="5k points only")
    ap.add_argument("--scaling", type=int, nargs="*", default=None, help="sizes for the scaling table")
    ap.add_argument("--scaling-intervals", type=int, default=10, help="cover intervals per lens axis, scaling rows")
    ap.add_argument("--scaling-only", action="store_true", help="skip the 20k comparisons")
    ap.add_argument("--dense-only", action="store_true", help="of the 20k comparisons, the dense-cluster rows only")
    ap.add_argument(
        "--check-all-pairs",
        action="store_true",
        help="rows above the kmapper sizes: compare with our all-pairs path (slow: minutes at 1M)",
    )
    ap.add_argument("--no-write", action="store_true", help="do not append to bench/RESULTS.md")
    args = ap.parse_args()
    global CHECK_ALL_PAIRS
    CHECK_ALL_PAIRS = args.check_all_pairs
    # ours in a warm process, as in the Dask workers that build the dashboard's graphs (numba's pair loop loaded;
    # a one-shot process stays on numpy: neighbors.PAIR_LOOP)
    neighbors.warm_up_pair_loop()
    header = machine()
    print(f"# {header}\nname, ours_s, reference_s, ratio", flush=True)
    lines: list[str] = []
    n = 5000 if args.quick else 20000
    if not args.scaling_only:
        comparisons(n, lines, dense_only=args.dense_only)
    sizes = args.scaling if args.scaling is not None else ([5000] if args.quick else [5000, 20000, 100000])
    scaling(sizes, lines=lines, n_cubes=args.scaling_intervals)
    if not args.no_write:
        write(header, lines)


def comparisons(n: int, lines: list[str], dense_only: bool = False) -> None:
    # ten Gaussian clusters of different widths, eps large against their spread: nearly every pair inside a cover
    # element is within eps (the pivot path, ``dbscan.pivots``)
    for kind in ("dense10", "dense10wide"):
        compare(
            f"{kind}_{n // 1000}k_x384_pca2_10x10_30pct_dbscan_eps40",
            dense_clusters(n, 384, kind),
            eps=40.0,
            lines=lines,
        )
    if dense_only:
        return
    X = blobs(n, 384)
    compare(f"blobs_{n // 1000}k_x384_pca2_10x10_30pct_dbscan_eps27", X, eps=27.0, lines=lines)
    compare(f"blobs_{n // 1000}k_x384_pca2_10x10_30pct_dbscan_eps35", X, eps=35.0, lines=lines)
    # make_blobs' defaults (3 centres, std 1): whole cubes within eps of each other, kmapper's slow case
    X3 = default_blobs(n, 384)
    compare(f"blobs3_{n // 1000}k_x384_pca2_10x10_30pct_dbscan_eps32", X3, eps=32.0, lines=lines)
    emb = minilm_embeddings(20000)
    if emb is not None:
        compare(f"minilm_{n // 1000}k_x384_pca2_10x10_30pct_dbscan_eps0.7", emb[:n], eps=0.7, lines=lines)
    else:
        print("MiniLM model not available: skipped", flush=True)


def write(header: str, lines: list[str]) -> None:
    with open(HERE / "RESULTS.md", "a") as f:
        f.write(
            f"\n## Mapper ({_dt.date.today().isoformat()})\n\n{header}.\n"
            "KMapperCover(10, 0.3) on a PCA-2 lens, DBSCAN (min_samples 3; blobs: 8 centres of mixed spread, "
            "blobs3: make_blobs defaults; dense10 / dense10wide: 10 centres of different spread, "
            "bench_data.dense_clusters; scaling rows min_samples 5 "
            "(cover NxN as named, 10x10 otherwise), "
            "eps 0.55 on unit-norm embedding-like data); times are the best of 3 runs (1 for >20k), "
            "ratio = kmapper / ours (wall clock); CPU seconds of both threads in brackets; ours in a warm "
            "process (numba's pair loop loaded, as in the Dask workers). MiniLM rows: "
            "all-MiniLM-L6-v2 embeddings of 20,000 generated template sentences (bench/bench_data.py).\n\n```\n"
            "name, ours_s, reference_s, ratio\n" + "\n".join(lines) + "\n```\n"
        )


if __name__ == "__main__":
    main()
