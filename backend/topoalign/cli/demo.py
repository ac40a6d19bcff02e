"""``topoalign demo``: build the demo collections (digits CNN zoo, MiniLM sentences) into the data directory."""

from __future__ import annotations

import argparse
import os

from topoalign.cli import add_data_option, open_store
from topoalign.cli.output import print_json


def register(sub) -> None:
    p = sub.add_parser("demo", help="build the demo data: digits CNNs (seeds x epochs x OOD) and MiniLM sentences")
    p.add_argument("--if-missing", action="store_true", help="skip demo collections that are already built")
    p.add_argument("--quick", action="store_true", help="a tiny version (one seed, two checkpoints) for tests")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_data_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from topoalign.extract.zoo.demo import build_demo
    from topoalign.jobs.progress import ProgressReporter

    store = open_store(args)
    summary = build_demo(store, progress=ProgressReporter(), quick=args.quick, if_missing=args.if_missing)
    if args.json:
        print_json(summary)
        return 0
    for key in ("digits", "sentences"):
        s = summary[key]
        if s.get("skipped"):
            print(f"{key}: already built, skipped")
        else:
            print(f"{key}: {s['representations']} representations of {s['n_stimuli']} stimuli in {s['seconds']} s")
    print(f"demo data in {store.data_dir} ({summary['seconds']} s)")
    return 0
