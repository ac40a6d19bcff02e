"""Long-running work: job records in the catalog, progress callbacks, cancellation, and the Dask client."""

from topoalign.progress import Progress, ProgressReporter, null_progress
from topoalign.jobs.runner import JobRunner

__all__ = ["JobRunner", "Progress", "ProgressReporter", "null_progress"]
