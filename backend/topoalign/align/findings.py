"""The convergent-learning paper's claims, tested on a user's audit (Kapoor, Srivastava & Khosla, "Bridging critical
gaps in convergent learning"). Each finding is ``{"id", "claim", "holds", "evidence", "text"}``: ``holds`` is True,
False, or None when the audit lacks what the claim needs (a metric, untrained checkpoints, shifted conditions);
``evidence`` holds the numbers behind the verdict and ``text`` says them in a sentence.

* ``ordering``: per layer, Linear >= Procrustes >= Permutation (within 0.01);
* ``procrustes_near_linear``: Procrustes within 0.1 of Linear on average ("orthogonal transformations align nearly as
  well as linear ones");
* ``above_random``: trained pairs score above untrained (epoch-0) pairs of the same layers;
* ``above_chance``: permutation / soft matching of trained pairs score above the permutation null and above the
  random-rotation baseline (a privileged basis);
* ``depth_trend``: alignment decreases with depth (slope and Spearman correlation against the depth fraction);
* ``early_epoch``: most of the final alignment gain (>= 80%, median over layers) is reached after the first epoch;
* ``ood_depth``: the in-distribution minus out-of-distribution gap grows with depth;
* ``ood_performance``: across conditions, alignment correlates with task accuracy, and more so deeper (Fig. 5).

A claim "holds" when it holds in at least ``MAJORITY`` (80%) of the places it is checked.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

Row = Mapping[str, Any]  # a row of the audit summary (``audit_summary.summarize``)
Finding = dict[str, Any]

MAJORITY = 0.8
TOLERANCE = 0.01


def audit_findings(summary: Mapping[str, Any], plan: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    depth = [r for r in summary.get("depth", []) if r.get("mean") is not None]
    return [
        f
        for f in (
            _ordering(depth),
            _procrustes_near_linear(depth),
            _above_random(depth),
            _above_chance(depth),
            _depth_trend(depth),
            _early_epoch(summary.get("epochs", [])),
            _ood_depth(summary.get("ood", [])),
            _ood_performance(summary.get("ood", [])),
        )
    ]


def _finding(fid: str, claim: str, holds: object, evidence: dict[str, Any], text: str) -> Finding:
    return {
        "id": fid,
        "claim": claim,
        "holds": None if holds is None else bool(holds),
        "evidence": evidence,
        "text": text,
    }


def _share(flags: list[bool]) -> float | None:
    return float(np.mean(flags)) if flags else None


def _by(rows: Iterable[Row], *keys: str) -> dict[tuple[Any, ...], dict[Any, Row]]:
    """Rows keyed by the values of ``keys[:-1]``, then by the value of ``keys[-1]``."""
    out: dict[tuple[Any, ...], dict[Any, Row]] = defaultdict(dict)
    for r in rows:
        out[tuple(r[k] for k in keys[:-1])][r[keys[-1]]] = r
    return out


def _ordering(depth: list[Row]) -> Finding:
    claim = "Alignment follows Linear >= Procrustes >= Permutation at every layer."
    places = []
    for (model, layer), by_metric in _by(depth, "model", "layer", "metric").items():
        if {"linear", "procrustes", "permutation"} <= set(by_metric):
            lin, pro, per = (by_metric[m]["mean"] for m in ("linear", "procrustes", "permutation"))
            places.append(
                {
                    "model": model,
                    "layer": layer,
                    "linear": lin,
                    "procrustes": pro,
                    "permutation": per,
                    "holds": lin >= pro - TOLERANCE and pro >= per - TOLERANCE,
                }
            )
    share = _share([p["holds"] for p in places])
    if share is None:
        return _finding("ordering", claim, None, {}, "Needs the linear, procrustes and permutation metrics.")
    return _finding(
        "ordering",
        claim,
        share >= MAJORITY,
        {"share": share, "n_layers": len(places), "layers": places},
        f"The order holds at {share:.0%} of {len(places)} layers.",
    )


def _procrustes_near_linear(depth: list[Row]) -> Finding:
    claim = "Orthogonal Procrustes aligns nearly as well as linear regression (mean gap under 0.1)."
    gaps = [
        m["linear"]["mean"] - m["procrustes"]["mean"]
        for m in _by(depth, "model", "layer", "metric").values()
        if "linear" in m and "procrustes" in m
    ]
    if not gaps:
        return _finding("procrustes_near_linear", claim, None, {}, "Needs the linear and procrustes metrics.")
    gap = float(np.mean(gaps))
    return _finding(
        "procrustes_near_linear",
        claim,
        gap < 0.1,
        {"mean_gap": gap, "max_gap": float(np.max(gaps)), "n_layers": len(gaps)},
        f"Linear minus Procrustes is {gap:.3f} on average (largest {np.max(gaps):.3f}).",
    )


def _above_random(depth: list[Row]) -> Finding:
    claim = "Trained networks are more aligned than untrained (random) networks of the same architecture."
    places = [
        {
            "metric": r["metric"],
            "model": r["model"],
            "layer": r["layer"],
            "trained": r["mean"],
            "random": r["random_mean"],
            "holds": r["mean"] > r["random_mean"],
        }
        for r in depth
        if r.get("random_mean") is not None
    ]
    share = _share([p["holds"] for p in places])
    if share is None:
        return _finding("above_random", claim, None, {}, "Needs untrained (epoch 0) checkpoints of two seeds.")
    return _finding(
        "above_random",
        claim,
        share >= MAJORITY,
        {"share": share, "n": len(places), "places": places},
        f"Trained pairs beat untrained ones at {share:.0%} of {len(places)} metric x layer places.",
    )


def _above_chance(depth: list[Row]) -> Finding:
    claim = (
        "Permutation / soft matching scores exceed chance (stimuli shuffled) and the random-rotation baseline: "
        "a privileged basis."
    )
    places = []
    for r in depth:
        if r["metric"] in ("permutation", "soft") and r.get("chance") is not None:
            above_rotation = None if r.get("rotation") is None else r["mean"] > r["rotation"]
            places.append(
                {
                    "metric": r["metric"],
                    "model": r["model"],
                    "layer": r["layer"],
                    "score": r["mean"],
                    "chance": r["chance"],
                    "rotation": r.get("rotation"),
                    "holds": r["mean"] > r["chance"] and above_rotation is not False,
                }
            )
    share = _share([p["holds"] for p in places])
    if share is None:
        return _finding("above_chance", claim, None, {}, "Needs the permutation or soft metric and its chance cells.")
    return _finding(
        "above_chance",
        claim,
        share >= MAJORITY,
        {"share": share, "n": len(places), "places": places},
        f"Matching beats chance and rotation at {share:.0%} of {len(places)} layers.",
    )


def _trend(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    from scipy.stats import spearmanr

    x, y = np.asarray(xs, float), np.asarray(ys, float)
    slope = float(np.polyfit(x, y, 1)[0])
    rho = float(spearmanr(x, y).statistic) if np.ptp(x) > 0 and np.ptp(y) > 0 else 0.0
    return slope, rho


def _depth_trend(depth: list[Row]) -> Finding:
    claim = "Alignment decreases with depth."
    series = []
    for (metric, model), by_layer in _by(depth, "metric", "model", "layer").items():
        pts = [(r["layer_fraction"], r["mean"]) for r in by_layer.values() if r.get("layer_fraction") is not None]
        if len(pts) >= 3:
            slope, rho = _trend(*zip(*pts))
            series.append(
                {"metric": metric, "model": model, "slope": slope, "spearman": rho, "holds": slope < 0 and rho < 0}
            )
    share = _share([s["holds"] for s in series])
    if share is None:
        return _finding("depth_trend", claim, None, {}, "Needs three or more layers with a depth fraction.")
    return _finding(
        "depth_trend",
        claim,
        share >= MAJORITY,
        {"share": share, "series": series},
        f"Alignment falls with depth in {share:.0%} of {len(series)} metric x model series (median slope "
        f"{np.median([s['slope'] for s in series]):.3f} per unit depth).",
    )


def _early_epoch(epochs: list[Row]) -> Finding:
    claim = "Nearly all of the final alignment is reached within the first epoch (>= 80% of the gain)."
    places = []
    rows = [
        dict(r, seen=r.get("epochs_seen") if r.get("epochs_seen") is not None else r.get("epoch"))
        for r in epochs
        if r.get("mean") is not None
    ]
    for (metric, model, layer), by_seen in _by(
        [r for r in rows if r["seen"] is not None], "metric", "model", "layer", "seen"
    ).items():
        if 0 not in by_seen or len(by_seen) < 3:
            continue
        after = [e for e in by_seen if e >= 1]  # the end of the first epoch (or the first checkpoint after it)
        first, last = (min(after) if after else None), max(by_seen)
        if first is None or first == last:
            continue
        gain = by_seen[last]["mean"] - by_seen[0]["mean"]
        if abs(gain) < 1e-6:
            continue
        share = (by_seen[first]["mean"] - by_seen[0]["mean"]) / gain
        places.append(
            {
                "metric": metric,
                "model": model,
                "layer": layer,
                "first_epoch": first,
                "final_epoch": last,
                "share_of_gain": float(share),
            }
        )
    if not places:
        return _finding("early_epoch", claim, None, {}, "Needs checkpoints at epoch 0, epoch 1 and a later epoch.")
    median = float(np.median([p["share_of_gain"] for p in places]))
    return _finding(
        "early_epoch",
        claim,
        median >= MAJORITY,
        {"median_share": median, "places": places},
        f"After the first epoch, the median layer has {median:.0%} of its final alignment gain.",
    )


def _ood_gaps(ood: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per metric, model and layer with a depth fraction: in-distribution mean, shifted mean and their gap."""
    from topoalign.align.audit_summary import wd_vs_ood

    return [r for r in wd_vs_ood(ood) if r["gap"] is not None and r.get("layer_fraction") is not None]


