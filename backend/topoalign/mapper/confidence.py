"""How sure a graph is of its components and loops: the share of resampled graphs in which each one persists.

``topology_summary(graph, resamples)`` lists the graph's components (node ids, stimuli) and one representative loop
per independent hole (a node cycle, ``graph_topology``), and for each the share of the resampled graphs in which it
persists:

- a component persists when some component of the resampled graph overlaps its stimuli (restricted to the
  resample's rows) with Jaccard >= 0.5;
- a loop persists when its nodes, mapped to their best-overlapping nodes of the resampled graph (Jaccard >= 0.5) and
  joined there by shortest paths, still enclose a hole (``graph_topology.loop_persists``).

``resamples`` are ``(rows, graph)`` pairs: the row indices the resampled graph was built on and the graph, whose
members index the same rows as the original graph's (the full data's).
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from topoalign.mapper.graph import MapperGraph
from topoalign.mapper.graph_topology import GraphHomology, best_matches, graph_homology, loop_persists


def topology_summary(
    graph: MapperGraph, resamples: Iterable[tuple[np.ndarray, MapperGraph]] = (), homology: GraphHomology | None = None
) -> dict[str, Any]:
    """``{"b0", "b1", "components": [...], "loops": [...], "n_resamples"}`` (module docstring); confidences are None
    without resamples."""
    h = homology or graph_homology(graph)
    ids = [nd.id for nd in graph.nodes]
    members = [nd.members for nd in graph.nodes]
    comps = h.components()
    comp_rows = [np.unique(np.concatenate([members[i] for i in c])) for c in comps]
    comp_hits = np.zeros(len(comps))
    loop_hits = np.zeros(len(h.loops))
    k = 0
    n = graph.n_stimuli
    for rows, other in resamples:
        k += 1
        oh = graph_homology(other)
        other_members = [nd.members for nd in other.nodes]
        other_comp_rows = [np.unique(np.concatenate([other_members[i] for i in c])) for c in oh.components()]
        comp_hits += best_matches(comp_rows, other_comp_rows, n, rows) >= 0
        if h.loops:
            node_map = best_matches(members, other_members, n, rows)
            loop_hits += [loop_persists(loop, node_map, oh) for loop in h.loops]
    share = (lambda hits: [round(float(v) / k, 4) for v in hits]) if k else (lambda hits: [None] * len(hits))
    return {
        "b0": h.b0,
        "b1": h.b1,
        "n_resamples": k,
        "components": [
            {"id": f"c{i}", "nodes": [ids[j] for j in c.tolist()], "n_stimuli": int(len(r)), "confidence": conf}
            for i, (c, r, conf) in enumerate(zip(comps, comp_rows, share(comp_hits)))
        ],
        "loops": [
            {"id": f"l{i}", "nodes": [ids[j] for j in loop], "confidence": conf}
            for i, (loop, conf) in enumerate(zip(h.loops, share(loop_hits)))
        ],
    }
