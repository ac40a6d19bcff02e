"""Topo computations over stored graphs: load graphs (artifact ids or graph JSON files) with their labels, run
compare / regions / layout / score / motifs, and cache results as store artifacts. Used by the API and the CLI.

Results are plain JSON dicts; each cached kind is keyed by the graph ids and every parameter (``TOPO_VERSION``
bumps invalidate old entries).
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from topoalign.errors import InvalidInputError, NotFoundError
from topoalign.progress import Progress, null_progress, scaled
from topoalign.mapper.graph import MapperGraph
from topoalign.mapper.graph_cache import stored_graph
from topoalign.topo.correspondence import CorrespondenceSet, shared_stimulus_ids
from topoalign.topo.layout import joint_layout
from topoalign.topo.motifs import concept_footprint, search_motifs
from topoalign.topo.regions import find_regions
from topoalign.topo.score import topological_alignment_score

TOPO_VERSION = 2  # 2: regions ranked by strength, graph info with coverage
KINDS = {"compare": "topo_compare", "regions": "topo_regions", "layout": "topo_layout", "score": "topo_score"}


def graph_labels(store, graph: MapperGraph) -> pd.DataFrame | None:
    """Labels of a stored graph's stimuli (from its representation's collection), or None."""
    if store is None or not graph.representation_id:
        return None
    try:
        rec = store.get_representation(graph.representation_id)
    except NotFoundError:
        return None
    frame = store.stimuli(rec.collection_id).drop(columns=["text"], errors="ignore")
    return frame if frame.shape[1] else None


def load_graphs(refs: Sequence[str], store=None, *, allow_files: bool = True) -> tuple[list[MapperGraph], list[str]]:
    """Graphs from artifact ids (needs ``store``) or, when ``allow_files`` (the CLI; never the API, where ids
    must not become paths), JSON files written by ``topoalign mapper -o``; with names. Repeated refs are refused.
    Labels: a file's own ``stimulus_labels``, else those of the graph's representation's collection in ``store``."""
    if len(refs) < 1:
        raise InvalidInputError("Give at least one graph.")
    repeated = sorted({r for r in refs if list(refs).count(r) > 1})
    if repeated:
        raise InvalidInputError(f"Graphs are given more than once: {repeated}; give each graph once.")
    graphs, names = [], []
    for ref in refs:
        path = Path(ref)
        if allow_files and (path.suffix.lower() == ".json" or path.is_file()):
            try:
                payload = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise InvalidInputError(f"Cannot read the graph file {ref!r}: {exc}.") from None
            graph = MapperGraph.from_json(payload)
            name = path.stem
        else:
            if store is None:
                raise NotFoundError(f"{ref!r} is neither a graph JSON file nor (without a store) a graph id.")
            graph = stored_graph(store, ref)
            name = ref
        graph.labels = graph_labels(store, graph) if graph.labels is None else graph.labels
        graphs.append(graph)
        names.append(name)
    seen: dict[str, int] = {}
    for i, n in enumerate(names):  # unique names: a second "layer3" becomes "layer3#2"
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1:
            names[i] = f"{n}#{seen[n]}"
    return graphs, names


def cached(store, kind: str, graph_ids: Sequence[str], params: dict[str, Any]) -> tuple[dict[str, Any] | None, dict]:
    """(stored result or None, cache key) for a topo result over stored graphs."""
    key = {"graph_ids": list(graph_ids), "version": TOPO_VERSION, **params}
    if store is None:
        return None, key
    rec = store.find_artifact(KINDS[kind], key)
    return (dict(store.load_artifact(rec.id), result_id=rec.id) if rec else None), key


