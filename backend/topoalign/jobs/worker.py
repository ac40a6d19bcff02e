"""What runs on a Dask worker: one piece of a job under the server's budgets, its progress sent back to the server,
its job's cancellation, and the warm-up of a new worker process.

A piece is a plain importable function (large arrays stay in the store: a piece gets ids and the data directory,
and reads what it needs itself). :func:`run_piece` wraps it on the worker: it applies the budgets of the server that
sent it (:func:`topoalign.limits.applied`), and gives it a progress callback (:class:`PieceProgress`) that raises
``JobCancelledError`` once the server has marked the job cancelled on this worker (:func:`mark_cancelled`, sent by
``Client.run``) and, for a piece that stands for the whole job, sends throttled progress events to the server
(``Worker.log_event`` on :data:`PROGRESS_TOPIC`; the server subscribes to the topic).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

from distributed.diagnostics.plugin import WorkerPlugin

from topoalign import limits
from topoalign.errors import JobCancelledError, TopoAlignError
from topoalign.dask_client import PieceFailed

PROGRESS_TOPIC = "topoalign-job-progress"
_CANCELLED: "OrderedDict[str, None]" = OrderedDict()
_CANCELLED_KEPT = 10_000  # ids of cancelled jobs a worker remembers
_LOCK = threading.Lock()
_PRIORITY = {"nice": 0}  # set by WarmWorker in each worker process
_LOWERED = threading.local()
logger = logging.getLogger("topoalign.jobs")


def mark_cancelled(job_id: str) -> None:
    """Make the progress calls of ``job_id``'s pieces in this worker process raise (run on every worker)."""
    with _LOCK:
        _CANCELLED[job_id] = None
        while len(_CANCELLED) > _CANCELLED_KEPT:
            _CANCELLED.popitem(last=False)


def is_cancelled(job_id: str) -> bool:
    return job_id in _CANCELLED


class PieceProgress:
    """The progress callback of a piece of job ``job_id``.

    Raises ``JobCancelledError`` once the job is cancelled. With a ``span`` (start, stop) the piece's [0, 1] is the
    job's [start, stop] and is sent to the server at most every ``min_interval`` seconds (and at 1.0); without one
    (pieces running side by side, whose fractions would interleave) nothing is sent.
    """

    def __init__(self, job_id: str, span: tuple[float, float] | None, min_interval: float = 0.2):
        self.job_id, self.span, self.min_interval = job_id, span, min_interval
        self._last = 0.0

    def check(self) -> None:
        if is_cancelled(self.job_id):
            raise JobCancelledError(f"Job {self.job_id} was cancelled.")

    def __call__(self, fraction: float, message: str = "") -> None:
        self.check()
        if self.span is None:
            return
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < self.min_interval:
            return
        self._last = now
        start, stop = self.span
        send_progress(self.job_id, start + (stop - start) * min(max(float(fraction), 0.0), 1.0), message)


def send_progress(job_id: str, fraction: float, message: str = "") -> None:
    """Send a progress event of ``job_id`` to the server (a no-op outside a Dask worker)."""
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:  # not on a worker (a piece called directly)
        return
    worker.log_event(PROGRESS_TOPIC, {"job": job_id, "progress": float(fraction), "message": str(message)[:500]})


def run_piece(
    job_id: str,
    budgets: dict[str, int],
    span: tuple[float, float] | None,
    pass_progress: bool,
    fn: Callable[..., Any],
    args: tuple,
) -> Any:
    """``fn(*args)`` (with ``progress=`` when ``pass_progress``) under ``budgets``: what a Dask task of a job runs.
    A domain error (bad input, a budget, the job's cancellation) comes back as a :class:`PieceFailed` value: it
    is the job's outcome, not a crash for the worker's log."""
    lower_priority()
    progress = PieceProgress(job_id, span)
    try:
        progress.check()  # a piece of a job cancelled while it queued stops here
        with limits.applied(budgets):
            return fn(*args, progress=progress) if pass_progress else fn(*args)
    except TopoAlignError as exc:
        return PieceFailed(exc)


def lower_priority() -> None:
    """Run this thread (and the threads it starts) at the worker's nice value: the in-process cluster's workers
    yield the cores to the server, so that reads stay fast while jobs run. On Linux a nice value is per thread."""
    nice = _PRIORITY["nice"]
    if nice and getattr(_LOWERED, "nice", 0) != nice:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
        except (OSError, AttributeError):  # pragma: no cover - not permitted, or not POSIX
            pass
        _LOWERED.nice = nice


def share_cores(cores: int) -> None:
    """This worker's share of a machine it splits with other workers: its Mapper thread pools and BLAS use at most
    ``cores`` threads, so that pieces running side by side on several workers do not oversubscribe the cores."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from topoalign.cores import set_core_share

    set_core_share(cores)
    blas = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    if blas and max(blas) > cores:  # only ever fewer: a nanny starts its workers with one BLAS thread already
        threadpool_limits(limits=cores, user_api="blas")


def warm_up_worker() -> None:
    """Load what every job needs once per worker process: the compute modules and the numba kernels of the joint
    layout and of Mapper's pair step (compiled, or read from numba's disk cache)."""
    import importlib

    lower_priority()
    try:
        for module in ("topoalign.mapper.service", "topoalign.topo.service", "topoalign.align.audit"):
            importlib.import_module(module)
        from topoalign.mapper import neighbors
        from topoalign.topo import stress_numba

        stress_numba.warm_up()
        neighbors.warm_up_pair_loop()
    except Exception:  # noqa: BLE001 - a failed warm-up costs the first job its imports, nothing more
        logger.exception("warming up the worker failed")


class WarmWorker(WorkerPlugin):
    """Registered on the cluster: every worker process (and every replacement) warms up in a background thread as it
    starts, so the first jobs do not pay the imports and compilation; with ``nice`` > 0 its job threads run at that
    lower CPU priority; with ``cores`` its compute uses at most that many threads (:func:`share_cores`)."""

    name = "topoalign-warm"

    def __init__(self, nice: int = 0, cores: int | None = None):
        self.nice, self.cores = nice, cores

    def setup(self, worker) -> None:
        _PRIORITY["nice"] = self.nice
        if self.cores:
            share_cores(self.cores)
        threading.Thread(target=warm_up_worker, name="topoalign-warm", daemon=True).start()
