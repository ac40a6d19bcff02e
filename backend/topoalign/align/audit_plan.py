"""Which representation pairs an audit compares, read from provenance fields only.

Representations of a collection are grouped by ``model``, ``layer``, ``checkpoint`` and ``condition``:

* ``layers``      every pair of distinct models: all layer x layer pairs (reference slice of each model), and within
                  each model every ordered pair of its distinct layers (a one-model collection is audited too);
* ``depth``       models of the same architecture (seeds): the same layer in both, against depth;
* ``epochs``      same-architecture pairs: the same layer at every checkpoint both models have;
* ``ood``         every pair of distinct models: the same layer under every condition both have;
* ``random_init`` same-architecture pairs: the same layer at the untrained checkpoint only (the random-network
                  baseline; the trained side is the ``depth`` analysis).

The reference slice of a model is its final checkpoint (highest epoch, else last in order) under the
in-distribution condition (the most common condition not starting with ``ood:``, preferring ``test``).
A model's architecture is ``provenance.architecture`` when present, else the model name without a trailing
seed suffix (``-s0``, ``_seed1``, ...). A checkpoint is untrained when its epoch is 0 or its name says so.
A representation without ``layer_fraction`` gets its layer's position in its model's layer order, divided by the
number of layers minus one (``describe()["depth_from_order"]`` names the models where that happened), so depth
curves of models with different layer counts share one axis.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from topoalign.errors import check_param

if TYPE_CHECKING:
    from topoalign.store.records import RepresentationRecord

ANALYSES = ("layers", "depth", "epochs", "ood", "random_init")
_SEED_SUFFIX = re.compile(r"[-_.]?(s|seed)\d+$", re.IGNORECASE)
_UNTRAINED = re.compile(r"(^|[-_:])(init|random|untrained|epoch-?0+)($|[-_:])", re.IGNORECASE)


@dataclass(frozen=True)
class RepInfo:
    """The provenance of one stored representation, as the audit reads it."""

    id: str
    model: str
    layer: str
    layer_index: int | None
    layer_fraction: float | None
    checkpoint: str | None
    epoch: int | None
    condition: str | None
    architecture: str

    @classmethod
    def of(cls, rec: RepresentationRecord) -> "RepInfo":
        p = rec.provenance
        model = p.model or "model"
        arch = str(p.architecture or (p.extra or {}).get("architecture") or _SEED_SUFFIX.sub("", model) or model)
        checkpoint = p.checkpoint if p.checkpoint is not None else (f"epoch-{p.epoch}" if p.epoch is not None else None)
        return cls(
            rec.id, model, p.layer or rec.name, p.layer_index, p.layer_fraction, checkpoint, p.epoch, p.condition, arch
        )

    def meta(self, suffix: str) -> dict[str, Any]:
        return {
            f"model_{suffix}": self.model,
            f"layer_{suffix}": self.layer,
            f"layer_index_{suffix}": self.layer_index,
            f"layer_fraction_{suffix}": self.layer_fraction,
            f"representation_{suffix}": self.id,
        }


@dataclass(frozen=True)
class Comparison:
    analysis: str
    a: RepInfo
    b: RepInfo
    checkpoint: str | None
    epoch: int | None
    condition: str | None

    def meta(self) -> dict[str, Any]:
        return {
            "analysis": self.analysis,
            **self.a.meta("a"),
            **self.b.meta("b"),
            "checkpoint": self.checkpoint,
            "epoch": self.epoch,
            "condition": self.condition,
        }


def check_analyses(analyses: Iterable[str] | None) -> tuple[str, ...]:
    chosen = tuple(analyses) if analyses else ANALYSES
    for a in chosen:
        check_param("audit", "analyses", a, a in ANALYSES, f"a list drawn from {list(ANALYSES)}")
    return chosen


def _is_untrained(info: RepInfo) -> bool:
    return info.epoch == 0 or bool(info.checkpoint and _UNTRAINED.search(info.checkpoint))


def _checkpoint_order(infos: list[RepInfo]) -> list[str | None]:
    seen: dict[str | None, tuple[int, int, int]] = {}
    for i, r in enumerate(infos):
        key = (0 if _is_untrained(r) else 1, r.epoch if r.epoch is not None else 10**9, i)
        seen[r.checkpoint] = min(seen.get(r.checkpoint, key), key)
    return sorted(seen, key=lambda c: seen[c])


def in_distribution_condition(infos: list[RepInfo]) -> str | None:
    counts = Counter(r.condition for r in infos if not (r.condition or "").startswith("ood:"))
    if not counts:
        return None
    if "test" in counts:
        return "test"
    return counts.most_common(1)[0][0]


def _layer_order(infos: list[RepInfo]) -> list[str]:
    first: dict[str, tuple[int, float, int]] = {}
    for i, r in enumerate(infos):
        key = (
            r.layer_index if r.layer_index is not None else 10**9,
            r.layer_fraction if r.layer_fraction is not None else 2.0,
            i,
        )
        first[r.layer] = min(first.get(r.layer, key), key)
    return sorted(first, key=lambda name: first[name])


def _fill_layer_fractions(infos: list[RepInfo]) -> tuple[list[RepInfo], list[str]]:
    """Depth fractions from each model's layer order where provenance has none (module docstring)."""
    by_model: dict[str, list[RepInfo]] = defaultdict(list)
    for r in infos:
        by_model[r.model].append(r)
    fraction: dict[tuple[str, str], float] = {}
    filled: list[str] = []
    for model, reps in by_model.items():
        if all(r.layer_fraction is not None for r in reps):
            continue
        order = _layer_order(reps)
        fraction.update(
            {(model, layer): (i / (len(order) - 1) if len(order) > 1 else 0.0) for i, layer in enumerate(order)}
        )
        filled.append(model)
    out = [
        r if r.layer_fraction is not None else replace(r, layer_fraction=fraction[(r.model, r.layer)]) for r in infos
    ]
    return out, filled


