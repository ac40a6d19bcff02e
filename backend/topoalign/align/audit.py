"""The convergent-learning audit: alignment across layers, seeds, training checkpoints and input conditions.

``run_audit(store, collection)`` plans the comparisons from provenance (:mod:`topoalign.align.audit_plan`), sends one
Dask task per (representation A, all its partners B) to a ``distributed`` client (in-process by default, an
existing cluster when given its address), reports progress per finished task, and returns a JSON-able payload:

``{"collection": ..., "params": ..., "plan": ..., "cells": [...]}``, where every cell holds its analysis, metric,
score, std, per-fold scores, the two representations' ids and provenance, and the checkpoint/condition it belongs to.
``save_audit`` stores it as an artifact of kind ``"audit"``; ``audit_csv`` flattens the cells.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import OrderedDict, defaultdict
from typing import Any, Iterable

import numpy as np

from topoalign.align.audit_plan import ANALYSES, AuditPlan
from topoalign.align.score import METRICS, check_metric
from topoalign.errors import InvalidInputError, check_param
from topoalign.jobs.progress import Progress
from topoalign.representation import match_stimuli

DEFAULT_METRICS = ("linear", "procrustes", "permutation")
CSV_COLUMNS = ["analysis", "metric", "score", "std", "model_a", "layer_a", "layer_index_a", "layer_fraction_a",
               "model_b", "layer_b", "layer_index_b", "layer_fraction_b", "checkpoint", "epoch", "condition",
               "representation_a", "representation_b", "folds"]

_CACHE: "OrderedDict[tuple[str, str], Any]" = OrderedDict()
_CACHE_SIZE = 8
_PROCRUSTES_STACK_BYTES = 256 * 2**20  # float64 partner stack per batched Procrustes call


def _load(data_dir: str, rep_id: str):
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


def _row_task(data_dir: str, rep_a: str, partners: list[tuple[str, list[str]]], folds: int,
              random_state: int | None, batched_procrustes: bool) -> list[dict[str, Any]]:
    """Score representation ``rep_a`` against each partner on its metrics; runs on a Dask worker."""
    a = _load(data_dir, rep_a)
    out = []
    procrustes_partners = [b for b, metrics in partners if "procrustes" in metrics] if batched_procrustes else []
    batched = _batched_procrustes(data_dir, a, procrustes_partners, folds, random_state) if procrustes_partners else {}
    for rep_b, metrics in partners:
        b = _load(data_dir, rep_b)
        for metric in metrics:
            if metric == "mutual_knn":
                res = _mutual_knn(data_dir, a, rep_a, b, rep_b, folds, random_state)
            elif metric == "procrustes" and rep_b in batched:
                folds_scores = batched[rep_b]
                res = {"score": float(np.mean(folds_scores)), "std": float(np.std(folds_scores)),
                       "folds": [float(v) for v in folds_scores]}
            else:
                r = METRICS[metric](a, b, folds=folds, random_state=random_state)
                res = {"score": r.score, "std": r.std, "folds": r.folds}
            out.append({"representation_a": rep_a, "representation_b": rep_b, "metric": metric, **res})
    return out


_KNN_CACHE: "OrderedDict[tuple, Any]" = OrderedDict()
_KNN_CACHE_SIZE = 64  # (n_test x 10) indices per fold: ~1 MB per representation at 10,000 stimuli


def _fold_neighbours(data_dir: str, rep, rep_id: str, rows: np.ndarray, folds: int, random_state: int | None):
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


def _mutual_knn(data_dir, a, rep_a, b, rep_b, folds, random_state) -> dict[str, Any]:
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


def _batched_procrustes(data_dir, a, partner_ids, folds, random_state) -> dict[str, np.ndarray]:
    """Procrustes of ``a`` against all partners sharing one stimulus set, in one batched torch call."""
    from topoalign.align.torch_backend import procrustes_score_matrix

    groups: dict[tuple, list] = defaultdict(list)
    for rid in partner_ids:
        b = _load(data_dir, rid)
        ids, ra, rb = match_stimuli(a, b)
        groups[tuple(ids)].append((rid, rb))
    out = {}
    for ids, members in groups.items():
        if len(ids) < 2 * folds:
            continue  # the per-pair path raises the proper error
        _, ra, _ = match_stimuli(a, _load(data_dir, members[0][0]))
        xs = [a.matrix[ra]]
        # partners in chunks: the batched call holds a few float64 copies of its stacked partners, and 20 partners
        # of 10,000 x 512 at once took a worker past 11 GB
        per = max(1, _PROCRUSTES_STACK_BYTES // (8 * len(ids) * max(_load(data_dir, rid).d for rid, _ in members)))
        for s in range(0, len(members), per):
            chunk = members[s:s + per]
            ys = [_load(data_dir, rid).matrix[rb] for rid, rb in chunk]
            scores = procrustes_score_matrix(xs, ys, folds=folds, random_state=random_state)[0]
            for (rid, _), sc in zip(chunk, scores):
                out[rid] = sc
    return out


def _tasks(plan: AuditPlan, metrics: tuple[str, ...]) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    rows: dict[str, dict[str, list[str]]] = OrderedDict()
    for ra, rb in plan.pairs():
        rows.setdefault(ra, OrderedDict())[rb] = list(metrics)
    return [(ra, list(partners.items())) for ra, partners in rows.items()]


def run_audit(store, collection: str, *, metrics: Iterable[str] = DEFAULT_METRICS, analyses: Iterable[str] | None = None,
              folds: int = 5, random_state: int | None = 0, scheduler: str | None = None, client=None,
              n_workers: int = 1, batched_procrustes: bool = True, progress: Progress | None = None) -> dict[str, Any]:
    """Run the audit of one collection and return its payload (see the module docstring).

    Parameters
    ----------
    store : the :class:`topoalign.store.Store`
    collection : collection id or name
    metrics : metric names from :data:`topoalign.align.score.METRICS`
    analyses : subset of :data:`topoalign.align.audit_plan.ANALYSES` (default all)
    scheduler : ``tcp://host:port`` of an existing Dask scheduler; None = an in-process cluster
    client : an existing ``distributed.Client`` (overrides ``scheduler``)
    batched_procrustes : compute Procrustes for all partners of a representation in one torch call
    progress : called with (fraction, message) after every finished task
    """
    coll, plan, metrics, params = prepare_audit(store, collection, metrics, analyses, folds, random_state)
    tasks = _tasks(plan, metrics)
    results = _execute(str(store.data_dir), tasks, folds, random_state, batched_procrustes, scheduler, client,
                       n_workers, progress)
    by_pair = {(r["representation_a"], r["representation_b"], r["metric"]): r for r in results}
    cells = []
    for c in plan.comparisons:
        for m in metrics:
            r = by_pair[(c.a.id, c.b.id, m)]
            cells.append({**c.meta(), "metric": m, "score": r["score"], "std": r["std"], "folds": r["folds"]})
    return {
        "collection": {"id": coll.id, "name": coll.name},
        "params": params,
        "plan": plan.describe(),
        "cells": cells,
    }


def prepare_audit(store, collection: str, metrics: Iterable[str] = DEFAULT_METRICS,
                  analyses: Iterable[str] | None = None, folds: int = 5, random_state: int | None = 0):
    """Validate an audit request and plan it: ``(collection record, plan, metrics, params)``; fast, computes nothing.

    ``params`` is the key of the stored result (``store.find_artifact("audit", params)``).
    """
    metrics = tuple(dict.fromkeys(metrics))
    check_param("audit", "metrics", list(metrics), len(metrics) > 0, f"a non-empty list drawn from {list(METRICS)}")
    for m in metrics:
        check_metric(m, "audit")
    check_param("audit", "folds", folds, isinstance(folds, int) and 2 <= folds <= 100, "an integer in [2, 100]")
    coll = store.get_collection(collection)
    plan = AuditPlan(store.list_representations(coll.id), analyses)
    if not plan.comparisons:
        raise InvalidInputError(
            f"Collection {coll.name!r} has nothing to audit: it needs representations of at least two models "
            f"(provenance 'model'); found models {plan.models}."
        )
    params = audit_params(coll.id, metrics, plan.analyses, folds, random_state, sorted(r.id for r in plan.infos))
    return coll, plan, metrics, params


def audit_params(collection_id: str, metrics, analyses, folds: int, random_state,
                 representation_ids: list[str]) -> dict[str, Any]:
    """The artifact key: the same request over the same representations finds the stored result."""
    digest = hashlib.sha256(",".join(representation_ids).encode()).hexdigest()[:16]
    return {"collection_id": collection_id, "metrics": list(metrics), "analyses": list(analyses or ANALYSES),
            "folds": folds, "random_state": random_state, "representations": digest}


def _execute(data_dir, tasks, folds, random_state, batched, scheduler, client, n_workers, progress):
    from distributed import as_completed

    from topoalign.jobs.dask_client import dask_client

    def run(cl):
        futures = [cl.submit(_row_task, data_dir, ra, partners, folds, random_state, batched, pure=False)
                   for ra, partners in tasks]
        out = []
        try:
            for done, fut in enumerate(as_completed(futures), start=1):
                out.extend(fut.result())
                if progress is not None:
                    progress(done / len(futures), f"audit: {done}/{len(futures)} tasks")
        finally:
            for fut in futures:
                fut.cancel()
        return out

    if client is not None:
        return run(client)
    with dask_client(scheduler, n_workers=n_workers) as cl:
        return run(cl)


def save_audit(store, payload: dict[str, Any]):
    """Store the payload as an artifact of kind "audit" linked to every representation it compares."""
    reps = sorted({c["representation_a"] for c in payload["cells"]} | {c["representation_b"] for c in payload["cells"]})
    meta = {"collection": payload["collection"], "n_cells": len(payload["cells"]), **payload["plan"]}
    return store.put_artifact("audit", payload["params"], payload, representation_ids=reps, meta=meta)


def audit_csv(payload: dict[str, Any]) -> str:
    """The cells as CSV (one row per cell and metric; ``folds`` joined with ';')."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for c in payload["cells"]:
        w.writerow({**c, "folds": ";".join(f"{v:.6g}" for v in c["folds"])})
    return buf.getvalue()


def layer_matrix(payload: dict[str, Any], model_a: str, model_b: str, metric: str) -> dict[str, Any]:
    """The "layers" analysis of one model pair as a matrix: rows = layers of A, columns = layers of B."""
    cells = [c for c in payload["cells"] if c["analysis"] == "layers" and c["metric"] == metric
             and c["model_a"] == model_a and c["model_b"] == model_b]
    rows = list(dict.fromkeys(c["layer_a"] for c in cells))
    cols = list(dict.fromkeys(c["layer_b"] for c in cells))
    M = np.full((len(rows), len(cols)), np.nan)
    ids = [[None] * len(cols) for _ in rows]
    for c in cells:
        i, j = rows.index(c["layer_a"]), cols.index(c["layer_b"])
        M[i, j] = c["score"]
        ids[i][j] = [c["representation_a"], c["representation_b"]]
    return {"rows": rows, "columns": cols, "scores": M, "representation_ids": ids}
