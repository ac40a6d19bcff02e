"""Alignment between two representations, and audits of a collection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from topoalign.align.audit_plan import ANALYSES
from topoalign.align.score import METRICS

# Declared once in the core (the metric registry and the audit planner); the CLI's lists are checked against them.
# (a type checker sees plain strings: the values are known only once the registries are imported)
if TYPE_CHECKING:
    MetricName = str
    AnalysisName = str
else:
    MetricName = Literal[tuple(METRICS)]
    AnalysisName = Literal[ANALYSES]


class AlignIn(BaseModel):
    representation_a: str = Field(
        max_length=64, description="Id of representation A (rows matched to B by stimulus id)."
    )
    representation_b: str = Field(max_length=64, description="Id of representation B.")
    metric: MetricName = "procrustes"
    folds: int = Field(5, ge=2, le=20, description="Shuffled cross-validation folds.")
    random_state: int | None = Field(0, ge=0, le=2**32 - 1, description="Seed of the folds and of the null draws.")
    n_permutations: int = Field(0, ge=0, le=1000, description="Permutation-null draws (stimuli shuffled); 0 = none.")
    n_rotations: int = Field(0, ge=0, le=100, description="Random-rotation baseline draws (permutation and soft only).")
    direction: Literal["forward", "backward", "both"] = Field("both", description="Linear only: X->Y, Y->X or both.")
    dim_mode: Literal["pad", "pca"] = Field(
        "pad", description="Procrustes only: unequal widths by zero-padding or PCA."
    )
    span: Literal["full", "train"] = Field(
        "full",
        description="Procrustes only: 'full' orthogonal rotation, or 'train' restricted to the training span "
        "(deterministic when units outnumber training stimuli).",
    )
    k: int = Field(10, ge=1, le=1000, description="Mutual k-NN only: neighbours per stimulus.")


class AlignmentOut(BaseModel):
    """An alignment job's result (``AlignmentResult.to_dict()``; NaN as null)."""

    metric: str
    score: float | None = Field(description="Mean of the per-fold held-out scores (a similarity; 1 = aligned).")
    std: float | None
    folds: list[float | None]
    n_stimuli: int
    dropped_units: dict[str, int] = Field(description="Units dropped for zero training variance (max over folds).")
    details: dict[str, Any] = Field(default_factory=dict)
    chance: float | None = Field(None, description="Mean of the permutation null.")
    p_value: float | None = None
    null: list[float | None] | None = None
    baselines: dict[str, Any] = Field(default_factory=dict)


class AuditIn(BaseModel):
    metrics: list[MetricName] = Field(
        default_factory=lambda: ["linear", "procrustes", "permutation"], min_length=1, max_length=len(METRICS)
    )
    analyses: list[AnalysisName] | None = Field(None, description="Default: all five analyses.")
    folds: int = Field(5, ge=2, le=20)
    random_state: int | None = Field(0, ge=0, le=2**32 - 1)
    n_null: int = Field(
        3,
        ge=0,
        le=100,
        description="Permutation-null (and random-rotation) draws per metric for the "
        "first seed pair of every layer: the chance line; 0 = none.",
    )
    recompute: bool = Field(False, description="Ignore a stored audit with the same parameters.")


class AuditSummary(BaseModel):
    id: str
    collection_id: str
    params: dict[str, Any]
    meta: dict[str, Any]
    created_at: float


class AuditCell(BaseModel):
    analysis: AnalysisName
    metric: str
    score: float | None
    std: float | None
    folds: list[float | None]
    model_a: str
    model_b: str
    layer_a: str
    layer_b: str
    layer_index_a: int | None = None
    layer_index_b: int | None = None
    layer_fraction_a: float | None = None
    layer_fraction_b: float | None = None
    checkpoint: str | None = None
    epoch: int | None = None
    condition: str | None = None
    representation_a: str
    representation_b: str
    error: str | None = Field(None, description="why this pair has no score (e.g. a constant representation)")
    chance: float | None = Field(None, description="mean of the permutation-null draws (stimuli of B shuffled)")
    n_null: int | None = Field(None, description="how many permutation-null draws make ``chance``")
    rotation: float | None = Field(None, description="permutation / soft only: the random-rotation baseline")


