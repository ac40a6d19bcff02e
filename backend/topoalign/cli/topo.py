"""``topoalign compare`` and ``topoalign motif``: topological alignment of Mapper graphs.

Graphs are graph ids in the store (``/api/graphs``) or JSON files written by ``topoalign mapper -o FILE``.
"""

from __future__ import annotations

import argparse

from topoalign.cli import add_data_option
from topoalign.cli.output import print_json, print_table


def register(sub) -> None:
    p = sub.add_parser("compare", help="compare 2+ Mapper graphs: scores, matching regions, joint-layout quality")
    p.add_argument("graphs", nargs="+", metavar="GRAPH", help="graph ids in the store or graph JSON files (2 to 8)")
    p.add_argument("--n-null", type=int, default=20, help="shuffled-stimuli repetitions for chance levels (default 20)")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--no-layout", action="store_true", help="skip the joint layout quality figures")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_data_option(p)
    p.set_defaults(func=run_compare)

    m = sub.add_parser("motif", help="search Mapper graphs for a motif (cycle, branch, flare, path, pattern file)")
    m.add_argument("graphs", nargs="+", metavar="GRAPH", help="graph ids in the store or graph JSON files")
    m.add_argument(
        "--pattern", required=True, help="cycle:K | cycle:K+ | branch:M | flare | flare:K | path:K | PATTERN.json"
    )
    m.add_argument("--where", help='label query restricting the search, e.g. "class in {3, 8}"')
    m.add_argument("--max-matches", type=int, default=200, help="most matches per graph (default 200)")
    m.add_argument("--time-limit", type=float, default=5.0, help="seconds for the whole query (default 5)")
    m.add_argument("--json", action="store_true", help="print the result as JSON")
    add_data_option(m)
    m.set_defaults(func=run_motif)


def _load(args):
    from pathlib import Path

    from topoalign.topo.service import load_graphs

    store = None
    if any(not Path(g).is_file() for g in args.graphs):
        from topoalign.cli import open_store

        store = open_store(args)
    return load_graphs(args.graphs, store)


def run_compare(args: argparse.Namespace) -> int:
    from topoalign.errors import InvalidParameterError
    from topoalign.progress import ProgressReporter
    from topoalign.topo.service import compare_report

    if not 2 <= len(args.graphs) <= 8:
        raise InvalidParameterError(f"compare takes 2 to 8 graphs; got {len(args.graphs)}.")
    graphs, names = _load(args)
    progress = None if (args.quiet or args.json) else ProgressReporter()
    report = compare_report(
        graphs,
        names,
        n_null=args.n_null,
        random_state=args.random_state,
        layout_quality=not args.no_layout,
        progress=progress,
    )
    if args.json:
        print_json(report)
        return 0
    print(f"{len(names)} graphs over {report['n_shared']} shared stimuli")
    print_table(
        [
            [
                s["a"],
                s["b"],
                f"{s['score']:.3f}",
                _fmt(s["chance"]),
                _fmt(s["p_value"]),
                f"{s['transport_overlap']:.3f}",
                f"{s['region_coverage']:.3f}",
            ]
            for s in report["scores"]
        ],
        ["a", "b", "score", "chance", "p", "transport", "coverage"],
    )
    regs = report["regions"]["regions"]
    print(f"\n{len(regs)} matching regions (coverage {report['regions']['coverage']:.3f})")
    print_table(
        [
            [
                r["id"],
                f"{r['score']:.3f}",
                r["n_stimuli"],
                _fmt(r["p_value"]),
                " ".join(f"{g}:{len(n)}" for g, n in r["nodes"].items()),
                ", ".join(f"{c}={v.get('dominant')}" for c, v in r["dominant_labels"].items() if "dominant" in v),
            ]
            for r in regs[:20]
        ],
        ["region", "score", "stimuli", "p", "nodes", "labels"],
    )
    q = report.get("layout_quality")
    if q:
        print(
            f"\njoint layout: stress ratio {q['stress_ratio_mean']:.3f} (max {q['stress_ratio_max']:.3f}), "
            f"corresponding-node distance {q['distance_ratio']:.2f}x smaller than independent layouts, "
            f"crossings {sum(q['crossings_joint'])} (independent {sum(q['crossings_independent'])})"
        )
    return 0


def run_motif(args: argparse.Namespace) -> int:
    from topoalign.topo.service import motifs

    graphs, names = _load(args)
    result = motifs(
        graphs, names, pattern=args.pattern, where=args.where, max_matches=args.max_matches, time_limit=args.time_limit
    )
    if args.json:
        print_json(result)
        return 0
    for g in result["graphs"]:
        flag = f"  (truncated: {g['reason']})" if g["truncated"] else ""
        print(f"{g['graph']}: {g['n_matches']} matches{flag}")
        rows = []
        for m in g["matches"][:20]:
            others = ", ".join(f"{o['graph']}:{'yes' if o['present'] else 'no'}" for o in m.get("in_other_graphs", []))
            rows.append([" ".join(map(str, m["nodes"])), m["n_members"], others])
        if rows:
            print_table(rows, ["nodes", "members", "in other graphs"])
    return 0


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3g}"
