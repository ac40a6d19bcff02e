"""Generate a corpus of malformed uploads and invalid requests for the bad-input tests.

Run ``python tests/reliability/make_corpus.py OUT_DIR`` to write the files and a ``manifest.json``; or import
``make_corpus(folder)`` to get the cases. Each case says what to send and which keywords the error message must
contain (lower-cased substring match; a tuple means any one of them). Files holding pickles, when unpickled, write a
file named ``PWNED-*`` into the corpus folder: the tests assert that no such file ever appears.

Placeholders in request cases: ``{cid}`` (an existing collection id), ``{rid}`` (an existing representation id).
The existing collection holds 6 stimuli ``b0 .. b5``; uploads default to it unless ``collection`` is set.
The app runs with the token ``CORPUS_TOKEN``, which the client sends as ``Authorization: Bearer ...``; a case's
``headers`` replace the client's (a value of None removes that header), for the Host, Origin and token classes.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import sys
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

N_EXISTING = 6  # stimuli of the collection the uploads go to
UPLOAD_CAP = 200_000  # bytes: the corpus app runs with this TOPOALIGN_MAX_UPLOAD_BYTES
CORPUS_TOKEN = "corpus-t0ken"  # the corpus app's TOPOALIGN_TOKEN
MARKER_PREFIX = "PWNED-"


@dataclass
class UploadCase:
    """POST a file to ``/api/collections/{collection}/representations``."""

    name: str
    file: str  # path of the body, relative to the corpus folder
    filename: str  # the filename the client claims
    keywords: tuple[str, ...]  # any of these must appear in the error detail (lower-case)
    form: dict[str, str] = field(default_factory=dict)
    labels: str | None = None  # a labels file, relative to the corpus folder
    collection: str = "{cid}"
    headers: dict[str, str | None] = field(default_factory=dict)
    kind: str = "upload"


@dataclass
class RequestCase:
    """Any JSON/query request that must be refused."""

    name: str
    method: str
    path: str
    keywords: tuple[str, ...]
    json: Any = None
    params: dict[str, Any] | None = None
    content: str | None = None  # a raw body (sent with content-type application/json)
    headers: dict[str, str | None] = field(default_factory=dict)
    kind: str = "request"


class WritesMarker:
    """Unpickling this writes ``path``: the proof that a loader executed pickled code."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (exec, (f"open({self.path!r}, 'w').write('pwned')",))


# -- byte builders ----------------------------------------------------------------------------------------------
def _npy(a: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=allow_pickle)
    return buf.getvalue()


def _npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _npy_with_header(header: str, body: bytes = b"\0" * 64) -> bytes:
    head = header.encode("latin1")
    pad = 64 - (10 + len(head) + 1) % 64
    head = head + b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head + body


