"""``topoalign align A B`` (one cross-validated score) and ``topoalign audit COLLECTION`` (the whole audit)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from topoalign.cli import add_data_option, open_store
from topoalign.cli.output import print_json, print_table

METRIC_CHOICES = ["linear", "procrustes", "permutation", "soft", "cka", "cka_debiased", "mutual_knn", "topological"]
ANALYSIS_CHOICES = ["layers", "depth", "epochs", "ood", "random_init"]


def register(sub) -> None:
    p = sub.add_parser("align", help="cross-validated alignment score between two representations (ids or files)")
    p.add_argument("a", help="representation id, or an activation file readable by `topoalign ingest`")
    p.add_argument(
        "b", help="representation id or file; rows are matched to A by stimulus id (files without ids: by row)"
    )
    p.add_argument(
        "--metric", choices=METRIC_CHOICES, default="procrustes", help="alignment metric (default procrustes)"
    )
    p.add_argument("--folds", type=int, default=5, help="shuffled cross-validation folds (default 5)")
    p.add_argument("--random-state", type=int, default=0, help="seed of the folds and null draws (default 0)")
    p.add_argument(
        "--permutations",
        type=int,
        default=10,
        help="permutation-null draws for chance and p_value (default 10; 0 = none)",
    )
    p.add_argument(
        "--rotations", type=int, default=0, help="random-rotation baseline draws, permutation/soft only (default 0)"
    )
    p.add_argument("--direction", choices=["forward", "backward", "both"], default="both", help="linear: direction")
    p.add_argument("--dim-mode", choices=["pad", "pca"], default="pad", help="procrustes: unequal widths")
    p.add_argument(
        "--span",
        choices=["full", "train"],
        default="full",
        help="procrustes: full orthogonal rotation, or restricted to the training span (deterministic "
        "when units outnumber training stimuli)",
    )
    p.add_argument("--k", type=int, default=10, help="mutual_knn: neighbours (default 10)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    add_data_option(p)
    p.set_defaults(func=align_cmd)

    p = sub.add_parser("audit", help="alignment across layers, seeds, checkpoints and conditions of a collection")
    p.add_argument("collection", help="collection id or name")
    p.add_argument(
        "--metrics",
        nargs="+",
        choices=METRIC_CHOICES,
        default=["linear", "procrustes", "permutation"],
        help="metrics to compute (default linear procrustes permutation)",
    )
    p.add_argument("--analyses", nargs="+", choices=ANALYSIS_CHOICES, default=None, help="analyses (default all)")
    p.add_argument("--folds", type=int, default=5, help="shuffled cross-validation folds (default 5)")
    p.add_argument("--random-state", type=int, default=0, help="seed of the folds (default 0)")
    p.add_argument(
        "--null-draws",
        type=int,
        default=3,
        metavar="N",
        help="permutation-null (and random-rotation) draws per metric for the first seed pair of every "
        "layer: the chance line (default 3; 0 = none)",
    )
    p.add_argument("--scheduler", default=None, help="Dask scheduler tcp://HOST:PORT (default: in-process cluster)")
    p.add_argument("--workers", type=int, default=1, help="workers of the in-process cluster (default 1)")
    p.add_argument("--recompute", action="store_true", help="ignore a stored audit with the same parameters")
    p.add_argument("--csv", metavar="FILE", help="also write the cells as CSV to FILE")
    p.add_argument(
        "--summary",
        action="store_true",
        help="print the figures (depth, epochs, ood, layers) and the paper's findings instead of the cells",
    )
    p.add_argument(
        "--findings", metavar="FILE", help="also write the findings report to FILE (.md: Markdown, .json: JSON)"
    )
    p.add_argument("--json", action="store_true", help="print the whole audit (or with --summary the summary) as JSON")
    add_data_option(p)
    p.set_defaults(func=audit_cmd)


def _load(arg: str, store_args):
    """A representation from the store (by id) or from a file (via topoalign.io)."""
    from topoalign.errors import InvalidInputError
    from topoalign.representation import Representation

    path = Path(arg)
    if path.is_file():
        import numpy as np

        from topoalign.io import read_file, reduce_activations

        raw = read_file(path)
        if len(raw.arrays) != 1:
            raise InvalidInputError(
                f"{path.name} holds {len(raw.arrays)} arrays ({sorted(raw.arrays)[:5]}); "
                "ingest it and pass a representation id instead."
            )
        ((key, arr),) = raw.arrays.items()
        matrix = reduce_activations(arr, mask=raw.mask)
        ids = raw.ids if raw.ids is not None else [str(i) for i in range(matrix.shape[0])]
        return Representation(matrix, np.asarray(ids, dtype=str), name=key)
    return open_store(store_args).load_representation(arg)


def align_cmd(args: argparse.Namespace) -> int:
    from topoalign.align.service import alignment
    from topoalign.progress import ProgressReporter

    a, b = _load(args.a, args), _load(args.b, args)
    result = alignment(
        a,
        b,
        metric=args.metric,
        folds=args.folds,
        random_state=args.random_state,
        n_permutations=args.permutations,
        n_rotations=args.rotations,
        direction=args.direction,
        dim_mode=args.dim_mode,
        span=args.span,
        k=args.k,
        progress=ProgressReporter() if sys.stderr.isatty() else None,
    )
    out = result.to_dict()
    if args.json:
        print_json(
            {
                k: out[k]
                for k in (
                    "metric",
                    "score",
                    "folds",
                    "chance",
                    "p_value",
                    "std",
                    "n_stimuli",
                    "dropped_units",
                    "details",
                    "baselines",
                )
            }
        )
    else:
        chance = "-" if result.chance is None else f"{result.chance:.4f} (p = {result.p_value:.3g})"
        print(
            f"{result.metric}: {result.score:.4f} +/- {result.std:.4f} over {len(result.folds)} folds, "
            f"{result.n_stimuli} stimuli; chance {chance}"
        )
    return 0


def audit_cmd(args: argparse.Namespace) -> int:
    from topoalign.align.audit import audit_csv
    from topoalign.align.service import audit_for_collection, stored_audit
    from topoalign.progress import ProgressReporter

    store = open_store(args)
    outcome = audit_for_collection(
        store,
        args.collection,
        metrics=args.metrics,
        analyses=args.analyses,
        folds=args.folds,
        random_state=args.random_state,
        n_null=args.null_draws,
        recompute=args.recompute,
        load=True,
        scheduler=args.scheduler,
        n_workers=args.workers,
        progress=ProgressReporter() if sys.stderr.isatty() else None,
    )
    audit_id, plan = outcome.audit_id, outcome.plan
    payload = outcome.payload if outcome.payload is not None else stored_audit(store, audit_id)  # (load=True)
    if args.csv:
        Path(args.csv).write_text(audit_csv(payload))
    if args.summary or args.findings:
        from topoalign.align.audit_summary import stored_summary

        summary = stored_summary(store, audit_id)
        if args.findings:
            _write_findings(Path(args.findings), summary)
        if args.summary:
            return _print_summary(summary, args.json)
    if args.json:
        print_json({"id": audit_id, **payload})
        return 0
    rows = [
        (
            c["analysis"],
            c["metric"],
            f"{c['model_a']}/{c['layer_a']}",
            f"{c['model_b']}/{c['layer_b']}",
            c["checkpoint"] or "",
            c["condition"] or "",
            _score(c["score"]),
        )
        for c in payload["cells"]
    ]
    print_table(rows, ["analysis", "metric", "a", "b", "checkpoint", "condition", "score"])
    print(f"audit {audit_id}: {len(payload['cells'])} cells over {len(plan.pairs())} representation pairs")
    return 0


def _score(v) -> str:
    return "n/a" if v is None else f"{v:.4f}"


def _write_findings(path: Path, summary: dict) -> None:
    """The findings report as Markdown (``.md``, default) or JSON (``.json``)."""
    from topoalign.align.findings import findings_report
    from topoalign.finite_json import dumps_finite

    if path.suffix.lower() == ".json":
        body = {"audit_id": summary["audit_id"], "collection": summary["collection"], "findings": summary["findings"]}
        path.write_text(dumps_finite(body, indent=1))
    else:
        path.write_text(findings_report(summary))
    print(f"findings written to {path}", file=sys.stderr)


def _print_summary(summary: dict, as_json: bool) -> int:
    if as_json:
        print_json(summary)
        return 0
    verdict = {True: "holds", False: "does not hold", None: "cannot be checked"}
    print_table(
        [(f["id"], verdict[f["holds"]], f["text"]) for f in summary["findings"]], ["finding", "verdict", "evidence"]
    )
    print()
    print_table(
        [
            (
                r["metric"],
                r["model"],
                r["layer"],
                _score(r["layer_fraction"]),
                _score(r["mean"]),
                _score(r["sd"]),
                r["n_pairs"],
                _score(r["random_mean"]),
                _score(r["chance"]),
            )
            for r in summary["depth"]
        ],
        ["metric", "model", "layer", "depth", "mean", "sd", "pairs", "random", "chance"],
    )
    return 0
