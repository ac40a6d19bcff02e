"""The Dask client the audit runs on: in-process by default, an existing cluster when given its address."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from distributed import Client


@contextmanager
def dask_client(scheduler_address: str | None = None, n_workers: int = 1, threads_per_worker: int = 2) -> Iterator[Client]:
    """A ``distributed.Client``: to ``scheduler_address`` (``tcp://host:port``) if given, else an in-process cluster.

    The in-process cluster uses threads (``processes=False``) so it starts fast and shares memory with the caller.
    """
    if scheduler_address:
        client = Client(scheduler_address, timeout="10s")
    else:
        client = Client(processes=False, n_workers=n_workers, threads_per_worker=threads_per_worker,
                        dashboard_address=None)
    try:
        yield client
    finally:
        client.close()
