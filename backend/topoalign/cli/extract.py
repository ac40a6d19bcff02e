"""``topoalign extract``: run a local model on inputs and store the activations of its layers."""

from __future__ import annotations

import argparse

from topoalign.cli import add_data_option, add_reduction_options, open_store
from topoalign.cli.output import print_json
from topoalign.cli.provenance import add_provenance_options, parse_metrics
from topoalign.representation import Provenance


def register(sub) -> None:
    p = sub.add_parser(
        "extract",
        help="store the layer activations of a local model (TorchScript file, or Hugging Face folder with --hf)",
        description="MODEL_SPEC is a TorchScript file (torch.jit.save; its forward's outputs are the layers: a tensor, "
        "tuple or dict of tensors) or, with --hf, a local Hugging Face transformers folder (all hidden "
        "states). Pickled nn.Module files are never loaded. Nothing is downloaded.",
    )
    p.add_argument(
        "model_spec", metavar="MODEL_SPEC", help="TorchScript file, or a transformers model folder with --hf"
    )
    p.add_argument(
        "--inputs",
        required=True,
        help=".npy or .pt/.pth tensor (n, ...) of model inputs; with --hf a text file, one sentence per line",
    )
    p.add_argument(
        "--collection",
        required=True,
        help="collection id or name; created when missing (rows follow an existing collection's order)",
    )
    p.add_argument("--hf", action="store_true", help="MODEL_SPEC is a Hugging Face transformers folder")
    p.add_argument("--layers", help="comma-separated layer names to keep (default: all)")
    p.add_argument(
        "--module-types",
        help="comma-separated torch.nn module types (e.g. Conv2d,Linear); only for models run with hooks",
    )
    add_reduction_options(
        p, "pool", "rule for (n, t, d) activations: mean over (unmasked) tokens or first token (default: mean)"
    )
    p.add_argument("--batch-size", type=int, default=None, help="rows per forward pass (default 256; 64 with --hf)")
    p.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    p.add_argument("--model", help="model name in the provenance (default: the file or folder name)")
    p.add_argument("--checkpoint", help="checkpoint name in the provenance")
    p.add_argument("--epoch", type=int)
    p.add_argument("--condition", help="condition in the provenance (e.g. test, ood:noise)")
    p.add_argument("--seed", type=int)
    add_provenance_options(p)
    p.add_argument("--json", action="store_true", help="print the stored representations as JSON")
    add_data_option(p)
    p.set_defaults(func=run)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    return items or None


def run(args: argparse.Namespace) -> int:
    from topoalign.extract.service import extract_into_store
    from topoalign.progress import ProgressReporter

    prov = Provenance(
        model=args.model,
        architecture=args.architecture,
        checkpoint=args.checkpoint,
        epoch=args.epoch,
        condition=args.condition,
        seed=args.seed,
        metrics=parse_metrics(args.metric),
    )
    cid, records = extract_into_store(
        open_store(args),
        args.collection,
        args.model_spec,
        args.inputs,
        hf=args.hf,
        layers=_split(args.layers),
        module_types=_split(args.module_types),
        pool_conv=args.pool_conv,
        pool_seq=args.pool_seq,
        batch_size=args.batch_size,
        device=args.device,
        provenance=prov,
        progress=ProgressReporter(),
    )
    if args.json:
        print_json({"collection_id": cid, "representations": records})
        return 0
    for r in records:
        print(f"stored {r.id}  {r.name}  {r.n} x {r.d}  in collection {cid}")
    return 0
