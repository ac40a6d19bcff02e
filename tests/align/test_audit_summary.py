"""The audit's figures against a brute-force recomputation from the cells, and the findings on payloads where each
claim is planted true or false."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from topoalign.align.audit_summary import summarize
from topoalign.align.findings import audit_findings, findings_markdown
from topoalign.representation import Provenance

LAYERS = ["l0", "l1", "l2", "l3"]
MODELS = ["net-s0", "net-s1", "net-s2"]


def cell(
    analysis, metric, score, a, b, layer, li, *, checkpoint="epoch-5", epoch=5, condition="test", std=0.01, **extra
):
    return {
        "analysis": analysis,
        "metric": metric,
        "score": score,
        "std": std,
        "folds": [score],
        "model_a": a,
        "model_b": b,
        "layer_a": layer,
        "layer_b": layer,
        "layer_index_a": li,
        "layer_index_b": li,
        "layer_fraction_a": li / 3,
        "layer_fraction_b": li / 3,
        "checkpoint": checkpoint,
        "epoch": epoch,
        "condition": condition,
        "representation_a": f"{a}/{checkpoint}/{condition}/{layer}",
        "representation_b": f"{b}/{checkpoint}/{condition}/{layer}",
        **extra,
    }


def planted(*, decreasing=True, ordered=True, privileged=True, early=True, ood_grows=True, acc_tracks=True, seed=0):
    """Cells of three seeds of one architecture where each claim holds or fails as asked."""
    rng = np.random.default_rng(seed)
    cells = []
    for (a, b), (li, layer) in itertools.product(itertools.combinations(MODELS, 2), enumerate(LAYERS)):
        base = 0.9 - 0.15 * li if decreasing else 0.45 + 0.1 * li
        scores = {"linear": base + 0.05, "procrustes": base, "permutation": base - 0.2}
        if not ordered:
            scores["permutation"] = base + 0.1
        for metric, s in scores.items():
            s += rng.normal(0, 0.005)
            extra = {}
            if metric == "permutation":
                extra = {"chance": 0.05, "rotation": (0.1 if privileged else s + 0.05)}
            cells.append(cell("depth", metric, s, a, b, layer, li, **extra))
            cells.append(cell("random_init", metric, s * 0.3, a, b, layer, li, checkpoint="epoch-0", epoch=0))
            for e in (0, 1, 2, 5):
                share = (0.95 if early else 0.3) if e == 1 else (0.0 if e == 0 else 1.0 if e == 5 else 0.97)
                value = s * 0.3 + (s - s * 0.3) * share
                cells.append(cell("epochs", metric, value, a, b, layer, li, checkpoint=f"epoch-{e}", epoch=e))
            for k, cond in enumerate(["test"] + [f"ood:shift{j}" for j in range(1, 6)]):
                drop = 0.0 if cond == "test" else (0.02 * k * li if ood_grows else 0.05 * k * (3 - li))
                cells.append(cell("ood", metric, s - drop, a, b, layer, li, condition=cond))
    provenance = {}
    for c in cells:
        for side in ("a", "b"):
            cond, k = c["condition"], 0 if c["condition"] == "test" else int(c["condition"][-1])
            acc = 0.95 - 0.08 * k if acc_tracks else 0.5 + 0.07 * (k % 2)
            provenance[c[f"representation_{side}"]] = Provenance(architecture="net", metrics={"accuracy": acc})
    return {"cells": cells, "plan": {}}, provenance


def test_depth_rows_equal_a_brute_force_recomputation_and_the_random_band_is_untrained_only():
    payload, provenance = planted()
    # a trained final-checkpoint random_init cell must not enter the band: add one with an absurd score
    payload["cells"].append(cell("random_init", "linear", 99.0, "net-s0", "net-s1", "l0", 0))
    payload["cells"][-1]["checkpoint"], payload["cells"][-1]["epoch"] = "epoch-5", 5
    payload["cells"][-1]["analysis"] = "depth_extra"  # not an analysis the summary reads
    s = summarize(payload, provenance)
    for row in s["depth"]:
        depth = [
            c["score"]
            for c in payload["cells"]
            if c["analysis"] == "depth" and c["metric"] == row["metric"] and c["layer_a"] == row["layer"]
        ]
        random = [
            c["score"]
            for c in payload["cells"]
            if c["analysis"] == "random_init"
            and c["metric"] == row["metric"]
            and c["layer_a"] == row["layer"]
            and c["epoch"] == 0
        ]
        assert row["model"] == "net" and row["n_pairs"] == len(depth) == 3
        assert row["mean"] == pytest.approx(np.mean(depth)) and row["sd"] == pytest.approx(np.std(depth, ddof=1))
        assert row["random_mean"] == pytest.approx(np.mean(random)) and row["random_mean"] < 1
        assert row["fold_sd"] == pytest.approx(0.01)
    perm = [r for r in s["depth"] if r["metric"] == "permutation"]
    assert all(r["chance"] == pytest.approx(0.05) for r in perm)
    assert [r["layer"] for r in perm] == LAYERS  # depth order


def test_epoch_and_ood_rows_carry_the_task_accuracy():
    payload, provenance = planted()
    s = summarize(payload, provenance)
    e = [r for r in s["epochs"] if r["metric"] == "procrustes" and r["layer"] == "l1"]
    assert [r["epoch"] for r in e] == [0, 1, 2, 5] and all(r["n_pairs"] == 3 for r in e)
    assert all(r["accuracy"] == pytest.approx(0.95) for r in e)
    o = {r["condition"]: r for r in s["ood"] if r["metric"] == "procrustes" and r["layer"] == "l2"}
    assert o["test"]["in_distribution"] and not o["ood:shift3"]["in_distribution"]
    assert o["ood:shift3"]["accuracy"] == pytest.approx(0.95 - 0.24)


def test_layer_matrices_with_row_and_column_maxima():
    cells = [
        cell("layers", "cka", 0.1 * (i + 1) + 0.01 * j, "m1", "m2", la, i)
        | {"layer_b": lb, "layer_index_b": j, "layer_fraction_b": j / 2}
        for (i, la), (j, lb) in itertools.product(enumerate(["a", "b"]), enumerate(["x", "y", "z"]))
    ]
    cells += [cell("layers", "cka", 1.0, "m1", "m1", "a", 0) | {"layer_b": "b", "layer_index_b": 1}]
    mats = {(m["model_a"], m["model_b"]): m for m in summarize({"cells": cells})["layers"]}
    m = mats[("m1", "m2")]
    assert m["rows"] == ["a", "b"] and m["columns"] == ["x", "y", "z"]
    assert m["row_max"] == pytest.approx([0.12, 0.22]) and m["col_max"] == pytest.approx([0.2, 0.21, 0.22])
    assert mats[("m1", "m1")]["within_model"] is True


@pytest.mark.parametrize(
    "claim,kwargs",
    [
        ("ordering", {"ordered": False}),
        ("depth_trend", {"decreasing": False}),
        ("above_chance", {"privileged": False}),
        ("early_epoch", {"early": False}),
        ("ood_depth", {"ood_grows": False}),
        ("ood_performance", {"acc_tracks": False}),
    ],
)
def test_each_finding_holds_when_planted_and_fails_when_not(claim, kwargs):
    true = {f["id"]: f for f in summarize(*planted())["findings"]}
    false = {f["id"]: f for f in summarize(*planted(**kwargs))["findings"]}
    assert true[claim]["holds"] is True, true[claim]
    assert false[claim]["holds"] is False, false[claim]
    assert true[claim]["evidence"] and true[claim]["text"]


def test_findings_without_what_they_need_cannot_be_checked():
    payload, provenance = planted()
    payload["cells"] = [c for c in payload["cells"] if c["analysis"] == "depth" and c["metric"] == "linear"]
    found = {f["id"]: f for f in audit_findings(summarize(payload, provenance))}
    assert found["ordering"]["holds"] is None and found["early_epoch"]["holds"] is None
    assert found["depth_trend"]["holds"] is True
    md = findings_markdown(list(found.values()))
    assert md.startswith("# Findings") and "cannot be checked" in md and "**holds**" in md


def test_architecture_labels_are_short_and_distinct():
    payload, provenance = planted()
    long = "conv(1->8)-conv(8->16)-maxpool-conv(16->32)-fc(512->64)-fc(64->10)"
    provenance = {k: Provenance(architecture=long, metrics=v.metrics) for k, v in provenance.items()}
    s = summarize(payload, provenance)
    assert {r["model"] for r in s["depth"]} == {"net"} and s["architectures"] == {"net": long}
    # a second architecture whose seeds have the same stem keeps its own (full) name
    extra = [
        dict(
            c,
            model_a="net-s8",
            model_b="net-s9",
            representation_a="x/" + c["representation_a"],
            representation_b="x/" + c["representation_b"],
        )
        for c in payload["cells"]
        if c["analysis"] == "depth"
    ]
    provenance.update({c[f"representation_{s}"]: Provenance(architecture="other") for c in extra for s in "ab"})
    s2 = summarize({"cells": payload["cells"] + extra}, provenance)
    assert {r["model"] for r in s2["depth"]} == {"net", "other"}


def test_checkpoints_inside_the_first_epoch_are_placed_by_epochs_seen():
    """In-epoch checkpoints share ``epoch`` 1 (the epoch in progress); ``extra.epochs_seen`` orders them, and the
    first-epoch finding reads the end of epoch 1, not whichever of them came last."""
    cells, provenance = [], {}
    for seen, share in ((0.0, 0.0), (0.1, 0.5), (0.5, 0.7), (1.0, 0.9), (3.0, 1.0)):
        epoch = 0 if seen == 0 else max(1, int(np.ceil(seen)))
        for li, layer in enumerate(LAYERS):
            c = cell(
                "epochs",
                "procrustes",
                0.2 + 0.6 * share,
                "net-s0",
                "net-s1",
                layer,
                li,
                checkpoint=f"ck{seen}",
                epoch=epoch,
            )
            cells.append(c)
            for side in "ab":
                provenance[c[f"representation_{side}"]] = Provenance(architecture="net", extra={"epochs_seen": seen})
    s = summarize({"cells": cells}, provenance)
    xs = [r["epochs_seen"] for r in s["epochs"] if r["layer"] == "l0"]
    assert xs == [0.0, 0.1, 0.5, 1.0, 3.0]
    early = next(f for f in s["findings"] if f["id"] == "early_epoch")
    assert early["evidence"]["median_share"] == pytest.approx(0.9) and early["holds"] is True


def test_pairs_of_different_architectures_stay_out_of_figs_4_and_5():
    payload, provenance = planted()
    cross = []
    for c in payload["cells"]:
        if c["analysis"] == "ood" and c["model_a"] == "net-s0" and c["model_b"] == "net-s1":
            x = dict(c, model_b="mlp-s0", representation_b="mlp/" + c["representation_b"], score=0.01)
            provenance[x["representation_b"]] = Provenance(architecture="mlp", metrics={"accuracy": 0.5})
            cross.append(x)
    with_cross = summarize({"cells": payload["cells"] + cross}, provenance)
    alone = summarize(payload, provenance)
    assert any(not r["same_architecture"] for r in with_cross["ood"])
    assert with_cross["wd_ood"] == alone["wd_ood"]
    f = {x["id"]: x for x in with_cross["findings"]}
    g = {x["id"]: x for x in alone["findings"]}
    assert f["ood_performance"]["evidence"] == g["ood_performance"]["evidence"]
