"""One test per bad-input class of issue 2: the error names the problem, and the store is left exactly as it was."""

from __future__ import annotations

import zipfile

import h5py
import numpy as np
import pandas as pd
import pytest
import safetensors.numpy
import torch

from topoalign.api.errors import http_status
from topoalign.errors import (
    ConflictError,
    InvalidInputError,
    InvalidParameterError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedFormatError,
)
from topoalign.io import ingest_arrays, ingest_file


class WritesFile:
    """Unpickling this writes ``path``: the proof that a loader executed pickled code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (exec, (f"open({self.path!r}, 'w').write('pwned')",))


def _ingest_fails(unchanged, path, exc, match, **kw):
    with unchanged() as store, pytest.raises(exc, match=match) as info:
        ingest_file(store, kw.pop("collection", "new"), path, **kw)
    return info.value


# -- format ------------------------------------------------------------------------------------------------------
def test_unknown_extension(unchanged, tmp_path):
    (tmp_path / "acts.txt").write_text("1,2\n3,4\n")
    err = _ingest_fails(unchanged, tmp_path / "acts.txt", UnsupportedFormatError, "Unknown file format '.txt'")
    assert err.code == "unsupported_format" and ".npy" in str(err)


def _npz_bytes(tmp_path):
    np.savez(tmp_path / "real.npz", a=np.ones((2, 2)))
    return (tmp_path / "real.npz").read_bytes()


def _pt_bytes(tmp_path):
    torch.save({"a": torch.ones(2, 2)}, tmp_path / "real.pt")
    return (tmp_path / "real.pt").read_bytes()


def _h5_bytes(tmp_path):
    with h5py.File(tmp_path / "real.h5", "w") as f:
        f["a"] = np.ones((2, 2))
    return (tmp_path / "real.h5").read_bytes()


def _npy_bytes(tmp_path):
    np.save(tmp_path / "real.npy", np.ones((2, 2)))
    return (tmp_path / "real.npy").read_bytes()


@pytest.mark.parametrize(
    "make, target, looks_like",
    [
        (_npz_bytes, "acts.npy", "NumPy .npz archive"),
        (_npy_bytes, "acts.h5", "NumPy .npy array"),
        (_pt_bytes, "acts.npz", "PyTorch checkpoint"),
        (_npz_bytes, "acts.pt", "NumPy .npz archive"),
        (_h5_bytes, "acts.safetensors", "HDF5 file"),
        (_npy_bytes, "acts.csv", "NumPy .npy array"),
        (lambda tmp: b"stimulus_id,a\ns0,1\n", "acts.npz", "text"),
    ],
)
def test_mismatched_magic(unchanged, tmp_path, make, target, looks_like):
    (tmp_path / target).write_bytes(make(tmp_path))
    err = _ingest_fails(unchanged, tmp_path / target, UnsupportedFormatError, "Mismatched format")
    assert err.code == "mismatched_format" and looks_like in str(err)


def _write_valid(tmp_path, fmt):
    x = np.random.default_rng(0).normal(size=(40, 30)).astype(np.float32)
    path = tmp_path / f"acts.{fmt}"
    if fmt == "npy":
        np.save(path, x)
    elif fmt == "npz":
        np.savez(path, a=x, b=x)
    elif fmt == "safetensors":
        safetensors.numpy.save_file({"a": x}, str(path))
    elif fmt == "pt":
        torch.save({"a": torch.from_numpy(x)}, path)
    elif fmt == "h5":
        with h5py.File(path, "w") as f:
            f["a"] = x
    return path


@pytest.mark.parametrize("fmt", ["npy", "npz", "safetensors", "pt", "h5"])
@pytest.mark.parametrize("damage", ["truncated", "garbled"])
def test_corrupt_file_of_each_format(unchanged, tmp_path, fmt, damage):
    path = _write_valid(tmp_path, fmt)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:  # keep the magic bytes, overwrite what follows
        rng = np.random.default_rng(1)
        data[16:] = rng.integers(0, 256, len(data) - 16, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    err = _ingest_fails(unchanged, path, InvalidInputError, "(?i)corrupt|damaged|mismatched")
    assert err.code in ("corrupt_file", "mismatched_format")


def test_corrupt_csv(unchanged, tmp_path):
    (tmp_path / "acts.csv").write_text('id,a,b\ns0,1,2\ns1,3,4,5,6\n"s2,7\n')
    err = _ingest_fails(unchanged, tmp_path / "acts.csv", InvalidInputError, "Corrupt file: cannot parse 'acts.csv'")
    assert err.code == "corrupt_file"


def test_binary_csv(unchanged, tmp_path):
    (tmp_path / "acts.csv").write_bytes(b"\x00\x01\x02\xff" * 10)
    _ingest_fails(unchanged, tmp_path / "acts.csv", UnsupportedFormatError, "Mismatched format.*binary")


def test_empty_file(unchanged, tmp_path):
    (tmp_path / "acts.npy").write_bytes(b"")
    _ingest_fails(unchanged, tmp_path / "acts.npy", InvalidInputError, "is empty")


def test_zip_that_is_not_npz(unchanged, tmp_path):
    with zipfile.ZipFile(tmp_path / "acts.npz", "w") as zf:
        zf.writestr("a.npy", _npy_bytes(tmp_path))
        zf.writestr("notes.txt", "hello")
    _ingest_fails(unchanged, tmp_path / "acts.npz", InvalidInputError, "not an .npz")


# -- pickles are never unpickled -------------------------------------------------------------------------------
def test_object_npy_pickle_is_not_executed(unchanged, tmp_path):
    marker = tmp_path / "pwned.txt"
    evil = np.array([WritesFile(marker)], dtype=object)
    np.save(tmp_path / "evil.npy", evil, allow_pickle=True)
    err = _ingest_fails(unchanged, tmp_path / "evil.npy", InvalidInputError, "pickled objects are not accepted")
    assert err.code == "pickled_content"
    assert not marker.exists()
    # the payload is real: an unsafe loader would have written the file
    np.load(tmp_path / "evil.npy", allow_pickle=True)
    assert marker.read_text() == "pwned"


def test_object_npz_pickle_is_not_executed(unchanged, tmp_path):
    marker = tmp_path / "pwned.txt"
    np.savez(tmp_path / "evil.npz", ok=np.ones((3, 2)), evil=np.array([WritesFile(marker)], dtype=object))
    _ingest_fails(unchanged, tmp_path / "evil.npz", InvalidInputError, "pickled objects are not accepted")
    assert not marker.exists()


def test_pt_with_pickled_object_is_not_executed(unchanged, tmp_path):
    marker = tmp_path / "pwned.txt"
    torch.save({"layer": torch.ones(3, 2), "evil": WritesFile(marker)}, tmp_path / "evil.pt")
    err = _ingest_fails(unchanged, tmp_path / "evil.pt", InvalidInputError, "pickled objects are not accepted")
    assert err.code == "pickled_content" and "weights_only=False" not in str(err)
    assert not marker.exists()
    torch.load(tmp_path / "evil.pt", weights_only=False)  # the payload is real
    assert marker.exists()


@pytest.mark.parametrize("suffix", [".pt", ".npy", ".npz", ".h5"])
@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_plain_pickle_is_not_executed(unchanged, tmp_path, suffix, protocol):
    import pickle

    marker = tmp_path / "pwned.txt"
    (tmp_path / f"evil{suffix}").write_bytes(pickle.dumps(WritesFile(marker), protocol=protocol))
    err = _ingest_fails(unchanged, tmp_path / f"evil{suffix}", InvalidInputError, "pickled objects are not accepted")
    assert err.code == "pickled_content"
    assert not marker.exists()


# -- content -----------------------------------------------------------------------------------------------------
def test_complex_dtype(unchanged, tmp_path):
    np.save(tmp_path / "c.npy", np.ones((3, 2), dtype=np.complex64))
    err = _ingest_fails(unchanged, tmp_path / "c.npy", InvalidInputError, r"shape \(3, 2\) holds complex numbers")
    assert err.code == "complex_data"


def test_strings_npy(unchanged, tmp_path):
    np.save(tmp_path / "s.npy", np.array([["a", "b"], ["c", "d"]]))
    err = _ingest_fails(unchanged, tmp_path / "s.npy", InvalidInputError, r"holds strings \(dtype <U1\)")
    assert err.code == "non_numeric"


def test_strings_csv(unchanged, tmp_path):
    pd.DataFrame({"id": ["a", "b"], "x": [1.0, 2.0], "colour": ["red", "blue"]}).to_csv(tmp_path / "s.csv", index=False)
    _ingest_fails(unchanged, tmp_path / "s.csv", InvalidInputError, r"non-numeric columns \['colour'\].*'red'")


def test_string_dataset_h5(unchanged, tmp_path):
    with h5py.File(tmp_path / "s.h5", "w") as f:
        f["names"] = np.array([["a", "b"]], dtype=h5py.string_dtype())
    _ingest_fails(unchanged, tmp_path / "s.h5", InvalidInputError, "holds strings")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_rejected(unchanged, tmp_path, bad):
    x = np.ones((4, 3))
    x[2, 1] = bad
    np.save(tmp_path / "x.npy", x)
    err = _ingest_fails(unchanged, tmp_path / "x.npy", InvalidInputError, r"shape \(4, 3\).*in 1 rows.*drop-nonfinite")
    assert err.code == "non_finite"


def test_float64_beyond_float32_range_rejected(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.full((2, 2), 1e300))
    _ingest_fails(unchanged, tmp_path / "x.npy", InvalidInputError, "infinite values")


def test_nonfinite_rows_dropped_and_counted(store, tmp_path):
    x = np.arange(12, dtype=np.float64).reshape(6, 2)
    y = np.arange(18, dtype=np.float64).reshape(6, 3)
    x[1, 0], y[4, 2] = np.nan, np.inf
    np.savez(tmp_path / "x.npz", stimulus_ids=np.array([f"t{i}" for i in range(6)]), x=x, y=y)
    report = ingest_file(store, "drop", tmp_path / "x.npz", drop_nonfinite=True)
    assert report.dropped_rows == 2 and any("dropped 2 of 6 rows" in n for n in report.notes)
    for rec in report.records:
        rep = store.load_representation(rec.id)
        assert rep.stimulus_ids.tolist() == ["t0", "t2", "t3", "t5"]
        assert np.isfinite(rep.matrix).all()
    np.testing.assert_array_equal(store.load_representation(report.records[0].id).matrix, x[[0, 2, 3, 5]])
    assert store.get_collection("drop").n_stimuli == 6  # the stimuli exist; only their activations were bad


def test_all_rows_nonfinite_even_when_dropping(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.full((3, 2), np.nan))
    _ingest_fails(unchanged, tmp_path / "x.npy", InvalidInputError, "nothing would remain", drop_nonfinite=True)


@pytest.mark.parametrize(
    "shape, match",
    [((0, 4), r"\(0, 4\): 0 rows"), ((4, 0), r"\(4, 0\): 0 columns"), ((3, 2, 0, 2), r"\(3, 2, 0, 2\): 0 columns")],
)
def test_empty_arrays(unchanged, tmp_path, shape, match):
    np.save(tmp_path / "e.npy", np.zeros(shape, dtype=np.float32))
    err = _ingest_fails(unchanged, tmp_path / "e.npy", InvalidInputError, match)
    assert err.code == "empty_array"


def test_csv_with_header_only(unchanged, tmp_path):
    (tmp_path / "e.csv").write_text("id,a,b\n")
    _ingest_fails(unchanged, tmp_path / "e.csv", InvalidInputError, "0 rows")


def test_csv_with_only_ids(unchanged, tmp_path):
    (tmp_path / "e.csv").write_text("stimulus_id\ns0\ns1\n")
    _ingest_fails(unchanged, tmp_path / "e.csv", InvalidInputError, "0 numeric columns")


@pytest.mark.parametrize("shape", [(5,), (2, 3, 2, 2, 2)])
def test_1d_and_5d(unchanged, tmp_path, shape):
    np.save(tmp_path / "x.npy", np.ones(shape))
    err = _ingest_fails(
        unchanged,
        tmp_path / "x.npy",
        InvalidInputError,
        rf"shape {tuple(shape)}".replace("(", r"\(").replace(")", r"\)"),
    )
    assert err.code == "bad_shape" and f"{len(shape)}-D" in str(err)


def test_one_bad_array_stores_nothing(unchanged, tmp_path):
    np.savez(tmp_path / "x.npz", a=np.ones((3, 2)), b=np.ones((3, 2)), c=np.ones(3))
    _ingest_fails(unchanged, tmp_path / "x.npz", InvalidInputError, "'c'")


# -- ids and labels ----------------------------------------------------------------------------------------------
def test_duplicate_ids_csv(unchanged, tmp_path):
    (tmp_path / "d.csv").write_text("id,a\ns0,1\ns1,2\ns0,3\n")
    err = _ingest_fails(unchanged, tmp_path / "d.csv", InvalidInputError, r"1 duplicate stimulus ids.*\['s0'\]")
    assert err.code == "duplicate_ids"


def test_nul_in_ids(unchanged, tmp_path):
    np.savez(tmp_path / "d.npz", stimulus_ids=np.array(["a\x00b", "c"]), x=np.ones((2, 2)))
    _ingest_fails(unchanged, tmp_path / "d.npz", InvalidInputError, "NUL character")


def test_duplicate_ids_npz(unchanged, tmp_path):
    np.savez(tmp_path / "d.npz", stimulus_ids=np.array(["a", "a"]), x=np.ones((2, 2)))
    _ingest_fails(unchanged, tmp_path / "d.npz", InvalidInputError, "duplicate stimulus ids")


def test_duplicate_ids_in_labels(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 2)))
    (tmp_path / "l.csv").write_text("id,class\nq,1\nq,2\n")
    _ingest_fails(
        unchanged, tmp_path / "x.npy", InvalidInputError, "duplicate ids in labels file", labels_path=tmp_path / "l.csv"
    )


def test_label_ids_mismatch_new_collection(unchanged, tmp_path):
    (tmp_path / "x.csv").write_text("id,a\ns0,1\ns1,2\n")
    (tmp_path / "l.csv").write_text("id,class\ns0,cat\nzz,dog\n")
    err = _ingest_fails(
        unchanged, tmp_path / "x.csv", InvalidInputError, r"1 of 2 label rows.*\['zz'\]", labels_path=tmp_path / "l.csv"
    )
    assert err.code == "label_mismatch"


def test_label_ids_mismatch_existing_collection(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((6, 2)))
    (tmp_path / "l.csv").write_text("stimulus_id,colour\nb0,red\nnot_a_stimulus,blue\n")
    _ingest_fails(
        unchanged,
        tmp_path / "x.npy",
        InvalidInputError,
        "collection 'base'",
        collection="base",
        labels_path=tmp_path / "l.csv",
    )


def test_labels_without_id_column(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 2)))
    (tmp_path / "l.csv").write_text("name,class\na,1\nb,2\n")
    _ingest_fails(
        unchanged,
        tmp_path / "x.npy",
        InvalidInputError,
        "no id column 'stimulus_id' or 'id'",
        labels_path=tmp_path / "l.csv",
    )


def test_n_mismatch_with_collection(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((5, 2)))
    err = _ingest_fails(
        unchanged,
        tmp_path / "x.npy",
        InvalidInputError,
        r"5 rows \(shape \(5, 2\)\) but collection 'base' has 6",
        collection="base",
    )
    assert err.code == "stimulus_mismatch"


def test_ids_not_in_collection(unchanged, tmp_path):
    (tmp_path / "x.csv").write_text("id,a\nb0,1\nnew1,2\n")
    _ingest_fails(
        unchanged,
        tmp_path / "x.csv",
        InvalidInputError,
        r"1 of 2 stimulus ids are not in collection",
        collection="base",
    )


def test_arrays_of_different_n(unchanged, tmp_path):
    np.savez(tmp_path / "x.npz", a=np.ones((3, 2)), b=np.ones((4, 2)))
    _ingest_fails(unchanged, tmp_path / "x.npz", InvalidInputError, r"'b' has 4 rows")


# -- limits and names --------------------------------------------------------------------------------------------
def test_oversized_file(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((10, 10)))
    err = _ingest_fails(
        unchanged, tmp_path / "x.npy", PayloadTooLargeError, "over the size cap of 100 B", max_bytes=100
    )
    assert err.code == "payload_too_large" and http_status(err) == 413


def test_oversized_after_decompression(unchanged, tmp_path):
    np.savez_compressed(tmp_path / "x.npz", a=np.zeros((100, 100)))
    assert (tmp_path / "x.npz").stat().st_size < 4000
    _ingest_fails(unchanged, tmp_path / "x.npz", PayloadTooLargeError, "expands to", max_bytes=4000)


def test_oversized_labels(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 2)))
    (tmp_path / "l.csv").write_text("id,c\n" + "".join(f"s{i},{i}\n" for i in range(50)))
    _ingest_fails(
        unchanged, tmp_path / "x.npy", PayloadTooLargeError, "'l.csv'", labels_path=tmp_path / "l.csv", max_bytes=300
    )


@pytest.mark.parametrize(
    "bad", ["../../etc/passwd", "/etc/passwd", "..", "a\\..\\b", "\\\\server\\share", "nul\x00byte", "C:evil"]
)
def test_path_traversal_names(unchanged, tmp_path, bad):
    np.save(tmp_path / "x.npy", np.ones((2, 2)))
    err = _ingest_fails(unchanged, tmp_path / "x.npy", InvalidInputError, "Invalid representation name", name=bad)
    assert err.code == "invalid_name" and repr(bad) in str(err)


def test_path_traversal_array_key(unchanged, tmp_path):
    np.savez(tmp_path / "x.npz", **{"../../etc/passwd": np.ones((2, 2))})
    _ingest_fails(unchanged, tmp_path / "x.npz", InvalidInputError, r"Invalid array key '\.\./\.\./etc/passwd'")
    assert not (tmp_path / "etc").exists()


def test_path_traversal_collection_name(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 2)))
    _ingest_fails(
        unchanged,
        tmp_path / "x.npy",
        InvalidInputError,
        "Invalid collection name.*path traversal",
        collection="../../etc",
    )


def test_traversal_in_upload_filename_is_only_a_label(store, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 2)))
    report = ingest_file(store, "c", tmp_path / "x.npy", filename="../../etc/passwd.npy")
    assert report.records[0].name == "passwd"
    assert sorted(p.parent.name for p in (store.data_dir / "arrays").iterdir()) == ["arrays"]


# -- collections, names, parameters -----------------------------------------------------------------------------
def test_name_conflict(unchanged, tmp_path):
    np.save(tmp_path / "existing.npy", np.ones((6, 2)))
    _ingest_fails(
        unchanged, tmp_path / "existing.npy", ConflictError, "already has representations named", collection="base"
    )


def test_missing_collection_without_create(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 2)))
    _ingest_fails(unchanged, tmp_path / "x.npy", NotFoundError, "nope", collection="nope", create_collection=False)


def test_bad_reduction_rule(unchanged, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 2)))
    _ingest_fails(
        unchanged,
        tmp_path / "x.npy",
        InvalidParameterError,
        r"The 'reduce_conv' parameter of ingest must be one of \['gap', 'center', 'flatten'\]. Got 'max'",
        reduce_conv="max",
    )


def test_missing_file(unchanged, tmp_path):
    _ingest_fails(unchanged, tmp_path / "nothing.npy", InvalidInputError, "No such file")


def test_h5_external_link_data_refused(unchanged, tmp_path):
    secret = tmp_path / "raw.bin"
    np.ones((2, 2)).tofile(secret)
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f.create_dataset("a", shape=(2, 2), dtype="f8", external=[(str(secret), 0, 32)])
    _ingest_fails(unchanged, tmp_path / "x.h5", InvalidInputError, "other files")


def test_ingest_arrays_all_or_nothing_when_storing_fails(unchanged, monkeypatch):
    """The 2nd of 3 arrays fails while being stored: the 1st is deleted again, and the new collection too."""
    import topoalign.store.catalog as catalog

    with unchanged() as store:
        real = catalog.write_arrays
        calls = []

        def flaky(path, **arrays):
            calls.append(path)
            if len(calls) == 2:
                raise OSError("disk full")
            return real(path, **arrays)

        monkeypatch.setattr(catalog, "write_arrays", flaky)
        arrays = {k: np.ones((3, 2)) for k in ("a", "b", "c")}
        with pytest.raises(OSError, match="disk full"):
            ingest_arrays(store, "fresh", arrays)
        with pytest.raises(OSError, match="disk full"):
            calls.clear()
            ingest_arrays(store, "base", {k: np.ones((6, 2)) for k in ("a", "b", "c")})
        assert len(calls) == 2
