"""The one rule for stimulus ids, on every path that stores them (uploads, collections made from JSON or a table):
the store owns it, the readers in ``topoalign.io`` apply it."""

from __future__ import annotations

from typing import Sequence

from topoalign.errors import InvalidInputError

_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MAX_ID_LENGTH = 500


def check_stimulus_ids(ids: Sequence[str], what: str = "stimulus ids") -> list[str]:
    """Unique, non-empty strings of printable characters (no NUL or other control character, no bidirectional
    override that would make an id display as another), at most 500 characters: the one rule for stimulus ids on
    every path (uploads, collections made from JSON or a table)."""
    ids = [str(s) for s in ids]
    empty = [i for i, s in enumerate(ids) if not s.strip()]
    if empty:
        raise InvalidInputError(f"{len(empty)} empty {what} (e.g. at rows {empty[:3]}).", code="bad_ids")
    nul = [s for s in ids if "\x00" in s]
    if nul:
        raise InvalidInputError(f"{len(nul)} {what} contain a NUL character (e.g. {nul[:3]}).", code="bad_ids")
    bad = [s for s in ids if any(ord(ch) < 32 or ord(ch) == 127 or ch in _BIDI for ch in s)]
    if bad:
        raise InvalidInputError(
            f"{len(bad)} {what} contain control or bidirectional-override characters "
            f"(e.g. {[repr(b) for b in bad[:3]]}).",
            code="bad_ids",
        )
    long = [s for s in ids if len(s) > MAX_ID_LENGTH]
    if long:
        raise InvalidInputError(f"{len(long)} {what} are longer than {MAX_ID_LENGTH} characters.", code="bad_ids")
    seen: set[str] = set()
    dups: list[str] = []
    for s in ids:
        if s in seen and s not in dups:
            dups.append(s)
        seen.add(s)
    if dups:
        raise InvalidInputError(
            f"{len(dups)} duplicate {what} among {len(ids)} (e.g. {dups[:5]}); stimulus ids must be unique.",
            code="duplicate_ids",
        )
    return ids
