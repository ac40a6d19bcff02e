"""Test-only stand-ins for API routes other parts of the backend are still adding (graphs, topo, audits).

``add_missing_routes(app)`` adds a route only when the app has no route at that path, so the end-to-end tests run
against the real routers as soon as they land and these stand-ins fall away unused. Each stand-in is a thin call
into the real library (mapper, topo, align); none of this is served by ``topoalign serve``.
"""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx
import numpy as np
from fastapi import Body, FastAPI, Request

GRAPHS: dict[str, Any] = {}
_ids = itertools.count()


def _paths(app: FastAPI) -> set[str]:
    return set(app.openapi()["paths"])


def add_missing_routes(app: FastAPI) -> list[str]:
    """Add the stand-ins the app lacks; returns the paths added."""
    have = _paths(app)
    added: list[str] = []

    def add(path: str, method: str, fn) -> None:
        if path not in have:
            app.add_api_route(path, fn, methods=[method])
            added.append(path)

    add("/api/graphs", "POST", build_graph)
    add("/api/graphs/{graph_id}", "GET", get_graph)
    add("/api/topo/layout", "POST", layout)
    add("/api/topo/regions", "POST", regions)
    add("/api/topo/motifs", "POST", motifs)
    # the SPA mount at "/" must stay last
    mounts = [r for r in app.router.routes if getattr(r, "name", "") == "frontend"]
    for m in mounts:
        app.router.routes.remove(m)
        app.router.routes.append(m)
    app.openapi_schema = None
    return added


def _graph_json(request: Request, gid: str) -> dict:
    """A graph from the stand-in's own table, else from the store (graphs built by the real router)."""
    return GRAPHS[gid] if gid in GRAPHS else request.app.state.store.load_artifact(gid)


def _graph(request: Request, gid: str):
    from topoalign.mapper.graph import MapperGraph

    return MapperGraph.from_json(_graph_json(request, gid))


def build_graph(request: Request, body: dict = Body(...)) -> dict:
    from topoalign.mapper.build import build_mapper_graph
    from topoalign.mapper.cluster import make_clusterer
    from topoalign.mapper.cover import make_cover
    from topoalign.mapper.lens import make_lens

    store = request.app.state.store
    rid = body["representation_id"]
    rep = store.load_representation(rid)
    cover = body.get("cover") or {}
    lens = make_lens(body.get("lens", "pca")).fit_transform(rep.matrix, rep.labels)
    graph = build_mapper_graph(
        rep.matrix, lens, make_cover(cover.get("kind", "kmapper"), cover.get("n_intervals", 10), cover.get("overlap", 0.3)),
        make_clusterer(body.get("clusterer") or "dbscan"), stimulus_ids=rep.stimulus_ids, labels=rep.labels,
        representation_id=rid, params={k: v for k, v in body.items() if k != "representation_id"},
    )
    gid = f"g{next(_ids)}"
    GRAPHS[gid] = graph.to_json()
    return {"id": gid, "representation_id": rid, "n_nodes": len(graph.nodes), "n_edges": len(graph.edges)}


def get_graph(request: Request, graph_id: str) -> dict:
    return {**_graph_json(request, graph_id), "id": graph_id}


def layout(request: Request, body: dict = Body(...)) -> dict:
    from topoalign.topo.layout import joint_layout

    ids = body["graph_ids"]
    return joint_layout([_graph(request, g) for g in ids], ids, mode=body.get("mode", "overlay"), quality=True).to_json()


def regions(request: Request, body: dict = Body(...)) -> dict:
    from topoalign.topo.regions import find_regions

    ids = body["graph_ids"]
    return find_regions([_graph(request, g) for g in ids], ids, n_null=0).to_json()


def motifs(request: Request, body: dict = Body(...)) -> dict:
    ids, kind = body["graph_ids"], body.get("kind", "cycle")
    matches = []
    for gid in ids:
        g = _graph(request, gid)
        nxg = g.to_networkx()
        found: list[list[str]] = []
        if kind == "cycle":
            found = [c for c in nx.cycle_basis(nxg) if len(c) >= 3]
        elif kind == "branch":
            found = [[n, *nxg.neighbors(n)] for n in nxg if nxg.degree(n) >= 3]
        elif kind == "flare":
            found = [[n, next(iter(nxg.neighbors(n)))] for n in nxg if nxg.degree(n) == 1]
        elif kind == "path":
            for comp in nx.connected_components(nxg):
                sub = nxg.subgraph(comp)
                if len(sub) > 2:
                    a = max(comp, key=lambda v: nx.eccentricity(sub, v))
                    b = max(nx.single_source_shortest_path_length(sub, a).items(), key=lambda kv: kv[1])[0]
                    found.append(nx.shortest_path(sub, a, b))
        elif kind == "concept":
            col, value = body["concept"]["column"], str(body["concept"]["value"])
            hits = [n["id"] for n in _graph_json(request, gid)["nodes"] if str((n.get("labels") or {}).get(col, {}).get("dominant")) == value]
            found = [list(c) for c in nx.connected_components(nxg.subgraph(hits))]
        elif kind == "pattern":
            pat = nx.Graph([tuple(e) for e in body["pattern"]["edges"]])
            gm = nx.algorithms.isomorphism.GraphMatcher(nxg, pat)
            seen = set()
            for m in itertools.islice(gm.subgraph_isomorphisms_iter(), 500):
                key = frozenset(m)
                if key not in seen:
                    seen.add(key)
                    found.append(list(m))
        for nodes in found[:100]:
            size = sum(g.node(n).size for n in nodes)
            matches.append({"graph_id": gid, "nodes": [str(n) for n in nodes], "score": float(size) / g.n_stimuli,
                            "kind": kind})
    return {"matches": matches}


def audit(request: Request, body: dict = Body(...)) -> dict:
    from topoalign.align.cka import linear_cka
    from topoalign.representation import aligned_matrices

    store = request.app.state.store
    reps = [store.load_representation(r) for r in body["representation_ids"]]
    names = [r.provenance.layer or r.name for r in reps]
    n = len(reps)
    values = np.eye(n)
    for i, j in itertools.combinations(range(n), 2):
        X, Y = aligned_matrices(reps[i], reps[j])[:2]
        values[i, j] = values[j, i] = linear_cka(X, Y)
    ids = [r for r in body["representation_ids"]]
    depth = [{"x": i, "y": float(values[0, i]), "a": ids[0], "b": ids[i]} for i in range(n)]
    return {"matrices": [{"metric": "cka", "rows": names, "representation_ids": ids, "values": values.tolist()}],
            "depth": [{"name": "cka vs first", "points": depth,
                       "chance": [{"x": i, "lo": 0.0, "hi": 0.1} for i in range(n)]}]}
