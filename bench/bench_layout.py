"""Joint layout benchmark: 8 Mapper graphs x ~500 nodes over shared stimuli.

Prints ``name, ours_s, reference_s, ratio`` lines (reference: networkx.spring_layout on the merged graph with
weighted correspondence edges) and the quality figures of both, and appends a section to bench/RESULTS.md.
Also the stress kernel's sweep with numba's fused loop against the whole-matrix numpy version (the reference), on
these graphs and on the dashboard's two ~260-node graphs.
Run: .venv/bin/python bench/bench_layout.py [--graphs 8] [--nodes 500]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import networkx as nx
import numpy as np

from topoalign.mapper.graph import MapperGraph, MapperNode, edges_from_members
from topoalign.topo.correspondence import CorrespondenceSet
from topoalign.topo.layout import (
    correspondence_springs,
    graph_geometry,
    independent_layouts,
    joint_layout,
    quality_figures,
)
from topoalign.topo.stress import StressKernel, pivot_mds


def annulus_graphs(k: int, n_nodes: int, seed: int = 0, n_points: int | None = None) -> list[MapperGraph]:
    """k Mapper graphs of one annulus of stimuli seen through k noisy, warped lenses (grid cover, one cluster per
    cube). Every graph has a loop and about ``n_nodes`` nodes; row orders differ per graph."""
    rng = np.random.default_rng(seed)
    n_points = n_points or 12 * n_nodes
    r = np.sqrt(rng.uniform(0.25**2, 0.5**2, n_points))
    t = rng.uniform(0, 2 * np.pi, n_points)
    pts = np.c_[r * np.cos(t), r * np.sin(t)] + 0.5
    ids = np.array([f"s{i}" for i in range(n_points)])
    cubes = int(round(np.sqrt(n_nodes / 0.589)))
    graphs = []
    for g in range(k):
        lens = pts + rng.normal(scale=0.004, size=pts.shape)
        lens = lens + 0.01 * np.sin(6 * lens[:, ::-1] + g)
        order = rng.permutation(n_points)
        lens, gids = lens[order], ids[order]
        width = 1.0 / cubes
        half = width * (1 + 0.3) / 2
        nodes = []
        for i in range(cubes):
            for j in range(cubes):
                c = np.array([(i + 0.5) * width, (j + 0.5) * width])
                inside = np.flatnonzero((np.abs(lens - c) <= half).all(axis=1))
                if len(inside) >= 3:
                    nodes.append(
                        MapperNode(f"n{len(nodes)}", inside.astype(np.int64), (i, j), tuple(lens[inside].mean(axis=0)))
                    )
        graphs.append(MapperGraph(nodes, edges_from_members(nodes), gids))
    return graphs


def networkx_baseline(corr: CorrespondenceSet, springs, seed: int = 0) -> list[np.ndarray]:
    merged = nx.Graph()
    offsets = np.r_[0, np.cumsum([len(g.nodes) for g in corr.graphs])]
    for g, graph in enumerate(corr.graphs):
        index = {nd.id: offsets[g] + i for i, nd in enumerate(graph.nodes)}
        merged.add_nodes_from(index.values())
        merged.add_edges_from(((index[e.source], index[e.target]) for e in graph.edges), weight=1.0)
    coo = springs.tocoo()
    merged.add_weighted_edges_from((int(i), int(j), float(w)) for i, j, w in zip(coo.row, coo.col, coo.data) if i < j)
    pos = nx.spring_layout(merged, weight="weight", seed=seed)
    X = np.array([pos[i] for i in range(int(offsets[-1]))])
    return [X[offsets[g] : offsets[g + 1]] for g in range(len(corr.graphs))]


def sweep_seconds(graphs: list[MapperGraph], engine: str, sweeps: int = 40, repeat: int = 5) -> float:
    """Seconds per sweep of the stress kernel (no springs, no early stop), best of ``repeat``."""
    geoms = [graph_geometry(g) for g in graphs]
    kernel = StressKernel(geoms, engine=engine)
    X0 = np.vstack([pivot_mds(g) for g in geoms])
    kernel.run(X0, n_iter=2, tol=0.0)  # compile / load numba's cache outside the timing
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        kernel.run(X0, n_iter=sweeps, tol=0.0)
        best = min(best, (time.perf_counter() - t0) / sweeps)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--graphs", type=int, default=8)
    ap.add_argument("--nodes", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    graphs = annulus_graphs(args.graphs, args.nodes)
    sizes = [len(g.nodes) for g in graphs]
    corr = CorrespondenceSet(graphs)
    for g in range(len(graphs)):  # overlaps are computed once and shared by every layout call
        for h in range(g + 1, len(graphs)):
            corr.overlap(g, h)
    times, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        lay = joint_layout(corr, random_state=0)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    ours = min(times)
    t0 = time.perf_counter()
    joint_layout(corr, random_state=0, initial=lay.position_map())
    warm_s = time.perf_counter() - t0
    geoms = [graph_geometry(g) for g in graphs]
    independent = independent_layouts(geoms)
    springs = correspondence_springs(corr)
    q_ours = quality_figures(lay.positions, independent, geoms, springs)
    t0 = time.perf_counter()
    base = networkx_baseline(corr, springs)
    ref = time.perf_counter() - t0
    q_base = quality_figures(base, independent, geoms, springs)
    kernel_lines = []
    for name, kgraphs in ((f"{args.graphs}x{args.nodes}", graphs), ("2x260", annulus_graphs(2, 260, seed=1))):
        nb, npy = sweep_seconds(kgraphs, "numba"), sweep_seconds(kgraphs, "numpy")
        kernel_lines.append(f"stress_sweep_{name}_numba_vs_numpy, {nb:.5f}, {npy:.5f}, {nb / npy:.2f}")
    lines = [
        f"joint_layout_{args.graphs}x{args.nodes}, {ours:.3f}, {ref:.3f}, {ref / ours:.1f}",
        f"joint_layout_warm_start, {warm_s:.3f}, {ref:.3f}, {ref / warm_s:.1f}",
        f"  nodes per graph: {sizes}; iterations: {lay.n_iter}; wall s per run {[round(t, 3) for t in times]}, "
        f"CPU s per run {[round(t, 3) for t in cpu]} (load average {os.getloadavg()[0]:.1f})",
        f"  stress ratio vs independent (mean / max): ours {q_ours['stress_ratio_mean']:.3f} / "
        f"{q_ours['stress_ratio_max']:.3f}, networkx {q_base['stress_ratio_mean']:.3f} / {q_base['stress_ratio_max']:.3f}",
        f"  corresponding-node distance ratio (independent / joint, higher is better): ours "
        f"{q_ours['distance_ratio']:.2f}, networkx {q_base['distance_ratio']:.2f}",
        f"  edge crossings (sum): ours {sum(q_ours['crossings_joint'])}, independent "
        f"{sum(q_ours['crossings_independent'])}, networkx {sum(q_base['crossings_joint'])}",
        *kernel_lines,
    ]
    print("name, ours_s, reference_s, ratio")
    print("\n".join(lines))
    if not args.no_write:
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores (shared with other sessions while measured), "
            f"Python {platform.python_version()}, numpy {np.__version__}, networkx {nx.__version__}"
        )
        section = [
            "",
            f"## bench_layout ({time.strftime('%Y-%m-%d %H:%M')})",
            "",
            f"Machine: {machine}.",
            "Reference: networkx.spring_layout on the merged graph with Jaccard-weighted correspondence edges.",
            "",
            "```",
            "name, ours_s, reference_s, ratio",
            *lines,
            "```",
            "",
        ]
        path = Path(__file__).with_name("RESULTS.md")
        if not path.exists():
            path.write_text("# Benchmark results\n")
        with path.open("a") as fh:
            fh.write("\n".join(section))


if __name__ == "__main__":
    main()
