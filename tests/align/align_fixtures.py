"""Planted data for the alignment tests: small, seeded, with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from topoalign.representation import Provenance, Representation


def planted(n: int = 120, d: int = 12, seed: int = 0) -> np.ndarray:
    """(n x d) activations with a decaying spectrum (like real layers), non-negative means."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * np.linspace(2.0, 0.3, d) + 1.0


def build_synthetic_collection(
    store,
    n: int = 60,
    d: int = 6,
    layers: int = 3,
    seeds: int = 2,
    epochs: tuple[int, ...] = (0, 2),
    ood: tuple[str, ...] = ("ood:noise",),
):
    """A collection where layer l of seed s is a noisy rotation of a shared latent, more noise deeper."""
    rng = np.random.default_rng(0)
    ids = [f"t{i}" for i in range(n)] + [f"{c}:{i}" for c in ood for i in range(n)]
    store.create_collection(
        "synth", ids, labels=pd.DataFrame({"y": [i % 3 for i in range(len(ids))]}, index=pd.Index(ids))
    )
    latent = {"test": rng.standard_normal((n, d))}
    for c in ood:
        latent[c] = rng.standard_normal((n, d))
    for s in range(seeds):
        for e in epochs:
            for l in range(layers):
                for cond, Z in latent.items():
                    noise = (0.2 + 0.5 * l) * (2.0 if e == 0 else 1.0) * (2.0 if cond != "test" else 1.0)
                    Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
                    M = Z @ Q + noise * rng.standard_normal((n, d))
                    sids = [f"t{i}" for i in range(n)] if cond == "test" else [f"{cond}:{i}" for i in range(n)]
                    prov = Provenance(
                        model=f"net-s{s}",
                        layer=f"L{l}",
                        layer_index=l,
                        layer_fraction=l / max(layers - 1, 1),
                        checkpoint=f"epoch-{e}",
                        epoch=e,
                        condition=cond,
                        seed=s,
                    )
                    store.add_representation(
                        "synth", Representation(M, sids, provenance=prov, name=f"net-s{s}/L{l}/epoch-{e}/{cond}")
                    )
    return store.get_collection("synth")