class AuditPlan:
    """The comparisons of an audit, and the unique representation pairs they need."""

    def __init__(self, records: list[RepresentationRecord], analyses: Iterable[str] | None = None) -> None:
        self.analyses = check_analyses(analyses)
        self.infos, self.depth_from_order = _fill_layer_fractions([RepInfo.of(r) for r in records])
        self.by_model: dict[str, list[RepInfo]] = defaultdict(list)
        for r in self.infos:
            self.by_model[r.model].append(r)
        self.models = list(self.by_model)
        self.id_condition = in_distribution_condition(self.infos)
        self.checkpoints = _checkpoint_order(self.infos)
        self.final = next((c for c in reversed(self.checkpoints)), None)
        self.untrained = next(
            (
                c
                for c in self.checkpoints
                if c is not None and any(_is_untrained(r) for r in self.infos if r.checkpoint == c)
            ),
            None,
        )
        if self.untrained == self.final:
            self.untrained = None
        self.comparisons = list(self._plan())

    def _slice(self, model: str, checkpoint: str | None, condition: str | None) -> dict[str, RepInfo]:
        reps = [r for r in self.by_model[model] if r.checkpoint == checkpoint and r.condition == condition]
        return {layer: next(r for r in reps if r.layer == layer) for layer in _layer_order(reps)}

    def _model_pairs(self, same_architecture: bool) -> Iterator[tuple[str, str]]:
        for i, m1 in enumerate(self.models):
            for m2 in self.models[i + 1 :]:
                same = self.by_model[m1][0].architecture == self.by_model[m2][0].architecture
                if same or not same_architecture:
                    yield m1, m2

    def _same_layer(
        self, analysis: str, m1: str, m2: str, checkpoint: str | None, condition: str | None
    ) -> Iterator[Comparison]:
        s1, s2 = self._slice(m1, checkpoint, condition), self._slice(m2, checkpoint, condition)
        for layer, a in s1.items():
            if layer in s2:
                yield Comparison(analysis, a, s2[layer], checkpoint, a.epoch, condition)

    def _plan(self) -> Iterator[Comparison]:
        final, cond = self.final, self.id_condition
        if "layers" in self.analyses:
            for m1, m2 in self._model_pairs(same_architecture=False):
                s1, s2 = self._slice(m1, final, cond), self._slice(m2, final, cond)
                for a in s1.values():
                    for b in s2.values():
                        yield Comparison("layers", a, b, final, a.epoch, cond)
            for m in self.models:
                s = self._slice(m, final, cond)
                for a in s.values():
                    for b in s.values():
                        if a.id != b.id:
                            yield Comparison("layers", a, b, final, a.epoch, cond)
        if "depth" in self.analyses:
            for m1, m2 in self._model_pairs(same_architecture=True):
                yield from self._same_layer("depth", m1, m2, final, cond)
        if "epochs" in self.analyses and len(self.checkpoints) > 1:
            for m1, m2 in self._model_pairs(same_architecture=True):
                for ck in self.checkpoints:
                    yield from self._same_layer("epochs", m1, m2, ck, cond)
        if "ood" in self.analyses:
            conditions = sorted(
                {r.condition for r in self.infos if r.condition is not None}, key=lambda c: (c != cond, c)
            )
            if len(conditions) > 1:
                for m1, m2 in self._model_pairs(same_architecture=False):
                    for c in conditions:
                        yield from self._same_layer("ood", m1, m2, final, c)
        if "random_init" in self.analyses and self.untrained is not None:
            for m1, m2 in self._model_pairs(same_architecture=True):
                yield from self._same_layer("random_init", m1, m2, self.untrained, cond)

    def pairs(self) -> list[tuple[str, str]]:
        """Unique (representation_a, representation_b) id pairs, in plan order."""
        return list(dict.fromkeys((c.a.id, c.b.id) for c in self.comparisons))

    def describe(self) -> dict[str, Any]:
        return {
            "models": self.models,
            "checkpoints": self.checkpoints,
            "final_checkpoint": self.final,
            "untrained_checkpoint": self.untrained,
            "in_distribution_condition": self.id_condition,
            "analyses": list(self.analyses),
            "n_comparisons": len(self.comparisons),
            "n_pairs": len(self.pairs()),
            "depth_from_order": self.depth_from_order,
        }
