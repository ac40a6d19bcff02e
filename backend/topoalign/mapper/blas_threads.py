"""One BLAS thread while Mapper work is inside: the engine spreads its own work over the cores (cover elements on a
thread pool), and small LAPACK calls (a d x d eigendecomposition) are faster on one thread, by far on a busy machine
where multi-threaded OpenBLAS spin-waits (a 384 x 384 ``eigh``: 15 ms on one thread, 60 ms to 2 s on two at load 3).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator

_BLAS_LOCK = threading.Lock()
_BLAS_STATE: dict[str, Any] = {"controller": None, "users": 0, "limit": None}


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Single-threaded BLAS while any user is inside (the BLAS setting is process-wide: concurrent users share one
    limit, restored when the last leaves). The threadpoolctl controller is made once: finding the libraries takes
    tens of milliseconds."""
    with _BLAS_LOCK:
        if _BLAS_STATE["controller"] is None:
            from threadpoolctl import ThreadpoolController

            _BLAS_STATE["controller"] = ThreadpoolController()
        if _BLAS_STATE["users"] == 0:
            _BLAS_STATE["limit"] = _BLAS_STATE["controller"].limit(limits=1, user_api="blas")
        _BLAS_STATE["users"] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_STATE["users"] -= 1
            if _BLAS_STATE["users"] == 0:
                _BLAS_STATE["limit"].restore_original_limits()
                _BLAS_STATE["limit"] = None
