"""The figures of docs/demo.md: what the bundled demo shows for each claim of the two papers TopoAlign follows.

Usage (after `make run` or `topoalign demo`):

    topoalign audit mnist --summary --json > mnist_audit.json      # the convergent-learning audit (~3 min)
    python docs/demo_claims.py --data data/store --audit mnist_audit.json > claims.md

Part 1 reads the audit's summary (its findings and figure rows). Part 2 compares the sentence models of the
``sentences`` and ``words`` collections: geometric scores (5-fold), the topological alignment score of their default
Mapper graphs against its shuffled-stimuli chance, and the footprints of concepts (negation, tense) in both graphs.
Everything is deterministic given the store.
"""

from __future__ import annotations

import argparse
import json
from itertools import combinations

import numpy as np


def _f(x, d=3):
    return "-" if x is None else f"{x:.{d}f}"


def audit_part(summary: dict) -> list[str]:
    out = ["## MNIST zoo: the convergent-learning audit", "",
           f"Audit `{summary.get('audit_id')}`: models {', '.join(summary['plan']['models'])}; checkpoints "
           f"{', '.join(summary['plan']['checkpoints'])}.", "", "| finding | verdict | evidence |", "| --- | --- | --- |"]
    verdict = {True: "holds", False: "does not hold", None: "cannot be checked"}
    for f in summary["findings"]:
        out.append(f"| `{f['id']}` {f['claim']} | **{verdict[f['holds']]}** | {f['text']} |")
    out += ["", "### Alignment vs depth (seeds of one architecture, final checkpoint, test images)", "",
            "| architecture | layer | linear | procrustes | permutation | procrustes, untrained | permutation chance |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    depth = {(r["model"], r["layer"], r["metric"]): r for r in summary["depth"]}
    layers = sorted({(r["model"], r["layer_fraction"], r["layer"]) for r in summary["depth"]})
    for model, _, layer in layers:
        g = lambda m, k="mean": (depth.get((model, layer, m)) or {}).get(k)  # noqa: E731
        out.append(f"| {model} | {layer} | {_f(g('linear'))} | {_f(g('procrustes'))} | {_f(g('permutation'))} | "
                   f"{_f(g('procrustes', 'random_mean'))} | {_f(g('permutation', 'chance'))} |")
    out += ["", "### Alignment through training (Procrustes, test images; accuracy = mean of the two seeds)", ""]
    rows = [r for r in summary["epochs"] if r["metric"] == "procrustes"]
    checkpoints = summary["plan"]["checkpoints"]
    out += ["| architecture | layer | " + " | ".join(checkpoints) + " |", "| --- | --- |" + " --- |" * len(checkpoints)]
    for model, _, layer in layers:
        by = {r["checkpoint"]: r for r in rows if r["model"] == model and r["layer"] == layer}
        out.append(f"| {model} | {layer} | " + " | ".join(_f((by.get(c) or {}).get("mean")) for c in checkpoints) + " |")
        if layer == "logits":
            out.append(f"| {model} | *accuracy* | " + " | ".join(_f((by.get(c) or {}).get("accuracy"), 2)
                                                               for c in checkpoints) + " |")
    out += ["", "### In- vs out-of-distribution (Procrustes between seeds, final checkpoint)", "",
            "| architecture | layer | test | mean over shifts | gap |", "| --- | --- | --- | --- | --- |"]
    for r in summary.get("wd_ood", []):
        if r["metric"] == "procrustes":
            out.append(f"| {r['model']} | {r['layer']} | {_f(r['wd'])} | {_f(r['ood_mean'])} | {_f(r['gap'])} |")
    ood = [r for r in summary["ood"] if r["metric"] == "procrustes"]
    models = sorted({r["model"] for r in ood if " vs " not in r["model"]})
    for model in models:
        mine = [r for r in ood if r["model"] == model]
        order = sorted({(r["layer_fraction"], r["layer"]) for r in mine})
        first, last = order[0][1], order[-2][1] if len(order) > 2 else order[-1][1]
        out += ["", f"#### {model}: per condition (Fig. 5), layers {first} and {last}", "",
                f"| condition | accuracy | {first} | {last} |", "| --- | --- | --- | --- |"]
        conds = sorted({r["condition"] for r in mine}, key=lambda c: (c != "test", c))
        cell = {(r["layer"], r["condition"]): r for r in mine}
        for c in conds:
            a, b = cell.get((first, c)), cell.get((last, c))
            out.append(f"| {c} | {_f((a or {}).get('accuracy'), 2)} | {_f((a or {}).get('mean'))} | "
                       f"{_f((b or {}).get('mean'))} |")
        corr = []
        for _, layer in order:
            pts = [(r["accuracy"], r["mean"]) for r in mine if r["layer"] == layer and r.get("accuracy") is not None]
            if len(pts) >= 4:
                acc, score = np.array(pts).T
                corr.append(f"{layer} {np.corrcoef(acc, score)[0, 1]:.2f}")
        out += ["", f"Pearson correlation of alignment with accuracy over the {len(conds)} conditions, by layer: "
                + ", ".join(corr) + "."]
    return out


def _models(store, collection):
    by: dict[str, list] = {}
    for r in store.list_representations(collection):
        by.setdefault(r.provenance.model, []).append(r)
    return {m: sorted(v, key=lambda r: r.provenance.layer_index) for m, v in by.items()}


def language_part(store) -> list[str]:
    from topoalign.align import alignment_score
    from topoalign.mapper.service import graph_for_representation
    from topoalign.topo.motifs import concept_footprint
    from topoalign.topo.score import topological_alignment_score
    from topoalign.topo.service import graph_labels

    out = ["## Sentence encoders: sentence level vs word level", "",
           "Pairs of models, first (embeddings) and last hidden state; geometric scores 5-fold cross-validated; "
           "topological score of the default Mapper graphs with its shuffled-stimuli chance (20 draws).", "",
           "| collection | models | layer | linear | procrustes | CKA | topological (chance) | graph nodes |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    graphs: dict[str, object] = {}
    for collection in ("sentences", "words"):
        models = _models(store, collection)
        for ma, mb in combinations(models, 2):
            for which in ("first", "last"):
                ra, rb = (models[m][0 if which == "first" else -1] for m in (ma, mb))
                a, b = store.load_representation(ra.id), store.load_representation(rb.id)
                scores = [alignment_score(a, b, metric=m, folds=5, random_state=0).score
                          for m in ("linear", "procrustes", "cka")]
                ga = graph_for_representation(store, ra.id, {})[1]
                gb = graph_for_representation(store, rb.id, {})[1]
                graphs[ra.id], graphs[rb.id] = ga, gb
                topo = topological_alignment_score(ga, gb, random_state=0, n_null=20)
                out.append(f"| {collection} | {ma} vs {mb} | {ra.provenance.layer} / {rb.provenance.layer} | "
                           f"{_f(scores[0])} | {_f(scores[1])} | {_f(scores[2])} | {_f(topo['score'])} "
                           f"({_f(topo['chance'])}) | {len(ga.nodes)} / {len(gb.nodes)} |")
    out += ["", "## Concepts in the last layers' graphs (sentences)", "",
            "Footprint of a label query: the nodes enriched for it (hypergeometric, BH q <= 0.05); coverage = share of "
            "the selected sentences inside the footprint; Jaccard = overlap of the two footprints' sentences, against "
            "the overlap two independent footprints of the same coverage would have.", "",
            "| models | query | nodes A / B | components A / B | coverage A / B | Jaccard | independent |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    models = _models(store, "sentences")
    for ma, mb in combinations(models, 2):
        ga, gb = (graph_for_representation(store, models[m][-1].id, {})[1] for m in (ma, mb))
        for query in ("negation == yes", "tense == past", "tense == future", "frame == question", "topic == music"):
            fp = concept_footprint([ga, gb], [ma, mb], query, labels=graph_labels(store, ga))
            (pa, pb), pair = fp["graphs"], fp["comparison"][0]
            ca, cb = pa["shape"]["coverage"], pb["shape"]["coverage"]
            k = fp["n_selected"] / max(pa["population"], 1)
            # two footprints drawn independently among the selected stimuli
            indep = (ca * cb) / (ca + cb - ca * cb) if ca + cb - ca * cb > 0 else 0.0
            out.append(f"| {ma} vs {mb} | `{query}` ({fp['n_selected']}, {k:.0%}) | {pa['shape']['nodes']} / "
                       f"{pb['shape']['nodes']} | {pa['shape']['components']} / {pb['shape']['components']} | "
                       f"{ca:.2f} / {cb:.2f} | {pair['stimulus_jaccard']:.2f} | {indep:.2f} |")
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="data/store")
    p.add_argument("--audit", help="JSON of `topoalign audit mnist --summary --json`")
    args = p.parse_args(argv)
    from topoalign.store import Store

    lines = []
    if args.audit:
        with open(args.audit) as f:
            lines += audit_part(json.load(f)) + [""]
    lines += language_part(Store(args.data))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
