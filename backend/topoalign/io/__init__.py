"""Activation files in and out: a reader per format, one validation module, reduction rules, ingest, exports.

Nothing here unpickles: NumPy files load with ``allow_pickle=False``, PyTorch files with ``weights_only=True``.
"""

from topoalign.io.ingest import IngestReport, ingest_arrays, ingest_file
from topoalign.io.labels import read_labels
from topoalign.io.readers import RawArrays, read_file
from topoalign.io.reduce import CONV_RULES, SEQ_RULES, reduce_activations, reduce_conv, reduce_sequence
from topoalign.io.validate import DEFAULT_MAX_BYTES
from topoalign.io.writers import write_npz

__all__ = [
    "CONV_RULES",
    "DEFAULT_MAX_BYTES",
    "IngestReport",
    "RawArrays",
    "SEQ_RULES",
    "ingest_arrays",
    "ingest_file",
    "read_file",
    "read_labels",
    "reduce_activations",
    "reduce_conv",
    "reduce_sequence",
    "write_npz",
]
