"""``build_demo``: the demo collections into a store, and the prepared case the dashboard opens on.

* ``mnist``: a CNN and an MLP trained on MNIST (:mod:`.mnist`), three seeds each, checkpoints from the untrained
  network through the first epoch to the last; every layer on 1,000 test images, and the final checkpoint on
  8 corruptions x 3 severities and on sklearn's digits (:mod:`.shifts`), each with its accuracy;
* ``sentences``: every hidden state of MiniLM-L6 and MPNet-base (and Gemma 3 270M with ``full``) on 1,728
  sentences labelled by topic, tense, negation and syntactic frame (:mod:`.sentences`, :mod:`.language`);
* ``words``: the same models on the sentences' content words alone;
* a ``landing`` artifact: the last layers of two language models (their default Mapper graphs built here), which
  the dashboard opens with their matching regions, and the collection whose audit it links to.

Deterministic (fixed seeds, single-threaded CPU torch). A collection counts as present only once its build finished:
a ``demo_build`` artifact marks completion, and a collection left half-built by a crash is rebuilt. A model whose
package is not installed is left out with a note saying how to install it (MiniLM, the minimum, is a dependency).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from topoalign.errors import ConflictError, NotFoundError
from topoalign.extract.zoo.shifts import CORRUPTIONS, SEVERITIES
from topoalign.progress import Progress, null_progress, scaled
from topoalign.representation import Representation
from topoalign.store import Store

MNIST = "mnist"
SENTENCES = "sentences"
WORDS = "words"
COLLECTIONS = (MNIST, SENTENCES, WORDS)
LANDING = "landing"
DEFAULT_MODELS_DIR = Path("data/models")


@dataclass(frozen=True)
class DemoPlan:
    """What one demo build holds. The defaults are the zoo ``topoalign demo`` builds (about 3 minutes on 2 cores)."""

    archs: tuple[str, ...] = ("cnn", "mlp")
    seeds: tuple[int, ...] = (0, 1, 2)
    epochs: int = 3
    steps: tuple[int, ...] = (10, 30, 80)  # checkpoints inside the first epoch (157 steps of 64 images)
    n_train: int = 10_000
    n_test: int = 1_000
    corruptions: tuple[str, ...] = CORRUPTIONS
    severities: tuple[int, ...] = SEVERITIES
    digits_domain: bool = True
    shifted_at_init: bool = False  # also the untrained checkpoint on every shifted condition
    sentence_stride: int = 1  # keep every k-th sentence (1 = all 1,728)
    language_models: tuple[str, ...] = ("minilm", "mpnet")
    words: bool = True
    landing_graphs: bool = True  # build the landing's Mapper graphs now, so the dashboard opens at once
    collections: tuple[str, ...] = field(default=COLLECTIONS)


DEFAULT = DemoPlan()
FULL = DemoPlan(language_models=("minilm", "mpnet", "gemma"), shifted_at_init=True)
QUICK = DemoPlan(
    archs=("cnn",),
    seeds=(0,),
    epochs=2,
    steps=(10,),
    n_train=2_000,
    n_test=300,
    corruptions=("gaussian_blur",),
    severities=(3,),
    sentence_stride=8,
    language_models=("minilm",),
    landing_graphs=False,
)
PLANS = {"quick": QUICK, "default": DEFAULT, "full": FULL}


def _is_complete(store: Store, name: str) -> bool:
    return _completion(store, name) is not None


def _completion(store: Store, name: str) -> dict[str, Any] | None:
    try:
        cid = store.get_collection(name).id
    except NotFoundError:
        return None
    art = store.find_artifact("demo_build", {"collection": cid})
    return None if art is None else dict(store.load_artifact(art.id) or {})


def _drop_partial(store: Store, name: str) -> None:
    """Remove a collection whose build never finished (with its thumbnails and completion marker)."""
    try:
        coll = store.get_collection(name)
    except NotFoundError:
        return
    for kind in ("thumbnails", "demo_build"):
        art = store.find_artifact(kind, {"collection": coll.id})
        if art is not None:
            store.delete_artifact(art.id)
    store.delete_collection(coll.id)


def _fill(store: Store, cid: str, reps: Iterable[Representation], batch: int = 64) -> int:
    count, pending = 0, []
    for rep in reps:
        pending.append(rep)
        if len(pending) >= batch:
            count += len(store.add_representations(cid, pending))
            pending = []
    if pending:
        count += len(store.add_representations(cid, pending))
    return count


def _build_collection(
    store: Store, name: str, make: Callable[[], dict[str, Any]], if_missing: bool, wanted_models: Iterable[str] = ()
) -> dict[str, Any]:
    done = _completion(store, name)
    if done is not None:
        missing = [m for m in wanted_models if m not in done.get("models", [m])]
        if if_missing and not missing:
            return {"collection": name, "skipped": True}
        if not if_missing:
            raise ConflictError(
                f"A collection named {name!r} already exists; delete it or build the demo with --if-missing."
            )
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


def build_mnist(
    store: Store, plan: DemoPlan = DEFAULT, progress: Progress | None = None, name: str = MNIST
) -> dict[str, Any]:
    """The ``mnist`` collection: every layer x architecture x seed x checkpoint (x condition at the end), class
    labels, and a thumbnails artifact (28x28 test images and every shifted copy)."""
    import pandas as pd

    from topoalign.extract.zoo.mnist import load_mnist, mnist_representations, thumbnails
    from topoalign.extract.zoo.shifts import shifted_conditions

    progress = progress or null_progress
    data = load_mnist(plan.n_train, plan.n_test)
    shifted = shifted_conditions(
        data.x_test,
        data.y_test,
        plan.corruptions,
        plan.severities,
        plan.digits_domain,
        progress=scaled(progress, 0.0, 0.15),
    )
    labels = pd.DataFrame({"class": [str(c) for c in data.y_test]}, index=pd.Index(data.test_ids, name="stimulus_id"))
    coll = store.create_collection(
        name,
        data.test_ids,
        labels=labels,
        description=f"MNIST test images ({len(data.test_ids)}): a CNN and an MLP, {len(plan.seeds)} seeds, untrained "
        f"to epoch {plan.epochs} (and inside epoch 1); the last epoch also on {len(shifted)} shifted "
        "conditions (corruptions x severities, sklearn's digits)",
    )
    art = thumbnails({"test": data.x_test, **shifted})
    store.put_artifact("thumbnails", {"collection": coll.id}, {**art, "ids": np.asarray(data.test_ids)})
    count = _fill(
        store,
        coll.id,
        mnist_representations(
            data,
            plan.archs,
            plan.seeds,
            plan.epochs,
            plan.steps,
            shifted,
            plan.shifted_at_init,
            scaled(progress, 0.15, 1.0),
        ),
    )
    return {
        "collection": name,
        "collection_id": coll.id,
        "n_stimuli": len(data.test_ids),
        "representations": count,
        "architectures": list(plan.archs),
        "seeds": list(plan.seeds),
        "epochs": plan.epochs,
        "steps": list(plan.steps),
        "n_train": plan.n_train,
        "conditions": ["test", *shifted],
    }


def available_models(keys: Iterable[str], models_dir: Path) -> tuple[list[str], dict[str, str]]:
    """The models of ``keys`` whose packages are installed (assembling MPNet / Gemma into ``models_dir`` once), and
    for the others the message saying how to install them."""
    from topoalign.extract.zoo.language import locate_model

    ok, notes = [], {}
    for key in keys:
        try:
            locate_model(key, models_dir)
        except NotFoundError as exc:
            if key == "minilm":
                raise
            notes[key] = str(exc)
        else:
            ok.append(key)
    return ok, notes


def _build_language(
    store: Store, name: str, frame, models: list[str], models_dir: Path, unit: str, description: str, progress: Progress
) -> dict[str, Any]:
    from topoalign.extract.zoo.language import language_representations

    coll = store.create_collection(
        name,
        frame.index.tolist(),
        labels=frame.drop(columns=["text"]),
        texts=frame["text"].tolist(),
        description=description,
    )
    count = 0
    for i, key in enumerate(models):
        part = scaled(progress, i / len(models), (i + 1) / len(models))
        count += _fill(store, coll.id, language_representations(key, frame, models_dir, unit=unit, progress=part))
    return {
        "collection": name,
        "collection_id": coll.id,
        "n_stimuli": len(frame),
        "representations": count,
        "models": models,
    }


def build_sentences(
    store: Store,
    plan: DemoPlan = DEFAULT,
    progress: Progress | None = None,
    name: str = SENTENCES,
    models: list[str] | None = None,
    models_dir: Path = DEFAULT_MODELS_DIR,
) -> dict[str, Any]:
    """The ``sentences`` collection: every hidden state of each model, texts, and the concept labels."""
    from topoalign.extract.zoo.sentences import build_sentences as sentence_set

    frame = sentence_set().iloc[:: plan.sentence_stride]
    models = list(plan.language_models) if models is None else models
    return _build_language(
        store,
        name,
        frame,
        models,
        models_dir,
        "sentence",
        f"{len(frame)} sentences (topic x tense x negation x syntactic frame) through "
        f"{', '.join(models)}: every hidden state",
        progress or null_progress,
    )


def build_words(
    store: Store,
    plan: DemoPlan = DEFAULT,
    progress: Progress | None = None,
    name: str = WORDS,
    models: list[str] | None = None,
    models_dir: Path = DEFAULT_MODELS_DIR,
) -> dict[str, Any]:
    """The ``words`` collection: the content words of the (kept) sentences, each alone through every model."""
    from topoalign.extract.zoo.sentences import build_sentences as sentence_set
    from topoalign.extract.zoo.sentences import content_words

    frame = content_words(sentence_set().iloc[:: plan.sentence_stride])
    models = list(plan.language_models) if models is None else models
    return _build_language(
        store,
        name,
        frame,
        models,
        models_dir,
        "word",
        f"The sentences' {len(frame)} content words, each alone, through {', '.join(models)}: "
        "vocabulary-level representations",
        progress or null_progress,
    )


def _last_layers(store: Store, collection: str) -> list[str]:
    """Ids of the landing pair: the last layers of the first two models, else one model's first and last layers."""
    recs = store.list_representations(collection)
    by_model: dict[str, list] = {}
    for r in recs:
        by_model.setdefault(r.provenance.model or "", []).append(r)
    ordered = [sorted(v, key=lambda r: r.provenance.layer_index or 0) for v in by_model.values()]
    if len(ordered) >= 2:
        return [ordered[0][-1].id, ordered[1][-1].id]
    layers = ordered[0] if ordered else []
    return [layers[min(1, len(layers) - 1)].id, layers[-1].id] if len(layers) >= 2 else []


