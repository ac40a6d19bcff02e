"""``topoalign mapper INPUT``: build a Mapper graph of a stored representation or of an activation file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from topoalign.cli import add_data_option, open_store
from topoalign.errors import InvalidInputError, NotFoundError


def register(sub) -> None:
    p = sub.add_parser("mapper", help="build a Mapper graph (JSON) of a representation id or an activation file")
    p.add_argument("input", help="a representation id in the store, or a file ingest reads (.npy .npz .csv ...)")
    p.add_argument("--key", help="array key inside a multi-array file")
    p.add_argument(
        "--labels",
        metavar="FILE",
        help="labels table (CSV/TSV: a stimulus id column + label columns) for a file input; a stored "
        "representation brings its collection's labels. Written into the graph JSON per stimulus",
    )
    p.add_argument(
        "--lens",
        default="pca:2",
        help="pca:K | umap:K | norm | density | eccentricity | knn:K | label:COLUMN (default pca:2)",
    )
    p.add_argument(
        "--auto",
        nargs="?",
        const="stability",
        choices=["shape", "cmo", "stability", "off"],
        help="who sets the cover and clusterer: shape (the default when no cover or clusterer option is "
        "given: chosen so the graph shows the data's components and loops, every stimulus in a "
        "node; with --auto shape and cover options, that cover and a chosen scale), cmo "
        "(Carriere-Michel-Oudot, as GUDHI's automatic Mapper), stability (the most stable setting of "
        "a small grid; what a bare --auto means), off (the options below, KeplerMapper's usual "
        "parameters for those not given)",
    )
    explicit = p.add_argument_group("explicit cover and clusterer (any of these turns --auto off unless it is given)")
    explicit.add_argument(
        "--cover",
        choices=["kmapper", "uniform", "balanced"],
        help="kmapper = KeplerMapper 2.1 Cover exactly (default when explicit)",
    )
    explicit.add_argument(
        "--intervals", type=int, help=f"intervals per lens dimension (default {EXPLICIT_DEFAULTS['intervals']})"
    )
    explicit.add_argument(
        "--overlap", type=float, help=f"overlap fraction in [0, 1) (default {EXPLICIT_DEFAULTS['overlap']})"
    )
    explicit.add_argument("--clusterer", choices=["dbscan", "single", "hdbscan"], help="default dbscan")
    explicit.add_argument("--eps", help="DBSCAN radius, or 'auto' (k-NN distance quantile; default)")
    explicit.add_argument(
        "--min-samples", type=int, help=f"DBSCAN min_samples (default {EXPLICIT_DEFAULTS['min_samples']})"
    )
    explicit.add_argument(
        "--noise",
        choices=["drop", "keep", "attach"],
        help="DBSCAN noise rows: drop (default, as KeplerMapper), keep (a node each), attach (to "
        "the cluster of their nearest row in the cover element)",
    )
    explicit.add_argument("--distance-threshold", type=float, help="single linkage: merge below this distance")
    explicit.add_argument("--gap-bins", type=int, help="single linkage: histogram-gap rule with this many bins")
    explicit.add_argument("--min-cluster-size", type=int, help="HDBSCAN min_cluster_size (default 5)")
    p.add_argument("--metric", choices=["euclidean", "cosine"], default="euclidean")
    p.add_argument("--dedupe", action="store_true", help="one node per distinct member set")
    p.add_argument(
        "--stability",
        type=int,
        default=0,
        metavar="N",
        help="node/edge stability and the confidence of components and loops over N resamples",
    )
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("-o", "--output", help="write the graph JSON here (default: a summary on stdout)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_data_option(p)
    p.set_defaults(func=run)


EXPLICIT_DEFAULTS = {"intervals": 10, "overlap": 0.3, "min_samples": 3}
"""KeplerMapper's usual parameters, for the explicit options not given (the help and the README say the same)."""
EXPLICIT_OPTIONS = (
    "cover",
    "intervals",
    "overlap",
    "clusterer",
    "eps",
    "min_samples",
    "noise",
    "distance_threshold",
    "gap_bins",
    "min_cluster_size",
)


def _given(args, name: str):
    value = getattr(args, name)
    return EXPLICIT_DEFAULTS[name] if value is None else value


def _params(args) -> dict:
    common = {
        "lens": args.lens,
        "metric": args.metric,
        "dedupe": args.dedupe,
        "stability": args.stability,
        "random_state": args.random_state,
    }
    given = any(getattr(args, k) is not None for k in EXPLICIT_OPTIONS)
    auto = args.auto if args.auto is not None else ("off" if given else "shape")
    cover = {
        "kind": args.cover or "kmapper",
        "n_intervals": _given(args, "intervals"),
        "overlap": _given(args, "overlap"),
    }
    if auto in ("shape", "cmo"):
        clustering = [k for k in EXPLICIT_OPTIONS[3:] if getattr(args, k) is not None]
        if clustering:
            from topoalign.errors import InvalidParameterError

            flags = ", ".join(f"--{k.replace('_', '-')}" for k in clustering)
            raise InvalidParameterError(f"--auto {auto} chooses the clusterer itself; drop {flags} or use --auto off.")
        cover_given = any(getattr(args, k) is not None for k in EXPLICIT_OPTIONS[:3])
        return {**common, "auto": auto, **({"cover": cover} if cover_given else {})}
    kind = args.clusterer or "dbscan"
    if kind == "dbscan":
        eps = args.eps or "auto"
        clusterer = {
            "kind": "dbscan",
            "eps": eps if eps == "auto" else _float(eps, "eps"),
            "min_samples": _given(args, "min_samples"),
        }
        if args.noise is not None:
            clusterer["noise"] = args.noise
    elif kind == "single":
        clusterer = {"kind": "single"}
        if args.gap_bins is not None:
            clusterer["gap_bins"] = args.gap_bins
        else:
            clusterer["distance_threshold"] = (
                args.distance_threshold
                if args.distance_threshold is not None
                else (_float(args.eps, "eps") if args.eps not in (None, "auto") else None)
            )
    else:
        clusterer = {"kind": "hdbscan", "min_cluster_size": args.min_cluster_size or 5}
    return {**common, "cover": cover, "clusterer": clusterer, "auto": False if auto == "off" else "stability"}


