"""Alignments and audits of stored representations: what the API (through its job kinds), the CLI and the jobs call.

- ``METRIC_OPTIONS`` says, once, which request options go to which metric (``direction`` to linear, ``dim_mode``
  and ``span`` to Procrustes, ``k`` to mutual k-NN); ``alignment`` passes a request's counts and the chosen
  metric's options to :func:`topoalign.align.score.alignment_score` and ignores the other metrics' options.
- ``check_alignment_request`` and ``check_audit_request`` do the data-dependent checks of a request before any work
  (or job) starts.
- Audits are cached as ``audit`` artifacts keyed by ``prepare_audit``'s params: ``audit_for_collection`` returns the
  stored audit of an identical request (unless ``recompute``, which deletes it first) or runs and stores it;
  ``stored_audit``, ``list_audits`` and ``delete_audit`` read and remove them.

Alignments themselves are not cached: a job's record holds its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from topoalign.align.audit import DEFAULT_METRICS, DEFAULT_NULL_DRAWS, prepare_audit, run_audit, save_audit
from topoalign.align.audit_plan import AuditPlan
from topoalign.align.crossval import AlignmentResult
from topoalign.align.score import alignment_score
from topoalign.errors import InvalidInputError, check_param
from topoalign.progress import Progress
from topoalign.representation import Representation, match_stimuli

if TYPE_CHECKING:
    from topoalign.store import ArtifactRecord, Store

AUDIT_KIND = "audit"
METRIC_OPTIONS: dict[str, tuple[str, ...]] = {
    "linear": ("direction",),
    "procrustes": ("dim_mode", "span"),
    "mutual_knn": ("k",),
}
"""Metric -> the request options it takes (every other metric takes none)."""
COUNT_OPTIONS = ("folds", "random_state", "n_permutations", "n_rotations")
"""Options every metric takes: the folds and the chance draws."""


def metric_options(metric: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The options of ``options`` that ``metric`` takes (``METRIC_OPTIONS``); the others are dropped."""
    return {k: options[k] for k in METRIC_OPTIONS.get(metric, ()) if k in options}


def alignment(
    a: Representation,
    b: Representation,
    *,
    metric: str = "procrustes",
    progress: Progress | None = None,
    **options: Any,
) -> AlignmentResult:
    """Cross-validated ``metric`` between representations ``a`` and ``b`` (matched by stimulus id).

    ``options``: any of ``COUNT_OPTIONS`` and of every metric's ``METRIC_OPTIONS`` (a request carries them all);
    only the counts and the chosen metric's options are used, other keys are ignored.
    """
    counts = {k: options[k] for k in COUNT_OPTIONS if k in options}
    return alignment_score(a, b, metric=metric, progress=progress, **counts, **metric_options(metric, options))


