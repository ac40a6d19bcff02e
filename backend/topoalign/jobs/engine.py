"""The Dask cluster that runs every job's work: an in-process cluster of worker processes, or an existing cluster.

By default the server starts a ``LocalCluster`` on loopback with ``n_workers`` worker processes (each under a nanny
that stops and replaces it when it goes over its memory budget), two threads each and one slot per job lane
(:data:`topoalign.jobs.lanes.WORKER_RESOURCES`). Given a scheduler address it connects to that cluster instead
(``TOPOALIGN_DASK_SCHEDULER`` / ``--scheduler``); its workers must see the data directory at the same path. Either
way every worker warms up as it starts (:class:`topoalign.jobs.worker.WarmWorker`).

The engine also carries the two channels back from the workers: progress events of the job pieces (dispatched to
the job that watches them) and the nannies' "stopped over the memory budget" events, which turn a lost worker into a
job error that names the budget and its setting.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from topoalign.errors import WorkerLostError
from topoalign.jobs.lanes import LANE_PRIORITY, WORKER_RESOURCES
from topoalign.limits import machine_memory_bytes
from topoalign.cores import usable_cores

if TYPE_CHECKING:  # distributed is imported when the engine starts
    from distributed import Client, LocalCluster

logger = logging.getLogger("topoalign.jobs")
MEMORY_KILL_TOPIC = "worker-restart-memory"  # what a nanny logs just before it stops its worker over the budget
THREADS_PER_WORKER = len(WORKER_RESOURCES)  # one running piece per lane
AUTO_MEMORY_SHARE = 0.8  # of the machine's memory, split between the in-process workers (the rest: server, OS)
MEMORY_PER_DEFAULT_WORKER = 2 * 1024**3
WORKER_NICE = 10  # CPU priority of the in-process workers' job threads (the server's stays 0)


def default_workers() -> int:
    """Worker processes of the in-process cluster by default: the cores this process may use, at most one per
    :data:`MEMORY_PER_DEFAULT_WORKER` of memory (a warm worker holds about 0.5 GB before any job), at least 1."""
    return max(1, min(usable_cores(), machine_memory_bytes() // MEMORY_PER_DEFAULT_WORKER))


def worker_memory_limit(setting: str | int | None, n_workers: int) -> int:
    """Bytes per worker: ``setting`` ("4GiB", "800MB", a number of bytes) or, for ``"auto"``/None, 80% of the
    machine's memory split between the ``n_workers`` workers."""
    from dask.utils import parse_bytes

    if setting is None or str(setting).strip().lower() == "auto":
        return int(AUTO_MEMORY_SHARE * machine_memory_bytes() / max(1, n_workers))
    value = int(parse_bytes(setting)) if isinstance(setting, str) else int(setting)
    if value <= 0:
        raise ValueError(f"a worker memory budget must be positive; got {setting!r}")
    return value


@dataclass(frozen=True)
class EngineConfig:
    """Which cluster: ``scheduler`` (``tcp://host:port``) or an in-process one of ``n_workers`` processes of
    ``memory_limit`` bytes each."""

    scheduler: str | None = None
    n_workers: int = 1
    memory_limit: int | None = None


