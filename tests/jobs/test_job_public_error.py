"""public_text: what a job record may show (no traceback, no server paths), and nothing else changed."""

import sys

import pytest

from topoalign.jobs.public_error import MAX_CHARS, public_error, public_text, server_roots


def test_known_roots_become_placeholders(tmp_path):
    roots = server_roots(tmp_path / "store")
    data = (tmp_path / "store").resolve()
    assert public_text(f"no file {data}/arrays/r.npy", roots) == "no file <data>/arrays/r.npy"
    assert public_text(f"in {sys.prefix}/lib/x.py", roots).startswith("in <")
    assert str(tmp_path) not in public_text(f"{tmp_path}/other/file.txt", roots)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("see /etc/passwd", "see .../passwd"),
        ("'/srv/secret/data.h5' is corrupt", "'.../data.h5' is corrupt"),
        ('boom\nTraceback (most recent call last):\n  File "/x/y.py", line 1', "boom"),
        ("POST /api/graphs failed", "POST /api/graphs failed"),  # routes are not paths of the server
        ("ratio 1/2 of a/b", "ratio 1/2 of a/b"),
        (
            "The 'eps' parameter of DBSCAN must be > 0. Got -1 instead.",
            "The 'eps' parameter of DBSCAN must be > 0. Got -1 instead.",
        ),
    ],
)
def test_tracebacks_and_other_absolute_paths_go(text, expected):
    assert public_text(text, ()) == expected


def test_public_error_names_the_type_and_is_bounded():
    assert public_error(KeyError("x"), ()) == "KeyError: 'x'"
    assert len(public_error(ValueError("v" * 10 * MAX_CHARS), ())) == MAX_CHARS
