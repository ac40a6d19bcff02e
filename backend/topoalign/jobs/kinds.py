"""Every job kind: a driver ``(context, params) -> JSON-able result`` and the pieces it runs on Dask workers.

A job is ``(kind, params)`` with JSON params, so the server that queued it, a restarted server (re-run after a
crash) and the CLI all rebuild the same work from the record. The API validates a request before it submits it;
the pieces validate again through the same core checks (and the server's budgets, which travel with every piece).

Drivers run in the server's lane thread and only coordinate (:class:`topoalign.jobs.context.JobContext`); pieces
are importable functions that a worker process runs. They get ids and the data directory and read the arrays from
the store themselves; what they return (ids, small JSON) is all that travels through the scheduler. Independent
pieces run side by side: the graphs of an aligned view, the rows of an audit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from topoalign.jobs.context import JobContext, JobEnv
from topoalign.progress import Progress, scaled


def _store(env: JobEnv):
    from topoalign.store import Store

    return Store(env.data_dir)


def _without(params: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != key}


# -- pieces (run on a worker) -------------------------------------------------------------------------------------
def graph_piece(
    env: JobEnv, representation_id: str, graph_params: dict[str, Any], progress: Progress | None = None
) -> dict[str, Any]:
    """The Mapper graph of a stored representation (cached or built and stored): ``{graph_id, n_nodes, n_edges}``."""
    from topoalign.mapper.service import MapperParams, graph_for_representation

    art, graph = graph_for_representation(
        _store(env), representation_id, MapperParams.from_dict(graph_params), progress, max_nodes=env.max_graph_nodes
    )
    return {"graph_id": art.id, "n_nodes": len(graph.nodes), "n_edges": len(graph.edges)}


def topo_piece(
    env: JobEnv, kind: str, graph_ids: list[str], params: dict[str, Any], progress: Progress | None = None
) -> dict[str, Any]:
    """A regions / score / layout result over stored graphs (cached or computed and stored): ``{result_id}``."""
    from topoalign.topo import service

    result = service.cached_or_compute(_store(env), kind, graph_ids, params, progress=progress)
    return {"result_id": result["result_id"]}


def align_piece(env: JobEnv, params: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """Cross-validated alignment of two stored representations (``AlignmentResult.to_dict()``)."""
    from topoalign.align.service import stored_alignment

    return stored_alignment(_store(env), params, progress)


def extract_piece(env: JobEnv, params: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """Run a staged TorchScript model, or a model of the server's model folder, on staged inputs; every layer
    becomes a representation. The staged files are removed once it succeeds."""
    from topoalign.extract.local_models import local_model_path
    from topoalign.extract.service import extract_into_store
    from topoalign.representation import Provenance
    from topoalign.store.record_json import representation_json

    store = _store(env)
    staged = store.uploads.get(params["staging"])
    hf = params.get("hf_model")
    spec = local_model_path(env.models_dir, hf) if hf else staged.folder / params["model_file"]
    cid, records = extract_into_store(
        store,
        params["collection"],
        spec,
        staged.folder / params["inputs_file"],
        hf=bool(hf),
        layers=params.get("layers"),
        module_types=params.get("module_types"),
        pool_conv=params["pool_conv"],
        pool_seq=params["pool_seq"],
        batch_size=params.get("batch_size"),
        provenance=Provenance.from_dict(params["provenance"]),
        model_name=Path(params.get("model_label") or "model").stem,
        progress=progress,
    )
    store.uploads.remove(params["staging"])
    return {"collection_id": cid, "representations": [representation_json(r) for r in records]}


def warm_umap_piece(progress: Progress | None = None) -> dict[str, Any]:
    """Compile umap-learn's numba code in the worker that runs it (about a minute; later workers read numba's disk
    cache)."""
    import warnings

    import numpy as np

    progress = progress or (lambda fraction, message="": None)
    progress(0.05, "importing umap-learn")
    import umap

    progress(0.3, "compiling UMAP (numba), once per worker")
    x = np.random.default_rng(0).normal(size=(200, 8)).astype(np.float32)
    with warnings.catch_warnings():  # "n_jobs overridden by setting random_state": expected, not for the console
        warnings.simplefilter("ignore", UserWarning)
        umap.UMAP(n_neighbors=10, n_components=2, random_state=0, n_epochs=20).fit_transform(x)
    progress(1.0, "UMAP ready")
    return {"ready": True}


# -- drivers (run in the server's lane thread) ----------------------------------------------------------------------
def run_graph(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """params: ``{"representation_id", **Mapper parameters}``."""
    return ctx.call(graph_piece, ctx.env, params["representation_id"], _without(params, "representation_id"))


def run_aligned_graphs(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """params: ``{"representation_ids", "graph": Mapper parameters, "layout": layout parameters}``. One graph per
    representation (side by side on the workers), then their joint layout; ``{"graph_ids", "layout"}``. Graphs and
    layout share the caches of the ``graph`` jobs and of POST /api/topo/layout."""
    from topoalign.topo import service

    built = ctx.map(
        graph_piece,
        [(ctx.env, rid, params["graph"]) for rid in params["representation_ids"]],
        what="graphs",
        progress=scaled(ctx.progress, 0.0, 0.9),
        pass_progress=True,
    )
    graph_ids = [b["graph_id"] for b in built]
    ctx.call(topo_piece, ctx.env, "layout", graph_ids, params["layout"], start=0.9, stop=1.0)
    layout, _ = service.cached(ctx.store, "layout", graph_ids, params["layout"])
    ctx.progress(1.0, "graphs and joint layout ready")
    return {"graph_ids": graph_ids, "layout": layout}


def _topo_driver(kind: str) -> Callable[[JobContext, dict[str, Any]], dict[str, Any]]:
    def run(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        """params: ``{"graph_ids", **request parameters}``; the result is ``{"result_id"}``."""
        return ctx.call(topo_piece, ctx.env, kind, params["graph_ids"], _without(params, "graph_ids"))

    return run


def run_align(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """params: the alignment request (``representation_a``, ``representation_b``, ``metric``, ...)."""
    return ctx.call(align_piece, ctx.env, params)


def run_audit_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """params: ``{"collection_id", "metrics", "analyses", "folds", "random_state", "n_null", "recompute"}``; one
    piece per representation row of the plan, side by side. ``{"audit_id", "n_cells", "cached"}``; a stored audit
    of the same request is reused unless ``recompute``."""
    from topoalign.align.audit import DEFAULT_NULL_DRAWS
    from topoalign.align.service import audit_for_collection

    outcome = audit_for_collection(
        ctx.store,
        params["collection_id"],
        metrics=params.get("metrics"),
        analyses=params.get("analyses"),
        folds=params.get("folds", 5),
        random_state=params.get("random_state", 0),
        n_null=params.get("n_null", DEFAULT_NULL_DRAWS),
        recompute=bool(params.get("recompute")),
        map_tasks=ctx.map,
        progress=ctx.progress,
    )
    if outcome.cached:
        ctx.progress(1.0, "stored audit")
    return {"audit_id": outcome.audit_id, "n_cells": outcome.n_cells, "cached": outcome.cached}


def run_extract(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """params: the staged upload and the extraction request (see POST /api/extractions)."""
    return ctx.call(extract_piece, ctx.env, params)


def run_warmup_umap(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """No params: compile UMAP on a worker, as a visible job at start-up."""
    return ctx.call(warm_umap_piece)


KINDS: dict[str, Callable[[JobContext, dict[str, Any]], Any]] = {
    "graph": run_graph,
    "aligned_graphs": run_aligned_graphs,
    "topo_regions": _topo_driver("regions"),
    "topo_score": _topo_driver("score"),
    "align": run_align,
    "audit": run_audit_job,
    "extract": run_extract,
    "warmup_umap": run_warmup_umap,
}
"""Job kind -> driver: the one registry the server, a restarted server and the CLI share."""