def _ood_depth(ood: list[dict[str, Any]]) -> Finding:
    claim = "Early layers stay aligned out of distribution; the WD minus OOD gap grows with depth."
    series: list[dict[str, Any]] = []
    gaps = _ood_gaps(ood)
    by_series: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for g in gaps:
        by_series[(g["metric"], g["model"])].append(g)
    for (metric, model), pts in by_series.items():
        if len(pts) >= 3:
            slope, rho = _trend([p["layer_fraction"] for p in pts], [p["gap"] for p in pts])
            series.append(
                {
                    "metric": metric,
                    "model": model,
                    "slope": slope,
                    "spearman": rho,
                    "holds": slope > 0 and rho > 0,
                    "layers": pts,
                }
            )
    share = _share([s["holds"] for s in series])
    if share is None:
        return _finding("ood_depth", claim, None, {}, "Needs shifted conditions and three or more layers.")
    return _finding(
        "ood_depth",
        claim,
        share >= MAJORITY,
        {"share": share, "series": series},
        f"The WD - OOD gap grows with depth in {share:.0%} of {len(series)} metric x model series.",
    )


def _ood_performance(ood: list[dict[str, Any]]) -> Finding:
    claim = "Across shifted conditions, alignment tracks task accuracy, more strongly in deeper layers."
    per_layer = []
    groups: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for r in ood:
        if r.get("mean") is not None and r.get("accuracy") is not None and r.get("same_architecture", True):
            groups[(r["metric"], r["model"], r["layer"])].append(r)
    for (metric, model, layer), rows in groups.items():
        if len(rows) >= 4 and rows[0].get("layer_fraction") is not None:
            acc, score = [r["accuracy"] for r in rows], [r["mean"] for r in rows]
            corr = float(np.corrcoef(acc, score)[0, 1]) if np.ptp(acc) > 0 and np.ptp(score) > 0 else 0.0
            per_layer.append(
                {
                    "metric": metric,
                    "model": model,
                    "layer": layer,
                    "layer_fraction": rows[0]["layer_fraction"],
                    "pearson": corr,
                    "n_conditions": len(rows),
                }
            )
    if not per_layer:
        return _finding(
            "ood_performance",
            claim,
            None,
            {},
            "Needs four or more conditions with a task accuracy (provenance metrics).",
        )
    deepest = max(per_layer, key=lambda p: p["layer_fraction"])
    by_series_pts: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for p in per_layer:
        by_series_pts[(p["metric"], p["model"])].append(p)
    slopes = [
        _trend([p["layer_fraction"] for p in pts], [p["pearson"] for p in pts])[0]
        for pts in by_series_pts.values()
        if len(pts) >= 3
    ]
    holds = deepest["pearson"] > 0 and (not slopes or float(np.median(slopes)) > 0)
    return _finding(
        "ood_performance",
        claim,
        holds,
        {"per_layer": per_layer, "median_slope": float(np.median(slopes)) if slopes else None},
        f"Correlation of alignment with accuracy at the deepest layer: {deepest['pearson']:.2f}; it "
        + (
            f"{'rises' if np.median(slopes) > 0 else 'falls'} with depth (median slope {np.median(slopes):.2f})."
            if slopes
            else "has too few layers for a trend."
        ),
    )


