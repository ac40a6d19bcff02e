"""The convergent-learning audit: alignment across layers, seeds, training checkpoints and input conditions.

``run_audit(store, collection)`` plans the comparisons from provenance (:mod:`topoalign.align.audit_plan`), sends one
Dask task per (representation A, all its partners B) to a ``distributed`` client (in-process by default, an
existing cluster when given its address, or the job runner's cluster through ``map_tasks``), reports progress per
finished task, and returns a JSON-able payload:

``{"collection": ..., "params": ..., "plan": ..., "cells": [...]}``, where every cell holds its analysis, metric,
score, std, per-fold scores, the two representations' ids and provenance, and the checkpoint/condition it belongs to.
Chance: for the first trained same-architecture pair of every layer (``depth`` analysis; seed pairs barely differ in
it), ``n_null`` permutation-null draws per metric (B's stimuli shuffled, same folds) give ``chance`` and, for
permutation and soft matching, as many Haar-random rotations of B's units give ``rotation``; other cells have them
null (``n_null`` says how many draws a cell's chance averages). The topological metric gets no null draws (each is a
Mapper build); its chance is the shuffled-stimuli level documented in docs/metrics.md.
A pair that cannot be scored (a constant representation, too few shared stimuli) does not fail the audit: its cell
has ``score``/``std`` null, no folds and an ``error`` naming the problem (``error`` is null in scored cells).
``save_audit`` stores it as an artifact of kind ``"audit"``; ``audit_csv`` flattens the cells.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, defaultdict
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

from topoalign.align.audit_plan import ANALYSES, AuditPlan
from topoalign.align.score import METRICS, check_metric
from topoalign.errors import InvalidInputError, TopoAlignError, check_param
from topoalign.finite_json import finite_json
from topoalign.io.csv_export import write_csv
from topoalign.progress import Progress
from topoalign.representation import Representation, match_stimuli

if TYPE_CHECKING:
    from distributed import Client

    from topoalign.align.knn import FoldNeighbours
    from topoalign.store import ArtifactRecord, CollectionRecord, Store

# (representation B, its metrics, its null draws) for every partner of one representation A
Partners = list[tuple[str, list[str], int]]
RowTaskArgs = tuple[str, str, Partners, int, int | None, bool]

DEFAULT_METRICS = ("linear", "procrustes", "permutation")
DEFAULT_NULL_DRAWS = 3
NO_NULL_METRICS = ("topological",)
CSV_COLUMNS = [
    "analysis",
    "metric",
    "score",
    "std",
    "chance",
    "n_null",
    "rotation",
    "model_a",
    "layer_a",
    "layer_index_a",
    "layer_fraction_a",
    "model_b",
    "layer_b",
    "layer_index_b",
    "layer_fraction_b",
    "checkpoint",
    "epoch",
    "condition",
    "representation_a",
    "representation_b",
    "folds",
    "error",
]

_CACHE: "OrderedDict[tuple[str, str], Representation]" = OrderedDict()
_CACHE_SIZE = 8
_PROCRUSTES_STACK_BYTES = 256 * 2**20  # float64 partner stack per batched Procrustes call


def _load(data_dir: str, rep_id: str) -> Representation:
    """Representations are read inside the worker (only ids travel through the scheduler), with a small LRU."""
    from topoalign.store import Store

    key = (data_dir, rep_id)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    rep = Store(data_dir).load_representation(rep_id)
    _CACHE[key] = rep
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return rep


def _row_task(
    data_dir: str,
    rep_a: str,
    partners: Partners,
    folds: int,
    random_state: int | None,
    batched_procrustes: bool,
) -> list[dict[str, Any]]:
    """Score representation ``rep_a`` against each partner on its metrics (and ``n_null`` chance draws where asked);
    runs on a Dask worker."""
    a = _load(data_dir, rep_a)
    out: list[dict[str, Any]] = []
    procrustes_partners = [b for b, metrics, _ in partners if "procrustes" in metrics] if batched_procrustes else []
    batched = _batched_procrustes(data_dir, a, procrustes_partners, folds, random_state) if procrustes_partners else {}
    for rep_b, metrics, n_null in partners:
        b = _load(data_dir, rep_b)
        for metric in metrics:
            try:
                res = _cell_score(data_dir, a, rep_a, b, rep_b, metric, folds, random_state, batched)
                res.update(_chance(a, b, metric, n_null, folds, random_state))
            except (TopoAlignError, np.linalg.LinAlgError) as exc:  # this pair's data, not the audit: one null cell
                res = {"score": None, "std": None, "folds": [], "error": f"{type(exc).__name__}: {exc}"[:500]}
            out.append({"representation_a": rep_a, "representation_b": rep_b, "metric": metric, **res})
    return out


def _chance(
    a: Representation, b: Representation, metric: str, n_null: int, folds: int, random_state: int | None
) -> dict[str, Any]:
    """``chance`` (mean of ``n_null`` permutation-null draws) and, for the matching metrics, ``rotation`` (mean over
    as many random rotations of B's units); nothing when ``n_null`` is 0 or the metric gets no null draws."""
    from topoalign.align.chance import permutation_null
    from topoalign.align.matching import rotation_baseline
    from topoalign.align.score import ROTATION_BASELINE_METRICS

    if n_null <= 0 or metric in NO_NULL_METRICS:
        return {}
    fn = METRICS[metric]
    null = permutation_null(fn, a, b, n_permutations=n_null, random_state=random_state, folds=folds)
    out: dict[str, Any] = {"chance": float(np.mean(null)), "n_null": n_null}
    if metric in ROTATION_BASELINE_METRICS:
        out["rotation"] = rotation_baseline(fn, a, b, n_rotations=n_null, random_state=random_state, folds=folds)[
            "mean"
        ]
    return out


def _cell_score(
    data_dir: str,
    a: Representation,
    rep_a: str,
    b: Representation,
    rep_b: str,
    metric: str,
    folds: int,
    random_state: int | None,
    batched: dict[str, np.ndarray],
) -> dict[str, Any]:
    if metric == "mutual_knn":
        return _mutual_knn(data_dir, a, rep_a, b, rep_b, folds, random_state)
    if metric == "procrustes" and rep_b in batched:
        folds_scores = batched[rep_b]
        return {
            "score": float(np.mean(folds_scores)),
            "std": float(np.std(folds_scores)),
            "folds": [float(v) for v in folds_scores],
        }
    r = METRICS[metric](a, b, folds=folds, random_state=random_state)
    return {"score": r.score, "std": r.std, "folds": r.folds}


def _is_constant(x: np.ndarray) -> bool:
    """All rows equal: nothing to align (the per-pair path raises; a batched score would read 0)."""
    return len(x) == 0 or bool((x.max(axis=0) == x.min(axis=0)).all())


_KNN_CACHE: "OrderedDict[tuple[str, str, str, int, int | None], FoldNeighbours]" = OrderedDict()
_KNN_CACHE_SIZE = 64  # (n_test x 10) indices per fold: ~1 MB per representation at 10,000 stimuli


def _fold_neighbours(
    data_dir: str, rep: Representation, rep_id: str, rows: np.ndarray, folds: int, random_state: int | None
) -> FoldNeighbours:
    """A representation's fold neighbours (``knn.fold_neighbours``), kept on the worker: every partner reuses them."""
    from topoalign.align.knn import DEFAULT_K, fold_neighbours

    key = (data_dir, rep_id, hashlib.sha1(np.ascontiguousarray(rows).tobytes()).hexdigest(), folds, random_state)
    if key in _KNN_CACHE:
        _KNN_CACHE.move_to_end(key)
        return _KNN_CACHE[key]
    value = fold_neighbours(rep.matrix[rows], DEFAULT_K, folds=folds, random_state=random_state)
    _KNN_CACHE[key] = value
    while len(_KNN_CACHE) > _KNN_CACHE_SIZE:
        _KNN_CACHE.popitem(last=False)
    return value


def _mutual_knn(
    data_dir: str,
    a: Representation,
    rep_a: str,
    b: Representation,
    rep_b: str,
    folds: int,
    random_state: int | None,
) -> dict[str, Any]:
    """``mutual_knn_score(a, b)`` from cached fold neighbours of both sides (same folds, same values)."""
    from topoalign.align.knn import knn_result
    from topoalign.representation import aligned_matrices

    ids, ra, rb = match_stimuli(a, b)
    if len(ids) < 3:
        aligned_matrices(a, b)  # raises the per-pair path's error
    nx = _fold_neighbours(data_dir, a, rep_a, ra, folds, random_state)
    ny = _fold_neighbours(data_dir, b, rep_b, rb, folds, random_state)
    r = knn_result(nx, ny, len(ids))
    return {"score": r.score, "std": r.std, "folds": r.folds}


def _batched_procrustes(
    data_dir: str, a: Representation, partner_ids: list[str], folds: int, random_state: int | None
) -> dict[str, np.ndarray]:
    """Procrustes of ``a`` against all partners sharing one stimulus set, in one batched torch call."""
    from topoalign.align.torch_backend import procrustes_score_matrix

    groups: dict[tuple[str, ...], list[tuple[str, np.ndarray]]] = defaultdict(list)
    for rid in partner_ids:
        b = _load(data_dir, rid)
        ids, ra, rb = match_stimuli(a, b)
        groups[tuple(ids)].append((rid, rb))
    out: dict[str, np.ndarray] = {}
    for shared, members in groups.items():
        if len(shared) < 2 * folds:
            continue  # the per-pair path raises the proper error
        _, ra, _ = match_stimuli(a, _load(data_dir, members[0][0]))
        xs = [a.matrix[ra]]
        members = (
            []
            if _is_constant(xs[0])
            else [(rid, rb) for rid, rb in members if not _is_constant(_load(data_dir, rid).matrix[rb])]
        )
        if not members:
            continue
        # partners in chunks: the batched call holds a few float64 copies of its stacked partners, and 20 partners
        # of 10,000 x 512 at once took a worker past 11 GB
        per = max(1, _PROCRUSTES_STACK_BYTES // (8 * len(shared) * max(_load(data_dir, rid).d for rid, _ in members)))
        for s in range(0, len(members), per):
            chunk = members[s : s + per]
            ys = [_load(data_dir, rid).matrix[rb] for rid, rb in chunk]
            scores = procrustes_score_matrix(xs, ys, folds=folds, random_state=random_state)[0]
            for (rid, _), sc in zip(chunk, scores):
                out[rid] = sc
    return out


def null_pairs(plan: AuditPlan) -> set[tuple[str, str]]:
    """The pairs that get chance draws: the first trained same-architecture pair of every layer."""
    first: dict[tuple[str, str, str], tuple[str, str]] = {}
    for c in plan.comparisons:
        if c.analysis == "depth":
            first.setdefault((c.a.architecture, c.b.architecture, c.a.layer), (c.a.id, c.b.id))
    return set(first.values())


def _tasks(plan: AuditPlan, metrics: tuple[str, ...], n_null: int = 0) -> list[tuple[str, Partners]]:
    with_null = null_pairs(plan) if n_null else set()
    rows: dict[str, dict[str, tuple[list[str], int]]] = OrderedDict()
    for ra, rb in plan.pairs():
        rows.setdefault(ra, OrderedDict())[rb] = (list(metrics), n_null if (ra, rb) in with_null else 0)
    return [(ra, [(rb, m, n) for rb, (m, n) in partners.items()]) for ra, partners in rows.items()]


def run_audit(
    store: Store,
    collection: str,
    *,
    metrics: Iterable[str] = DEFAULT_METRICS,
    analyses: Iterable[str] | None = None,
    folds: int = 5,
    random_state: int | None = 0,
    n_null: int = DEFAULT_NULL_DRAWS,
    scheduler: str | None = None,
    client: Client | None = None,
    n_workers: int = 1,
    batched_procrustes: bool = True,
    map_tasks: Callable[..., list[Any]] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the audit of one collection and return its payload (see the module docstring).

    Parameters
    ----------
    store : the :class:`topoalign.store.Store`
    collection : collection id or name
    metrics : metric names from :data:`topoalign.align.score.METRICS`
    analyses : subset of :data:`topoalign.align.audit_plan.ANALYSES` (default all)
    n_null : permutation-null (and random-rotation) draws per metric for the first seed pair of every layer
    scheduler : ``tcp://host:port`` of an existing Dask scheduler; None = an in-process cluster
    client : an existing ``distributed.Client`` (overrides ``scheduler``)
    map_tasks : runs the tasks instead, as ``map_tasks(fn, arg_tuples, what=..., progress=...)`` returning their
        results in order (the job runner's :meth:`~topoalign.jobs.context.JobContext.map`, on the server's cluster)
    batched_procrustes : compute Procrustes for all partners of a representation in one torch call
    progress : called with (fraction, message) after every finished task
    """
    coll, plan, metrics, params = prepare_audit(store, collection, metrics, analyses, folds, random_state, n_null)
    tasks = _tasks(plan, metrics, n_null)
    args: list[RowTaskArgs] = [
        (str(store.data_dir), ra, partners, folds, random_state, batched_procrustes) for ra, partners in tasks
    ]
    rows: list[list[dict[str, Any]]]
    if map_tasks is not None:
        rows = map_tasks(_row_task, args, what="audit", progress=progress)
    else:
        rows = _execute(args, scheduler, client, n_workers, progress)
    results = [cell for row in rows for cell in row]
    by_pair = {(r["representation_a"], r["representation_b"], r["metric"]): r for r in results}
    cells = []
    for c in plan.comparisons:
        for m in metrics:
            r = by_pair[(c.a.id, c.b.id, m)]
            cells.append(
                {
                    **c.meta(),
                    "metric": m,
                    "score": r["score"],
                    "std": r["std"],
                    "folds": r["folds"],
                    "chance": r.get("chance"),
                    "n_null": r.get("n_null"),
                    "rotation": r.get("rotation"),
                    "error": r.get("error"),
                }
            )
    return {
        "collection": {"id": coll.id, "name": coll.name},
        "params": params,
        "plan": plan.describe(),
        "cells": cells,
    }


def prepare_audit(
    store: Store,
    collection: str,
    metrics: Iterable[str] = DEFAULT_METRICS,
    analyses: Iterable[str] | None = None,
    folds: int = 5,
    random_state: int | None = 0,
    n_null: int = DEFAULT_NULL_DRAWS,
) -> tuple[CollectionRecord, AuditPlan, tuple[str, ...], dict[str, Any]]:
    """Validate an audit request and plan it: ``(collection record, plan, metrics, params)``; fast, computes nothing.

    ``params`` is the key of the stored result (``store.find_artifact("audit", params)``).
    """
    chosen = tuple(dict.fromkeys(metrics))
    check_param("audit", "metrics", list(chosen), len(chosen) > 0, f"a non-empty list drawn from {list(METRICS)}")
    for m in chosen:
        check_metric(m, "audit")
    check_param("audit", "folds", folds, isinstance(folds, int) and 2 <= folds <= 100, "an integer in [2, 100]")
    check_param("audit", "n_null", n_null, isinstance(n_null, int) and 0 <= n_null <= 100, "an integer in [0, 100]")
    coll = store.get_collection(collection)
    plan = AuditPlan(store.list_representations(coll.id), analyses)
    if not plan.comparisons:
        raise InvalidInputError(
            f"Collection {coll.name!r} has nothing to audit: it needs two layers of one model or representations "
            f"of at least two models (provenance 'model' and 'layer'); found models {plan.models}."
        )
    params = audit_params(coll.id, chosen, plan.analyses, folds, random_state, sorted(r.id for r in plan.infos), n_null)
    return coll, plan, chosen, params


def audit_params(
    collection_id: str,
    metrics: Iterable[str],
    analyses: Iterable[str] | None,
    folds: int,
    random_state: int | None,
    representation_ids: list[str],
    n_null: int = DEFAULT_NULL_DRAWS,
) -> dict[str, Any]:
    """The artifact key: the same request over the same representations finds the stored result."""
    digest = hashlib.sha256(",".join(representation_ids).encode()).hexdigest()[:16]
    return {
        "collection_id": collection_id,
        "metrics": list(metrics),
        "analyses": list(analyses or ANALYSES),
        "folds": folds,
        "random_state": random_state,
        "n_null": n_null,
        "representations": digest,
    }


def _execute(
    args: list[RowTaskArgs],
    scheduler: str | None,
    client: Client | None,
    n_workers: int,
    progress: Progress | None,
) -> list[list[dict[str, Any]]]:
    """One Dask task per representation row on ``client``, or on a client to ``scheduler`` / in-process."""
    from topoalign.dask_client import dask_client, gather_in_order

    def run(cl: Client) -> list[list[dict[str, Any]]]:
        return gather_in_order([cl.submit(_row_task, *a, pure=False) for a in args], progress=progress, what="audit")

    if client is not None:
        return run(client)
    with dask_client(scheduler, n_workers=n_workers) as cl:
        return run(cl)


def save_audit(store: Store, payload: dict[str, Any]) -> ArtifactRecord:
    """Store the payload as an artifact of kind "audit" linked to every representation it compares."""
    reps = sorted({c["representation_a"] for c in payload["cells"]} | {c["representation_b"] for c in payload["cells"]})
    meta = {"collection": payload["collection"], "n_cells": len(payload["cells"]), **payload["plan"]}
    return store.put_artifact("audit", payload["params"], payload, representation_ids=reps, meta=meta)


def audit_csv(payload: dict[str, Any]) -> str:
    """The cells as CSV (one row per cell and metric; ``folds`` joined with ';'), written by the one CSV writer
    (:func:`topoalign.io.csv_export.write_csv`), which escapes formula-like text; NaN scores are empty cells."""
    payload = finite_json(payload)
    rows = ({**c, "folds": ";".join("" if v is None else f"{v:.6g}" for v in c["folds"])} for c in payload["cells"])
    return write_csv(rows, CSV_COLUMNS)
