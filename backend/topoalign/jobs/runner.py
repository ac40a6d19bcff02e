"""Run long steps as jobs: job records in the catalog, two lanes, progress, cancellation; the work on Dask.

Every job kind of :data:`topoalign.jobs.kinds.KINDS` runs on the Dask cluster of a :class:`~.engine.DaskEngine`:
its driver coordinates from one of the runner's lane threads, its pieces run on the workers
(:mod:`topoalign.jobs.context`). Cheap interactive jobs (graph builds) and heavy ones (regions, score, audits, ...)
run in separate lanes (:mod:`topoalign.jobs.lanes`), here and on the workers, so heavy jobs cannot keep every build
waiting. A request identical to a queued or running one (same kind, same params) is merged into it: ``submit``
returns the existing job's id. Functions given to ``submit`` and kinds given to ``register`` run in the lane thread
itself (in this process).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from topoalign import limits
from topoalign.errors import ConflictError, JobCancelledError, TopoAlignError
from topoalign.finite_json import dumps_finite
from topoalign.jobs.context import JobContext, JobEnv
from topoalign.jobs.kinds import KINDS
from topoalign.jobs.lanes import HEAVY, INTERACTIVE, lane_of
from topoalign.progress import Progress
from topoalign.jobs.public_error import public_error, public_text, server_roots

JobFn = Callable[[Progress], Any]
JobFactory = Callable[[dict[str, Any]], JobFn]
logger = logging.getLogger("topoalign.jobs")


class CoreJob:
    """A job of a kind of :data:`~topoalign.jobs.kinds.KINDS`: its driver runs with a :class:`JobContext`."""

    def __init__(self, kind: str, params: dict[str, Any]):
        self.kind, self.params = kind, params


class JobRunner:
    """Runs jobs and records them in the store's ``jobs`` table.

    Heavy jobs run at most ``max_concurrent`` at once, interactive ones at most ``max_interactive`` (each lane has
    its own queue). A job's work runs on ``engine`` (a :class:`~topoalign.jobs.engine.DaskEngine`; by default the
    process's in-process cluster, started on first use) with ``env`` (data directory and budgets; by default the
    store's and the process's). A job receives a progress callback and returns a JSON-able result. Progress writes
    are throttled; ``cancel`` makes the next progress call raise ``JobCancelledError`` (and stops the job's pieces
    on the workers), ending the job as ``cancelled``. A failed job's record keeps the error's type and message
    without paths; the traceback is logged.
    """

    def __init__(
        self, store, max_concurrent: int = 2, max_interactive: int = 2, *, engine=None, env: JobEnv | None = None
    ):
        self.store = store
        self._engine = engine
        self.env = env or JobEnv(str(store.data_dir), limits.as_dict())
        self.max_concurrent = max_concurrent
        self.max_interactive = max_interactive
        self._pools = {
            HEAVY: ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="topoalign-job"),
            INTERACTIVE: ThreadPoolExecutor(
                max_workers=max_interactive, thread_name_prefix="topoalign-interactive-job"
            ),
        }
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._running = 0
        self._active: dict[str, str] = {}  # request key -> id of its queued or running job
        self._key_of: dict[str, str] = {}
        self._factories: dict[str, JobFactory] = {}
        self._listeners: list[Callable[[str], None]] = []
        self._roots = server_roots(getattr(store, "data_dir", None))

    @property
    def engine(self):
        """The Dask engine the jobs' work runs on (the process's default in-process cluster unless given)."""
        if self._engine is None:
            from topoalign.jobs.engine import EngineConfig, default_workers, shared_engine

            self._engine = shared_engine(EngineConfig(n_workers=default_workers()))
        return self._engine

    def register(self, kind: str, factory: JobFactory) -> None:
        """Declare a kind that runs in this process (not on Dask): how to build its job function from its JSON
        params. The kinds of :data:`~topoalign.jobs.kinds.KINDS` need no registration."""
        self._factories[kind] = factory

    def submit(self, kind: str, params: dict[str, Any], fn: JobFn | CoreJob | None = None) -> str:
        """Queue a job in its kind's lane and return its id; without ``fn`` it is built from ``params`` (a kind of
        :data:`~topoalign.jobs.kinds.KINDS`, or one given to :meth:`register`), and a queued or running job of the
        same kind and params (not cancelled) is reused instead: its id is returned and nothing new is queued."""
        key = None
        if fn is None:
            fn = self._job_for(kind, params)
            key = kind + "\0" + json.dumps(params, sort_keys=True, default=str)
        with self._lock:  # check and create at once: concurrent identical requests get one job
            if key is not None and key in self._active:
                return self._active[key]
            job_id = self.store.create_job(kind, params)
            if key is not None:
                self._active[key], self._key_of[job_id] = job_id, key
        self._pools[lane_of(kind)].submit(self._execute, job_id, fn)
        return job_id

    def rerun(self, job_id: str) -> str:
        """Start a new job with the kind and params of a finished, failed, cancelled or interrupted one."""
        job = self.store.get_job(job_id)
        if job["status"] in ("queued", "running"):
            raise ConflictError(f"Job {job_id} is still {job['status']}; only ended jobs can be re-run.")
        return self.submit(job["kind"], job["params"])

    def _job_for(self, kind: str, params: dict[str, Any]) -> JobFn | CoreJob:
        if kind in self._factories:
            return self._factories[kind](params)
        if kind in KINDS:
            return CoreJob(kind, params)
        raise ConflictError(f"Jobs of kind {kind!r} cannot be run: no such job kind.")

    def cancel(self, job_id: str) -> dict[str, Any]:
        job = self.store.get_job(job_id)
        if job["status"] in ("queued", "running"):
            with self._lock:
                self._cancelled.add(job_id)
                self._forget(job_id)  # a new identical request starts afresh rather than joining a cancelled job
            if job["status"] == "queued":
                self._update(job_id, status="cancelled", message="cancelled before it started")
        return self.store.get_job(job_id)

    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call ``listener(job_id)`` (from the job's thread) after each change of a job record; returns the
        unsubscribe function. Event streams use it to answer at once instead of on their next poll."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _update(self, job_id: str, **fields: Any) -> None:
        self.store.update_job(job_id, **fields)
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(job_id)
            except Exception:  # noqa: BLE001 - a gone listener (a closed stream's loop) must not fail the job
                pass

    @property
    def busy(self) -> int:
        """Jobs running now, in both lanes."""
        return self._running

    def _forget(self, job_id: str) -> None:
        """Stop merging new requests into ``job_id`` (call with the lock held)."""
        key = self._key_of.pop(job_id, None)
        if key is not None and self._active.get(key) == job_id:
            del self._active[key]

    def _execute(self, job_id: str, fn: JobFn | CoreJob) -> None:
        try:
            self._run(job_id, fn)
        finally:
            with self._lock:
                self._forget(job_id)
                self._cancelled.discard(job_id)

    def _run(self, job_id: str, fn: JobFn | CoreJob) -> None:
        if job_id in self._cancelled:
            return
        with self._lock:
            self._running += 1
        self._update(job_id, status="running", message="started")
        last = [0.0]

        def progress(fraction: float, message: str = "") -> None:
            if job_id in self._cancelled:
                raise JobCancelledError(f"Job {job_id} was cancelled.")
            now = time.monotonic()
            if now - last[0] >= 0.2 or fraction >= 1.0:
                last[0] = now
                self._update(job_id, progress=float(min(max(fraction, 0.0), 1.0)), message=message[:500])

        try:
            result = self._call(job_id, fn, progress)
            self._update(
                job_id, status="done", progress=1.0, message="done", result_json=dumps_finite(result, default=str)
            )
        except JobCancelledError:
            self._update(job_id, status="cancelled", message="cancelled")
        except TopoAlignError as exc:
            self._update(job_id, status="failed", message=exc.code, error=public_text(str(exc), self._roots))
        except Exception as exc:  # a bug, not bad input: the trace goes to the log, the record says what failed
            logger.exception("job %s failed", job_id)
            self._update(job_id, status="failed", message=type(exc).__name__, error=public_error(exc, self._roots))
        finally:
            with self._lock:
                self._running -= 1

    def _call(self, job_id: str, fn: JobFn | CoreJob, progress: Progress) -> Any:
        if not isinstance(fn, CoreJob):
            return fn(progress)
        ctx = JobContext(
            self.engine, job_id, lane_of(fn.kind), self.env, self.store, progress, lambda: job_id in self._cancelled
        )
        return KINDS[fn.kind](ctx, fn.params)

    def shutdown(self) -> None:
        with self._lock:
            self._cancelled.update(j["id"] for j in self.store.list_jobs() if j["status"] in ("queued", "running"))
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
