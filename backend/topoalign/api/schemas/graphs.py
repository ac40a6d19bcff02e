"""Mapper graph requests and the graph JSON (the wire format of ``topoalign.mapper.graph``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from topoalign.api.schemas.topo import LayoutOut, LayoutParams
from topoalign.mapper.cluster import CLUSTERERS, NOISE_RULES
from topoalign.mapper.cover import COVERS
from topoalign.mapper.lens import LENSES
from topoalign.mapper.neighbors import METRICS
from topoalign.mapper.service import AUTO_STRATEGIES

# The allowed names are the core registries' keys, declared once there; the frontend's choices are generated from
# this schema (frontend/src/api/choices.ts). "values" is a lens of an array the caller holds, not a request.
# A type checker sees plain strings: the values are known only once the registries are imported.
if TYPE_CHECKING:
    LensKind = str
    CoverKind = str
    ClustererKind = str
    NoiseRule = str
    MetricName = str
    AutoStrategy = str
else:
    LensKind = Literal[tuple(k for k in LENSES if k != "values")]
    CoverKind = Literal[tuple(COVERS)]
    ClustererKind = Literal[tuple(CLUSTERERS)]
    NoiseRule = Literal[NOISE_RULES]
    MetricName = Literal[METRICS]
    AutoStrategy = Literal[AUTO_STRATEGIES]


class LensIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: LensKind = Field(
        "pca",
        description="pca (n_components), umap (n_components, n_neighbors, min_dist), L2 norm, Gaussian "
        "density (bandwidth), eccentricity (p), distance to the k-th neighbour (k), label column.",
    )
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

    kind: CoverKind = Field(
        "kmapper", description="kmapper: KeplerMapper 2.1 Cover exactly; uniform: equal intervals; balanced: quantiles"
    )
    n_intervals: int | list[int] = Field(10, description="intervals per lens dimension (>= 1), or one per dimension")
    overlap: float | list[float] = Field(0.3, description="overlap fraction in [0, 1), or one per dimension")


class ClustererIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ClustererKind = "dbscan"
    eps: float | Literal["auto"] | None = Field(None, description="dbscan radius (> 0) or 'auto' (k-NN quantile)")
    min_samples: int | None = Field(None, description="dbscan / hdbscan")
    eps_quantile: float | None = Field(None, description="quantile for eps='auto' (default 0.5)")
    noise: NoiseRule | None = Field(
        None,
        description="dbscan noise rows: drop (KeplerMapper, default), keep (a node each) or attach (to the "
        "cluster of their nearest row in the cover element)",
    )
    distance_threshold: float | None = Field(None, description="single linkage: merge below this distance")
    n_clusters: int | None = Field(None, description="single linkage: clusters per cover element")
    gap_bins: int | None = Field(None, description="single linkage: histogram-gap rule with this many bins")
    min_points: int | None = Field(
        None,
        ge=1,
        description="single linkage: cover elements with fewer rows make no "
        "node (default: KeplerMapper's 2; 1 places every row)",
    )
    join_isolated: bool | None = Field(
        None,
        description="single linkage: a row alone in its element joins its "
        "nearest neighbour's cluster when that neighbour is there",
    )
    min_cluster_size: int | None = Field(None, description="hdbscan")
    metric: MetricName | None = Field(None, description="default: the request's metric")

    def spec(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class GraphParamsIn(BaseModel):
    """Mapper parameters (lens, cover, clusterer, ...) without the representation."""

    model_config = ConfigDict(extra="forbid")

    lens: LensIn = Field(default_factory=LensIn)
    auto: AutoStrategy | bool | None = Field(
        None,
        description="who sets the cover and clusterer: 'shape' (the default without cover and clusterer: "
        "chosen so the graph shows the data's components and loops, every stimulus placed), 'cmo' "
        "(the Carriere-Michel-Oudot estimator, as GUDHI's automatic Mapper), 'stability' or true "
        "(the most stable setting of auto_grid), false (the default with cover or clusterer: "
        "exactly as given)",
    )
    cover: CoverIn | None = Field(None, description="explicit cover (auto false); default KeplerMapper 10 x 30%")
    clusterer: ClustererIn | None = Field(
        None, description="explicit clusterer (auto false); default DBSCAN with eps='auto' and min_samples 3"
    )
    metric: MetricName = "euclidean"
    dedupe: bool = Field(False, description="one node per distinct member set")
    stability: int = Field(
        0,
        ge=0,
        le=100,
        description="resamples for node/edge stability and the confidence of components and loops (0 = off)",
    )
    auto_grid: dict[str, list[Any]] | None = Field(
        None, description="grid for auto 'stability': keys n_intervals, overlap, eps ('auto:Q' allowed), min_samples"
    )
    random_state: int = Field(0, ge=0, le=2**31 - 1)

    def params(self) -> dict[str, Any]:
        out = {
            "lens": self.lens.spec(),
            "metric": self.metric,
            "dedupe": self.dedupe,
            "stability": self.stability,
            "auto": self.auto,
            "auto_grid": self.auto_grid,
            "random_state": self.random_state,
        }
        if self.cover is not None:
            out["cover"] = self.cover.model_dump()
        if self.clusterer is not None:
            out["clusterer"] = self.clusterer.spec()
        return out


class GraphRequest(GraphParamsIn):
    representation_id: str = Field(max_length=64)


class AlignedGraphsIn(GraphParamsIn):
    """Build one graph per representation with the same Mapper parameters, then lay them out jointly."""

    representation_ids: list[str] = Field(
        min_length=2, max_length=8, description="representations of the same stimuli (layers, seeds, ...)"
    )
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


class TopologyComponent(BaseModel):
    id: str
    nodes: list[str]
    n_stimuli: int
    confidence: float | None = Field(None, description="share of resampled graphs in which it persists")


class TopologyLoop(BaseModel):
    id: str
    nodes: list[str] = Field(description="a representative cycle of nodes")
    confidence: float | None = Field(None, description="share of resampled graphs in which it persists")


class GraphTopology(BaseModel):
    b0: int = Field(description="connected components")
    b1: int | None = Field(None, description="independent loops, triangles filled (null on very large graphs)")
    n_resamples: int = 0
    components: list[TopologyComponent] = Field(default_factory=list)
    loops: list[TopologyLoop] = Field(default_factory=list)


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
    n_covered: int | None = Field(None, description="stimuli in at least one node")
    coverage: float | None = Field(None, description="share of the stimuli in at least one node")
    topology: GraphTopology | None = None


class GraphSummary(BaseModel):
    id: str
    representation_id: str | None
    params: dict[str, Any]
    n_nodes: int | None = None
    n_edges: int | None = None
    created_at: float


class LandingOut(BaseModel):
    """The prepared case the dashboard opens on, written by ``topoalign demo``."""

    title: str
    summary: str
    collection_id: str = Field(description="collection of the two representations")
    collection: str
    representation_ids: list[str] = Field(description="the two representations to show as aligned graphs")
    graph_ids: list[str] = Field(default_factory=list, description="their default Mapper graphs, when prebuilt")
    label_column: str | None = Field(None, description="label column to colour the graphs by")
    audit_collection_id: str | None = Field(None, description="collection whose audit the landing links to")
    audit_collection: str | None = None
