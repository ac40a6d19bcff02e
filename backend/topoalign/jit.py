"""numba compilation of the package's loops (the joint layout's stress part, Mapper's pair step).

Each loop compiles on first use and is cached on disk next to its module, so later processes load it (~0.3 s)
instead of compiling it again (~1-2 s). Importing this module imports numba (~0.2 s): only the loops' modules do.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar, cast

try:
    import numba
except ImportError:  # pragma: no cover - numba is a dependency; without it the callers use their numpy versions
    AVAILABLE = False
else:
    AVAILABLE = True

F = TypeVar("F", bound=Callable[..., Any])


def compile_loop(fn: F, fastmath: bool | set[str]) -> F:
    """``fn`` compiled without the GIL (the thread pools run loops side by side), cached on disk where possible."""
    try:
        compiled = numba.njit(cache=True, nogil=True, fastmath=fastmath)(fn)
    except RuntimeError:  # no writable place for numba's cache (read-only install, no home): compile per process
        compiled = numba.njit(nogil=True, fastmath=fastmath)(fn)
    return cast(F, compiled)  # a Dispatcher, called as the function it compiles
