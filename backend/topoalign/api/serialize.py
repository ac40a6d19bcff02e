"""Core records -> response models (one place, shared by the routers)."""

from __future__ import annotations

import dataclasses

from topoalign.api.schemas.collections import CollectionOut, RepresentationOut
from topoalign.store import CollectionRecord, RepresentationRecord
from topoalign.store.record_json import representation_json


def collection_out(c: CollectionRecord) -> CollectionOut:
    return CollectionOut(**dataclasses.asdict(c))


def representation_out(r: RepresentationRecord) -> RepresentationOut:
    return RepresentationOut(**representation_json(r))
