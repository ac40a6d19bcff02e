"""A small, safe label-query language over stimulus labels (values compared by ``mapper.labels.label_key``; the
summary of a stimulus set is ``mapper.labels.label_summary``).

Queries select stimuli by their labels, e.g. ``negation == yes``, ``class in {3, 8}``, ``score >= 0.5 and split != test``.
Grammar (no eval)::

    query  := or
    or     := and ("or" and)*
    and    := atom ("and" atom)*
    atom   := "not" atom | "(" or ")" | COLUMN OP VALUE | COLUMN ["not"] "in" "{" VALUE ("," VALUE)* "}"
    OP     := == | != | >= | <= | > | <
    VALUE  := number | 'quoted' | "quoted" | bareword
"""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import pandas as pd

from topoalign.errors import InvalidParameterError
from topoalign.mapper.labels import label_key

_TOKEN = re.compile(
    r"""\s*(?:(?P<op>==|!=|>=|<=|>|<)|(?P<punct>[(){},])|(?P<str>'[^']*'|"[^"]*")|(?P<word>[^\s(){},=!<>'"]+))"""
)
MAX_QUERY_CHARS = 1000


def _tokens(query: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        m = _TOKEN.match(query, pos)
        if m is None or m.end() == pos or m.lastgroup is None:
            raise InvalidParameterError(
                f"Cannot parse label query {query!r}: unexpected character "
                f"{query[pos:].strip()[:1]!r} at position {pos}."
            )
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "str":
            text = text[1:-1]
        out.append((kind, text, m.start(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, query: str, frame: pd.DataFrame):
        self.query, self.frame = query, frame
        self.toks = _tokens(query)
        self.i = 0

    def fail(self, what: str) -> InvalidParameterError:
        where = self.toks[self.i][2] if self.i < len(self.toks) else len(self.query)
        return InvalidParameterError(f"Cannot parse label query {self.query!r}: {what} at position {where}.")

    def peek(self, text: str | None = None, kind: str | None = None) -> bool:
        if self.i >= len(self.toks):
            return False
        k, t, _ = self.toks[self.i]
        return (text is None or t.lower() == text) and (kind is None or k == kind)

    def take(self) -> tuple[str, str, int]:
        if self.i >= len(self.toks):
            raise self.fail("unexpected end")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        if not self.peek(text):
            raise self.fail(f"expected {text!r}")
        self.i += 1

    def parse(self) -> np.ndarray:
        if not self.toks:
            raise InvalidParameterError('The label query is empty: write e.g. "class == 3" or "class in {3, 8}".')
        mask = self.or_()
        if self.i != len(self.toks):
            raise self.fail(f"unexpected {self.toks[self.i][1]!r}")
        return mask

    def or_(self) -> np.ndarray:
        mask = self.and_()
        while self.peek("or", "word"):
            self.i += 1
            mask = mask | self.and_()
        return mask

    def and_(self) -> np.ndarray:
        mask = self.atom()
        while self.peek("and", "word"):
            self.i += 1
            mask = mask & self.atom()
        return mask

    def atom(self) -> np.ndarray:
        if self.peek("not", "word"):
            self.i += 1
            return ~self.atom()
        if self.peek("("):
            self.i += 1
            mask = self.or_()
            self.expect(")")
            return mask
        kind, column, _ = self.take()
        if kind not in ("word", "str"):
            raise self.fail(f"expected a label column name, got {column!r}")
        if column not in self.frame.columns:
            raise InvalidParameterError(
                f"Unknown label column {column!r} in query {self.query!r}; "
                f"the labels are {sorted(map(str, self.frame.columns))}."
            )
        series = self.frame[column]
        negate = False
        if self.peek("not", "word"):
            self.i += 1
            negate = True
            if not self.peek("in", "word"):
                raise self.fail("expected 'in' after 'not'")
        if self.peek("in", "word"):
            self.i += 1
            self.expect("{")
            values = [self.value()]
            while self.peek(","):
                self.i += 1
                values.append(self.value())
            self.expect("}")
            keys = {label_key(_coerce(v)) for v in values}
            mask = series.map(lambda x: not _missing(x) and label_key(x) in keys).to_numpy(dtype=bool)
            return ~mask if negate else mask
        if not self.peek(kind="op"):
            raise self.fail("expected an operator (==, !=, >=, <=, >, <, in)")
        op = self.take()[1]
        return _compare(series, op, self.value(), self)

    def value(self) -> str:
        if self.i >= len(self.toks):
            raise self.fail("expected a value")
        kind, text, _ = self.take()
        if kind not in ("word", "str"):
            self.i -= 1
            raise self.fail("expected a value")
        return text


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def _coerce(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def _compare(series: pd.Series, op: str, text: str, parser: _Parser) -> np.ndarray:
    if op in ("==", "!="):
        key = label_key(_coerce(text))
        eq = series.map(lambda x: not _missing(x) and label_key(x) == key).to_numpy(dtype=bool)
        return eq if op == "==" else ~eq
    try:
        ref = float(text)
    except ValueError:
        raise parser.fail(f"{op!r} needs a number, got {text!r}") from None
    nums = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    ops: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
        ">=": np.greater_equal,
        "<=": np.less_equal,
        ">": np.greater,
        "<": np.less,
    }
    with np.errstate(invalid="ignore"):
        return ops[op](nums, ref) & ~np.isnan(nums)


def select_stimuli(labels: pd.DataFrame | None, query: str) -> np.ndarray:
    """Stimulus ids (the label frame's index) whose labels satisfy ``query``; raises InvalidParameterError."""
    if not isinstance(query, str) or len(query) > MAX_QUERY_CHARS:
        raise InvalidParameterError(f"A label query must be a string of at most {MAX_QUERY_CHARS} characters.")
    if labels is None or labels.shape[1] == 0:
        raise InvalidParameterError(
            f"The label query {query!r} needs stimulus labels, and these graphs have none "
            "(graph files carry them when written by `topoalign mapper -o` from a labelled "
            "collection or with --labels)."
        )
    mask = _Parser(query, labels).parse()
    return np.asarray(labels.index[mask], dtype=str)