def _float(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        from topoalign.errors import InvalidParameterError

        raise InvalidParameterError(
            f"The {name!r} parameter of DBSCAN must be a float > 0 or 'auto'. Got {text!r} instead."
        )


def run(args: argparse.Namespace) -> int:
    from topoalign.progress import ProgressReporter
    from topoalign.mapper import neighbors
    from topoalign.mapper.service import MapperParams, build_graph, graph_for_representation, validate_against

    # one build and exit: loading numba's pair loop (~0.5 s) would cost more than it saves here
    neighbors.PAIR_LOOP_WARM_UP = False
    params = MapperParams.from_dict(_params(args))
    progress = None if args.quiet else ProgressReporter()
    path = Path(args.input)
    if path.is_file():
        from topoalign.mapper.lens import compute_lens

        rep = _read_representation(path, args.key, args.labels)
        validate_against(params, rep.n, rep.d)
        lens = compute_lens(rep, dict(params.lens))
        graph = build_graph(
            rep.matrix,
            lens,
            params,
            stimulus_ids=rep.stimulus_ids,
            progress=progress,
            labels=rep.label_frame() if rep.labels is not None else None,
        )
    else:
        from topoalign.topo.service import graph_labels

        if args.labels:
            raise InvalidInputError(
                "--labels is for file inputs; a stored representation's labels come from its "
                "collection (topoalign ingest --labels)."
            )
        store = open_store(args)
        try:
            store.get_representation(args.input)
        except NotFoundError:
            raise InvalidInputError(
                f"{args.input!r} is neither a file nor a representation id in {args.data}.", code="not_found"
            ) from None
        _, graph = graph_for_representation(store, args.input, params, progress)
        if graph.labels is None:  # a cached graph: labels live with the collection, not in the stored graph
            graph.labels = graph_labels(store, graph)
    payload = graph.to_json(stimulus_labels=True)
    if args.output:
        from topoalign.finite_json import dumps_finite

        Path(args.output).write_text(dumps_finite(payload))
    topology = payload["topology"]
    summary = {
        "nodes": len(graph.nodes),
        "edges": len(graph.edges),
        "distinct_member_sets": len(graph.member_sets()),
        "covered_rows": payload["n_covered"],
        "n_stimuli": graph.n_stimuli,
        "coverage": round(payload["coverage"], 4),
        "components": topology["b0"],
        "loops": topology["b1"],
        "cover": graph.params.get("cover"),
        "clusterer": graph.params.get("clusterer"),
    }
    if "stability" in graph.params:
        summary["stability"] = graph.params["stability"]
    auto = graph.params.get("auto")
    if auto:
        summary["auto"] = auto.get("strategy")
        summary["auto_choice"] = auto.get("reason") or auto.get("best")
    if args.output:
        summary["output"] = args.output
    json.dump(summary, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


def _read_representation(path: Path, key: str | None, labels_path: str | None = None):
    """A file as one representation: the readers of ``topoalign.io`` (never unpickling), reduced to (n x d), with
    the labels table joined by stimulus id when given."""
    import numpy as np

    from topoalign.io import read_file, read_labels, reduce_activations
    from topoalign.representation import Representation

    raw = read_file(path)
    if key is None:
        if len(raw.arrays) != 1:
            raise InvalidInputError(f"{path.name} holds arrays {sorted(raw.arrays)}: choose one with --key.")
        key = next(iter(raw.arrays))
    if key not in raw.arrays:
        raise InvalidInputError(f"{path.name} has no array {key!r}; it has {sorted(raw.arrays)}.")
    matrix = reduce_activations(raw.arrays[key], mask=raw.mask)
    if not np.isfinite(matrix).all():
        raise InvalidInputError(
            f"{path.name}:{key} holds NaN or Inf values; clean them or ingest with --drop-nonfinite."
        )
    ids = raw.ids if raw.ids is not None else [str(i) for i in range(len(matrix))]
    labels = None
    if labels_path is not None:
        labels = read_labels(labels_path)
        if not labels.index.isin([str(i) for i in ids]).any():
            raise InvalidInputError(
                f"The labels file {Path(labels_path).name!r} shares no stimulus id with "
                f"{path.name} (ids like {str(ids[0])!r}; rows are numbered from 0 when the "
                f"file has no ids)."
            )
    return Representation(matrix, np.asarray(ids, dtype=str), labels=labels, name=key)
