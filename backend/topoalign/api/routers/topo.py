"""Topological alignment of stored Mapper graphs: correspondence, matching regions, joint layout, score, motifs.

Every result is cached as a store artifact. Compare, layout and motif requests answer directly (a joint layout of
8 graphs x 500 nodes takes about a second). Regions and score answer 200 with the result when an identical request
ran before or the work is small (total nodes x (n_null + 1) <= ``SYNC_WORK``), else 202 with a job whose result is
``{"result_id": ...}`` (fetch it at ``/api/topo/results/{result_id}``). Motif searches run under the server's time
and match limits.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from topoalign.api.deps import JobsDep, SettingsDep, StoreDep
from topoalign.api.schemas.common import ERROR_RESPONSES, JobAccepted, job_accepted
from topoalign.api.schemas.topo import (
    CompareIn,
    CompareOut,
    LayoutIn,
    LayoutOut,
    MotifIn,
    MotifsOut,
    RegionsIn,
    RegionsOut,
    ScoreIn,
    ScoreOut,
    TopoResultOut,
)
from topoalign.errors import InvalidParameterError
from topoalign.topo import service

router = APIRouter(prefix="/api/topo", tags=["topo"], responses=ERROR_RESPONSES)
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": JobAccepted, "description": "Computing as a job; its result holds result_id"}
}
SYNC_WORK = 20000


def _params(body) -> dict:
    return body.model_dump(exclude={"graph_ids"})


def _cached_or_job(kind: str, body, store, jobs, work_per_node: int = 1):
    graphs, names = service.load_graphs(
        body.graph_ids, store, allow_files=False
    )  # 404 / 422 now rather than in the job
    params = _params(body)
    hit, key = service.cached(store, kind, body.graph_ids, params)
    if hit is not None:
        return hit
    if sum(len(g.nodes) for g in graphs) * work_per_node <= SYNC_WORK:
        return service.remember(store, kind, key, service.COMPUTE[kind](graphs, names, params, None))
    job_id = jobs.submit(f"topo_{kind}", {"graph_ids": body.graph_ids, **params})
    return JSONResponse(status_code=202, content=job_accepted(job_id).model_dump())


@router.post("/compare", response_model=CompareOut)
def compare(body: CompareIn, store: StoreDep):
    """Node correspondence of every pair: overlaps, OT coupling, co-OT distance, best partners (cached)."""
    graphs, names = service.load_graphs(body.graph_ids, store, allow_files=False)
    hit, key = service.cached(store, "compare", body.graph_ids, _params(body))
    if hit is not None:
        return hit
    result = service.compare(graphs, names, top=body.top, max_pairs=body.max_pairs, store=store, keys=body.graph_ids)
    return service.remember(store, "compare", key, result)


@router.post("/regions", response_model=RegionsOut, responses=ACCEPTED)
def regions(body: RegionsIn, store: StoreDep, jobs: JobsDep):
    """Matching regions, strongest first, with shuffled-stimuli p-values."""
    return _cached_or_job(
        "regions", body, store, jobs, work_per_node=(body.n_null + 1) * max(len(body.graph_ids) - 1, 1)
    )


@router.post("/layout", response_model=LayoutOut)
def layout(body: LayoutIn, store: StoreDep):
    """Joint layout: positions per node per graph (drawn = shared frame + panel offset) and quality figures."""
    graphs, names = service.load_graphs(body.graph_ids, store, allow_files=False)
    params = _params(body)
    hit, key = service.cached(store, "layout", body.graph_ids, params)
    if hit is not None:
        return hit
    return service.remember(store, "layout", key, service.layout(graphs, names, **params))


@router.post("/score", response_model=ScoreOut, responses=ACCEPTED)
def score(body: ScoreIn, store: StoreDep, jobs: JobsDep):
    """Topological alignment score in [0, 1] of every pair, with its chance level and p-value."""
    return _cached_or_job("score", body, store, jobs, work_per_node=(body.n_null + 1) * max(len(body.graph_ids) - 1, 1))


@router.post("/motifs", response_model=MotifsOut)
def motifs(body: MotifIn, store: StoreDep, settings: SettingsDep):
    """Motif search in every graph within the server's limits (``truncated`` says when a limit was hit), or with
    ``kind='concept'`` the footprint of a label concept (enriched nodes, shape compared across graphs)."""
    graphs, names = service.load_graphs(body.graph_ids, store, allow_files=False)
    pattern = body.pattern_spec()
    if pattern is None:
        query = body.concept_query()
        if query is None:
            raise InvalidParameterError(
                "A motif search needs a 'pattern', a 'kind', or a concept ('concept' or kind='concept' with 'where')."
            )
        return service.concept_motifs(graphs, names, where=query)
    limit = min(body.time_limit or settings.motif_time_limit_s, settings.motif_time_limit_s)
    matches = min(body.max_matches or settings.motif_max_matches, settings.motif_max_matches)
    return service.motifs(
        graphs,
        names,
        pattern=pattern,
        where=body.where,
        max_matches=matches,
        time_limit=limit,
        cross_check=body.cross_check,
    )


# exclude_unset: a result stored by an older version goes out with the keys it has, not its missing ones as null
@router.get("/results/{result_id}", response_model=TopoResultOut, response_model_exclude_unset=True)
def get_result(result_id: str, store: StoreDep):
    """A stored regions / layout / score / compare result (the ``result_id`` of a finished job); ``kind`` says
    which."""
    return service.load_result(store, result_id)
