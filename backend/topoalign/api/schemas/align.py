"""Alignment between two representations, and audits of a collection."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

MetricName = Literal["linear", "procrustes", "permutation", "soft", "cka", "cka_debiased", "mutual_knn", "topological"]
AnalysisName = Literal["layers", "depth", "epochs", "ood", "random_init"]


class AlignIn(BaseModel):
    representation_a: str = Field(max_length=64, description="Id of representation A (rows matched to B by stimulus id).")
    representation_b: str = Field(max_length=64, description="Id of representation B.")
    metric: MetricName = "procrustes"
    folds: int = Field(5, ge=2, le=20, description="Shuffled cross-validation folds.")
    random_state: int | None = Field(0, ge=0, le=2**32 - 1, description="Seed of the folds and of the null draws.")
    n_permutations: int = Field(0, ge=0, le=1000, description="Permutation-null draws (stimuli shuffled); 0 = none.")
    n_rotations: int = Field(0, ge=0, le=100, description="Random-rotation baseline draws (permutation and soft only).")
    direction: Literal["forward", "backward", "both"] = Field("both", description="Linear only: X->Y, Y->X or both.")
    dim_mode: Literal["pad", "pca"] = Field("pad", description="Procrustes only: unequal widths by zero-padding or PCA.")
    k: int = Field(10, ge=1, le=1000, description="Mutual k-NN only: neighbours per stimulus.")


class AlignmentOut(BaseModel):
    metric: str
    score: float = Field(description="Mean of the per-fold held-out scores (a similarity; 1 = aligned).")
    std: float
    folds: list[float]
    n_stimuli: int
    dropped_units: dict[str, int] = Field(description="Units dropped for zero training variance (max over folds).")
    details: dict[str, Any] = Field(default_factory=dict)
    chance: float | None = Field(None, description="Mean of the permutation null.")
    p_value: float | None = None
    null: list[float] | None = None
    baselines: dict[str, Any] = Field(default_factory=dict)


class AuditIn(BaseModel):
    metrics: list[MetricName] = Field(default_factory=lambda: ["linear", "procrustes", "permutation"], min_length=1,
                                      max_length=7)
    analyses: list[AnalysisName] | None = Field(None, description="Default: all five analyses.")
    folds: int = Field(5, ge=2, le=20)
    random_state: int | None = Field(0, ge=0, le=2**32 - 1)
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


class AuditOut(BaseModel):
    id: str
    collection: dict[str, str]
    params: dict[str, Any]
    plan: dict[str, Any]
    cells: list[AuditCell]