def remember(store, kind: str, key: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    if store is None:
        return result
    rec = store.put_artifact(KINDS[kind], key, result, meta={"graph_ids": key["graph_ids"]})
    return dict(result, result_id=rec.id)


def load_result(store, result_id: str) -> dict[str, Any]:
    rec = store.get_artifact(result_id)
    if rec.kind not in KINDS.values():
        raise NotFoundError(f"No topo result with id {result_id!r}.")
    return dict(store.load_artifact(result_id), result_id=rec.id, kind=rec.kind.removeprefix("topo_"))


def cached_or_compute(
    store,
    kind: str,
    graph_ids: Sequence[str],
    params: dict[str, Any],
    *,
    progress: Progress | None = None,
    loaded: tuple[list, list] | None = None,
) -> dict[str, Any]:
    """The stored ``kind`` result ("regions", "score", "layout") over stored graphs with ``params``, computed and
    stored first when missing (``loaded``: the graphs and names, when the caller has them): what the API's direct
    answers and the jobs both use."""
    hit, key = cached(store, kind, graph_ids, params)
    if hit is not None:
        return hit
    graphs, names = loaded or load_graphs(graph_ids, store, allow_files=False)
    return remember(store, kind, key, COMPUTE[kind](graphs, names, params, progress))


# -- computations ----------------------------------------------------------------------------------------------------
def compare(graphs, names, *, top: int = 3, max_pairs: int = 2000, store=None, keys=None) -> dict[str, Any]:
    corr = CorrespondenceSet(graphs, names, store=store, keys=keys, top=top)
    return {
        "graphs": _graph_info(graphs, names),
        "n_shared": corr.n_shared,
        "pairs": [c.to_json(max_pairs=max_pairs) for c in corr.all_pairs()],
    }


def regions(graphs, names, *, progress: Progress | None = None, **params) -> dict[str, Any]:
    labels = next((g.labels for g in graphs if g.labels is not None), None)
    res = find_regions(graphs, names, labels=labels, progress=progress, **params)
    return {"graphs": _graph_info(graphs, names), **res.to_json()}


def layout(graphs, names, *, progress: Progress | None = None, **params) -> dict[str, Any]:
    lay = joint_layout(graphs, names, progress=progress, **params)
    return {"graphs_info": _graph_info(graphs, names), **lay.to_json()}


def score(graphs, names, *, random_state: int = 0, n_null: int = 20, progress: Progress | None = None) -> dict:
    pairs = list(combinations(range(len(graphs)), 2))
    out = []
    for i, (g, h) in enumerate(pairs):
        res = topological_alignment_score(
            graphs[g],
            graphs[h],
            random_state=random_state,
            n_null=n_null,
            progress=scaled(progress, i / len(pairs), (i + 1) / len(pairs)),
        )
        out.append({"a": names[g], "b": names[h], **res})
    return {"graphs": _graph_info(graphs, names), "pairs": out}


# kind -> (graphs, names, request params, progress) -> result; the request params are the cache key's
COMPUTE = {
    "regions": lambda graphs, names, params, progress: regions(graphs, names, progress=progress, **params),
    "layout": lambda graphs, names, params, progress: layout(graphs, names, progress=progress, **params),
    "score": lambda graphs, names, params, progress: score(
        graphs, names, random_state=params["random_state"], n_null=params["n_null"], progress=progress
    ),
}


def motifs(
    graphs, names, *, pattern, where=None, max_matches: int = 200, time_limit: float = 5.0, cross_check: int = 20
) -> dict[str, Any]:
    """Structural motif search (see ``topo.motifs``) plus a flat ``matches`` list: {graph_id, nodes, score, kind}
    with score = share of the graph's stimuli in the match."""
    labels = next((g.labels for g in graphs if g.labels is not None), None)
    result = search_motifs(
        graphs,
        names,
        pattern=pattern,
        where=where,
        labels=labels,
        max_matches=max_matches,
        time_limit=time_limit,
        cross_check=cross_check,
    )
    kind = pattern.split(":")[0] if isinstance(pattern, str) and not pattern.endswith(".json") else "pattern"
    result["matches"] = [
        {"graph_id": res["graph"], "nodes": m["nodes"], "score": m["n_members"] / max(g.n_stimuli, 1), "kind": kind}
        for g, res in zip(graphs, result["graphs"])
        for m in res["matches"]
    ]
    return result


def concept_motifs(graphs, names, *, where: str, alpha: float = 0.05) -> dict[str, Any]:
    """Concept motif: the label query's footprint per graph; its connected pieces are listed as ``matches``."""
    import networkx as nx

    labels = next((g.labels for g in graphs if g.labels is not None), None)
    fp = concept_footprint(graphs, names, where, labels=labels, alpha=alpha)
    matches = []
    for g, per in zip(graphs, fp["graphs"]):
        whole = g.to_networkx()
        for comp in sorted(nx.connected_components(whole.subgraph(per["nodes"])), key=lambda c: (-len(c), min(c))):
            members = {int(m) for n in comp for m in g.node(n).members}
            matches.append(
                {
                    "graph_id": per["graph"],
                    "nodes": sorted(comp),
                    "score": len(members) / max(g.n_stimuli, 1),
                    "kind": "concept",
                }
            )
    return {
        "pattern": "concept",
        "where": where,
        "time_limit": 0.0,
        "max_matches": len(matches),
        "elapsed_s": 0.0,
        "graphs": [],
        "footprint": fp,
        "matches": matches,
    }


def compare_report(
    graphs,
    names,
    *,
    n_null: int = 20,
    random_state: int = 0,
    layout_quality: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The CLI's ``compare``: pairwise scores, matching regions and the joint layout's quality figures."""
    progress = progress or null_progress
    corr = CorrespondenceSet(graphs, names)
    labels = next((g.labels for g in graphs if g.labels is not None), None)
    report: dict[str, Any] = {"graphs": _graph_info(graphs, names), "n_shared": corr.n_shared}
    report["scores"] = score(
        graphs, names, random_state=random_state, n_null=n_null, progress=scaled(progress, 0.0, 0.5)
    )["pairs"]
    res = find_regions(
        corr, labels=labels, n_null=n_null, random_state=random_state, progress=scaled(progress, 0.5, 0.9)
    )
    report["regions"] = res.to_json()
    if layout_quality:
        lay = joint_layout(corr, quality=True, random_state=random_state)
        report["layout_quality"] = lay.quality
    progress(1.0, "done")
    return report


def _graph_info(graphs: Sequence[MapperGraph], names: Sequence[str]) -> list[dict[str, Any]]:
    """Per graph: size, coverage, and how many of the stimuli shared by all the graphs it leaves out of every node
    (a comparison can only see what both graphs place)."""
    shared = shared_stimulus_ids(graphs) if len(graphs) > 1 else None
    out = []
    for g, n in zip(graphs, names):
        covered = g.covered_rows()
        placed = g.stimulus_ids[covered]
        if shared is None:
            dropped = None
        elif np.array_equal(g.stimulus_ids, shared):  # every row shared (graphs of one collection): no matching
            dropped = int(len(shared) - len(covered))
        else:
            dropped = int(len(shared) - np.isin(shared, placed).sum())
        out.append(
            {
                "name": n,
                "representation_id": g.representation_id,
                "n_nodes": len(g.nodes),
                "n_edges": len(g.edges),
                "n_stimuli": g.n_stimuli,
                "n_covered": int(len(placed)),
                "n_shared_dropped": dropped,
            }
        )
    return out
