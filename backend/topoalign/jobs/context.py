"""The context a job's driver runs in: its environment, its progress, and its pieces on the Dask cluster.

A driver (:mod:`topoalign.jobs.kinds`) runs in the server's lane thread and only coordinates: the work runs as
pieces on Dask workers, :meth:`JobContext.call` one piece whose progress is the job's, :meth:`JobContext.map`
independent pieces side by side (progress per finished piece). While it waits, the context relays the pieces'
progress events to the job record, and when the job is cancelled it cancels the queued pieces and marks the job
cancelled on the workers (running pieces stop at their next progress call). A worker that dies under a piece
becomes a ``WorkerLostError`` naming the memory budget when its nanny stopped it for memory.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from topoalign.errors import JobCancelledError
from topoalign.progress import Progress


@dataclass(frozen=True)
class JobEnv:
    """What a job needs besides its params: the data directory (the same path on every worker), the server's
    compute budgets (:mod:`topoalign.limits`) and its other limits."""

    data_dir: str
    budgets: dict[str, int] = field(default_factory=dict)
    max_graph_nodes: int | None = None
    models_dir: str | None = None


class JobContext:
    """Runs the pieces of job ``job_id`` (in ``lane``) on ``engine``; ``progress`` is the runner's callback (it
    raises ``JobCancelledError`` once the job is cancelled), ``cancelled()`` says whether it is."""

    def __init__(
        self, engine, job_id: str, lane: str, env: JobEnv, store, progress: Progress, cancelled: Callable[[], bool]
    ):
        self.engine, self.job_id, self.lane, self.env, self.store = engine, job_id, lane, env, store
        self.progress = progress
        self._cancelled = cancelled
        self._latest: tuple[float, str] | None = None
        self._lock = threading.Lock()

    def call(self, fn: Callable[..., Any], *args: Any, start: float = 0.0, stop: float = 1.0) -> Any:
        """``fn(*args, progress=...)`` on a worker; its progress is the job's from ``start`` to ``stop``."""
        return self._run(fn, [args], span=(start, stop), pass_progress=True)[0]

    def map(
        self,
        fn: Callable[..., Any],
        arg_tuples: Sequence[tuple],
        *,
        what: str = "pieces",
        progress: Progress | None = None,
        pass_progress: bool = False,
    ) -> list[Any]:
        """``[fn(*args) for args in arg_tuples]`` as pieces side by side on the workers, in order; ``progress`` (if
        given) gets ``(done / total, "<what>: <done>/<total> tasks")`` as they finish. With ``pass_progress`` each
        piece gets a ``progress`` callback that only stops it on cancellation."""
        return self._run(fn, arg_tuples, span=None, pass_progress=pass_progress, progress=progress, what=what)

    def _run(self, fn, arg_tuples, *, span, pass_progress, progress=None, what="pieces") -> list[Any]:
        from topoalign.dask_client import gather_in_order
        from topoalign.jobs.worker import run_piece

        self._poll()
        futures = self.engine.submit_all(
            run_piece,
            [(self.job_id, self.env.budgets, span, pass_progress, fn, tuple(args)) for args in arg_tuples],
            lane=self.lane,
        )
        self.engine.watch(self.job_id, self._on_event)
        try:
            results = gather_in_order(futures, progress=progress, what=what, poll=self._poll)
        except JobCancelledError:
            self.engine.cancel_on_workers(self.job_id)
            raise
        except Exception as exc:
            lost = self.engine.lost_worker_error(exc)
            if lost is not None:
                raise lost from None
            raise
        finally:
            self.engine.unwatch(self.job_id)
        self._poll()
        return results

    def _on_event(self, fraction: float, message: str) -> None:
        with self._lock:  # called on the client's event loop: keep the latest, the waiting thread writes it
            self._latest = (fraction, message)

    def _poll(self) -> None:
        if self._cancelled():
            raise JobCancelledError(f"Job {self.job_id} was cancelled.")
        with self._lock:
            latest, self._latest = self._latest, None
        if latest is not None:
            self.progress(*latest)
