"""One BLAS thread while any user is inside (``cores.one_blas_thread``): users share the process-wide limit by a
count, so the limits found on the way in come back only when the last user leaves; ``only_when_busy`` limits only
on an oversubscribed machine."""

from __future__ import annotations

import threading

import numpy as np  # noqa: F401  (loads the BLAS library whose threads are counted)

from topoalign import cores


def _blas_threads() -> int:
    return max((lib.num_threads for lib in cores.blas_controller().lib_controllers), default=1)


def test_overlapping_users_keep_one_thread_until_the_last_leaves():
    before = _blas_threads()
    first, second = cores.one_blas_thread(), cores.one_blas_thread()
    first.__enter__()
    second.__enter__()
    assert _blas_threads() == 1
    first.__exit__(None, None, None)  # not nested: the first one in leaves first
    assert _blas_threads() == 1
    second.__exit__(None, None, None)
    assert _blas_threads() == before


def test_users_in_threads_share_the_limit():
    inside, leave = threading.Barrier(3), threading.Event()

    def user():
        with cores.one_blas_thread():
            inside.wait()
            leave.wait()

    workers = [threading.Thread(target=user) for _ in range(2)]
    for w in workers:
        w.start()
    inside.wait()
    assert cores._BLAS_STATE["users"] == 2
    leave.set()
    for w in workers:
        w.join()
    # the last user (a worker thread) restored the limits; whether OpenBLAS honours a limit set off the main thread
    # varies by version (see ``one_blas_thread``), so only the shared state is checked here
    assert cores._BLAS_STATE["users"] == 0 and cores._BLAS_STATE["limit"] is None


def test_only_when_busy(monkeypatch):
    before = _blas_threads()
    monkeypatch.setattr(cores, "machine_is_busy", lambda: False)
    with cores.one_blas_thread(only_when_busy=True):
        assert _blas_threads() == before and cores._BLAS_STATE["users"] == 0
    monkeypatch.setattr(cores, "machine_is_busy", lambda: True)
    with cores.one_blas_thread(only_when_busy=True):
        assert _blas_threads() == 1
    assert _blas_threads() == before
