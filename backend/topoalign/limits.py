"""Compute budgets: the cost of a request, computed from its parameters before any work, against documented limits.

One mechanism instead of a patch per field: each kind of work states its cost (rows x intervals of a Mapper cover,
the size of a parameter grid, bytes after decompression, shuffles x nodes of a null model) and calls ``check``,
which raises ``LimitExceededError`` (a 4xx) naming the parameter, its cost and the budget. The same checks run when a
job is re-run (jobs rebuild their work from their parameters through the same validation).

The server sets the budgets from its settings (``configure``; env ``TOPOALIGN_MAX_*``); library and CLI users get
the defaults below, which fit a machine of a few GiB.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from topoalign.errors import LimitExceededError


def _memory_bytes() -> int:
    """Physical memory of the machine (8 GiB when it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 * 1024**3


def machine_memory_bytes() -> int:
    """Physical memory of the machine (what memory budgets are derived from)."""
    return _memory_bytes()


@dataclass(frozen=True)
class Limits:
    """The budgets; every field is a server setting ``TOPOALIGN_<FIELD>``."""

    max_cover_cells: int = 1_000_000  # cover elements: the product of the intervals of the lens dimensions
    max_cover_membership: int = 1_000_000_000  # rows x intervals, summed over lens dimensions (membership tables)
    max_gap_bins: int = 100_000  # histogram bins of single linkage's gap rule
    max_grid_settings: int = 200  # settings of an `auto_grid` (the product of its lists' lengths)
    max_null_work: int = 20_000_000  # shuffles x nodes of the regions' and the score's null models
    # the arrays of one upload after decompression: reading, reducing and storing them takes several times that
    max_expanded_bytes: int = max(256 * 1024**2, min(4 * 1024**3, _memory_bytes() // 32))


_CURRENT = Limits()
_LOCK = threading.Lock()
_LOCAL = threading.local()  # budgets of the job running in this thread (a Dask worker runs jobs of several servers)


def current() -> Limits:
    """The budgets in force in this thread: those of :func:`applied`, else the process's."""
    return getattr(_LOCAL, "limits", None) or _CURRENT


def as_dict(limits: Limits | None = None) -> dict[str, int]:
    """The budgets as ``{field: value}`` (what a job carries to the worker that runs it)."""
    return dataclasses.asdict(limits or current())


@contextmanager
def applied(budgets: dict[str, int]) -> Iterator[Limits]:
    """Inside: ``budgets`` hold in this thread only (a job's work on a worker checks the budgets of the server that
    sent it); outside, the previous ones again."""
    previous = getattr(_LOCAL, "limits", None)
    _LOCAL.limits = dataclasses.replace(_CURRENT, **{k: int(v) for k, v in budgets.items() if v is not None})
    try:
        yield _LOCAL.limits
    finally:
        _LOCAL.limits = previous


def configure(**budgets: int) -> Limits:
    """Set some budgets for the process (the server does it from its settings); returns the new budgets."""
    global _CURRENT
    with _LOCK:
        _CURRENT = dataclasses.replace(_CURRENT, **{k: int(v) for k, v in budgets.items() if v is not None})
    return _CURRENT


def check(what: str, cost: float, budget: str, *, hint: str = "") -> None:
    """Refuse work whose ``cost`` is over the budget named ``budget`` (a field of ``Limits``)."""
    limit = getattr(current(), budget)
    if cost > limit:
        raise LimitExceededError(
            f"{what} costs {cost:,.0f}, over the budget of {limit:,} ({budget}, setting TOPOALIGN_{budget.upper()})."
            + (f" {hint}" if hint else ""),
            code="limit_exceeded",
        )
