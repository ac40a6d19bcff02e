"""Core records -> response models (one place, shared by the routers)."""

from __future__ import annotations

import dataclasses
import math

from topoalign.api.schemas.collections import CollectionOut, RepresentationOut
from topoalign.api.schemas.common import ProvenanceOut
from topoalign.store import CollectionRecord, RepresentationRecord


def collection_out(c: CollectionRecord) -> CollectionOut:
    return CollectionOut(**dataclasses.asdict(c))


def representation_out(r: RepresentationRecord) -> RepresentationOut:
    stats = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.stats.items()}
    return RepresentationOut(id=r.id, collection_id=r.collection_id, name=r.name, n=r.n, d=r.d,
                             provenance=ProvenanceOut(**r.provenance.to_dict()), stats=stats, created_at=r.created_at)
