"""The one CSV writer: formula-like text gets a leading quote (OWASP), numbers never change."""

import csv
import io

import pytest

from topoalign.io.csv_export import csv_cell, write_csv


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://x")', "-", "+", "-inf", "- 2"],
)
def test_formula_like_text_is_quoted(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", [-1, -0.5, 3, 1e-9, float("-inf"), "-0.5", "+2", "-1.5e-3", "-0.5;0.25;-1", "plain", "a=b", "", True]
)
def test_numbers_and_plain_text_are_unchanged(value):
    assert csv_cell(value) == value


def test_write_csv_round_trips_through_a_reader():
    rows = [{"name": "=cmd|' /C calc'!A0", "score": -0.5, "note": None, "ignored": "x"}, {"name": "ok"}]
    text = write_csv(rows, ["name", "score", "note"])
    got = list(csv.DictReader(io.StringIO(text)))
    assert got == [
        {"name": "'=cmd|' /C calc'!A0", "score": "-0.5", "note": ""},
        {"name": "ok", "score": "", "note": ""},
    ]
    assert write_csv([], ["=evil"]) == "'=evil\n"
