"""Mapper graph requests and the graph JSON (the wire format of ``topoalign.mapper.graph``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from topoalign.api.schemas.topo import LayoutOut, LayoutParams


class LensIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["pca", "umap", "norm", "density", "eccentricity", "knn", "label"] = Field(
        "pca", description="pca (n_components), umap (n_components, n_neighbors, min_dist), L2 norm, Gaussian "
                           "density (bandwidth), eccentricity (p), distance to the k-th neighbour (k), label column.")
    n_components: int | None = Field(None, ge=1, le=10, description="pca / umap dimensions")
    n_neighbors: int | None = Field(None, ge=2, le=500, description="umap")
    min_dist: float | None = Field(None, ge=0, le=1, description="umap")
    k: int | None = Field(None, ge=1, le=1000, description="knn")
    bandwidth: float | None = Field(None, gt=0, description="density (default: mean 15-NN distance)")
    p: float | None = Field(None, gt=0, le=10, description="eccentricity exponent")
    column: str | None = Field(None, max_length=200, description="label column")
    random_state: int | None = Field(None, ge=0, le=2**31 - 1)

    def spec(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class CoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["kmapper", "uniform", "balanced"] = Field(
        "kmapper", description="kmapper: KeplerMapper 2.1 Cover exactly; uniform: equal intervals; balanced: quantiles")
    n_intervals: int | list[int] = Field(10, description="intervals per lens dimension (>= 1), or one per dimension")
    overlap: float | list[float] = Field(0.3, description="overlap fraction in [0, 1), or one per dimension")


class ClustererIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["dbscan", "single", "agglomerative", "hdbscan"] = "dbscan"
    eps: float | Literal["auto"] | None = Field(None, description="dbscan radius (> 0) or 'auto' (k-NN quantile)")
    min_samples: int | None = Field(None, description="dbscan / hdbscan")
    eps_quantile: float | None = Field(None, description="quantile for eps='auto' (default 0.5)")
    distance_threshold: float | None = Field(None, description="single linkage: merge below this distance")
    n_clusters: int | None = Field(None, description="single linkage: clusters per cover element")
    gap_bins: int | None = Field(None, description="single linkage: histogram-gap rule with this many bins")
    min_cluster_size: int | None = Field(None, description="hdbscan")

    def spec(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class GraphParamsIn(BaseModel):
    """Mapper parameters (lens, cover, clusterer, ...) without the representation."""

    model_config = ConfigDict(extra="forbid")

    lens: LensIn = Field(default_factory=LensIn)
    cover: CoverIn = Field(default_factory=CoverIn)
    clusterer: ClustererIn = Field(default_factory=lambda: ClustererIn(eps="auto", min_samples=3))
    metric: Literal["euclidean", "cosine"] = "euclidean"
    dedupe: bool = Field(False, description="one node per distinct member set")
    stability: int = Field(0, ge=0, le=100, description="resamples for node/edge stability (0 = off)")
    auto: bool = Field(False, description="choose intervals, overlap and eps over a small grid by stability")
    auto_grid: dict[str, list[Any]] | None = Field(
        None, description="grid for auto: keys n_intervals, overlap, eps ('auto:Q' allowed), min_samples")
    random_state: int = Field(0, ge=0, le=2**31 - 1)

    def params(self) -> dict[str, Any]:
        return {"lens": self.lens.spec(), "cover": self.cover.model_dump(), "clusterer": self.clusterer.spec(),
                "metric": self.metric, "dedupe": self.dedupe, "stability": self.stability, "auto": self.auto,
                "auto_grid": self.auto_grid, "random_state": self.random_state}


class GraphRequest(GraphParamsIn):
    representation_id: str = Field(max_length=64)


class AlignedGraphsIn(GraphParamsIn):
    """Build one graph per representation with the same Mapper parameters, then lay them out jointly."""

    representation_ids: list[str] = Field(min_length=2, max_length=8,
                                          description="representations of the same stimuli (layers, seeds, ...)")
    layout: LayoutParams = Field(default_factory=LayoutParams, description="joint layout options")


class AlignedGraphsOut(BaseModel):
    graph_ids: list[str] = Field(description="one Mapper graph per representation, in the order given")
    layout: LayoutOut


class LabelSummary(BaseModel):
    counts: dict[str, int] | None = None
    dominant: str | None = None
    purity: float | None = None
    mean: float | None = None


class GraphNode(BaseModel):
    id: str
    members: list[int] = Field(description="row indices into stimulus_ids")
    size: int
    cover_element: list[int] = Field(description="index of the cover element per lens dimension")
    lens_mean: list[float]
    labels: dict[str, LabelSummary] = Field(default_factory=dict, description="per label column")
    stability: float | None = Field(None, description="fraction of resamples in which the node reappears")


class GraphEdge(BaseModel):
    source: str
    target: str
    shared: int = Field(description="members the two nodes share")
    jaccard: float
    stability: float | None = None


class GraphOut(BaseModel):
    """``topoalign.mapper_graph/1``: the graph as the CLI writes it and the frontend reads it."""

    id: str | None = Field(None, description="artifact id of the cached graph")
    format: str = "topoalign.mapper_graph/1"
    representation_id: str | None
    params: dict[str, Any]
    n_stimuli: int
    stimulus_ids: list[str]
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class GraphSummary(BaseModel):
    id: str
    representation_id: str | None
    params: dict[str, Any]
    n_nodes: int | None = None
    n_edges: int | None = None
    created_at: float
