"""The settings of the Dask engine (workers, memory budget) and the budgets a job carries to its worker thread."""

from __future__ import annotations

import threading

import pytest
from pydantic import ValidationError

from topoalign import limits
from topoalign.api.settings import Settings
from topoalign.errors import LimitExceededError
from topoalign.jobs.engine import default_workers, worker_memory_limit


def test_worker_memory_budget_parses_sizes_and_auto_splits_the_memory():
    assert worker_memory_limit("1GiB", 3) == 2**30
    assert worker_memory_limit("800MB", 1) == 800 * 10**6
    assert worker_memory_limit(123456789, 1) == 123456789
    auto = worker_memory_limit("auto", 2)
    assert auto == int(0.8 * limits.machine_memory_bytes() / 2) and worker_memory_limit(None, 4) == auto // 2
    for bad in ("lots", "-1GiB", 0):
        with pytest.raises(ValueError):
            worker_memory_limit(bad, 1)


def test_settings_refuse_a_bad_budget_and_default_to_a_worker_per_core(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPOALIGN_WORKER_MEMORY", "lots")
    with pytest.raises(ValidationError, match="worker_memory"):
        Settings(data=tmp_path)
    monkeypatch.setenv("TOPOALIGN_WORKER_MEMORY", "2GiB")
    settings = Settings(data=tmp_path)
    assert settings.worker_memory == "2GiB" and settings.dask_workers == default_workers() >= 1
    assert "every job" in Settings.model_fields["dask_scheduler"].description


def test_applied_budgets_hold_in_their_thread_only():
    seen = {}

    def other_thread() -> None:
        limits.check("work", limits.current().max_null_work, "max_null_work")  # the process budget: fits
        seen["other"] = limits.current().max_null_work

    with limits.applied({"max_null_work": 10}):
        with pytest.raises(LimitExceededError, match="over the budget of 10 .*TOPOALIGN_MAX_NULL_WORK"):
            limits.check("work", 11, "max_null_work")
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert seen["other"] == limits.current().max_null_work != 10
    limits.check("work", 11, "max_null_work")
