"""Helpers of the job tests: waiting for a condition or for a job to end, and a small collection of two models x
three layers."""

from __future__ import annotations

import time

import numpy as np

from topoalign.representation import Provenance, Representation

FINAL = {"done", "failed", "cancelled", "interrupted"}


def add_two_models(store, name: str = "zoo", n: int = 300, d: int = 8, layers: int = 3) -> list[str]:
    """Two models x ``layers`` layers of three planted clusters (deeper = noisier); the representation ids, model
    by model."""
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(n)]
    store.create_collection(name, ids)
    centres = rng.normal(size=(3, d)) * 4
    base = centres[np.arange(n) % 3] + rng.normal(size=(n, d))
    out = []
    for model in ("m0", "m1"):
        for layer in range(layers):
            q = np.linalg.qr(rng.normal(size=(d, d)))[0]
            x = (base @ q + (0.2 + 0.4 * layer) * rng.normal(size=(n, d))).astype(np.float32)
            prov = Provenance(model=model, layer=f"L{layer}", layer_index=layer)
            out.append(
                store.add_representation(name, Representation(x, ids, provenance=prov, name=f"{model}/L{layer}")).id
            )
    return out


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Whether ``predicate()`` became true within ``timeout`` seconds (polled every ``interval``)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def wait_job(client, job_id: str, statuses=FINAL, timeout: float = 180) -> dict:
    """The job record (through the API of ``client``) once its status is one of ``statuses``."""
    last: dict = {}

    def ended() -> bool:
        last.update(client.get(f"/api/jobs/{job_id}").json())
        return last["status"] in statuses

    if wait_until(ended, timeout, 0.05):
        return last
    raise AssertionError(f"job {job_id} did not reach {statuses} in {timeout} s: {last}")
