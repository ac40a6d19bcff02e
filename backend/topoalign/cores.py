"""How many cores this process's compute may spread over, and how many threads BLAS may use meanwhile.

- :func:`usable_cores`: its CPU affinity, capped by a share when several worker processes split one machine (so
  parallel pieces do not oversubscribe the cores with their own thread pools);
- :func:`one_blas_thread`: single-threaded BLAS/LAPACK inside. Engines that spread their own work over the cores
  (Mapper's cover elements, cross-validation folds on a thread pool) want it, and so do small LAPACK calls, which
  are faster on one thread, by far on a busy machine where multi-threaded OpenBLAS threads spin-wait for each other
  (a 384 x 384 ``eigh``: 15 ms on one thread, 60 ms to 2 s on two at load 3; eigh/SVD/GEMM 2-30x slower on the
  shared 2-core box).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator

_CORE_SHARE: dict[str, int | None] = {"cores": None}


def set_core_share(cores: int | None) -> None:
    """Cap the threads of this process's compute at ``cores`` (None: every core it may use)."""
    _CORE_SHARE["cores"] = None if cores is None else max(1, int(cores))


def usable_cores() -> int:
    """Cores this process may use (its CPU affinity), capped by :func:`set_core_share`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    share = _CORE_SHARE["cores"]
    return max(1, min(cores, share) if share else cores)


def machine_is_busy() -> bool:
    """Whether the machine is oversubscribed: a load average of at least its core count."""
    try:
        return os.getloadavg()[0] >= (os.cpu_count() or 1)
    except OSError:
        return False


@lru_cache(maxsize=1)
def blas_controller() -> Any:
    """threadpoolctl's controller of the loaded BLAS libraries, made once: finding them takes 3-15 ms (what
    ``threadpool_limits()`` would redo on every call). threadpoolctl is imported here, not at start-up."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


_BLAS_LOCK = threading.Lock()
_BLAS_STATE: dict[str, Any] = {"users": 0, "limit": None}


@contextmanager
def one_blas_thread(*, only_when_busy: bool = False) -> Iterator[None]:
    """Single-threaded BLAS while any user is inside. The setting is process-wide, so users share it by a count:
    the first one in sets the limit, the last one out restores the limits found on the way in.

    ``only_when_busy``: only while the machine is oversubscribed (:func:`machine_is_busy`), the library default
    otherwise: for one large product or decomposition, which BLAS threads speed up on idle cores.

    OpenBLAS 0.3.31 can ignore a limit set off the main thread once the main thread has set one; callers that must
    know (``align.crossval.fold_pool``) read the libraries' thread counts inside.
    """
    if only_when_busy and not machine_is_busy():
        yield
        return
    with _BLAS_LOCK:
        if _BLAS_STATE["users"] == 0:
            _BLAS_STATE["limit"] = blas_controller().limit(limits=1)
        _BLAS_STATE["users"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_STATE["users"] -= 1
            if _BLAS_STATE["users"] == 0:
                _BLAS_STATE["limit"].restore_original_limits()
                _BLAS_STATE["limit"] = None