def build_landing(store: Store, build_graphs: bool = True, progress: Progress | None = None) -> dict[str, Any] | None:
    """The prepared case: the last layers of the sentence models as aligned graphs (coloured by topic), and the
    collection whose audit the landing links to. Stored as the ``landing`` artifact; None without sentences."""
    try:
        sentences = store.get_collection(SENTENCES)
    except NotFoundError:
        return None
    rep_ids = _last_layers(store, sentences.id)
    if len(rep_ids) != 2:
        return None
    recs = [store.get_representation(r) for r in rep_ids]
    names = [f"{r.provenance.model} {r.provenance.layer}" for r in recs]
    graph_ids: list[str] = []
    if build_graphs:
        from topoalign.mapper.service import graph_for_representation

        for i, rid in enumerate(rep_ids):
            graph_ids.append(graph_for_representation(store, rid, {})[0].id)
            (progress or null_progress)((i + 1) / 2, f"landing graph {i + 1}/2")
    audit_ref: dict[str, str | None]
    try:
        audit = store.get_collection(MNIST)
        audit_ref = {"audit_collection_id": audit.id, "audit_collection": audit.name}
    except NotFoundError:
        audit_ref = {"audit_collection_id": None, "audit_collection": None}
    two_models = recs[0].provenance.model != recs[1].provenance.model
    what = "The last layers of two sentence encoders" if two_models else "The first and last layers of one encoder"
    case = {
        "title": f"{names[0]} vs {names[1]}",
        "summary": (
            f"{what} on the same {sentences.n_stimuli} sentences, as Mapper graphs in one joint layout, "
            "coloured by topic. Matching regions are groups of nodes holding the same sentences in both "
            "graphs; the audit of the MNIST zoo shows alignment across layers, seeds, training and "
            "distribution shift."
        ),
        "collection_id": sentences.id,
        "collection": sentences.name,
        "representation_ids": rep_ids,
        "graph_ids": graph_ids,
        "label_column": "topic",
        **audit_ref,
    }
    store.put_artifact(LANDING, {"demo": True}, case)
    return case


