"""How many cores this process's compute may spread over: its CPU affinity, capped by a share when several worker
processes split one machine (so parallel pieces do not oversubscribe the cores with their own thread pools)."""

from __future__ import annotations

import os

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
