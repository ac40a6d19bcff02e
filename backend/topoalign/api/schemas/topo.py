"""Requests and responses of the topological-alignment endpoints (``/api/topo``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from topoalign.topo.layout import MAX_WARM_COORD

GraphIds = Field(
    min_length=2, max_length=8, description="Mapper graph ids (from /api/graphs); stimuli are matched by id."
)


class TopoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    graph_ids: list[str] = GraphIds


class CompareIn(TopoIn):
    top: int = Field(3, ge=1, le=20, description="best partners reported per node")
    max_pairs: int = Field(2000, ge=0, le=100000, description="most overlapping node pairs listed per graph pair")


class RegionsIn(TopoIn):
    method: Literal["louvain", "components"] = Field("louvain", description="communities (fine) or components (coarse)")
    min_jaccard: float = Field(0.1, ge=0, le=1, description="least Jaccard of a correspondence edge")
    min_lift: float = Field(2.0, ge=1, le=100, description="least overlap over chance of a correspondence edge")
    intra_weight: float = Field(0.5, ge=0, le=10, description="weight of the graphs' own edges (louvain)")
    resolution: float = Field(1.0, gt=0, le=10, description="louvain resolution")
    min_stimuli: int = Field(3, ge=1, le=100000)
    n_null: int = Field(
        100,
        ge=0,
        le=1000,
        description="shuffled-stimuli repetitions for p-values (0 = none; the smallest p-value is 1 / (n_null + 1))",
    )
    alpha: float = Field(0.05, gt=0, lt=1)
    random_state: int = Field(0, ge=0, le=2**31 - 1)


class LayoutParams(BaseModel):
    """Joint layout options (without the graphs), shared by POST /api/topo/layout and /api/graphs/aligned."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["panels", "overlay"] = "panels"
    coupling_strength: float = Field(2.0, ge=0, le=100, description="correspondence springs vs stress")
    n_iter: int | None = Field(None, ge=1, le=2000, description="sweeps (default: automatic, 30 for 8 x 500 nodes)")
    columns: int | None = Field(None, ge=1, le=8, description="panels per row (default: all in one row)")
    quality: bool = Field(True, description="also compute the quality figures (stress, distances, crossings)")
    random_state: int = Field(0, ge=0, le=2**31 - 1)

    def cache_params(self) -> dict[str, Any]:
        """The parameters as POST /api/topo/layout caches them (no warm start), so both endpoints share results."""
        return {**self.model_dump(), "initial": None}


WarmCoord = Annotated[float, Field(ge=-MAX_WARM_COORD, le=MAX_WARM_COORD, allow_inf_nan=False)]
WarmPosition = Annotated[list[WarmCoord], Field(min_length=2, max_length=2)]


class LayoutIn(TopoIn, LayoutParams):
    graph_ids: list[str] = Field(
        min_length=1,
        max_length=8,
        description="Mapper graph ids (from /api/graphs); stimuli are matched by id; one graph is laid out alone",
    )
    initial: dict[str, dict[str, WarmPosition]] | None = Field(
        None,
        description="warm start: {graph id: {node id: [x, y]}} in the shared frame (a previous layout's "
        "positions minus its panel offsets)",
    )


class ScoreIn(TopoIn):
    n_null: int = Field(20, ge=0, le=1000, description="shuffled-stimuli repetitions for the chance level")
    random_state: int = Field(0, ge=0, le=2**31 - 1)


class ConceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str = Field(max_length=200)
    value: str | int | float = Field(description="label value; the concept is the stimuli with column == value")


class MotifIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    graph_ids: list[str] = Field(min_length=1, max_length=8)
    pattern: str | dict[str, Any] | None = Field(
        None,
        description="cycle:K | cycle:K+ | branch:M | flare | flare:K | path:K, or a pattern "
        "{nodes: [{id, min_size, min_purity, column, label}], edges: [[a, b]], induced}",
    )
    kind: Literal["cycle", "branch", "flare", "path", "pattern", "concept"] | None = Field(
        None, description="instead of a pattern string: the motif kind (with k), or 'concept' (with concept/where)"
    )
    k: int | None = Field(None, ge=2, le=200, description="size for kind (cycle: at least k nodes)")
    concept: ConceptIn | None = None
    where: str | None = Field(None, max_length=1000, description='label query, e.g. "class in {3, 8}"')
    max_matches: int | None = Field(None, ge=1, le=100000, description="default: the server's motif_max_matches")
    time_limit: float | None = Field(None, gt=0, le=300, description="seconds; at most the server's motif_time_limit_s")
    cross_check: int = Field(20, ge=0, le=1000, description="matches per graph checked in the other graphs")

    def pattern_spec(self) -> str | dict[str, Any] | None:
        """The structural pattern asked for (None for a concept query)."""
        if self.pattern is not None:
            return self.pattern
        if self.kind in (None, "concept"):
            return None
        if self.kind == "pattern":
            return None
        if self.kind == "cycle":
            return f"cycle:{self.k or 3}+"
        return f"{self.kind}:{self.k}" if self.k else self.kind

    def concept_query(self) -> str | None:
        if self.concept is None:
            return self.where if self.kind == "concept" else None
        value = str(self.concept.value)
        quoted = f"'{value}'" if "'" not in value else f'"{value}"'
        return f"{self.concept.column} == {quoted}"


