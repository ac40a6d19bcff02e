"""``topoalign extract``: run a local model on inputs and store the activations of its layers."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from topoalign.cli import add_data_option, open_store
from topoalign.cli.output import print_json
from topoalign.errors import InvalidParameterError
from topoalign.representation import Provenance


def register(sub) -> None:
    p = sub.add_parser(
        "extract",
        help="store the layer activations of a local model (TorchScript file, or Hugging Face folder with --hf)",
        description="MODEL_SPEC is a TorchScript file (torch.jit.save; its forward's outputs are the layers: a tensor, "
                    "tuple or dict of tensors) or, with --hf, a local Hugging Face transformers folder (all hidden "
                    "states). Pickled nn.Module files are never loaded. Nothing is downloaded.",
    )
    p.add_argument("model_spec", metavar="MODEL_SPEC", help="TorchScript file, or a transformers model folder with --hf")
    p.add_argument("--inputs", required=True,
                   help=".npy or .pt/.pth tensor (n, ...) of model inputs; with --hf a text file, one sentence per line")
    p.add_argument("--collection", required=True,
                   help="collection id or name; created when missing (rows follow an existing collection's order)")
    p.add_argument("--hf", action="store_true", help="MODEL_SPEC is a Hugging Face transformers folder")
    p.add_argument("--layers", help="comma-separated layer names to keep (default: all)")
    p.add_argument("--module-types",
                   help="comma-separated torch.nn module types (e.g. Conv2d,Linear); only for models run with hooks")
    p.add_argument("--pool-conv", choices=["gap", "center", "flatten"], default="gap",
                   help="rule for (n, c, h, w) activations (default: global average pool)")
    p.add_argument("--pool-seq", choices=["mean", "first"], default="mean",
                   help="rule for (n, t, d) activations: mean over (unmasked) tokens or first token (default: mean)")
    p.add_argument("--batch-size", type=int, default=None, help="rows per forward pass (default 256; 64 with --hf)")
    p.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    p.add_argument("--model", help="model name in the provenance (default: the file or folder name)")
    p.add_argument("--checkpoint", help="checkpoint name in the provenance")
    p.add_argument("--epoch", type=int)
    p.add_argument("--condition", help="condition in the provenance (e.g. test, ood:noise)")
    p.add_argument("--seed", type=int)
    p.add_argument("--json", action="store_true", help="print the stored representations as JSON")
    add_data_option(p)
    p.set_defaults(func=run)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    return items or None


def module_types_from_names(names: list[str]) -> tuple[type, ...]:
    """``["Conv2d", "Linear"]`` -> ``(torch.nn.Conv2d, torch.nn.Linear)``; unknown names raise with the choices."""
    from torch import nn

    known = {k: v for k, v in vars(nn).items() if isinstance(v, type) and issubclass(v, nn.Module)}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidParameterError(
            f"Unknown torch.nn module type(s) {unknown}; e.g. Conv1d, Conv2d, Linear, LSTM, TransformerEncoderLayer."
        )
    return tuple(known[n] for n in names)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from topoalign.extract.hooks import extract_activations
    from topoalign.extract.sources import load_input_tensor, load_torchscript, read_text_lines, store_layers
    from topoalign.extract.transformers_hf import (
        check_model_folder,
        extract_hidden_states,
        model_hidden_state_names,
    )
    from topoalign.jobs.progress import ProgressReporter

    if args.batch_size is not None and args.batch_size < 1:
        raise InvalidParameterError(f"The 'batch_size' parameter of extract must be >= 1. Got {args.batch_size} instead.")
    layers = _split(args.layers)
    spec = Path(args.model_spec)
    texts = None
    if args.hf:
        if args.module_types:
            raise InvalidParameterError("--module-types applies to TorchScript models, not to --hf hidden states.")
        check_model_folder(spec)
        known = model_hidden_state_names(spec)
        if layers is not None and known is not None and set(layers) - set(known):
            raise InvalidParameterError(f"Unknown layer name(s) {sorted(set(layers) - set(known))}; the model has {known}.")
        texts = read_text_lines(args.inputs)
        acts = extract_hidden_states(spec, texts, pool=args.pool_seq, batch_size=args.batch_size or 64,
                                     device=args.device, progress=ProgressReporter())
        if layers is not None:
            unknown = [name for name in layers if name not in acts]
            if unknown:
                raise InvalidParameterError(f"Unknown layer name(s) {unknown}; the model has {list(acts)}.")
            acts = {name: acts[name] for name in acts if name in layers}
    else:
        types = module_types_from_names(_split(args.module_types)) if args.module_types else None
        model = load_torchscript(spec)
        inputs = load_input_tensor(args.inputs)
        acts = extract_activations(model, inputs, layers=layers, module_types=types, batch_size=args.batch_size or 256,
                                   device=args.device, pool_conv=args.pool_conv, pool_seq=args.pool_seq,
                                   progress=ProgressReporter())
    model_name = args.model or spec.name
    prov = Provenance(model=model_name, checkpoint=args.checkpoint, epoch=args.epoch, condition=args.condition,
                      seed=args.seed, extra={"source": str(spec.resolve()), "pool_conv": args.pool_conv,
                                             "pool_seq": args.pool_seq})
    prefix = "/".join(p for p in (model_name, args.checkpoint, args.condition) if p)
    store = open_store(args)
    cid, records = store_layers(store, args.collection, acts, prov, name_prefix=prefix, texts=texts)
    if args.json:
        print_json({"collection_id": cid, "representations": records})
        return 0
    for r in records:
        print(f"stored {r.id}  {r.name}  {r.n} x {r.d}  in collection {cid}")
    return 0
