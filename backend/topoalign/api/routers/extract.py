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
from topoalign.api.schemas.common import ERROR_RESPONSES, JobAccepted, ProvenanceIn, job_accepted
from topoalign.errors import InvalidInputError, NotFoundError
from topoalign.io.validate import validate_name

router = APIRouter(prefix="/api", tags=["extraction"], responses=ERROR_RESPONSES)


class ModelOut(BaseModel):
    name: str = Field(description="pass as hf_model to POST /api/extractions")
    kind: str = "hf"
    layers: list[str] | None = Field(None, description="hidden states it gives, from its config")


def _models_dir(settings) -> Path | None:
    d = settings.models_dir
    return Path(d).resolve() if d is not None and Path(d).is_dir() else None


def list_models(settings) -> list[ModelOut]:
    from topoalign.extract.transformers_hf import model_hidden_state_names

    root = _models_dir(settings)
    if root is None:
        return []
    return [ModelOut(name=p.name, layers=model_hidden_state_names(p)) for p in sorted(root.iterdir())
            if p.is_dir() and (p / "config.json").is_file() and not p.name.startswith(".")]


def model_path(settings, name: str) -> Path:
    """The folder of a listed model. Only a name the listing gives is accepted (a path, '..' or anything else is
    refused); a sub-folder the administrator linked into the model folder counts as listed."""
    root = _models_dir(settings)
    known = {m.name for m in list_models(settings)}
    if root is None or name not in known or "/" in name or "\\" in name:
        raise NotFoundError(f"No model {name!r} in the server's model folder (TOPOALIGN_MODELS_DIR); it offers "
                            f"{sorted(known) or 'none'}.")
    return root / name


@router.get("/models", response_model=list[ModelOut])
def get_models(settings: SettingsDep) -> list[ModelOut]:
    """Local Hugging Face models the server may run (sub-folders of TOPOALIGN_MODELS_DIR with a config.json)."""
    return list_models(settings)


@router.post("/extractions", response_model=JobAccepted, status_code=202)
def start_extraction(
    store: StoreDep,
    settings: SettingsDep,
    jobs: JobsDep,
    collection: Annotated[str, Form(min_length=1, max_length=200, description="collection id or name (created when "
                                                                               "missing)")],
    inputs: Annotated[UploadFile, File(description=".npy / .pt tensor of inputs (n, ...); for a Hugging Face model "
                                                   "a UTF-8 text file, one stimulus per line")],
    model_file: Annotated[UploadFile | None, File(description="TorchScript model (torch.jit.save)")] = None,
    hf_model: Annotated[str | None, Form(max_length=200, description="a name from GET /api/models")] = None,
    layers: Annotated[str | None, Form(max_length=10_000, description="comma-separated layers to keep")] = None,
    module_types: Annotated[str | None, Form(max_length=1000, description="e.g. Conv2d,Linear (TorchScript)")] = None,
    pool_conv: Annotated[str, Form(pattern="^(gap|center|flatten)$")] = "gap",
    pool_seq: Annotated[str, Form(pattern="^(mean|first)$")] = "mean",
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
        raise InvalidInputError("Give exactly one model: a TorchScript file (model_file) or a local Hugging Face "
                                "model's name (hf_model, from GET /api/models).")
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
    prov = ProvenanceIn(model=model or hf_model, architecture=architecture, checkpoint=checkpoint, epoch=epoch,
                        condition=condition, seed=seed, metrics=metrics_value)
    uid, folder = store.uploads.new()
    try:
        inputs_path = store.uploads.save(inputs.file, folder, "inputs", inputs.filename, settings.max_upload_bytes)
        model_name = None
        if model_file is not None:
            model_name = store.uploads.save(model_file.file, folder, "model", model_file.filename,
                                            settings.max_upload_bytes).name
        store.uploads.describe(uid, {"data_file": inputs_path.name, "kind": "extraction"})
    except BaseException:
        store.uploads.remove(uid)
        raise
    params = {"staging": uid, "inputs_file": inputs_path.name, "model_file": model_name, "hf_model": hf_model,
              "collection": collection, "layers": _split(layers), "module_types": _split(module_types),
              "pool_conv": pool_conv, "pool_seq": pool_seq, "batch_size": batch_size,
              "provenance": prov.model_dump(),
              "model_label": (model_file.filename if model_file is not None else hf_model)}
    job_id = jobs.submit("extract", params)
    return JSONResponse(status_code=202, content=job_accepted(job_id).model_dump())


def _split(text: str | None) -> list[str] | None:
    items = [v.strip() for v in (text or "").split(",") if v.strip()]
    return items or None


def register_jobs(jobs, store, settings) -> None:
    """``extract`` jobs run from their params (the staged files stay until the job succeeds)."""
    from topoalign.api.serialize import representation_out
    from topoalign.extract.service import extract_into_store
    from topoalign.representation import Provenance

    def factory(params: dict):
        def run(progress):
            staged = store.uploads.get(params["staging"])
            hf = params.get("hf_model")
            spec = model_path(settings, hf) if hf else staged.folder / params["model_file"]
            cid, records = extract_into_store(
                store, params["collection"], spec, staged.folder / params["inputs_file"], hf=bool(hf),
                layers=params.get("layers"), module_types=params.get("module_types"), pool_conv=params["pool_conv"],
                pool_seq=params["pool_seq"], batch_size=params.get("batch_size"),
                provenance=Provenance.from_dict(params["provenance"]),
                model_name=Path(params.get("model_label") or "model").stem, progress=progress)
            store.uploads.remove(params["staging"])
            return {"collection_id": cid,
                    "representations": [representation_out(r).model_dump() for r in records]}

        return run

    jobs.register("extract", factory)
