"""Dask plumbing shared by the job runner and the CLI: a client (in-process or to an existing cluster) and the wait
on a batch of futures with progress."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from distributed import Client

from topoalign.progress import Progress


@contextmanager
def dask_client(
    scheduler_address: str | None = None, n_workers: int = 1, threads_per_worker: int = 2
) -> Iterator[Client]:
    """A ``distributed.Client``: to ``scheduler_address`` (``tcp://host:port``) if given, else an in-process cluster.

    The in-process cluster uses threads (``processes=False``) so it starts fast and shares memory with the caller
    (the CLI's one-off audits; the server's job runner keeps a cluster of worker processes, :mod:`.engine`).
    """
    if scheduler_address:
        client = Client(scheduler_address, timeout="10s")
    else:
        client = Client(
            processes=False, n_workers=n_workers, threads_per_worker=threads_per_worker, dashboard_address=None
        )
    try:
        yield client
    finally:
        client.close()


class PieceFailed:
    """An expected failure of a task (bad input, a limit, a cancellation), returned instead of raised so that the
    worker does not log it as a crash; :func:`gather_in_order` raises ``error`` on the caller's side."""

    def __init__(self, error: BaseException):
        self.error = error


def gather_in_order(
    futures: Sequence,
    *,
    progress: Progress | None = None,
    what: str = "tasks",
    poll: Callable[[], None] | None = None,
    interval: float = 0.2,
) -> list[Any]:
    """The results of ``futures`` in their order.

    Waits in steps of at most ``interval`` seconds: ``progress(done / total, "<what>: <done>/<total> tasks")`` after
    each finished future, ``poll()`` between steps (it may raise to stop waiting, e.g. on cancellation). The first
    error of a future (raised, or returned as :class:`PieceFailed`) is raised; on any way out, the futures not
    finished are cancelled.
    """
    from distributed import wait

    position = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    pending, done_count = set(futures), 0
    try:
        while pending:
            if poll is not None:
                poll()
            try:
                done, pending = wait(pending, timeout=interval, return_when="FIRST_COMPLETED")
            except TimeoutError:
                continue
            for future in done:
                value = future.result()
                if isinstance(value, PieceFailed):
                    raise value.error
                results[position[future.key]] = value
                done_count += 1
                if progress is not None:
                    progress(done_count / len(futures), f"{what}: {done_count}/{len(futures)} tasks")
    finally:
        for future in futures:
            if not future.done():
                future.cancel()
    return results
