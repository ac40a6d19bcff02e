"""``topoalign ingest | list | show | delete``: put activation files in the store and look at what is there."""

from __future__ import annotations

import argparse

from topoalign.cli import add_data_option, add_reduction_options, open_store
from topoalign.cli.output import print_json, print_table
from topoalign.cli.provenance import add_provenance_options, parse_metrics, read_rows
from topoalign.errors import NotFoundError
from topoalign.representation import Provenance


def register(sub) -> None:
    p = sub.add_parser("ingest", help="ingest an activation file into a collection")
    p.add_argument("file", help=".npy .npz .safetensors .pt .pth .h5 .hdf5 .csv .tsv")
    p.add_argument("--collection", required=True, help="collection id or name (created when missing)")
    p.add_argument("--labels", help="labels CSV/TSV joined on the id column")
    p.add_argument("--id-column", help="id column of a CSV/TSV file or of the labels file")
    p.add_argument("--name", help="representation name (default: the array key or file stem)")
    for field in ("model", "layer", "checkpoint", "condition"):
        p.add_argument(f"--{field}")
    p.add_argument("--layer-index", type=int)
    p.add_argument("--layer-fraction", type=float)
    p.add_argument("--epoch", type=int)
    p.add_argument("--seed", type=int)
    add_provenance_options(p, rows=True)
    p.add_argument(
        "--overwrite-labels",
        action="store_true",
        help="let --labels change label values the collection already has (else refused)",
    )
    add_reduction_options(p, "reduce", "rule for (n, t, d) activations (default: mean over tokens)")
    p.add_argument("--drop-nonfinite", action="store_true", help="drop rows holding NaN/Inf instead of rejecting")
    p.add_argument("--max-bytes", type=int, default=2 * 1024**3, help="size cap of the file (default 2 GiB)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_data_option(p)
    p.set_defaults(func=ingest)

    p = sub.add_parser("list", help="list collections, or the representations of one")
    p.add_argument("collection", nargs="?", help="collection id or name")
    p.add_argument("--json", action="store_true")
    add_data_option(p)
    p.set_defaults(func=list_cmd)

    p = sub.add_parser("show", help="show one collection or representation")
    p.add_argument("id", help="collection or representation id (or collection name)")
    add_data_option(p)
    p.set_defaults(func=show)

    p = sub.add_parser("delete", help="delete a representation or a whole collection")
    p.add_argument("id", help="representation id, or collection id/name")
    add_data_option(p)
    p.set_defaults(func=delete)


def ingest(args: argparse.Namespace) -> int:
    from topoalign.io.ingest import ingest_file

    store = open_store(args)
    prov = Provenance(
        model=args.model,
        architecture=args.architecture,
        layer=args.layer,
        layer_index=args.layer_index,
        layer_fraction=args.layer_fraction,
        checkpoint=args.checkpoint,
        epoch=args.epoch,
        condition=args.condition,
        seed=args.seed,
        metrics=parse_metrics(args.metric),
    )
    report = ingest_file(
        store,
        args.collection,
        args.file,
        labels_path=args.labels,
        id_column=args.id_column,
        provenance=prov,
        name=args.name,
        reduce_conv=args.reduce_conv,
        reduce_seq=args.reduce_seq,
        drop_nonfinite=args.drop_nonfinite,
        max_bytes=args.max_bytes,
        create_collection=True,
        rows=read_rows(args.rows),
        overwrite_labels=args.overwrite_labels,
    )
    if args.json:
        print_json(report)
        return 0
    for r in report.records:
        print(f"stored {r.id}  {r.name}  {r.n} x {r.d}  in collection {report.collection_id}")
    if report.dropped_rows:
        print(f"dropped {report.dropped_rows} rows holding NaN/Inf")
    for note in report.notes:
        print(f"note: {note}")
    return 0


def list_cmd(args: argparse.Namespace) -> int:
    store = open_store(args)
    if args.collection is None:
        items = store.list_collections()
        if args.json:
            print_json(items)
        else:
            print_table(
                [(c.id, c.name, c.n_stimuli, c.n_representations, ",".join(c.label_columns)) for c in items],
                ["id", "name", "stimuli", "representations", "labels"],
            )
        return 0
    reps = store.list_representations(args.collection)
    if args.json:
        print_json(reps)
    else:
        rows = [
            (
                r.id,
                r.name,
                f"{r.n}x{r.d}",
                r.provenance.model,
                r.provenance.layer,
                r.provenance.checkpoint,
                r.provenance.condition,
            )
            for r in reps
        ]
        print_table(rows, ["id", "name", "shape", "model", "layer", "checkpoint", "condition"])
    return 0


def show(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        print_json(store.get_representation(args.id))
    except NotFoundError:
        coll = store.get_collection(args.id)
        print_json({"collection": coll, "representations": [r.id for r in store.list_representations(coll.id)]})
    return 0


def delete(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        rec = store.get_representation(args.id)
    except NotFoundError:
        coll = store.get_collection(args.id)
        store.delete_collection(coll.id)
        print(f"deleted collection {coll.id} ({coll.name})")
        return 0
    store.delete_representation(rec.id)
    print(f"deleted representation {rec.id} ({rec.name})")
    return 0
