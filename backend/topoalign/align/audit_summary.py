"""The audit's figures, aggregated in the compute core (the dashboard and the CLI only draw them).

``summarize(payload, provenance)`` turns the cells of an audit (``audit.run_audit``) into the rows of the
convergent-learning paper's figures, each a mean over model pairs:

* ``depth`` (Fig. 1): per metric, architecture and layer at the final checkpoint, in-distribution:
  ``metric, model, layer, layer_fraction, mean, sd, n_pairs, fold_sd, random_mean, random_sd, chance, rotation``:
  ``sd`` over model pairs (seeds), ``fold_sd`` the mean of the pairs' cross-validation sds, the random band from the
  untrained (epoch-0) pairs only, ``chance`` the mean of the permutation-null draws (stimuli of one model shuffled)
  and, for the matching metrics, ``rotation`` the random-rotation baseline;
* ``epochs`` (Fig. 3): per metric, architecture, layer and checkpoint: ``epoch, epochs_seen, mean, sd, n_pairs,
  accuracy``: ``epochs_seen`` is training progress in epochs (provenance ``extra.epochs_seen`` for checkpoints inside
  an epoch, else the epoch), ``accuracy`` the mean task accuracy of the two models at that checkpoint (provenance
  ``metrics``);
* ``ood`` (Fig. 4, 5): per metric, model pair label, layer and condition: ``layer_fraction, condition, mean, sd,
  n_pairs, accuracy`` (the models' accuracy under that condition);
* ``wd_ood`` (Fig. 4): per metric, model and layer: the in-distribution mean, the mean over shifted conditions with
  its standard error over shifts (``ood_se = sd / sqrt(n_shifts)``) and the gap;
* ``layers`` (Fig. 2): one layer x layer matrix per model pair and metric (a model with itself too), with the row and
  column maximum profiles;
* ``findings``: the paper's claims tested on these rows (``findings.audit_findings``);
* ``architectures``: the short label used as ``model`` -> the architecture as provenance states it.

Every ``depth``/``epochs``/``ood`` row lists the representation pairs behind it (``pairs``), so a chart's point opens
them. Everything is deterministic given the payload; a row whose cells are all missing is left out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import numpy as np

if TYPE_CHECKING:
    from topoalign.representation import Provenance
    from topoalign.store import Store

ACCURACY = "accuracy"

Cell = Mapping[str, Any]  # one cell of an audit payload (``audit.run_audit``)
Row = dict[str, Any]  # one row of a figure


def _mean_sd(values: Iterable[float | None]) -> tuple[float | None, float | None]:
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=np.float64)
    if not len(v):
        return None, None
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def _label(cell: Cell, arch: Mapping[str, str]) -> str:
    a, b = arch.get(cell["model_a"], cell["model_a"]), arch.get(cell["model_b"], cell["model_b"])
    return a if a == b else f"{a} vs {b}"


def _epochs_seen(provenance: Mapping[str, Provenance], rep_ids: Iterable[str], epoch: int | None) -> float | None:
    """Training progress in epochs: the mean ``extra.epochs_seen`` of the representations, else ``epoch``."""
    given = [(provenance[r].extra or {}).get("epochs_seen") for r in rep_ids if r in provenance]
    seen = [float(v) for v in given if isinstance(v, (int, float)) and np.isfinite(v)]
    return float(np.mean(seen)) if seen else (None if epoch is None else float(epoch))


def _accuracy(provenance: Mapping[str, Provenance], rep_ids: Iterable[str]) -> float | None:
    given = [provenance[r].metrics.get(ACCURACY) for r in rep_ids if r in provenance]
    values = [v for v in given if v is not None]
    return float(np.mean(values)) if values else None


def summarize(payload: Mapping[str, Any], provenance: Mapping[str, Provenance] | None = None) -> dict[str, Any]:
    """``{"depth", "epochs", "ood", "layers", "findings"}`` (module docstring). ``provenance``: representation id ->
    ``Provenance`` (for architectures and task metrics); without it models are their own architectures and
    accuracies are None."""
    from topoalign.align.findings import audit_findings

    provenance = provenance or {}
    every = payload.get("cells", [])
    cells = [c for c in every if c.get("score") is not None]
    arch, architectures = _architecture_labels(cells, provenance)
    out: dict[str, Any] = {
        "architectures": architectures,
        "depth": _depth(cells, arch),
        "epochs": _epochs(cells, arch, provenance),
        "ood": _ood(cells, arch, provenance),
        "layers": layer_matrices(every),
    }
    out["wd_ood"] = wd_vs_ood(out["ood"])
    out["findings"] = audit_findings(out, payload.get("plan", {}))
    return out


def _pairs(group: list[Cell]) -> list[list[str]]:
    return [[c["representation_a"], c["representation_b"]] for c in group]


def _architecture_labels(
    cells: list[Cell], provenance: Mapping[str, Provenance]
) -> tuple[dict[str, str], dict[str, str]]:
    """Model -> a short label of its architecture, and label -> the architecture as provenance states it.

    Seeds of one architecture share a label: their model name without the seed suffix when that is the same for
    all of them (``digits-cnn-s0``, ``-s1`` -> ``digits-cnn``), else the architecture string (cut at 40 characters).
    """
    from topoalign.align.audit_plan import _SEED_SUFFIX

    arch: dict[str, str] = {}
    for c in cells:
        for side in ("a", "b"):
            p = provenance.get(c[f"representation_{side}"])
            arch.setdefault(
                c[f"model_{side}"], (p.architecture if p is not None and p.architecture else None) or c[f"model_{side}"]
            )
    stems: dict[str, set[str]] = defaultdict(set)
    for model, a in arch.items():
        stems[a].add(_SEED_SUFFIX.sub("", model) or model)
    label: dict[str, str] = {}
    for a, st in stems.items():
        short = next(iter(st)) if len(st) == 1 else (a if len(a) <= 40 else a[:39] + "…")
        label[a] = a if short in label.values() else short  # two architectures never share a label
    return {m: label[a] for m, a in arch.items()}, {label[a]: a for a in stems}


def _group(
    cells: Iterable[Cell], analysis: str, key: Callable[[Cell], tuple[Any, ...]]
) -> dict[tuple[Any, ...], list[Cell]]:
    groups: dict[tuple[Any, ...], list[Cell]] = defaultdict(list)
    for c in cells:
        if c["analysis"] == analysis:
            groups[key(c)].append(c)
    return groups


def _depth(cells: list[Cell], arch: Mapping[str, str]) -> list[Row]:
    random = _group(cells, "random_init", lambda c: (c["metric"], _label(c, arch), c["layer_a"]))
    rows: list[Row] = []
    for (metric, model, layer), group in _group(
        cells, "depth", lambda c: (c["metric"], _label(c, arch), c["layer_a"])
    ).items():
        mean, sd = _mean_sd(c["score"] for c in group)
        r_mean, r_sd = _mean_sd(c["score"] for c in random.get((metric, model, layer), []))
        chance, _ = _mean_sd(c.get("chance") for c in group)
        rotation, _ = _mean_sd(c.get("rotation") for c in group)
        fold_sd, _ = _mean_sd(c.get("std") for c in group)
        rows.append(
            {
                "metric": metric,
                "model": model,
                "layer": layer,
                "layer_index": group[0].get("layer_index_a"),
                "layer_fraction": group[0].get("layer_fraction_a"),
                "mean": mean,
                "sd": sd,
                "n_pairs": len(group),
                "fold_sd": fold_sd,
                "random_mean": r_mean,
                "random_sd": r_sd,
                "chance": chance,
                "rotation": rotation,
                "pairs": _pairs(group),
            }
        )
    return sorted(rows, key=lambda r: (r["metric"], r["model"], _depth_key(r)))


def _layer_key(fraction: float | None, index: int | None, name: str) -> tuple[float, int, str]:
    """Layers in depth order: by depth fraction, then index, then name (a missing fraction or index last)."""
    return (fraction if fraction is not None else 2.0, index if index is not None else 10**9, name)


def _depth_key(row: Row) -> tuple[float, int, str]:
    return _layer_key(row.get("layer_fraction"), row.get("layer_index"), str(row.get("layer")))


def _reps(group: list[Cell]) -> set[str]:
    return {r for c in group for r in (c["representation_a"], c["representation_b"])}


def _pair_row(
    key: tuple[str, str, str],
    group: list[Cell],
    provenance: Mapping[str, Provenance],
    between: dict[str, Any],
    after: dict[str, Any] | None = None,
) -> Row:
    """One row of the epochs or OOD analysis: ``key`` (metric, model, layer), ``between`` the row's own place
    (checkpoint or condition), then the mean and sd over the model pairs of ``group`` and the models' accuracy."""
    metric, model, layer = key
    mean, sd = _mean_sd(c["score"] for c in group)
    return {
        "metric": metric,
        "model": model,
        "layer": layer,
        "layer_index": group[0].get("layer_index_a"),
        "layer_fraction": group[0].get("layer_fraction_a"),
        **between,
        "mean": mean,
        "sd": sd,
        "n_pairs": len(group),
        "accuracy": _accuracy(provenance, _reps(group)),
        **(after or {}),
        "pairs": _pairs(group),
    }