def _safetensors(header: dict, body: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


def _pt(obj: Any) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _h5(build) -> bytes:
    import h5py

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        build(f)
    return buf.getvalue()


def _zip_member(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, data)
    return buf.getvalue()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _good(n: int = N_EXISTING, d: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


def _csv(rows: list[list[Any]], sep: str = ",") -> bytes:
    return "\n".join(sep.join(str(v) for v in r) for r in rows).encode() + b"\n"


def _good_csv_rows(n: int = N_EXISTING) -> list[list[Any]]:
    a = _good(n)
    return [["stimulus_id", "u0", "u1", "u2", "u3"]] + [[f"b{i}", *a[i].round(3)] for i in range(n)]


# -- the corpus -------------------------------------------------------------------------------------------------
def _file_cases(folder: Path) -> list[tuple[UploadCase, bytes]]:
    marker = lambda tag: folder / f"{MARKER_PREFIX}{tag}"  # noqa: E731
    good = _good()
    ids = np.array([f"b{i}" for i in range(N_EXISTING)])
    st_good = _safetensors(
        {"acts": {"dtype": "F32", "shape": [N_EXISTING, 4], "data_offsets": [0, 96]}}, good.tobytes()
    )
    h5_good = _h5(lambda f: f.create_dataset("acts", data=good))
    pt_good = _pt({"acts": __import__("torch").from_numpy(good)})
    corrupt = ("corrupt", "cannot read", "truncated")
    U = UploadCase
    cases: list[tuple[UploadCase, bytes]] = [
        # .npy
        (U("npy_truncated", "", "acts.npy", corrupt), _npy(good)[:100]),
        (U("npy_empty_file", "", "acts.npy", corrupt + ("empty",)), b""),
        (U("npy_png_magic", "", "acts.npy", ("png", "not", "corrupt")), PNG),
        (
            U("npy_garbage_header", "", "acts.npy", corrupt),
            _npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (6, 4), __import__('os')}"),
        ),
        (
            U("npy_object_pickle", "", "acts.npy", ("pickle",)),
            _npy(np.array([WritesMarker(marker("npy")), 1], dtype=object), allow_pickle=True),
        ),
        (U("npy_complex", "", "acts.npy", ("complex",)), _npy(good.astype(np.complex64))),
        (U("npy_strings", "", "acts.npy", ("numeric", "number", "dtype")), _npy(np.full((6, 4), "abc"))),
        (U("npy_nan", "", "acts.npy", ("nan",)), _npy(np.where(np.eye(6, 4) > 0, np.nan, good).astype("f4"))),
        (U("npy_inf", "", "acts.npy", ("inf",)), _npy(np.full((6, 4), np.inf, dtype="f4"))),
        (U("npy_zero_rows", "", "acts.npy", ("0 rows",)), _npy(np.zeros((0, 4), "f4"))),
        (U("npy_zero_cols", "", "acts.npy", ("0 columns",)), _npy(np.zeros((6, 0), "f4"))),
        (U("npy_scalar", "", "acts.npy", ("shape", "dimension")), _npy(np.float32(3.0))),
        (U("npy_6d", "", "acts.npy", ("shape", "dimension")), _npy(np.zeros((6, 1, 1, 1, 1, 2), "f4"))),
        (
            U("npy_huge_declared_rows", "", "acts.npy", corrupt + ("large", "cap", "allocate", "size")),
            _npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 4), }"),
        ),
        (U("npy_rows_mismatch", "", "acts.npy", ("rows", "stimuli", "7")), _npy(_good(7))),
        # .npz
        (U("npz_truncated", "", "acts.npz", corrupt), _npz(acts=good)[:150]),
        (
            U("npz_flipped_bytes", "", "acts.npz", corrupt),
            bytes(b ^ 0xFF if 40 < i < 200 else b for i, b in enumerate(_npz(acts=good))),
        ),
        (
            U("npz_object_member", "", "acts.npz", ("pickle",)),
            _zip_member("acts.npy", _npy(np.array([WritesMarker(marker("npz")), 2], dtype=object), True)),
        ),
        (
            U("npz_is_plain_pickle", "", "acts.npz", ("pickle", "not", "corrupt", "format")),
            pickle.dumps(WritesMarker(marker("npz-plain"))),
        ),
        (
            U("npz_traversal_key", "", "acts.npz", ("path", "invalid", "name")),
            _zip_member("../../evil.npy", _npy(good)),
        ),
        (U("npz_absolute_key", "", "acts.npz", ("path", "invalid", "name")), _zip_member("/tmp/evil.npy", _npy(good))),
        (U("npz_non_npy_member", "", "acts.npz", ("not an .npz", "corrupt")), _zip_member("x.txt", b"hello")),
        (U("npz_no_arrays", "", "acts.npz", ("no arrays", "corrupt", "empty")), _npz()),
        (U("npz_row_mismatch", "", "acts.npz", ("rows",)), _npz(a=good, b=_good(5))),
        (U("npz_ids_length_mismatch", "", "acts.npz", ("ids", "rows")), _npz(acts=good, stimulus_ids=ids[:4])),
        (
            U("npz_unknown_ids", "", "acts.npz", ("zz", "not", "unknown")),
            _npz(acts=good, stimulus_ids=np.array([f"zz{i}" for i in range(N_EXISTING)])),
        ),
        (
            U("npz_duplicate_ids", "", "acts.npz", ("duplicate",)),
            _npz(acts=good, stimulus_ids=np.array(["b0"] * N_EXISTING)),
        ),
        (U("npz_2d_ids", "", "acts.npz", ("ids",)), _npz(acts=good, stimulus_ids=np.zeros((6, 2)))),
        # .safetensors
        (U("safetensors_truncated", "", "acts.safetensors", corrupt), st_good[:-40]),
        (U("safetensors_header_len_huge", "", "acts.safetensors", corrupt), struct.pack("<Q", 2**60) + b"{}"),
        (U("safetensors_header_not_json", "", "acts.safetensors", corrupt), struct.pack("<Q", 10) + b"not json!!"),
        (
            U("safetensors_huge_shape", "", "acts.safetensors", corrupt + ("large", "cap", "size")),
            _safetensors({"acts": {"dtype": "F32", "shape": [10**12, 4], "data_offsets": [0, 96]}}, good.tobytes()),
        ),
        (
            U("safetensors_offsets_past_end", "", "acts.safetensors", corrupt),
            _safetensors({"acts": {"dtype": "F32", "shape": [6, 4], "data_offsets": [0, 96_000]}}, good.tobytes()),
        ),
        (
            U("safetensors_unknown_dtype", "", "acts.safetensors", corrupt),
            _safetensors({"acts": {"dtype": "Q99", "shape": [6, 4], "data_offsets": [0, 96]}}, good.tobytes()),
        ),
        # .pt / .pth
        (
            U("pt_reduce_payload", "", "acts.pt", ("pickle",)),
            _pt({"acts": __import__("torch").from_numpy(good), "evil": WritesMarker(marker("pt"))}),
        ),
        (U("pt_plain_pickle", "", "acts.pt", ("pickle", "corrupt")), pickle.dumps(WritesMarker(marker("pt-plain")))),
        (U("pth_truncated", "", "acts.pth", corrupt), pt_good[: len(pt_good) // 2]),
        (U("pth_random_bytes", "", "acts.pth", corrupt + ("not", "format")), os.urandom(3000)),
        (U("pt_no_tensors", "", "acts.pt", ("no tensors",)), _pt({"a": 1, "b": "x"})),
        (
            U("pt_complex", "", "acts.pt", ("complex",)),
            _pt({"acts": __import__("torch").zeros(6, 4, dtype=__import__("torch").complex64)}),
        ),
        # .h5
        (U("h5_truncated", "", "acts.h5", corrupt), h5_good[: len(h5_good) // 2]),
        (
            U("h5_huge_shape", "", "acts.h5", ("large", "cap", "size", "expands")),
            _h5(lambda f: f.create_dataset("acts", shape=(10**12, 4), dtype="f4", chunks=(1024, 4))),
        ),
        (
            U("h5_strings", "", "acts.h5", ("numeric", "number", "dtype", "text")),
            _h5(lambda f: f.create_dataset("acts", data=np.full((6, 4), "abc").astype("S"))),
        ),
        (U("h5_no_datasets", "", "acts.h5", ("no arrays",)), _h5(lambda f: f.create_group("empty"))),
        (U("h5_nan", "", "acts.hdf5", ("nan",)), _h5(lambda f: f.create_dataset("acts", data=np.full((6, 4), np.nan)))),
        # .csv / .tsv
        (
            U("csv_non_numeric", "", "acts.csv", ("non-numeric",)),
            _csv(_good_csv_rows()[:3] + [["b2", "x", "y", "z", "w"]] + _good_csv_rows()[4:]),
        ),
        (U("csv_header_only", "", "acts.csv", ("0 rows",)), _csv(_good_csv_rows()[:1])),
        (
            U("csv_ids_only", "", "acts.csv", ("0 numeric columns",)),
            _csv([["stimulus_id"]] + [[f"b{i}"] for i in range(6)]),
        ),
        (
            U("csv_binary_garbage", "", "acts.csv", ("text", "utf", "decode", "binary", "corrupt", "not")),
            os.urandom(2000),
        ),
        (
            U("csv_nan", "", "acts.csv", ("nan",)),
            _csv([r if i != 2 else [r[0], "nan", *r[2:]] for i, r in enumerate(_good_csv_rows())]),
        ),
        (
            U("tsv_ragged", "", "acts.tsv", ("field", "column", "row", "line", "corrupt")),
            _csv(_good_csv_rows()[:3] + [["b2", 1, 2, 3, 4, 5, 6, 7]] + _good_csv_rows()[4:], sep="\t"),
        ),
        (
            U("tsv_duplicate_ids", "", "acts.tsv", ("duplicate",)),
            _csv([r if i != 2 else ["b0", *r[1:]] for i, r in enumerate(_good_csv_rows())], sep="\t"),
        ),
        (U("csv_npy_content", "", "acts.csv", ("npy", "numpy", "not")), _npy(good)),
        # other formats and names
        (U("unknown_extension", "", "acts.exe", ("format", ".exe")), _npy(good)),
        (U("no_extension", "", "acts", ("format",)), _npy(good)),
        (U("name_traversal", "", "acts.npy", ("path",), form={"name": "../../evil"}), _npy(good)),
        (U("name_absolute", "", "acts.npy", ("path", "invalid"), form={"name": "/etc/passwd"}), _npy(good)),
        (U("name_backslash", "", "acts.npy", ("path", "invalid"), form={"name": "..\\..\\evil"}), _npy(good)),
        (U("name_nul", "", "acts.npy", ("invalid", "nul", "character"), form={"name": "a\x00b"}), _npy(good)),
        (
            U(
                "collection_traversal",
                "",
                "acts.npy",
                ("not found", "path", "invalid"),
                form={"create": "true"},
                collection="..%2F..%2Fevil",
            ),
            _npy(good),
        ),
        (
            U(
                "collection_backslash_name",
                "",
                "acts.npy",
                ("path", "invalid"),
                form={"create": "true"},
                collection="..%5C..%5Cevil",
            ),
            _npy(good),
        ),
        (
            U(
                "collection_dotdot_name",
                "",
                "acts.npy",
                ("path", "invalid", "not found"),
                form={"create": "true"},
                collection="%2E%2E",
            ),
            _npy(good),
        ),
        (
            U("collection_missing", "", "acts.npy", ("not found", "no collection", "nope"), collection="nope"),
            _npy(good),
        ),
        (U("oversized_streamed", "", "acts.npy", ("cap", "larger")), _npy(np.zeros((6, 9000), "f4"))),
        (U("oversized_declared", "", "acts.npy", ("cap",)), _npy(np.zeros((6, 60000), "f4"))),
        (U("labels_unknown_ids", "", "acts.npy", ("zz", "not", "unknown"), labels="labels_unknown.csv"), _npy(good)),
        # invalid form parameters
        (U("form_bad_reduce_conv", "", "acts.npy", ("reduce_conv",), form={"reduce_conv": "max"}), _npy(good)),
        (U("form_bad_reduce_seq", "", "acts.npy", ("reduce_seq",), form={"reduce_seq": "last"}), _npy(good)),
        (
            U("form_layer_fraction_range", "", "acts.npy", ("layer_fraction",), form={"layer_fraction": "2.5"}),
            _npy(good),
        ),
        (U("form_epoch_negative", "", "acts.npy", ("epoch",), form={"epoch": "-1"}), _npy(good)),
        (U("form_epoch_not_int", "", "acts.npy", ("epoch",), form={"epoch": "ten"}), _npy(good)),
        (
            U("form_drop_nonfinite_not_bool", "", "acts.npy", ("drop_nonfinite",), form={"drop_nonfinite": "maybe"}),
            _npy(good),
        ),
        (U("form_name_too_long", "", "acts.npy", ("name",), form={"name": "x" * 500}), _npy(good)),
        # a page on another site posting a good file (a form needs no preflight), and DNS rebinding
        (
            U("upload_from_foreign_origin", "", "acts.npy", ("origin",), headers={"Origin": "http://evil.example"}),
            _npy(good),
        ),
        (
            U(
                "upload_from_foreign_origin_without_token",
                "",
                "acts.npy",
                ("origin",),
                headers={"Origin": "https://evil.example", "Authorization": None},
            ),
            _npy(good),
        ),
        (U("upload_from_null_origin", "", "acts.npy", ("origin",), headers={"Origin": "null"}), _npy(good)),
        (
            U("upload_through_rebound_host", "", "acts.npy", ("host",), headers={"Host": "evil.example:8000"}),
            _npy(good),
        ),
        (
            U(
                "upload_token_without_bearer",
                "",
                "acts.npy",
                ("bearer", "token"),
                headers={"Authorization": CORPUS_TOKEN},
            ),
            _npy(good),
        ),
    ]
    return cases


def _surface_cases() -> list[RequestCase]:
    """Foreign Origin on writes (403), a Host that is not the server's (421), malformed or misplaced tokens (401)."""
    R = RequestCase
    evil, coll = "http://evil.example", {"name": "from-elsewhere", "stimulus_ids": ["a"]}
    return [
        R("origin_foreign_post", "post", "/api/collections", ("origin",), json=coll, headers={"Origin": evil}),
        R("origin_foreign_delete", "delete", "/api/collections/{cid}", ("origin",), headers={"Origin": evil}),
        R(
            "origin_foreign_patch",
            "patch",
            "/api/collections/{cid}",
            ("origin",),
            json={"name": "renamed"},
            headers={"Origin": evil},
        ),
        R(
            "origin_null_delete_representation",
            "delete",
            "/api/representations/{rid}",
            ("origin",),
            headers={"Origin": "null"},
        ),
        R(
            "origin_other_port",
            "post",
            "/api/collections",
            ("origin",),
            json=coll,
            headers={"Origin": "http://testserver:8001"},
        ),
        R("origin_garbage", "post", "/api/collections", ("origin",), json=coll, headers={"Origin": "not a url"}),
        R("host_rebound_get", "get", "/api/collections", ("host",), headers={"Host": "evil.example"}),
        R(
            "host_rebound_delete",
            "delete",
            "/api/collections/{cid}",
            ("host",),
            headers={"Host": "attacker.example:80", "Origin": "http://attacker.example"},
        ),
        R("host_rebound_dashboard", "get", "/", ("host",), headers={"Host": "evil.example"}),
        R("host_bad_port", "get", "/api/collections", ("host",), headers={"Host": "localhost:http"}),
        R("host_unbracketed_ipv6", "get", "/api/collections", ("host",), headers={"Host": "::1:8000"}),
        R("host_lookalike", "get", "/api/collections", ("host",), headers={"Host": "localhost.evil.example"}),
        R(
            "token_without_scheme",
            "get",
            "/api/collections",
            ("bearer", "token"),
            headers={"Authorization": CORPUS_TOKEN},
        ),
        R(
            "token_basic_scheme",
            "get",
            "/api/collections",
            ("bearer", "token"),
            headers={"Authorization": f"Basic {CORPUS_TOKEN}"},
        ),
        R(
            "token_scheme_only",
            "delete",
            "/api/collections/{cid}",
            ("bearer", "token"),
            headers={"Authorization": "Bearer"},
        ),
        R(
            "token_wrong",
            "delete",
            "/api/collections/{cid}",
            ("bearer", "token"),
            headers={"Authorization": "Bearer wrong"},
        ),
        R(
            "token_in_query_outside_events",
            "delete",
            "/api/collections/{cid}",
            ("bearer", "token"),
            params={"token": CORPUS_TOKEN},
            headers={"Authorization": None},
        ),
        R(
            "token_in_query_on_listing",
            "get",
            "/api/jobs",
            ("bearer", "token"),
            params={"token": CORPUS_TOKEN},
            headers={"Authorization": None},
        ),
        R("token_missing", "post", "/api/collections", ("bearer", "token"), json=coll, headers={"Authorization": None}),
    ]


def _request_cases() -> list[RequestCase]:
    R = RequestCase
    return [
        R("collection_name_wrong_type", "post", "/api/collections", ("name",), json={"name": 3, "stimulus_ids": ["a"]}),
        R("collection_name_empty", "post", "/api/collections", ("name",), json={"name": "", "stimulus_ids": ["a"]}),
        R(
            "collection_name_traversal",
            "post",
            "/api/collections",
            ("path", "invalid"),
            json={"name": "../../etc", "stimulus_ids": ["a"]},
        ),
        R(
            "collection_no_stimuli",
            "post",
            "/api/collections",
            ("stimulus_ids",),
            json={"name": "x", "stimulus_ids": []},
        ),
        R(
            "collection_duplicate_stimuli",
            "post",
            "/api/collections",
            ("duplicate",),
            json={"name": "dups", "stimulus_ids": ["a", "a"]},
        ),
        R(
            "collection_labels_length",
            "post",
            "/api/collections",
            ("label",),
            json={"name": "lab", "stimulus_ids": ["a", "b"], "labels": {"c": ["x"]}},
        ),
        R(
            "collection_texts_length",
            "post",
            "/api/collections",
            ("text",),
            json={"name": "txt", "stimulus_ids": ["a", "b"], "texts": ["only one"]},
        ),
        R(
            "collection_exists",
            "post",
            "/api/collections",
            ("exist", "already"),
            json={"name": "base", "stimulus_ids": ["a"]},
        ),
        R("collection_body_not_json", "post", "/api/collections", ("json",), content="{not json"),
        R("collection_body_array", "post", "/api/collections", ("object", "dict", "valid"), json=[1, 2, 3]),
        R("collection_get_traversal", "get", "/api/collections/..%2F..%2Fetc%2Fpasswd", ("not found", "no collection")),
        R("collection_delete_missing", "delete", "/api/collections/c000000000000", ("not found", "no collection")),
        R("stimuli_offset_negative", "get", "/api/collections/{cid}/stimuli", ("offset",), params={"offset": -1}),
        R("stimuli_limit_zero", "get", "/api/collections/{cid}/stimuli", ("limit",), params={"limit": 0}),
        R("stimuli_limit_huge", "get", "/api/collections/{cid}/stimuli", ("limit",), params={"limit": 10**9}),
        R("stimuli_limit_text", "get", "/api/collections/{cid}/stimuli", ("limit",), params={"limit": "lots"}),
        R(
            "representation_traversal",
            "get",
            "/api/representations/..%2F..%2Fcatalog.sqlite",
            ("not found", "no representation"),
        ),
        R("representation_dotdot", "get", "/api/representations/..", ("not found", "no representation")),
        R(
            "representation_delete_traversal",
            "delete",
            "/api/representations/..%2Farrays",
            ("not found", "no representation"),
        ),
        R("representation_nul", "get", "/api/representations/r%00x", ("not found", "no representation")),
        R("jobs_limit_zero", "get", "/api/jobs", ("limit",), params={"limit": 0}),
        R("jobs_limit_text", "get", "/api/jobs", ("limit",), params={"limit": "all"}),
        R("job_missing", "get", "/api/jobs/j000000000000", ("not found", "no job")),
        R("job_traversal", "get", "/api/jobs/..%2F..%2Fx", ("not found", "no job")),
        R("job_cancel_missing", "post", "/api/jobs/nope/cancel", ("not found", "no job")),
        R("job_rerun_missing", "post", "/api/jobs/nope/rerun", ("not found", "no job")),
        R("job_events_missing", "get", "/api/jobs/nope/events", ("not found", "no job")),
        R("wrong_method", "delete", "/api/health", ("method",)),
        R("unknown_route", "get", "/api/nothing-here", ("not found",)),
    ]


def make_corpus(folder: str | Path) -> list[UploadCase | RequestCase]:
    """Write the corpus files into ``folder`` and return every case (file cases first)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[UploadCase | RequestCase] = []
    for case, data in _file_cases(folder):
        case.file = f"{case.name}.bin"
        (folder / case.file).write_bytes(data)
        cases.append(case)
    (folder / "labels_unknown.csv").write_bytes(_csv([["stimulus_id", "class"], ["b0", "x"], ["zz9", "y"]]))
    cases += _request_cases() + _surface_cases()
    return cases


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: make_corpus.py OUT_DIR", file=sys.stderr)
        return 2
    cases = make_corpus(argv[0])
    (Path(argv[0]) / "manifest.json").write_text(json.dumps([asdict(c) for c in cases], indent=1))
    print(f"{len(cases)} cases written to {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
