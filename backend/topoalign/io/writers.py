"""Exports: representations written back to files that :func:`topoalign.io.ingest_file` reads again."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from topoalign.errors import InvalidInputError
from topoalign.io.readers import IDS_KEY
from topoalign.representation import Representation


def write_npz(path: str | Path, reps: Representation | Sequence[Representation]) -> Path:
    """Write representations of the same stimuli to one ``.npz``: one (n x d) float32 array per representation,
    keyed by its name, plus their ids under ``stimulus_ids``. Re-ingesting the file gives the same matrices and ids.
    """
    reps = [reps] if isinstance(reps, Representation) else list(reps)
    if not reps:
        raise InvalidInputError("Nothing to export: no representations given.", code="empty_array")
    ids = reps[0].stimulus_ids
    for rep in reps[1:]:
        if not np.array_equal(rep.stimulus_ids, ids):
            raise InvalidInputError(
                f"Representations {reps[0].name!r} ({reps[0].n} stimuli) and {rep.name!r} ({rep.n} stimuli) have "
                "different stimulus ids; export them to separate files.",
                code="stimulus_mismatch",
            )
    names = [rep.name or f"representation_{i}" for i, rep in enumerate(reps)]
    if len(set(names)) != len(names) or IDS_KEY in names:
        raise InvalidInputError(
            f"Representation names must be distinct and not {IDS_KEY!r} to export: {names}.", code="duplicate_names"
        )
    arrays = {n: np.ascontiguousarray(rep.matrix, dtype=np.float32) for n, rep in zip(names, reps)}
    arrays[IDS_KEY] = np.asarray(ids, dtype=str)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            # the keys name arrays; mypy takes any of them for savez's allow_pickle (a bool)
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
