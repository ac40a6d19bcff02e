"""The Mapper engine: lenses, covers, clusterers, graph construction, stability and parameter choice.

    >>> from topoalign.mapper import build_mapper_graph, compute_lens, KMapperCover, DBSCAN
    >>> lens = compute_lens(X, "pca:2")
    >>> graph = build_mapper_graph(X, lens, KMapperCover(10, 0.3), DBSCAN(eps=0.5, min_samples=3))
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

__all__ = [
    "BalancedCover", "Clusterer", "Cover", "DBSCAN", "DensityLens", "EccentricityLens", "HDBSCAN", "KMapperCover",
    "KNNDistanceLens", "LabelLens", "Lens", "MapperEdge", "MapperGraph", "MapperNode", "NormLens", "PCALens",
    "SingleLinkage", "UMAPLens", "UniformCover", "ValuesLens", "build_mapper_graph", "compute_lens",
    "edges_from_members", "make_clusterer", "make_cover", "make_lens",
]
