"""Which lane each job kind runs in: the one place job kinds are classified.

Cheap interactive jobs (one graph build, the aligned view's builds and layout) get their own small lane, so that
long jobs (regions or score with many null draws, audits, alignments with permutations, extraction, the UMAP
warm-up) cannot hold every job slot while the dashboard's builds queue behind them. A kind not listed here is heavy.
Joint layouts and node correspondence (POST /api/topo/layout, /compare) answer synchronously and are not jobs.

A lane exists twice: on the server, as a slot count per lane (``TOPOALIGN_MAX_INTERACTIVE_JOBS`` /
``TOPOALIGN_MAX_CONCURRENT_JOBS``), and on the Dask cluster, where every worker offers one slot per lane as a Dask
resource (:data:`WORKER_RESOURCES`) and a job's pieces ask for their lane's slot: heavy pieces never take the slot an
interactive build needs, and interactive pieces go first (:data:`LANE_PRIORITY`).
"""

from __future__ import annotations

INTERACTIVE = "interactive"
HEAVY = "heavy"
LANES = (INTERACTIVE, HEAVY)

INTERACTIVE_KINDS = frozenset({"graph", "aligned_graphs"})
WORKER_RESOURCES = {INTERACTIVE: 1, HEAVY: 1}  # what each worker offers: one running piece per lane
LANE_PRIORITY = {INTERACTIVE: 10, HEAVY: 0}  # Dask priorities: higher runs first among queued pieces


def lane_of(kind: str) -> str:
    """The lane of a job kind: ``"interactive"`` for :data:`INTERACTIVE_KINDS`, else ``"heavy"``."""
    return INTERACTIVE if kind in INTERACTIVE_KINDS else HEAVY