def landing_case(store: Store) -> dict[str, Any] | None:
    """The stored prepared case, or None when there is none or its representations were deleted since."""
    art = store.find_artifact(LANDING, {"demo": True})
    if art is None:
        return None
    case = dict(store.load_artifact(art.id))
    try:
        for rid in case.get("representation_ids", []):
            store.get_representation(rid)
    except NotFoundError:
        return None
    if case.get("audit_collection_id"):
        try:
            store.get_collection(case["audit_collection_id"])
        except NotFoundError:
            case["audit_collection_id"] = case["audit_collection"] = None
    return case


def build_demo(
    store: Store,
    progress: Progress | None = None,
    quick: bool = False,
    if_missing: bool = False,
    full: bool = False,
    plan: DemoPlan | None = None,
    models_dir: str | Path = DEFAULT_MODELS_DIR,
) -> dict[str, Any]:
    """Build the demo collections; returns ``{"mnist": summary, "sentences": ..., "words": ..., "landing": ...,
    "notes": {model: how to install it}, "seconds": total}``.

    ``quick`` builds a tiny version (one CNN seed, two epochs, one shift, 216 sentences, MiniLM only) for tests;
    ``full`` adds Gemma 3 270M and the untrained networks on every shift. With ``if_missing`` a collection already
    built is skipped (a language collection is rebuilt when a wanted model has been installed since); without it,
    an existing one raises ``ConflictError``.
    """
    progress = progress or null_progress
    plan = plan or (QUICK if quick else FULL if full else DEFAULT)
    models_dir = Path(models_dir)
    start = time.perf_counter()
    if not if_missing:
        for name in plan.collections:
            if _is_complete(store, name):
                raise ConflictError(
                    f"A collection named {name!r} already exists; delete it or build the demo with --if-missing."
                )
    progress(0.0, "looking for the language models")
    models, notes = available_models(plan.language_models, models_dir)
    out: dict[str, Any] = {"quick": quick, "full": full, "notes": notes}
    steps = [
        (MNIST, 0.45, lambda p: build_mnist(store, plan, p), ()),
        (SENTENCES, 0.4, lambda p: build_sentences(store, plan, p, models=models, models_dir=models_dir), models),
        (WORDS, 0.05, lambda p: build_words(store, plan, p, models=models, models_dir=models_dir), models),
    ]
    steps = [s for s in steps if s[0] in plan.collections and (s[0] != WORDS or plan.words)]
    total = sum(w for _, w, _, _ in steps) + 0.1
    at = 0.0
    for name, weight, make, wanted in steps:
        part = scaled(progress, at / total, (at + weight) / total)
        out[name] = _build_collection(store, name, partial(make, part), if_missing, wanted)
        at += weight
    landing = landing_case(store)
    if landing is None or not if_missing or any(not out.get(n, {}).get("skipped", True) for n in (SENTENCES, MNIST)):
        landing = build_landing(store, plan.landing_graphs, scaled(progress, at / total, 1.0))
    out[LANDING] = landing
    progress(1.0, "demo data ready")
    out["seconds"] = round(time.perf_counter() - start, 2)
    return out
