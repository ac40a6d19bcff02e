"""Run long steps as jobs: a bounded thread pool, job records in the catalog, progress, cancellation."""

from __future__ import annotations

import json
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from topoalign.errors import JobCancelledError, TopoAlignError
from topoalign.jobs.progress import Progress

JobFn = Callable[[Progress], Any]
JobFactory = Callable[[dict[str, Any]], JobFn]


class JobRunner:
    """Runs job functions in at most ``max_concurrent`` threads and records them in the store's ``jobs`` table.

    A job function receives a progress callback and returns a JSON-able result. Progress writes are throttled;
    ``cancel`` makes the next progress call raise ``JobCancelledError``, ending the job as ``cancelled``.
    """

    def __init__(self, store, max_concurrent: int = 2):
        self.store = store
        self.max_concurrent = max_concurrent
        self._pool = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="topoalign-job")
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._running = 0
        self._factories: dict[str, JobFactory] = {}
        self._listeners: list[Callable[[str], None]] = []

    def register(self, kind: str, factory: JobFactory) -> None:
        """Declare how to build a job of ``kind`` from its JSON params, so it can be re-run after a crash."""
        self._factories[kind] = factory

    def submit(self, kind: str, params: dict[str, Any], fn: JobFn | None = None) -> str:
        """Queue a job; without ``fn`` it is built from ``params`` by the factory registered for ``kind``."""
        if fn is None:
            fn = self._factory(kind)(params)
        job_id = self.store.create_job(kind, params)
        self._pool.submit(self._run, job_id, fn)
        return job_id

    def rerun(self, job_id: str) -> str:
        """Start a new job with the kind and params of a finished, failed, cancelled or interrupted one."""
        from topoalign.errors import ConflictError

        job = self.store.get_job(job_id)
        if job["status"] in ("queued", "running"):
            raise ConflictError(f"Job {job_id} is still {job['status']}; only ended jobs can be re-run.")
        return self.submit(job["kind"], job["params"])

    def _factory(self, kind: str) -> JobFactory:
        from topoalign.errors import ConflictError

        if kind not in self._factories:
            raise ConflictError(f"Jobs of kind {kind!r} cannot be re-run: no factory is registered for it.")
        return self._factories[kind]

    def cancel(self, job_id: str) -> dict[str, Any]:
        job = self.store.get_job(job_id)
        if job["status"] in ("queued", "running"):
            with self._lock:
                self._cancelled.add(job_id)
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
        return self._running

    def _run(self, job_id: str, fn: JobFn) -> None:
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
            result = fn(progress)
            self._update(job_id, status="done", progress=1.0, message="done",
                         result_json=json.dumps(result, default=str))
        except JobCancelledError:
            self._update(job_id, status="cancelled", message="cancelled")
        except TopoAlignError as exc:
            self._update(job_id, status="failed", message=exc.code, error=str(exc))
        except Exception as exc:  # a bug, not bad input: keep the trace for the job record
            self._update(job_id, status="failed", message=type(exc).__name__,
                         error=f"{exc}\n{traceback.format_exc(limit=5)}")
        finally:
            with self._lock:
                self._running -= 1
                self._cancelled.discard(job_id)

    def shutdown(self) -> None:
        with self._lock:
            self._cancelled.update(j["id"] for j in self.store.list_jobs() if j["status"] in ("queued", "running"))
        self._pool.shutdown(wait=False, cancel_futures=True)
