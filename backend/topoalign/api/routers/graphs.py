"""Mapper graphs of stored representations: build (cached, or as a job with progress), fetch, list; build several
with one set of parameters and lay them out jointly in one job (the aligned view's parameter changes)."""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from topoalign.api.deps import JobsDep, StoreDep
from topoalign.api.schemas.common import ERROR_RESPONSES, JobAccepted, job_accepted
from topoalign.api.schemas.graphs import (
    AlignedGraphsIn,
    AlignedGraphsOut,
    GraphOut,
    GraphRequest,
    GraphSummary,
    LandingOut,
)
from topoalign.errors import InvalidInputError, NotFoundError
from topoalign.mapper.service import GRAPH_KIND, MapperParams, cached_graph, validate_against
from topoalign.topo import service as topo_service

router = APIRouter(prefix="/api/graphs", tags=["graphs"], responses=ERROR_RESPONSES)


def _graph_out(store, artifact_id: str) -> Response:
    """The stored graph JSON (``GraphOut``) with its ``id`` added, passed on unparsed: it was written by
    ``MapperGraph.to_json`` through the store's JSON writer (non-finite numbers as null) and validated then; through
    ``GraphOut`` a 500-node graph's 250 KB were validated twice (the model, then the response model), ~15 ms of a
    parameter change's redraw on the server's one interpreter."""
    raw = store.artifact_json_bytes(artifact_id, kind=GRAPH_KIND)
    return Response(b'{"id":' + json.dumps(artifact_id).encode() + b"," + raw[1:], media_type="application/json")


@router.post("", response_model=GraphOut, responses={202: {"model": JobAccepted, "description": "Building as a job"}})
def create_graph(body: GraphRequest, store: StoreDep, jobs: JobsDep):
    """The Mapper graph of a representation: 200 with the graph when an identical request was built before,
    else 202 with the job building it (its result holds ``graph_id``)."""
    params = MapperParams.from_dict(body.params())
    rec = store.get_representation(body.representation_id)
    validate_against(params, rec.n, rec.d, store.get_collection(rec.collection_id).label_columns)
    hit = cached_graph(store, rec.id, params)
    if hit is not None:
        return _graph_out(store, hit[0].id)

    job_id = jobs.submit("graph", {"representation_id": rec.id, **body.params()})
    return JSONResponse(status_code=202, content=job_accepted(job_id).model_dump())


@router.post(
    "/aligned",
    response_model=AlignedGraphsOut,
    responses={202: {"model": JobAccepted, "description": "Building as a job; its result is this response"}},
)
def create_aligned_graphs(body: AlignedGraphsIn, store: StoreDep, jobs: JobsDep):
    """One graph per representation with the same parameters, and their joint layout, in one job (one round trip
    instead of a build per graph and then a layout): 200 with ``{graph_ids, layout}`` when all of it was computed
    before, else 202 with the job whose result it is. Graphs and layout are cached as by POST /api/graphs and
    POST /api/topo/layout."""
    repeated = sorted({r for r in body.representation_ids if body.representation_ids.count(r) > 1})
    if repeated:
        raise InvalidInputError(f"Representations are given more than once: {repeated}; give each once.")
    params = MapperParams.from_dict(body.params())
    for rid in body.representation_ids:  # 404 / 422 now rather than in the job
        rec = store.get_representation(rid)
        validate_against(params, rec.n, rec.d, store.get_collection(rec.collection_id).label_columns)
    layout_params = body.layout.cache_params()
    hits = [cached_graph(store, rid, params) for rid in body.representation_ids]
    found = [h for h in hits if h is not None]
    if len(found) == len(hits):
        graph_ids = [rec.id for rec, _ in found]
        layout, _ = topo_service.cached(store, "layout", graph_ids, layout_params)
        if layout is not None:
            return {"graph_ids": graph_ids, "layout": layout}
    job_id = jobs.submit(
        "aligned_graphs",
        {"representation_ids": body.representation_ids, "graph": body.params(), "layout": layout_params},
    )
    return JSONResponse(status_code=202, content=job_accepted(job_id).model_dump())


@router.get("", response_model=list[GraphSummary])
def list_graphs(store: StoreDep, representation_id: str | None = None) -> list[GraphSummary]:
    out = []
    for a in store.list_artifacts(GRAPH_KIND):
        rid = a.params.get("representation_id")
        if representation_id is not None and rid != representation_id:
            continue
        params = {k: v for k, v in a.params.items() if k != "representation_id"}
        out.append(
            GraphSummary(
                id=a.id,
                representation_id=rid,
                params=params,
                n_nodes=a.meta.get("n_nodes"),
                n_edges=a.meta.get("n_edges"),
                created_at=a.created_at,
            )
        )
    return out


@router.get("/landing", response_model=LandingOut)
def get_landing(store: StoreDep) -> LandingOut:
    """The prepared case the dashboard opens on (``topoalign demo`` writes it): two representations to show as
    aligned graphs with their matching regions, and the collection whose audit it links to. 404 without one."""
    from topoalign.extract.zoo.demo import landing_case

    case = landing_case(store)
    if case is None:
        raise NotFoundError("This data directory has no prepared case: `topoalign demo` builds one.")
    return LandingOut(**case)


@router.get("/{graph_id}", response_model=GraphOut)
def get_graph(graph_id: str, store: StoreDep):
    return _graph_out(store, graph_id)
