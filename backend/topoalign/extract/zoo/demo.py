"""``build_demo``: the two demo collections, ``digits`` (CNN zoo) and ``sentences`` (MiniLM), into a store.

Deterministic (fixed seeds, single-threaded CPU torch). A collection counts as present only once its build finished:
a ``demo_build`` artifact marks completion, and a collection left half-built by a crash is rebuilt.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from topoalign.errors import ConflictError, NotFoundError
from topoalign.jobs.progress import Progress, null_progress, scaled
from topoalign.representation import Representation
from topoalign.store import Store

DIGITS = "digits"
SENTENCES = "sentences"


@dataclass(frozen=True)
class DemoPlan:
    seeds: tuple[int, ...]
    epochs: tuple[int, ...]
    shifts: tuple[str, ...]
    sentence_stride: int  # keep every k-th sentence (1 = all 576)


FULL = DemoPlan(seeds=(0, 1, 2), epochs=(0, 1, 2, 3, 4, 5), shifts=("noise", "blur", "rotation", "inversion", "occlusion"),
                sentence_stride=1)
QUICK = DemoPlan(seeds=(0,), epochs=(0, 3), shifts=("noise",), sentence_stride=8)


def _is_complete(store: Store, name: str) -> bool:
    try:
        cid = store.get_collection(name).id
    except NotFoundError:
        return False
    return store.find_artifact("demo_build", {"collection": cid}) is not None


def _drop_partial(store: Store, name: str) -> None:
    """Remove a collection whose build never finished (with its thumbnails)."""
    try:
        coll = store.get_collection(name)
    except NotFoundError:
        return
    art = store.find_artifact("thumbnails", {"collection": coll.id})
    if art is not None:
        store.delete_artifact(art.id)
    store.delete_collection(coll.id)


def _fill(store: Store, cid: str, reps: Iterable[Representation]) -> int:
    count = 0
    for rep in reps:
        store.add_representation(cid, rep)
        count += 1
    return count


def _build_collection(store: Store, name: str, make: Callable[[], dict[str, Any]], if_missing: bool) -> dict[str, Any]:
    if _is_complete(store, name):
        if if_missing:
            return {"collection": name, "skipped": True}
        raise ConflictError(f"A collection named {name!r} already exists; delete it or build the demo with --if-missing.")
    _drop_partial(store, name)
    start = time.perf_counter()
    try:
        summary = make()
    except BaseException:
        _drop_partial(store, name)
        raise
    summary["seconds"] = round(time.perf_counter() - start, 2)
    store.put_artifact("demo_build", {"collection": summary["collection_id"]}, summary)
    return summary


def build_digits(store: Store, plan: DemoPlan = FULL, progress: Progress | None = None, name: str = DIGITS) -> dict[str, Any]:
    """The ``digits`` collection: every layer x seed x checkpoint x condition, class labels, thumbnails artifact."""
    import pandas as pd

    from topoalign.extract.zoo.digits import digits_representations, load_digits_split, make_conditions, thumbnails

    data = load_digits_split()
    conditions = make_conditions(data.x_test, plan.shifts)
    labels = pd.DataFrame({"class": [str(c) for c in data.y_test]}, index=pd.Index(data.test_ids, name="stimulus_id"))
    coll = store.create_collection(
        name, data.test_ids, labels=labels,
        description="sklearn digits test split (8x8): small CNNs, several seeds, epochs 0 (untrained) to "
                    f"{max(plan.epochs)}, in-distribution and OOD shifts",
    )
    art = thumbnails(conditions)
    store.put_artifact("thumbnails", {"collection": coll.id}, {**art, "ids": np.asarray(data.test_ids)})
    count = _fill(store, coll.id, digits_representations(data, plan.seeds, plan.epochs, conditions, progress))
    return {"collection": name, "collection_id": coll.id, "n_stimuli": len(data.test_ids), "representations": count,
            "seeds": list(plan.seeds), "epochs": list(plan.epochs), "conditions": list(conditions)}


def build_sentences(store: Store, plan: DemoPlan = FULL, progress: Progress | None = None, name: str = SENTENCES) -> dict[str, Any]:
    """The ``sentences`` collection: 7 MiniLM hidden states, texts and concept labels."""
    from topoalign.extract.zoo.minilm import minilm_representations
    from topoalign.extract.zoo.sentences import build_sentences as sentence_set

    sentences = sentence_set().iloc[:: plan.sentence_stride]
    coll = store.create_collection(
        name, sentences.index.tolist(), labels=sentences.drop(columns=["text"]), texts=sentences["text"].tolist(),
        description="Templated sentences (topic x tense x negation) through all-MiniLM-L6-v2, all hidden states",
    )
    count = _fill(store, coll.id, minilm_representations(sentences, progress=progress))
    return {"collection": name, "collection_id": coll.id, "n_stimuli": len(sentences), "representations": count}


def build_demo(store: Store, progress: Progress | None = None, quick: bool = False, if_missing: bool = False) -> dict[str, Any]:
    """Build both demo collections; returns ``{"digits": summary, "sentences": summary, "seconds": total}``.

    ``quick`` builds a tiny version (one seed, two checkpoints, one shift, 72 sentences) for tests. With
    ``if_missing`` a collection already built is skipped; without it, an existing one raises ``ConflictError``.
    """
    progress = progress or null_progress
    plan = QUICK if quick else FULL
    start = time.perf_counter()
    if not if_missing:
        for name in (DIGITS, SENTENCES):
            try:
                store.get_collection(name)
            except NotFoundError:
                continue
            if _is_complete(store, name):
                raise ConflictError(f"A collection named {name!r} already exists; delete it or build the demo with --if-missing.")
    digits = _build_collection(store, DIGITS, lambda: build_digits(store, plan, scaled(progress, 0.0, 0.75)), if_missing)
    sentences = _build_collection(store, SENTENCES, lambda: build_sentences(store, plan, scaled(progress, 0.75, 1.0)), if_missing)
    progress(1.0, "demo data ready")
    return {DIGITS: digits, SENTENCES: sentences, "quick": quick, "seconds": round(time.perf_counter() - start, 2)}
