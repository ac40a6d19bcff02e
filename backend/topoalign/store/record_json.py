"""Catalog records as JSON: the one writer of a representation's wire shape (API responses and job results)."""

from __future__ import annotations

from typing import Any

from topoalign.finite_json import finite_json
from topoalign.store.records import RepresentationRecord


def representation_json(r: RepresentationRecord) -> dict[str, Any]:
    """``{id, collection_id, name, n, d, provenance, stats, created_at}``; non-finite stats become null."""
    stats = finite_json(r.stats)
    return {
        "id": r.id,
        "collection_id": r.collection_id,
        "name": r.name,
        "n": r.n,
        "d": r.d,
        "provenance": r.provenance.to_dict(),
        "stats": stats,
        "created_at": r.created_at,
    }
