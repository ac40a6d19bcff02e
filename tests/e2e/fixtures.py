"""Data for the end-to-end tests: the quick demo plus a second digits "model" (a rotated, noisy copy of seed 0),
because audits compare models and the quick demo trains one seed."""

from __future__ import annotations

import dataclasses

import numpy as np

from topoalign.representation import Representation


def add_second_model(store, collection: str = "digits", suffix: str = "-copy", noise: float = 0.3, seed: int = 1) -> int:
    rng = np.random.default_rng(seed)
    cid = next(c.id for c in store.list_collections() if c.name == collection)
    added = 0
    for rec in store.list_representations(cid):
        if rec.provenance.model is None or rec.provenance.model.endswith(suffix):
            continue
        rep = store.load_representation(rec.id)
        d = rep.matrix.shape[1]
        q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        X = rep.matrix @ q + noise * rep.matrix.std() * rng.normal(size=rep.matrix.shape)
        prov = dataclasses.replace(rep.provenance, model=rep.provenance.model + suffix, seed=(rep.provenance.seed or 0) + 100)
        store.add_representation(cid, Representation(X.astype(np.float32), rep.stimulus_ids, rep.labels, prov,
                                                     rep.name.replace(rep.provenance.model, prov.model)))
        added += 1
    return added
