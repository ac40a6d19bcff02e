"""Crash safety: a failure (or a hard crash) between the array write and the catalog commit leaves nothing visible."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from topoalign.representation import Representation
from topoalign.store import Store, check_integrity

IDS = ["a", "b", "c"]


def _rep(name="l1") -> Representation:
    return Representation(matrix=np.ones((3, 2), np.float32), stimulus_ids=IDS, name=name)


def _array_files(store: Store) -> list[str]:
    return sorted(p.name for p in (store.data_dir / "arrays").iterdir())


def test_failure_between_file_and_row_leaves_nothing(tmp_path, monkeypatch):
    store = Store(tmp_path / "d")
    coll = store.create_collection("c", IDS)
    kept = store.add_representation(coll.id, _rep("kept"))
    written = []

    def fail(self, cid, rows):
        written.extend(self.array_path(rid) for rid, *_ in rows)
        assert all(p.is_file() for p in written)  # the failure really comes after the array files are in place
        raise RuntimeError("injected failure before the catalog commit")

    monkeypatch.setattr(Store, "_insert_representation_rows", fail)
    with pytest.raises(RuntimeError, match="injected"):
        store.add_representation(coll.id, _rep("lost"))
    assert written and not written[0].exists()
    assert [r.name for r in store.list_representations()] == ["kept"]
    assert _array_files(store) == [f"{kept.id}.npz"]
    assert check_integrity(store).ok


def _run_crashing_child(data_dir, body: str) -> None:
    script = (
        textwrap.dedent(f"""
        import os, numpy as np
        from topoalign.representation import Representation
        from topoalign.store import Store
        import topoalign.store.catalog as catalog, topoalign.store.files as files
        store = Store({str(data_dir)!r})
        rep = Representation(matrix=np.ones((3, 2), np.float32), stimulus_ids=["a", "b", "c"], name="lost")
    """)
        + textwrap.dedent(body)
        + "\nstore.add_representation('c', rep)\nraise SystemExit('not reached')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 17, proc.stderr


def test_hard_crash_after_rename_before_commit(tmp_path):
    """The process dies (no cleanup, no finally) after the file is renamed into place: recover() removes it."""
    store = Store(tmp_path / "d")
    store.create_collection("c", IDS)
    _run_crashing_child(store.data_dir, "catalog.Store._insert_representation_rows = lambda *a, **k: os._exit(17)")
    assert len(_array_files(store)) == 1  # the orphan is on disk ...
    assert store.list_representations() == []  # ... but not visible
    report = check_integrity(store)
    assert len(report.orphan_files) == 1 and not report.ok
    assert store.recover()["removed_files"] == 1
    assert _array_files(store) == [] and check_integrity(store).ok
    rec = store.add_representation("c", _rep("lost"))  # the name is free again
    assert store.load_representation(rec.id).n == 3


def test_hard_crash_mid_write(tmp_path):
    """The process dies half-way through writing the array: only a temporary file remains, and recover() drops it."""
    store = Store(tmp_path / "d")
    store.create_collection("c", IDS)
    _run_crashing_child(
        store.data_dir,
        """
        def half_write(fh, **arrays):
            fh.write(b"PK\\x03\\x04 half")
            fh.flush()
            os._exit(17)
        files.np = type("np", (), {"savez": staticmethod(half_write)})
    """,
    )
    names = _array_files(store)
    assert len(names) == 1 and names[0].startswith(".tmp-")
    assert store.list_representations() == []
    assert len(check_integrity(store).temp_files) == 1
    store.recover()
    assert _array_files(store) == [] and check_integrity(store).ok