def _epochs(cells: list[Cell], arch: Mapping[str, str], provenance: Mapping[str, Provenance]) -> list[Row]:
    rows: list[Row] = []
    for (metric, model, layer, checkpoint), group in _group(
        cells, "epochs", lambda c: (c["metric"], _label(c, arch), c["layer_a"], c.get("checkpoint"))
    ).items():
        epoch = group[0].get("epoch")
        between = {
            "checkpoint": checkpoint,
            "epoch": epoch,
            "epochs_seen": _epochs_seen(provenance, _reps(group), epoch),
        }
        rows.append(_pair_row((metric, model, layer), group, provenance, between))
    return sorted(
        rows,
        key=lambda r: (
            r["metric"],
            r["model"],
            _depth_key(r),
            r["epochs_seen"] if r["epochs_seen"] is not None else -1,
        ),
    )


def _ood(cells: list[Cell], arch: Mapping[str, str], provenance: Mapping[str, Provenance]) -> list[Row]:
    """Rows of every model pair; ``same_architecture`` marks the seed pairs Figs. 4 and 5 (and their findings) use:
    between architectures a shared layer name (``logits``) does not mean the same depth."""
    rows: list[Row] = []
    for (metric, model, layer, condition), group in _group(
        cells, "ood", lambda c: (c["metric"], _label(c, arch), c["layer_a"], c.get("condition"))
    ).items():
        after = {
            "in_distribution": not str(condition or "").startswith("ood:"),
            "same_architecture": arch[group[0]["model_a"]] == arch[group[0]["model_b"]],
        }
        rows.append(_pair_row((metric, model, layer), group, provenance, {"condition": condition}, after))
    return sorted(
        rows, key=lambda r: (r["metric"], r["model"], _depth_key(r), not r["in_distribution"], str(r["condition"]))
    )