VERDICTS = {True: "holds", False: "does not hold", None: "cannot be checked"}


def _cell(text: str) -> str:
    """Markdown table cell text: pipes escaped, no line breaks."""
    return str(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def findings_markdown(findings: list[dict[str, Any]], title: str = "Findings", intro: str = "") -> str:
    """The findings as a Markdown report: one table row per claim (verdict and the numbers' sentence)."""
    lines = [f"# {_cell(title)}", ""] + ([_cell(intro), ""] if intro else [])
    lines += ["| finding | claim | verdict | evidence |", "| --- | --- | --- | --- |"]
    for f in findings:
        lines.append(f"| `{f['id']}` | {_cell(f['claim'])} | **{VERDICTS[f['holds']]}** | {_cell(f['text'])} |")
    return "\n".join(lines) + "\n"


def findings_report(summary: Mapping[str, Any]) -> str:
    """The Markdown report of a summarized audit (``audit_summary.stored_summary``): what was compared, then the
    findings table."""
    coll = summary.get("collection", {})
    plan, params = summary.get("plan", {}), summary.get("params", {})
    n_null = summary.get("n_null")
    intro = (
        f"Audit `{summary.get('audit_id', '')}` of collection {coll.get('name', '?')!s}: "
        f"{len(plan.get('models', []))} models, checkpoints {plan.get('checkpoints', [])}, metrics "
        f"{params.get('metrics', [])}, {params.get('folds', '?')}-fold cross-validation"
        + (f", chance from {n_null} permutation-null draws per cell" if n_null else "")
        + "."
    )
    return findings_markdown(summary.get("findings", []), title="Convergent-learning findings", intro=intro)
