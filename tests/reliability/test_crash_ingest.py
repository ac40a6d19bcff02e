"""kill -9 the server while one upload is storing several arrays: after a restart the ingest is all or nothing."""

from __future__ import annotations

import io
import sqlite3
import threading
import time

import httpx
import numpy as np
import pytest

from topoalign.store import Store, check_integrity

N_ARRAYS = 40


def _count_rows(data_dir) -> int:
    try:
        with sqlite3.connect(f"file:{data_dir / 'catalog.sqlite'}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM representations WHERE name LIKE 'multi/%'").fetchone()[0]
    except sqlite3.Error:
        return 0


def _array_files(data_dir) -> int:
    return sum(1 for p in (data_dir / "arrays").rglob("*") if p.is_file())


@pytest.mark.slow
def test_kill_during_multi_array_ingest_is_all_or_nothing(server_factory):
    """Kill while the batch's array files are being written (some on disk, no row committed yet); after the
    restart none of the 40 is visible, and recovery removed the orphan files."""
    srv = server_factory().start()
    n = 500
    cid = httpx.post(
        srv.url + "/api/collections", json={"name": "multi", "stimulus_ids": [f"s{i}" for i in range(n)]}
    ).json()["id"]
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    np.savez(buf, **{f"layer{k:02d}": rng.normal(size=(n, 400)).astype("f4") for k in range(N_ARRAYS)})

    def upload():
        try:
            httpx.post(
                f"{srv.url}/api/collections/{cid}/representations",
                files={"file": ("acts.npz", buf.getvalue())},
                data={"name": "multi"},
                timeout=120,
            )
        except httpx.HTTPError:
            pass  # the server dies under it

    files_before = _array_files(srv.data_dir)
    t = threading.Thread(target=upload)
    t.start()
    deadline = time.time() + 90
    rows = written = 0
    while time.time() < deadline:
        rows, written = _count_rows(srv.data_dir), _array_files(srv.data_dir) - files_before
        if rows or written >= 3:
            break
        time.sleep(0.005)
    srv.kill9()
    t.join(30)
    if rows:
        pytest.skip(f"the ingest committed before the kill ({rows} rows, {written} files seen)")
    assert written >= 3, "never saw the batch's array files being written"

    srv2 = server_factory().start()
    reps = httpx.get(f"{srv2.url}/api/collections/{cid}/representations").json()
    srv2.stop()
    report = check_integrity(Store(srv.data_dir))
    assert report.ok, report
    assert reps == [], f"{len(reps)} of {N_ARRAYS} arrays of one upload are visible after the crash"
    assert _array_files(srv.data_dir) == files_before  # the orphans of the uncommitted batch were removed


def test_visible_rows_of_a_batch_appear_together(tmp_path):
    """In-process check of the same property without a kill: a batch's rows are committed in one transaction."""
    from topoalign.io import ingest_arrays

    store = Store(tmp_path / "s")
    seen: list[int] = []
    original = store._insert_representation_rows  # the one place a batch's rows are inserted

    def spy(cid, rows):
        seen.append(_count_rows(store.data_dir))
        original(cid, rows)
        seen.append(_count_rows(store.data_dir))

    store._insert_representation_rows = spy
    ingest_arrays(store, "multi", {f"layer{k}": np.ones((5, 2), "f4") * k for k in range(6)}, name="multi")
    assert seen == [0, 6]