class MotifMatch(BaseModel):
    graph_id: str
    nodes: list[str]
    score: float = Field(description="share of the graph's stimuli inside the match")
    kind: str


class GraphInfo(BaseModel):
    name: str
    representation_id: str | None = None
    n_nodes: int
    n_edges: int
    n_stimuli: int
    n_covered: int | None = Field(None, description="stimuli in at least one node")
    n_shared_dropped: int | None = Field(
        None, description="stimuli shared by all the graphs compared that this graph places in no node"
    )


class Partner(BaseModel):
    node: str
    jaccard: float
    containment: float
    shared: int
    transport: float | None = None


class NodePair(BaseModel):
    a: str
    b: str
    jaccard: float
    shared: int
    transport: float


class PairCorrespondence(BaseModel):
    a: str
    b: str
    n_shared: int
    coot_distance: float = Field(description="co-optimal-transport cost of the graphs as hypergraphs")
    coot_normalized: float = Field(description="in [0, 1]; 0 for identical graphs")
    transport_overlap: float = Field(description="1 - coot_normalized")
    pairs: list[NodePair]
    partners_ab: dict[str, list[Partner]]
    partners_ba: dict[str, list[Partner]]


class CompareOut(BaseModel):
    result_id: str | None = None
    graphs: list[GraphInfo]
    n_shared: int
    pairs: list[PairCorrespondence]


class RegionOut(BaseModel):
    id: str
    graphs: list[str]
    nodes: dict[str, list[str]]
    stimuli: list[str]
    score: float = Field(description="Jaccard of the member unions")
    strength: float | None = Field(
        None, description="shared structure, the ranking key: score x common stimuli x sqrt(mean nodes per graph)"
    )
    n_stimuli: int
    n_common: int
    p_value: float | None
    significant: bool | None
    dominant_labels: dict[str, dict[str, Any]]


class RegionsOut(BaseModel):
    result_id: str | None = None
    graphs: list[str]
    n_shared: int
    coverage: float
    params: dict[str, Any]
    regions: list[RegionOut]


class NodePosition(BaseModel):
    id: str
    x: float
    y: float


class GraphPositions(BaseModel):
    name: str
    offset: list[float]
    nodes: list[NodePosition]


class LayoutOut(BaseModel):
    result_id: str | None = None
    mode: str
    params: dict[str, Any]
    n_iter: int
    bbox: list[float]
    graphs: list[GraphPositions]
    quality: dict[str, Any] | None = None


class LayoutRecord(LayoutOut):
    """A joint layout as the store keeps it (a stored ``layout`` result, an aligned-graphs job's layout): it also
    describes its graphs."""

    graphs_info: list[GraphInfo] | None = Field(None, description="the graphs laid out (as the stored layout has them)")


class PairScore(BaseModel):
    a: str
    b: str
    score: float = Field(ge=0, le=1)
    chance: float | None
    chance_sd: float | None
    p_value: float | None
    score_above_chance: float | None
    transport_overlap: float
    region_coverage: float
    coot_distance: float
    n_regions: int
    n_shared: int
    n_null: int


class ScoreOut(BaseModel):
    result_id: str | None = None
    graphs: list[GraphInfo]
    pairs: list[PairScore]


class MotifsOut(BaseModel):
    pattern: str
    where: str | None
    time_limit: float
    max_matches: int
    elapsed_s: float
    graphs: list[dict[str, Any]] = Field(
        description="per graph: n_matches, truncated, reason, matches (nodes, edges, "
        "n_members, stability, in_other_graphs)"
    )
    footprint: dict[str, Any] | None = None
    matches: list[MotifMatch] = Field(default_factory=list, description="all graphs' matches, flat")


# -- stored results (GET /api/topo/results/{result_id}): one model per kind of ``topoalign.topo.service.KINDS`` ------
class StoredCompare(CompareOut):
    """A stored ``compare`` result."""

    kind: Literal["compare"]
    result_id: str


class StoredRegions(RegionsOut):
    """A stored ``regions`` result (what a ``topo_regions`` job wrote)."""

    kind: Literal["regions"]
    result_id: str


class StoredLayout(LayoutRecord):
    """A stored ``layout`` result."""

    kind: Literal["layout"]
    result_id: str


class StoredScore(ScoreOut):
    """A stored ``score`` result (what a ``topo_score`` job wrote)."""

    kind: Literal["score"]
    result_id: str


TopoResultOut = Annotated[Union[StoredCompare, StoredRegions, StoredLayout, StoredScore], Field(discriminator="kind")]
"""A stored topo result as the API sends it: ``kind`` tells the kinds apart and types the rest."""