def wd_vs_ood(ood_rows: list[Row]) -> list[Row]:
    """Per metric, architecture and layer (seed pairs only): ``wd`` (mean of the in-distribution rows), ``ood_mean``
    and ``ood_sd`` over the shifted conditions, ``ood_se = ood_sd / sqrt(n_shifts)`` and ``gap = wd - ood_mean``
    (Fig. 4)."""
    groups: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for r in ood_rows:
        if r.get("mean") is not None and r.get("same_architecture", True):
            groups[(r["metric"], r["model"], r["layer"])].append(r)
    out: list[Row] = []
    for (metric, model, layer), rows in groups.items():
        wd, _ = _mean_sd(r["mean"] for r in rows if r["in_distribution"])
        shifted = [r["mean"] for r in rows if not r["in_distribution"]]
        ood_mean, ood_sd = _mean_sd(shifted)
        out.append(
            {
                "metric": metric,
                "model": model,
                "layer": layer,
                "layer_index": rows[0].get("layer_index"),
                "layer_fraction": rows[0].get("layer_fraction"),
                "wd": wd,
                "ood_mean": ood_mean,
                "ood_sd": ood_sd,
                "ood_se": None if ood_sd is None else ood_sd / np.sqrt(len(shifted)),
                "n_shifts": len(shifted),
                "gap": None if wd is None or ood_mean is None else wd - ood_mean,
            }
        )
    return sorted(out, key=lambda r: (r["metric"], r["model"], _depth_key(r)))


