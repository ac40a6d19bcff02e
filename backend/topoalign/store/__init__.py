"""The representation store: a SQLite catalog (WAL) plus one array file per representation.

This is the only code that touches the data directory.
"""

from topoalign.store.catalog import ArtifactRecord, CollectionRecord, RepresentationRecord, Store
from topoalign.store.integrity import IntegrityReport, check_integrity

__all__ = ["ArtifactRecord", "CollectionRecord", "IntegrityReport", "RepresentationRecord", "Store", "check_integrity"]
