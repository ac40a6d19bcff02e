"""The progress contract of the compute core.

Long compute functions take ``progress: Progress | None`` and call ``progress(fraction, message)`` now and then
(fraction in [0, 1]). Library code never prints: the CLI renders the calls as a progress bar, the job runner
stores them in the job record (and raises ``JobCancelledError`` from inside the call when the job is cancelled).
"""

from __future__ import annotations

import sys
import time
from typing import Callable, Protocol, TextIO


class Progress(Protocol):
    def __call__(self, fraction: float, message: str = "") -> None: ...


def null_progress(fraction: float, message: str = "") -> None:
    """A progress callback that does nothing."""


def scaled(progress: Progress | None, start: float, stop: float) -> Progress:
    """A callback reporting a sub-step's [0, 1] as [start, stop] of the parent's."""
    base = progress or null_progress

    def report(fraction: float, message: str = "") -> None:
        base(start + (stop - start) * min(max(fraction, 0.0), 1.0), message)

    return report


class ProgressReporter:
    """Renders progress calls as a one-line bar on a terminal stream (used by the CLI)."""

    def __init__(self, stream: TextIO | None = None, width: int = 30, min_interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.min_interval = min_interval
        self._last = 0.0

    def __call__(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < self.min_interval:
            return
        self._last = now
        filled = int(self.width * min(max(fraction, 0.0), 1.0))
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if fraction >= 1.0 else ""
        self.stream.write(f"\r[{bar}] {fraction * 100:5.1f}% {message[:60]:<60}{end}")
        self.stream.flush()


ProgressFn = Callable[[float, str], None]
