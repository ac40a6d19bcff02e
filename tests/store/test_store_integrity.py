"""check_integrity finds rows without files, files without rows and temporaries; repair never deletes rows."""

from __future__ import annotations

import numpy as np

from topoalign.representation import Representation
from topoalign.store import Store, check_integrity


def test_integrity_report_and_repair(tmp_path):
    store = Store(tmp_path / "d")
    coll = store.create_collection("c", ["a", "b"])
    reps = [store.add_representation(coll.id, Representation(np.eye(2), ["a", "b"], name=f"r{i}")) for i in range(2)]
    art = store.put_artifact("lens", {"k": 1}, {"v": np.ones(2)})
    assert check_integrity(store).ok

    store.array_path(reps[0].id).unlink()  # a row whose file is gone
    orphan = store.data_dir / "arrays" / "r0123456789ab.npz"
    orphan.write_bytes(b"x")
    temp = store.data_dir / "artifacts" / "lens" / ".tmp-abc.npz"
    temp.write_bytes(b"x")
    report = check_integrity(store)
    assert not report.ok and report.sqlite_ok
    assert report.missing_files == [str(store.array_path(reps[0].id))]
    assert report.orphan_files == [str(orphan)]
    assert report.temp_files == [str(temp)]

    check_integrity(store, repair=True)
    assert not orphan.exists() and not temp.exists()
    assert store.array_path(reps[1].id).is_file() and store.artifact_path("lens", art.id, ".npz").is_file()
    after = check_integrity(store)
    assert after.missing_files == [str(store.array_path(reps[0].id))]  # reported, never silently dropped
    assert not after.orphan_files and not after.temp_files
    assert {r.id for r in store.list_representations()} == {r.id for r in reps}
