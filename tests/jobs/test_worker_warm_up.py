"""A new worker process loads what its first jobs would otherwise pay for: the compute modules and both numba loops
(the joint layout's stress part, Mapper's pair step), so its first pruned Mapper build already runs the loop."""

from __future__ import annotations

import subprocess
import sys


def test_warm_up_loads_the_numba_loops_in_a_fresh_process():
    code = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.ERROR)\n"
        "from topoalign.mapper import neighbors\n"
        "assert neighbors._pruned_block_pairs() is None and 'numba' not in sys.modules\n"
        "from topoalign.jobs.worker import warm_up_worker\n"
        "warm_up_worker()\n"
        "from topoalign.topo import stress_numba\n"
        "print(neighbors._pruned_block_pairs() is not None, bool(stress_numba.stress_part.signatures),"
        " 'topoalign.mapper.service' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "warming up the worker failed" not in out.stderr, out.stderr
    assert out.stdout.split() == ["True", "True", "True"]