def layer_matrices(cells: Iterable[Cell]) -> list[Row]:
    """Per (model A, model B, metric) of the "layers" analysis: the layer x layer matrix of scores, its row and column
    maxima (Fig. 2's profiles), the representation ids behind every cell and, where a pair could not be scored, why
    (``errors``)."""
    out: list[Row] = []
    for (ma, mb, metric), group in _group(cells, "layers", lambda c: (c["model_a"], c["model_b"], c["metric"])).items():
        rows = sorted(dict.fromkeys(c["layer_a"] for c in group), key=lambda layer: _order(group, "a", layer))
        cols = sorted(dict.fromkeys(c["layer_b"] for c in group), key=lambda layer: _order(group, "b", layer))
        M = np.full((len(rows), len(cols)), np.nan)
        ids: list[list[Any]] = [[None] * len(cols) for _ in rows]
        errors: list[list[str | None]] = [[None] * len(cols) for _ in rows]
        for c in group:
            i, j = rows.index(c["layer_a"]), cols.index(c["layer_b"])
            M[i, j] = np.nan if c.get("score") is None else c["score"]
            ids[i][j] = [c["representation_a"], c["representation_b"]]
            errors[i][j] = c.get("error")
        with np.errstate(all="ignore"):
            row_max = [None if np.isnan(M[i]).all() else float(np.nanmax(M[i])) for i in range(len(rows))]
            col_max = [None if np.isnan(M[:, j]).all() else float(np.nanmax(M[:, j])) for j in range(len(cols))]
        out.append(
            {
                "model_a": ma,
                "model_b": mb,
                "metric": metric,
                "within_model": ma == mb,
                "rows": rows,
                "columns": cols,
                "scores": [[None if np.isnan(v) else float(v) for v in r] for r in M],
                "row_max": row_max,
                "col_max": col_max,
                "representation_ids": ids,
                "errors": errors,
            }
        )
    return out


def _order(group: list[Cell], side: str, layer: str) -> tuple[float, int, str]:
    c = next(c for c in group if c[f"layer_{side}"] == layer)
    return _layer_key(c.get(f"layer_fraction_{side}"), c.get(f"layer_index_{side}"), layer)


def audit_provenance(store: Store, payload: Mapping[str, Any]) -> dict[str, Provenance]:
    """Representation id -> Provenance for every representation an audit compares that is still stored."""
    ids = {c[f"representation_{s}"] for c in payload.get("cells", []) for s in ("a", "b")}
    cid = payload.get("collection", {}).get("id")
    records = store.list_representations(cid) if cid else []
    return {r.id: r.provenance for r in records if r.id in ids}


def stored_summary(store: Store, audit_id: str) -> dict[str, Any]:
    """``summarize`` of a stored audit artifact, with the provenance of its representations from the store."""
    payload = store.load_artifact(audit_id)
    out = summarize(payload, audit_provenance(store, payload))
    out["audit_id"] = audit_id
    out["collection"] = payload.get("collection", {})
    out["plan"] = payload.get("plan", {})
    out["params"] = payload.get("params", {})
    out["n_null"] = out["params"].get("n_null")
    return out