class DaskEngine:
    """A ``distributed.Client`` started on first use (or by :meth:`start_in_background`), shared by the job
    runners of the process that use the same :class:`EngineConfig` (see :func:`shared_engine`)."""

    def __init__(self, config: EngineConfig):
        self.config = config
        self._lock = threading.Lock()
        self._client: Client | None = None
        self._cluster: LocalCluster | None = None
        self._watchers: dict[str, Callable[[float, str], None]] = {}
        self._memory_kills: dict[str, float] = {}  # worker address -> when its nanny stopped it over the budget
        self._warned_lanes = False

    # -- life cycle -----------------------------------------------------------------------------------------------
    @property
    def client(self):
        with self._lock:
            if self._client is None:
                self._client = self._start()
            return self._client

    def start_in_background(self) -> None:
        """Start the cluster now, in a thread, so that the first job finds warm workers."""

        def start() -> None:
            try:
                self.client
            except Exception:  # noqa: BLE001 - the first job reports it
                logger.exception("starting the Dask cluster failed")

        threading.Thread(target=start, name="topoalign-dask-start", daemon=True).start()

    def _start(self):
        import dask
        from distributed import Client, LocalCluster

        from topoalign.jobs.worker import PROGRESS_TOPIC, WarmWorker

        _close_at_exit()
        if self.config.scheduler:
            try:
                client = Client(self.config.scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise WorkerLostError(
                    f"Could not reach the Dask scheduler at {self.config.scheduler} (TOPOALIGN_DASK_SCHEDULER): {exc}"
                ) from None
        else:
            # allowed_failures 0: a job whose worker dies fails at once (the default retries it on 3 more workers,
            # killing each one that a job over the memory budget lands on); no dashboard, and the scheduler's own
            # HTTP routes on a free loopback port rather than 8787; no statistical profiler in the workers (it
            # samples every thread's stack every 10 ms: ~10% of a Mapper build, for a dashboard nobody opens)
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                self._cluster = LocalCluster(
                    n_workers=self.config.n_workers,
                    threads_per_worker=THREADS_PER_WORKER,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    memory_limit=self.memory_limit,
                    resources=dict(WORKER_RESOURCES),
                    silence_logs=logging.ERROR,
                    scheduler_kwargs={"allowed_failures": 0, "dashboard": False, "dashboard_address": "127.0.0.1:0"},
                )
            client = Client(self._cluster)
        # the in-process workers share the server's cores: they run at a lower priority, so reads stay fast
        # ... and split the cores between them (a remote cluster's workers keep theirs)
        plugin = (
            WarmWorker()
            if self.config.scheduler
            else WarmWorker(nice=WORKER_NICE, cores=max(1, usable_cores() // self.config.n_workers))
        )
        client.register_plugin(plugin, name=WarmWorker.name)
        client.subscribe_topic(PROGRESS_TOPIC, self._on_progress)
        client.subscribe_topic(MEMORY_KILL_TOPIC, self._on_memory_kill)
        return client

    @property
    def memory_limit(self) -> int:
        """Bytes per worker of the in-process cluster."""
        return self.config.memory_limit or worker_memory_limit("auto", self.config.n_workers)

    def close(self) -> None:
        with self._lock:
            client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
        for thing in (client, cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # noqa: BLE001 - closing at exit: nothing left to tell
                    pass

    # -- work -----------------------------------------------------------------------------------------------------
    def submit_all(self, fn: Callable[..., Any], arg_tuples: list[tuple], *, lane: str) -> list:
        """Dask futures of ``fn(*args)`` for every tuple, in ``lane``: each takes the lane's slot on a worker (when
        the workers offer lane slots) and the lane's priority."""
        client = self.client
        extra: dict[str, Any] = {"resources": {lane: 1}} if self._workers_offer_lanes() else {}
        return [client.submit(fn, *args, pure=False, priority=LANE_PRIORITY[lane], **extra) for args in arg_tuples]

    def _workers_offer_lanes(self) -> bool:
        """The in-process workers offer lane slots; workers of an external cluster only if started with
        ``--resources "interactive=1,heavy=1"`` (else restricted pieces would wait forever)."""
        if not self.config.scheduler:
            return True
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        offered = any(set(WORKER_RESOURCES) <= set(w.get("resources") or {}) for w in workers.values())
        if not offered and not self._warned_lanes:
            self._warned_lanes = True
            logger.warning(
                "The workers of %s offer no job-lane slots (start them with --resources "
                '"interactive=1,heavy=1"): heavy jobs may keep graph builds waiting.',
                self.config.scheduler,
            )
        return offered

    def worker_addresses(self) -> list[str]:
        return sorted(self.client.scheduler_info(n_workers=-1).get("workers", {}))

    def cancel_on_workers(self, job_id: str) -> None:
        """Make the running pieces of ``job_id`` stop at their next progress call."""
        from topoalign.jobs.worker import mark_cancelled

        try:
            self.client.run(mark_cancelled, job_id, on_error="return")
        except Exception:  # noqa: BLE001 - a worker that cannot be reached runs nothing of this job
            logger.warning("could not mark job %s cancelled on every worker", job_id, exc_info=True)

    # -- channels back from the workers ---------------------------------------------------------------------------
    def watch(self, job_id: str, callback: Callable[[float, str], None]) -> None:
        self._watchers[job_id] = callback

    def unwatch(self, job_id: str) -> None:
        self._watchers.pop(job_id, None)

    def _on_progress(self, event) -> None:
        _, msg = event
        callback = self._watchers.get(msg.get("job"))
        if callback is not None:
            callback(float(msg.get("progress", 0.0)), str(msg.get("message", "")))

    def _on_memory_kill(self, event) -> None:
        _, msg = event
        self._memory_kills[str(msg.get("worker"))] = time.time()
        logger.warning(
            "Dask worker %s went over its memory budget (%s bytes in use) and was stopped",
            msg.get("worker"),
            msg.get("rss"),
        )

    def lost_worker_error(self, exc: BaseException, wait_s: float = 2.0) -> WorkerLostError | None:
        """The job error for a piece whose worker died (``KilledWorker``) or whose cluster went away; None for an
        error of the piece itself."""
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        if isinstance(exc, FutureCancelledError):
            return WorkerLostError(
                "The Dask cluster dropped this job's work (a scheduler restart or a lost connection); re-run the job."
            )
        if not isinstance(exc, KilledWorker):
            return None
        address = _killed_worker_address(exc)
        deadline = time.time() + wait_s  # the nanny's event and the task's failure travel separately
        while address not in self._memory_kills and time.time() < deadline:
            time.sleep(0.05)
        if address in self._memory_kills:
            return WorkerLostError(
                f"The worker running this job went over its memory budget of {self._budget_text()} and was stopped "
                f"(a new worker replaces it; the server and other jobs carry on). Ask for less work (fewer stimuli "
                f"or units, a coarser cover) or raise the budget: {self._budget_setting()}."
            )
        return WorkerLostError(
            "The worker running this job died (killed, or crashed in native code) and was "
            "replaced; the job failed; re-run it."
        )

    def _budget_text(self) -> str:
        from dask.utils import format_bytes

        if not self.config.scheduler:
            return f"{format_bytes(self.memory_limit)} per worker"
        try:
            limits = {w.get("memory_limit") for w in self.client.scheduler_info(n_workers=-1)["workers"].values()}
        except Exception:  # noqa: BLE001 - the message can do without the figure
            limits = set()
        return (
            " / ".join(format_bytes(v) for v in sorted(v for v in limits if v)) + " per worker"
            if any(limits)
            else "its worker"
        )

    def _budget_setting(self) -> str:
        return (
            "the setting TOPOALIGN_WORKER_MEMORY"
            if not self.config.scheduler
            else "the workers' `dask worker --memory-limit`"
        )


def _killed_worker_address(exc: BaseException) -> str | None:
    address = getattr(getattr(exc, "last_worker", None), "address", None)
    if address:
        return str(address)
    try:
        match = re.search(r"was (\S+?)\.\s", str(exc))
    except Exception:  # noqa: BLE001 - a worker state that did not survive pickling
        return None
    return match.group(1) if match else None


_ENGINES: dict[EngineConfig, DaskEngine] = {}
_ENGINES_LOCK = threading.Lock()
_EXIT_HOOK: list[bool] = []


def shared_engine(config: EngineConfig) -> DaskEngine:
    """The process's engine for ``config``: one cluster however many apps (tests) or runners ask; closed at exit."""
    with _ENGINES_LOCK:
        if config not in _ENGINES:
            _ENGINES[config] = DaskEngine(config)
        return _ENGINES[config]


def _close_at_exit() -> None:
    """Close the engines at exit, before distributed's own clean-up of its clusters (exit hooks run last registered
    first, and distributed registers its hook when imported, before this runs)."""
    with _ENGINES_LOCK:
        if not _EXIT_HOOK:
            _EXIT_HOOK.append(True)
            atexit.register(close_engines)


def close_engines(config: EngineConfig | None = None) -> None:
    """Close the engine of ``config``, or every engine of the process; a later use starts a new one."""
    with _ENGINES_LOCK:
        if config is None:
            engines = list(_ENGINES.values())
            _ENGINES.clear()
        else:
            engines = [_ENGINES.pop(config)] if config in _ENGINES else []
    for engine in engines:
        engine.close()
