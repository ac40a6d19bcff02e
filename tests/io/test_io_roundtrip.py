"""Round trip for every format: write with the format's own library, ingest into a real Store, load back exactly."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
import safetensors.numpy
import torch

from topoalign.io import ingest_file, read_file, write_npz
from topoalign.representation import Provenance

N, D = 7, 4
IDS = [f"img_{i:03d}" for i in range(N)][::-1]  # not in sorted order: order must be kept, not re-sorted


def _matrices(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"conv1": rng.normal(size=(N, D)).astype(np.float32), "fc": rng.normal(size=(N, D + 2)).astype(np.float32)}


def _write_labels(path) -> pd.DataFrame:
    labels = pd.DataFrame({"stimulus_id": IDS, "class": list("abcabca"), "size": np.arange(N) * 1.5})
    labels.to_csv(path, index=False)
    return labels.set_index("stimulus_id")


def _npy(tmp, m):
    np.save(tmp / "acts.npy", m["conv1"])
    return tmp / "acts.npy", {"acts": m["conv1"]}, False


def _npz(tmp, m):
    np.savez(tmp / "acts.npz", stimulus_ids=np.array(IDS), **m)
    return tmp / "acts.npz", m, True


def _npz_compressed(tmp, m):
    np.savez_compressed(tmp / "acts.npz", stimulus_ids=np.array(IDS), **m)
    return tmp / "acts.npz", m, True


def _safetensors(tmp, m):
    safetensors.numpy.save_file(m, str(tmp / "acts.safetensors"))
    return tmp / "acts.safetensors", m, False


def _pt_tensor(tmp, m):
    torch.save(torch.from_numpy(m["conv1"]), tmp / "acts.pt")
    return tmp / "acts.pt", {"acts": m["conv1"]}, False


def _pt_dict(tmp, m):
    torch.save({"conv1": torch.from_numpy(m["conv1"]), "head": {"fc": torch.from_numpy(m["fc"])}}, tmp / "acts.pth")
    return tmp / "acts.pth", {"conv1": m["conv1"], "head/fc": m["fc"]}, False


def _pt_legacy(tmp, m):
    torch.save({k: torch.from_numpy(v) for k, v in m.items()}, tmp / "acts.pt", _use_new_zipfile_serialization=False)
    return tmp / "acts.pt", m, False


def _hdf5(tmp, m):
    with h5py.File(tmp / "acts.h5", "w") as f:
        f.create_dataset("conv1", data=m["conv1"])
        f.create_group("head").create_dataset("fc", data=m["fc"], compression="gzip")
        f.create_dataset("stimulus_ids", data=np.array(IDS, dtype=h5py.string_dtype()))
    return tmp / "acts.h5", {"conv1": m["conv1"], "head/fc": m["fc"]}, True


def _csv(tmp, m):
    frame = pd.DataFrame(m["conv1"], columns=[f"u{j}" for j in range(D)])
    frame.insert(0, "stimulus_id", IDS)
    frame.to_csv(tmp / "acts.csv", index=False)
    return tmp / "acts.csv", {"acts": m["conv1"]}, True


def _tsv(tmp, m):
    frame = pd.DataFrame(m["conv1"].astype(np.float64), columns=[f"u{j}" for j in range(D)])
    frame.insert(0, "name", IDS)
    frame.to_csv(tmp / "acts.tsv", index=False, sep="\t")
    return tmp / "acts.tsv", {"acts": m["conv1"]}, True


WRITERS = [_npy, _npz, _npz_compressed, _safetensors, _pt_tensor, _pt_dict, _pt_legacy, _hdf5, _csv, _tsv]


@pytest.mark.parametrize("writer", WRITERS, ids=[w.__name__.strip("_") for w in WRITERS])
def test_round_trip(store, tmp_path, writer):
    path, expected, has_ids = writer(tmp_path, _matrices())
    labels = _write_labels(tmp_path / "labels.csv")
    id_column = "name" if path.suffix == ".tsv" else None
    report = ingest_file(
        store,
        "roundtrip",
        path,
        labels_path=tmp_path / "labels.csv",
        id_column=id_column,
        provenance=Provenance(model="m", checkpoint="ep3", epoch=3, seed=1),
    )
    assert report.dropped_rows == 0
    assert sorted(r.name for r in report.records) == sorted(expected)
    coll = store.get_collection("roundtrip")
    assert coll.n_stimuli == N and coll.label_columns == ["class", "size"]
    # with ids in the file they come from it; without, from the labels file in its order: the same list here
    assert store.stimuli(coll.id).index.tolist() == IDS
    for rec in report.records:
        rep = store.load_representation(rec.id)
        assert rep.matrix.dtype == np.float32
        np.testing.assert_array_equal(rep.matrix, expected[rec.name])
        assert rep.stimulus_ids.tolist() == IDS
        frame = rep.label_frame()
        assert frame["class"].tolist() == labels["class"].tolist()
        np.testing.assert_array_equal(frame["size"].to_numpy(), labels["size"].to_numpy())
        assert rep.provenance.model == "m" and rep.provenance.epoch == 3 and rep.provenance.seed == 1
        single = len(expected) == 1 and path.suffix in (".npy", ".csv", ".tsv", ".pt")
        assert rep.provenance.layer == (None if single else rec.name)
    assert (read_file(path, id_column=id_column).ids is not None) == has_ids


def test_safetensors_bfloat16(store, tmp_path):
    from safetensors.torch import save_file

    t = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    save_file({"h": t.to(torch.bfloat16)}, str(tmp_path / "bf.safetensors"))
    report = ingest_file(store, "bf", tmp_path / "bf.safetensors")
    np.testing.assert_array_equal(store.load_representation(report.records[0].id).matrix, t.numpy())


def test_ints_and_bools_become_float32(store, tmp_path):
    np.savez(tmp_path / "x.npz", ints=np.arange(6, dtype=np.int64).reshape(3, 2), spikes=np.eye(3, dtype=bool))
    report = ingest_file(store, "ib", tmp_path / "x.npz")
    mats = {r.name: store.load_representation(r.id).matrix for r in report.records}
    np.testing.assert_array_equal(mats["ints"], np.arange(6).reshape(3, 2).astype(np.float32))
    np.testing.assert_array_equal(mats["spikes"], np.eye(3, dtype=np.float32))


def test_name_prefix_and_upload_filename(store, tmp_path):
    with open(tmp_path / "upload-123.bin", "wb") as fh:
        np.savez(fh, a=np.ones((3, 2)), b=np.zeros((3, 5)))
    report = ingest_file(store, "up", tmp_path / "upload-123.bin", filename="acts.npz", name="run1")
    assert sorted(r.name for r in report.records) == ["run1/a", "run1/b"]
    assert {r.provenance.layer for r in report.records} == {"a", "b"}


def test_export_npz_round_trip(store, tmp_path):
    np.savez(tmp_path / "acts.npz", stimulus_ids=np.array(IDS), **_matrices(1))
    report = ingest_file(store, "src", tmp_path / "acts.npz")
    reps = [store.load_representation(r.id) for r in report.records]
    write_npz(tmp_path / "export.npz", reps)
    again = ingest_file(store, "copy", tmp_path / "export.npz")
    for rec in again.records:
        rep = store.load_representation(rec.id)
        original = next(r for r in reps if r.name == rec.name)
        np.testing.assert_array_equal(rep.matrix, original.matrix)
        assert rep.stimulus_ids.tolist() == IDS