def stored_alignment(store: Store, request: Mapping[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """``alignment`` of two stored representations as ``AlignmentResult.to_dict()``; ``request``: the ids
    ``representation_a`` and ``representation_b``, ``metric`` (default procrustes) and the options of ``alignment``
    (an ``AlignIn`` body, or a job's params)."""
    options = {k: v for k, v in request.items() if k not in ("representation_a", "representation_b")}
    return alignment(
        store.load_representation(request["representation_a"]),
        store.load_representation(request["representation_b"]),
        progress=progress,
        **options,
    ).to_dict()


def check_alignment_request(
    store: Store, representation_a: str, representation_b: str, *, metric: str, folds: int, k: int | None = None
) -> None:
    """The data-dependent checks of an alignment request: both representations exist, they share enough stimuli
    for the folds, and mutual k-NN's ``k`` (default ``knn.DEFAULT_K``, as the score's) is less than the training
    stimuli per fold."""
    a = store.load_representation(representation_a)
    b = store.load_representation(representation_b)
    shared = len(match_stimuli(a, b)[0])
    if shared == 0:
        raise InvalidInputError(
            f"Representations {a.name!r} and {b.name!r} share no stimulus ids (different "
            "collections?); alignment pairs stimuli by id."
        )
    check_param(
        "align",
        "folds",
        folds,
        2 <= folds <= shared // 2,
        f"between 2 and half the {shared} shared stimuli ({shared // 2})",
    )
    if metric == "mutual_knn":
        from topoalign.align.knn import DEFAULT_K

        k = DEFAULT_K if k is None else k
        n_train = shared - -(-shared // folds)
        check_param("MutualKNN", "k", k, k < n_train, f"less than the training stimuli per fold ({n_train})")


# -- audits ------------------------------------------------------------------------------------------------------------
def check_audit_request(
    store: Store,
    collection: str,
    *,
    metrics: Iterable[str] | None = None,
    analyses: Iterable[str] | None = None,
    folds: int = 5,
    random_state: int | None = 0,
    n_null: int = DEFAULT_NULL_DRAWS,
) -> str:
    """Validate and plan an audit request without computing anything (bad parameters, an unknown collection or one
    with nothing to compare fail here); the collection's id."""
    coll, *_ = prepare_audit(store, collection, metrics or list(DEFAULT_METRICS), analyses, folds, random_state, n_null)
    return coll.id


@dataclass
class AuditOutcome:
    """An audit request's answer: the stored audit's id, its cell count, whether it was found stored, the plan, and
    the payload (None for a stored audit unless asked for with ``load=True``)."""

    audit_id: str
    n_cells: int | None
    cached: bool
    plan: AuditPlan
    payload: dict[str, Any] | None = None


def audit_for_collection(
    store: Store,
    collection: str,
    *,
    metrics: Iterable[str] | None = None,
    analyses: Iterable[str] | None = None,
    folds: int = 5,
    random_state: int | None = 0,
    n_null: int = DEFAULT_NULL_DRAWS,
    recompute: bool = False,
    load: bool = False,
    scheduler: str | None = None,
    n_workers: int = 1,
    map_tasks: Callable[..., list[Any]] | None = None,
    progress: Progress | None = None,
) -> AuditOutcome:
    """The stored audit of an identical request over the collection's current representations, or (when there is
    none, or with ``recompute``, which deletes the stored one first) the audit run and stored.

    ``metrics`` defaults to ``DEFAULT_METRICS``; ``scheduler`` / ``n_workers`` / ``map_tasks``: where the rows run
    (see :func:`topoalign.align.audit.run_audit`); ``load``: also read a stored audit's payload.
    """
    coll, plan, metrics, key = prepare_audit(
        store, collection, metrics or list(DEFAULT_METRICS), analyses, folds, random_state, n_null
    )
    found = store.find_artifact(AUDIT_KIND, key)
    if found is not None and not recompute:
        payload = store.load_artifact(found.id) if load else None
        return AuditOutcome(found.id, found.meta.get("n_cells"), True, plan, payload)
    if found is not None:
        store.delete_artifact(found.id)
    payload = run_audit(
        store,
        coll.id,
        metrics=metrics,
        analyses=analyses,
        folds=folds,
        random_state=random_state,
        n_null=n_null,
        scheduler=scheduler,
        n_workers=n_workers,
        map_tasks=map_tasks,
        progress=progress,
    )
    rec = save_audit(store, payload)
    return AuditOutcome(rec.id, len(payload["cells"]), False, plan, payload)


def check_audit(store: Store, audit_id: str) -> ArtifactRecord:
    """The artifact record of a stored audit; ``NotFoundError`` when there is none with this id."""
    return store.get_artifact(audit_id, kind=AUDIT_KIND)


def stored_audit(store: Store, audit_id: str) -> dict[str, Any]:
    """The payload of a stored audit (``NotFoundError`` when there is none)."""
    check_audit(store, audit_id)
    payload: dict[str, Any] = store.load_artifact(audit_id)
    return payload


def list_audits(store: Store, collection: str | None = None) -> list[ArtifactRecord]:
    """The stored audits' records, of one collection (by id or name) when given."""
    out = []
    for rec in store.list_artifacts(AUDIT_KIND):
        cid = rec.params.get("collection_id", "")
        if collection is None or collection in (cid, rec.meta.get("collection", {}).get("name")):
            out.append(rec)
    return out


def delete_audit(store: Store, audit_id: str) -> None:
    """Remove a stored audit (``NotFoundError`` when there is none)."""
    check_audit(store, audit_id)
    store.delete_artifact(audit_id)
