"""Extraction from the browser: run a TorchScript model (uploaded) or a local Hugging Face model (one of the server's
``TOPOALIGN_MODELS_DIR`` folders, listed by name; never another path) on uploaded inputs, as a job with progress.
Every layer becomes a representation with provenance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from topoalign.api.deps import JobsDep, SettingsDep, StoreDep
from topoalign.api.schemas.common import (
    CONV_RULE_PATTERN,
    ERROR_RESPONSES,
    SEQ_RULE_PATTERN,
    JobAccepted,
    ProvenanceIn,
    job_accepted,
)
from topoalign.errors import InvalidInputError, NotFoundError
from topoalign.io.validate import validate_name

router = APIRouter(prefix="/api", tags=["extraction"], responses=ERROR_RESPONSES)


class ModelOut(BaseModel):
    name: str = Field(description="pass as hf_model to POST /api/extractions")
    kind: str = "hf"
    layers: list[str] | None = Field(None, description="hidden states it gives, from its config")


def list_models(settings) -> list[ModelOut]:
    from topoalign.extract.local_models import local_models

    return [ModelOut(**m) for m in local_models(settings.models_dir)]


def model_path(settings, name: str) -> Path:
    """The folder of a listed model (:func:`topoalign.extract.local_models.local_model_path`)."""
    from topoalign.extract.local_models import local_model_path

    return local_model_path(settings.models_dir, name)


@router.get("/models", response_model=list[ModelOut])
def get_models(settings: SettingsDep) -> list[ModelOut]:
    """Local Hugging Face models the server may run (sub-folders of TOPOALIGN_MODELS_DIR with a config.json)."""
    return list_models(settings)


@router.post("/extractions", response_model=JobAccepted, status_code=202)
def start_extraction(
    store: StoreDep,
    settings: SettingsDep,
    jobs: JobsDep,
    collection: Annotated[
        str, Form(min_length=1, max_length=200, description="collection id or name (created when missing)")
    ],
    inputs: Annotated[
        UploadFile,
        File(
            description=".npy / .pt tensor of inputs (n, ...); for a Hugging Face model "
            "a UTF-8 text file, one stimulus per line"
        ),
    ],
    model_file: Annotated[UploadFile | None, File(description="TorchScript model (torch.jit.save)")] = None,
    hf_model: Annotated[str | None, Form(max_length=200, description="a name from GET /api/models")] = None,
    layers: Annotated[str | None, Form(max_length=10_000, description="comma-separated layers to keep")] = None,
    module_types: Annotated[str | None, Form(max_length=1000, description="e.g. Conv2d,Linear (TorchScript)")] = None,
    pool_conv: Annotated[str, Form(pattern=CONV_RULE_PATTERN)] = "gap",
    pool_seq: Annotated[str, Form(pattern=SEQ_RULE_PATTERN)] = "mean",
    batch_size: Annotated[int | None, Form(ge=1, le=100_000)] = None,
    model: Annotated[str | None, Form(max_length=200)] = None,
    architecture: Annotated[str | None, Form(max_length=200)] = None,
    checkpoint: Annotated[str | None, Form(max_length=200)] = None,
    epoch: Annotated[int | None, Form(ge=0, le=10**7)] = None,
    condition: Annotated[str | None, Form(max_length=200)] = None,
    seed: Annotated[int | None, Form(ge=0, le=2**63 - 1)] = None,
    metrics: Annotated[str | None, Form(max_length=10_000, description='JSON, e.g. {"accuracy": 0.93}')] = None,
):
    """Start an extraction job (202); its result lists the stored representations."""
    if (model_file is None) == (hf_model is None):
        raise InvalidInputError(
            "Give exactly one model: a TorchScript file (model_file) or a local Hugging Face "
            "model's name (hf_model, from GET /api/models)."
        )
    if hf_model is not None:
        model_path(settings, hf_model)
    try:
        store.get_collection(collection)
    except NotFoundError:
        validate_name(collection, "collection name")
    try:
        metrics_value = json.loads(metrics) if metrics else {}
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"The 'metrics' field is not valid JSON: {exc.msg}.") from None
    prov = ProvenanceIn(
        model=model or hf_model,
        architecture=architecture,
        checkpoint=checkpoint,
        epoch=epoch,
        condition=condition,
        seed=seed,
        metrics=metrics_value,
    )
    uid, folder = store.uploads.new()
    try:
        inputs_path = store.uploads.save(inputs.file, folder, "inputs", inputs.filename, settings.max_upload_bytes)
        model_name = None
        if model_file is not None:
            model_name = store.uploads.save(
                model_file.file, folder, "model", model_file.filename, settings.max_upload_bytes
            ).name
        store.uploads.describe(uid, {"data_file": inputs_path.name, "kind": "extraction"})
    except BaseException:
        store.uploads.remove(uid)
        raise
    params = {
        "staging": uid,
        "inputs_file": inputs_path.name,
        "model_file": model_name,
        "hf_model": hf_model,
        "collection": collection,
        "layers": _split(layers),
        "module_types": _split(module_types),
        "pool_conv": pool_conv,
        "pool_seq": pool_seq,
        "batch_size": batch_size,
        "provenance": prov.model_dump(),
        "model_label": (model_file.filename if model_file is not None else hf_model),
    }
    job_id = jobs.submit("extract", params)
    return JSONResponse(status_code=202, content=job_accepted(job_id).model_dump())


def _split(text: str | None) -> list[str] | None:
    items = [v.strip() for v in (text or "").split(",") if v.strip()]
    return items or None
