"""The Mapper engine: lenses, covers, clusterers, graph construction, stability and parameter choice.

>>> from topoalign.mapper import mapper_graph
>>> graph = mapper_graph(X)   # cover and clustering scale chosen so the graph shows the data's shape
>>> graph.coverage(), graph.topology_summary()["b1"], graph.params["auto"]["reason"]

>>> from topoalign.mapper import build_mapper_graph, compute_lens, KMapperCover, DBSCAN
>>> lens = compute_lens(X, "pca:2")
>>> graph = build_mapper_graph(X, lens, KMapperCover(10, 0.3), DBSCAN(eps=0.5, min_samples=3))  # explicit
"""

from topoalign.mapper.build import build_mapper_graph
from topoalign.mapper.cluster import DBSCAN, HDBSCAN, Clusterer, SingleLinkage, make_clusterer
from topoalign.mapper.cover import BalancedCover, Cover, KMapperCover, UniformCover, make_cover
from topoalign.mapper.graph import MapperEdge, MapperGraph, MapperNode, edges_from_members
from topoalign.mapper.lens import (
    DensityLens,
    EccentricityLens,
    KNNDistanceLens,
    LabelLens,
    Lens,
    NormLens,
    PCALens,
    UMAPLens,
    ValuesLens,
    compute_lens,
    make_lens,
)

from topoalign.mapper.auto import AutoChoice, choose_parameters  # noqa: E402
from topoalign.mapper.planted import planted_shape  # noqa: E402
from topoalign.mapper.service import mapper_graph  # noqa: E402

__all__ = [
    "BalancedCover",
    "Clusterer",
    "Cover",
    "DBSCAN",
    "DensityLens",
    "EccentricityLens",
    "HDBSCAN",
    "KMapperCover",
    "KNNDistanceLens",
    "LabelLens",
    "Lens",
    "MapperEdge",
    "MapperGraph",
    "MapperNode",
    "NormLens",
    "PCALens",
    "SingleLinkage",
    "UMAPLens",
    "UniformCover",
    "ValuesLens",
    "build_mapper_graph",
    "compute_lens",
    "edges_from_members",
    "make_clusterer",
    "make_cover",
    "make_lens",
    "mapper_graph",
    "choose_parameters",
    "AutoChoice",
    "planted_shape",
]
