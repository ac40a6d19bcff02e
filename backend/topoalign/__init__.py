"""TopoAlign: compare neural-network representations topologically and geometrically.

The compute core (io, extract, store, mapper, align, topo, jobs) knows nothing of HTTP; ``topoalign.api`` is a
thin FastAPI layer over it and ``topoalign.cli`` the command line.
"""

from topoalign.errors import TopoAlignError
from topoalign.representation import Provenance, Representation

__all__ = ["Provenance", "Representation", "TopoAlignError"]
__version__ = "0.1.0"