class AuditOut(BaseModel):
    id: str
    collection: dict[str, str]
    params: dict[str, Any]
    plan: dict[str, Any]
    cells: list[AuditCell]


class _FigureRow(BaseModel):
    metric: str
    model: str = Field(description="Architecture, or 'A vs B' for a pair of different architectures.")
    layer: str
    layer_index: int | None = None
    layer_fraction: float | None = Field(None, description="Depth within the model, 0 = first layer, 1 = last.")
    mean: float | None = Field(None, description="Mean over model pairs (seeds).")
    sd: float | None = Field(None, description="Standard deviation over model pairs.")
    n_pairs: int
    pairs: list[list[str]] = Field(description="The (representation A, representation B) ids behind the row.")


class AuditDepthRow(_FigureRow):
    """Fig. 1: alignment vs depth at the final checkpoint, in distribution."""

    fold_sd: float | None = Field(None, description="Mean over pairs of the cross-validation fold sd.")
    random_mean: float | None = Field(None, description="The same layer between untrained (epoch-0) networks.")
    random_sd: float | None = None
    chance: float | None = Field(None, description="Permutation null (stimuli shuffled).")
    rotation: float | None = Field(None, description="Permutation / soft: random-rotation baseline.")


class AuditEpochRow(_FigureRow):
    """Fig. 3: alignment through training."""

    checkpoint: str | None = None
    epoch: int | None = None
    epochs_seen: float | None = Field(None, description="Training progress in epochs (inside an epoch: a fraction).")
    accuracy: float | None = Field(None, description="Mean task accuracy of the two models at this checkpoint.")


class AuditOodRow(_FigureRow):
    """Fig. 4 and 5: alignment per input condition."""

    condition: str | None = None
    in_distribution: bool
    same_architecture: bool = Field(True, description="A seed pair (Figs. 4 and 5 use these only).")
    accuracy: float | None = Field(None, description="Mean task accuracy of the two models under this condition.")


class AuditWdOodRow(BaseModel):
    """Fig. 4: in-distribution alignment against the mean and standard error over shifted conditions."""

    metric: str
    model: str
    layer: str
    layer_index: int | None = None
    layer_fraction: float | None = None
    wd: float | None
    ood_mean: float | None
    ood_sd: float | None
    ood_se: float | None = Field(description="ood_sd / sqrt(n_shifts).")
    n_shifts: int
    gap: float | None = Field(description="wd - ood_mean.")


class AuditLayerMatrix(BaseModel):
    """Fig. 2: one layer x layer matrix per model pair (a model with itself too)."""

    model_a: str
    model_b: str
    metric: str
    within_model: bool
    rows: list[str]
    columns: list[str]
    scores: list[list[float | None]]
    row_max: list[float | None]
    col_max: list[float | None]
    representation_ids: list[list[list[str] | None]]
    errors: list[list[str | None]] = Field(description="Why a pair has no score (None where it has one).")


class AuditFinding(BaseModel):
    id: str
    claim: str
    holds: bool | None = Field(description="None: the audit lacks what the claim needs.")
    evidence: dict[str, Any]
    text: str


class AuditFiguresOut(BaseModel):
    """The audit aggregated figure by figure (``topoalign.align.audit_summary``) with the findings."""

    audit_id: str
    collection: dict[str, str]
    plan: dict[str, Any]
    params: dict[str, Any]
    n_null: int | None = Field(None, description="Permutation-null draws behind each layer's chance value.")
    architectures: dict[str, str] = Field(
        default_factory=dict, description="Label used as 'model' -> the architecture from provenance."
    )
    depth: list[AuditDepthRow]
    epochs: list[AuditEpochRow]
    ood: list[AuditOodRow]
    wd_ood: list[AuditWdOodRow]
    layers: list[AuditLayerMatrix]
    findings: list[AuditFinding]
