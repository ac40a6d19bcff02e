"""A short run of bench/bench_load.py: 10 concurrent clients for 5 s against a real server while a job runs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_load.py"


def _bench_load():
    spec = importlib.util.spec_from_file_location("bench_load", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_load", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_short_load_has_no_errors(tmp_path):
    bench = _bench_load()
    result = bench.load_test(clients=10, seconds=5, max_requests=5000, data_dir=tmp_path)
    assert result.errors == 0, result.error_samples
    assert result.requests >= 50 and result.routes >= 8
    assert result.job_coverage > 0.5, "a long job should be running while the clients read"
