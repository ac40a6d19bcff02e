"""Motif queries on Mapper graphs: structural motifs and concept footprints, across k graphs.

Structural motifs (``parse_motif``):

- ``cycle:k``  an induced (chordless) cycle of exactly k nodes; ``cycle:k+`` a loop of >= k nodes (the loops of a
  minimum cycle basis);
- ``branch:m`` a branch point: a node whose neighbourhood, once removed, leaves >= m arms (components of >= 2 nodes);
- ``flare`` / ``flare:k`` a long arm off a core: a chain of >= k (default 3) nodes of degree <= 2 from a leaf to a
  node of degree >= 3;
- ``path:k``   an induced path of k nodes;
- a user pattern (JSON): ``{"nodes": [{"id": "a", "min_size": 10, "min_purity": 0.8, "column": "class",
  "label": "3"}, ...], "edges": [["a", "b"], ...], "induced": false}``.

Pattern searches use networkx's VF2 matcher with a deadline checked inside the matcher (every feasibility test), so
a query never runs past ``time_limit`` seconds; ``max_matches`` caps the result. Results say ``truncated`` and why.
Matches are ranked by member count, then mean stability; for each, the graph reports whether the same stimuli
form the motif in the other graphs too.

Concept motifs (``concept_footprint``): the stimuli chosen by a label query (see ``topo.labels``), their enriched
nodes per graph (hypergeometric test, Benjamini-Hochberg), the induced subgraph and its shape compared across graphs.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any, Sequence

import networkx as nx
import numpy as np
import pandas as pd
from networkx.algorithms.isomorphism import GraphMatcher
from scipy.stats import hypergeom

from topoalign.errors import InvalidInputError, InvalidParameterError, check_param
from topoalign.mapper.graph import MapperGraph
from topoalign.mapper.labels import categorical_summary, label_key
from topoalign.topo.correspondence import shared_stimulus_ids
from topoalign.topo.labels import select_stimuli

KINDS = ("cycle", "branch", "flare", "path", "pattern")
MAX_PATTERN_NODES = 12


@dataclass
class MotifQuery:
    kind: str
    k: int = 0
    at_least: bool = False
    pattern: nx.Graph | None = None
    induced: bool = True
    spec: str = ""

    def describe(self) -> str:
        return self.spec or self.kind


def parse_motif(spec: str | dict[str, Any]) -> MotifQuery:
    """``cycle:4``, ``cycle:5+``, ``branch:3``, ``flare``, ``flare:4``, ``path:5``, a pattern dict, or a path to a
    pattern JSON file."""
    if isinstance(spec, dict):
        return _pattern_query(spec, "pattern")
    if not isinstance(spec, str):
        raise InvalidParameterError(f"A motif must be a string like 'cycle:4' or a pattern object. Got {spec!r}.")
    text = spec.strip()
    if text.lower().endswith(".json"):
        try:
            payload = json.loads(Path(text).read_text())
        except (OSError, ValueError) as exc:
            raise InvalidInputError(f"Cannot read the motif pattern file {text!r}: {exc}.") from None
        return _pattern_query(payload, text)
    m = re.fullmatch(r"(cycle|branch|flare|path)(?::(\d{1,3})(\+)?)?", text.lower())
    if m is None:
        raise InvalidParameterError(
            f"The 'pattern' parameter must be one of cycle:K, cycle:K+, branch:M, flare, "
            f"flare:K, path:K or a pattern JSON file. Got {spec!r} instead."
        )
    kind, k, plus = m.group(1), m.group(2), m.group(3)
    defaults = {"cycle": 4, "branch": 3, "flare": 3, "path": 4}
    k = int(k) if k else defaults[kind]
    bounds = {"cycle": (3, 64), "branch": (3, 16), "flare": (2, 200), "path": (2, MAX_PATTERN_NODES)}
    lo, hi = bounds[kind]
    check_param("motif", kind, k, lo <= k <= hi, f"an int in [{lo}, {hi}] for {kind}")
    if plus and kind != "cycle":
        raise InvalidParameterError(f"Only cycles take 'K+' (at least K nodes); got {spec!r}.")
    if kind == "cycle" and not plus:
        check_param(
            "motif",
            "cycle",
            k,
            k <= MAX_PATTERN_NODES,
            f"at most {MAX_PATTERN_NODES} for an exact cycle (use cycle:K+ for longer loops)",
        )
    return MotifQuery(kind=kind, k=k, at_least=bool(plus), spec=text)


def _pattern_query(payload: dict[str, Any], spec: str) -> MotifQuery:
    if isinstance(payload, dict) and "nodes" not in payload and isinstance(payload.get("edges"), list):
        # edges alone: the nodes are their endpoints, unconstrained
        payload = {
            **payload,
            "nodes": list(dict.fromkeys(str(v) for e in payload["edges"] if isinstance(e, (list, tuple)) for v in e)),
        }
    if not isinstance(payload, dict) or not isinstance(payload.get("nodes"), list):
        raise InvalidInputError("A motif pattern needs a 'nodes' list (and an 'edges' list of [a, b] pairs).")
    nodes, edges = payload["nodes"], payload.get("edges", [])
    if not 1 <= len(nodes) <= MAX_PATTERN_NODES:
        raise InvalidParameterError(f"A motif pattern must have 1 to {MAX_PATTERN_NODES} nodes; got {len(nodes)}.")
    p: nx.Graph[str] = nx.Graph()
    allowed = {"id", "min_size", "min_purity", "column", "label"}
    for i, nd in enumerate(nodes):
        nd = nd if isinstance(nd, dict) else {"id": nd}
        extra = set(nd) - allowed
        if extra:
            raise InvalidParameterError(f"Unknown pattern node keys {sorted(extra)}; allowed: {sorted(allowed)}.")
        for key in ("min_size", "min_purity"):
            if key in nd and not isinstance(nd[key], (int, float)):
                raise InvalidParameterError(f"The {key!r} of pattern node {nd.get('id', i)!r} must be a number.")
        p.add_node(str(nd.get("id", i)), **{k: v for k, v in nd.items() if k != "id"})
    for e in edges:
        if not (isinstance(e, (list, tuple)) and len(e) == 2 and str(e[0]) in p and str(e[1]) in p):
            raise InvalidParameterError(f"Pattern edge {e!r} must be a pair of pattern node ids.")
        p.add_edge(str(e[0]), str(e[1]))
    return MotifQuery(
        kind="pattern", k=p.number_of_nodes(), pattern=p, induced=bool(payload.get("induced", False)), spec=spec
    )


# -- a graph with node attributes ----------------------------------------------------------------------------------
def motif_graph(graph: MapperGraph, labels: pd.DataFrame | None = None) -> nx.Graph:
    """networkx view: node attrs ``size``, ``stability``, ``labels`` {column: (dominant, purity)}."""
    frame = labels if labels is not None else graph.labels
    g: nx.Graph[str] = nx.Graph()
    sids = np.asarray(graph.stimulus_ids, dtype=str)
    for nd in graph.nodes:
        lab = {}
        if frame is not None and frame.shape[1]:
            rows = frame.reindex(pd.Index(sids[nd.members]))
            for col in rows.columns:
                s = rows[col].dropna()
                if len(s):
                    summary = categorical_summary(dict(Counter(label_key(v) for v in s)), len(s))
                    lab[str(col)] = (summary["dominant"], float(summary["purity"]))
        g.add_node(nd.id, size=nd.size, stability=nd.stability, labels=lab)
    g.add_edges_from((e.source, e.target) for e in graph.edges)
    return g


def _node_ok(attrs: dict[str, Any], constraint: dict[str, Any]) -> bool:
    if "min_size" in constraint and attrs.get("size", 0) < constraint["min_size"]:
        return False
    if "min_purity" in constraint or "label" in constraint:
        labs = attrs.get("labels", {})
        col = constraint.get("column") or (next(iter(labs)) if labs else None)
        if col is None or col not in labs:
            return False
        dominant, purity = labs[col]
        if "min_purity" in constraint and purity < constraint["min_purity"]:
            return False
        if "label" in constraint and dominant != label_key(constraint["label"]):
            return False
    return True


# -- the deadline ----------------------------------------------------------------------------------------------------
class _Timeout(Exception):
    pass


class _TimedMatcher(GraphMatcher):
    """VF2 that checks a deadline at every feasibility test, so it stops even while no match is being yielded."""

    def __init__(self, g1, g2, deadline: float, node_match=None):
        super().__init__(g1, g2, node_match=node_match)
        self.deadline = deadline

    def syntactic_feasibility(self, g1_node, g2_node):
        if time.monotonic() > self.deadline:
            raise _Timeout
        return super().syntactic_feasibility(g1_node, g2_node)


@dataclass
class MotifResult:
    graph: str
    matches: list[dict[str, Any]]
    truncated: bool
    reason: str | None
    elapsed_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "graph": self.graph,
            "n_matches": len(self.matches),
            "truncated": self.truncated,
            "reason": self.reason,
            "elapsed_s": round(self.elapsed_s, 4),
            "matches": self.matches,
        }


def find_motifs(
    graph: MapperGraph | nx.Graph,
    query: MotifQuery | str | dict,
    *,
    max_matches: int = 200,
    time_limit: float = 5.0,
    labels: pd.DataFrame | None = None,
    name: str = "G",
) -> MotifResult:
    """All (up to ``max_matches``) occurrences of a motif in one graph, ranked, within ``time_limit`` seconds."""
    query = query if isinstance(query, MotifQuery) else parse_motif(query)
    check_param(
        "find_motifs", "max_matches", max_matches, isinstance(max_matches, int) and max_matches >= 1, "an int >= 1"
    )
    check_param("find_motifs", "time_limit", time_limit, 0 < time_limit <= 3600, "in (0, 3600] seconds")
    g = graph if isinstance(graph, nx.Graph) else motif_graph(graph, labels)
    start = time.monotonic()
    deadline = start + time_limit
    found: list[frozenset] = []
    seen: set[frozenset] = set()
    truncated, reason = False, None
    try:
        for nodes in _occurrences(g, query, deadline):
            key = frozenset(nodes)
            if key in seen:
                continue
            seen.add(key)
            found.append(key)
            if len(found) >= max_matches:
                truncated, reason = True, f"max_matches ({max_matches}) reached"
                break
            if time.monotonic() > deadline:
                raise _Timeout
    except _Timeout:
        truncated, reason = True, f"time_limit ({time_limit:g} s) reached"
    matches = [_describe(g, nodes, graph if isinstance(graph, MapperGraph) else None) for nodes in found]
    matches.sort(key=lambda m: (-m["n_members"], -(m["stability"] or 0.0), m["nodes"]))
    return MotifResult(name, matches, truncated, reason, time.monotonic() - start)


def _occurrences(g: nx.Graph, q: MotifQuery, deadline: float):
    if q.kind == "cycle" and q.at_least:
        for cyc in nx.minimum_cycle_basis(g):
            if time.monotonic() > deadline:
                raise _Timeout
            if len(cyc) >= q.k:
                yield _cycle_order(g, cyc)
        return
    if q.kind == "branch":
        yield from _branch_points(g, q.k, deadline)
        return
    if q.kind == "flare":
        yield from _flares(g, q.k, deadline)
        return
    if q.kind == "cycle":
        pattern, induced, match = nx.cycle_graph(q.k), True, None
    elif q.kind == "path":
        pattern, induced, match = nx.path_graph(q.k), True, None
    else:
        pattern, induced = q.pattern, q.induced
        match = lambda a, b: _node_ok(a, b)  # noqa: E731
    matcher = _TimedMatcher(g, pattern, deadline, node_match=match)
    it = matcher.subgraph_isomorphisms_iter() if induced else matcher.subgraph_monomorphisms_iter()
    for mapping in it:
        inv = {v: k for k, v in mapping.items()}
        yield [inv[p] for p in pattern.nodes]


def _cycle_order(g: nx.Graph, nodes) -> list:
    sub = g.subgraph(nodes)
    try:
        return [u for u, _ in nx.find_cycle(sub)]
    except nx.NetworkXNoCycle:
        return list(nodes)


def _branch_points(g: nx.Graph, arms_needed: int, deadline: float):
    scored = []
    for v in g.nodes:
        if time.monotonic() > deadline:
            raise _Timeout
        if g.degree(v) < arms_needed:
            continue
        ball = set(g[v]) | {v}
        rest = g.subgraph(n for n in g.nodes if n not in ball)
        arms = [c for c in nx.connected_components(rest) if len(c) >= 2 and any(b in ball for a in c for b in g[a])]
        if len(arms) >= arms_needed:
            # each arm is shown by its (up to 3) nodes touching the core
            reach = [sorted((n for n in c if any(b in ball for b in g[n])), key=str)[:3] for c in arms]
            scored.append((len(arms), v, ball, reach))
    scored.sort(key=lambda t: (-t[0], -g.degree(t[1])))
    used: set = set()
    for _, v, ball, reach in scored:  # one match per junction: skip cores overlapping a stronger one
        if ball & used:
            continue
        used |= ball
        yield [v] + sorted(ball - {v}) + [n for arm in reach for n in arm if n not in ball]


def _flares(g: nx.Graph, min_len: int, deadline: float):
    for leaf in sorted((n for n in g.nodes if g.degree(n) == 1), key=str):
        if time.monotonic() > deadline:
            raise _Timeout
        arm, prev, cur = [leaf], None, leaf
        while True:
            nxt = [n for n in g[cur] if n != prev]
            if len(nxt) != 1:
                break
            prev, cur = cur, nxt[0]
            if g.degree(cur) >= 3:
                if len(arm) >= min_len:
                    yield [cur] + arm[::-1]  # attachment first, then out to the leaf
                break
            arm.append(cur)
            if len(arm) > g.number_of_nodes():
                break


def _describe(g: nx.Graph, nodes, graph: MapperGraph | None) -> dict[str, Any]:
    nodes = list(nodes)
    stab: list[float] = [g.nodes[n]["stability"] for n in nodes if g.nodes[n].get("stability") is not None]
    members: set[int] = set()
    if graph is not None:
        for n in nodes:
            members.update(graph.node(n).members.tolist())
    return {
        "nodes": nodes,
        "edges": [[a, b] for a, b in g.subgraph(nodes).edges],
        "n_members": len(members) if graph is not None else int(sum(g.nodes[n].get("size", 0) for n in nodes)),
        "stability": float(np.mean(stab)) if stab else None,
        "_members": sorted(members),
    }


# -- across graphs -------------------------------------------------------------------------------------------------
def search_motifs(
    graphs: Sequence[MapperGraph],
    names: Sequence[str] | None = None,
    *,
    pattern: str | dict | MotifQuery,
    where: str | None = None,
    labels: pd.DataFrame | None = None,
    max_matches: int = 200,
    time_limit: float = 5.0,
    cross_check: int = 20,
) -> dict[str, Any]:
    """Search every graph for a motif (optionally only among nodes where the ``where`` stimuli are enriched) and
    check, for the ``cross_check`` best matches of each graph, whether the same stimuli form the motif elsewhere.

    ``time_limit`` bounds the whole query (split over the graphs and the cross checks).
    """
    names = list(names) if names is not None else [f"G{i + 1}" for i in range(len(graphs))]
    query = pattern if isinstance(pattern, MotifQuery) else parse_motif(pattern)
    frame = labels if labels is not None else next((g.labels for g in graphs if g.labels is not None), None)
    start = time.monotonic()
    per_graph_time = time_limit * 0.7 / max(len(graphs), 1)
    views = [motif_graph(g, frame) for g in graphs]
    footprint = None
    if where:
        footprint = concept_footprint(graphs, names, where, labels=frame)
        views = [v.subgraph(fp["nodes"]).copy() for v, fp in zip(views, footprint["graphs"])]
    results = []
    for g, v, name in zip(graphs, views, names):
        res = find_motifs(v, query, max_matches=max_matches, time_limit=per_graph_time, name=name)
        for m in res.matches:  # members as stimulus ids, for the cross check
            members = set()
            for n in m["nodes"]:
                members.update(g.node(n).members.tolist())
            m["n_members"] = len(members)
            m["_stimuli"] = set(np.asarray(g.stimulus_ids, dtype=str)[sorted(members)].tolist())
        res.matches.sort(key=lambda m: (-m["n_members"], -(m["stability"] or 0.0), m["nodes"]))
        results.append(res)
    remaining = max(time_limit - (time.monotonic() - start), 0.05)
    checks = sum(min(cross_check, len(r.matches)) for r in results) * max(len(graphs) - 1, 1)
    budget = remaining / max(checks, 1)
    for gi, res in enumerate(results):
        for m in res.matches:
            m.pop("_members", None)
            stim = m.pop("_stimuli")
            if res.matches.index(m) >= cross_check:
                continue
            m["in_other_graphs"] = [
                _cross_check(graphs[h], views[h], names[h], stim, query, budget) for h in range(len(graphs)) if h != gi
            ]
    out: dict[str, Any] = {
        "pattern": query.describe(),
        "where": where,
        "time_limit": time_limit,
        "max_matches": max_matches,
        "elapsed_s": round(time.monotonic() - start, 4),
        "graphs": [r.to_json() for r in results],
    }
    if footprint is not None:
        out["footprint"] = footprint
    return out


def _cross_check(
    graph: MapperGraph, view: nx.Graph, name: str, stimuli: set[str], query: MotifQuery, budget: float
) -> dict[str, Any]:
    sids = np.asarray(graph.stimulus_ids, dtype=str)
    inside = []
    covered: set[str] = set()
    for nd in graph.nodes:
        if nd.id not in view:
            continue
        mem = sids[nd.members]
        hit = np.fromiter((s in stimuli for s in mem.tolist()), dtype=bool, count=len(mem))
        if len(mem) and hit.mean() >= 0.5:
            inside.append(nd.id)
            covered.update(mem[hit].tolist())
    relaxed = query
    if query.kind == "cycle":  # the same stimuli may loop through a different number of nodes
        relaxed = MotifQuery("cycle", k=min(query.k, 4), at_least=True)
    sub = view.subgraph(inside)
    res = find_motifs(sub, relaxed, max_matches=1, time_limit=max(budget, 0.01), name=name)
    return {
        "graph": name,
        "present": bool(res.matches),
        "nodes": inside,
        "coverage": len(covered) / max(len(stimuli), 1),
        "truncated": res.truncated and not res.matches,
    }


# -- concept motifs ------------------------------------------------------------------------------------------------
def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH-adjusted p-values (q-values)."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out


def concept_footprint(
    graphs: Sequence[MapperGraph],
    names: Sequence[str] | None,
    query: str,
    *,
    labels: pd.DataFrame | None = None,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """Footprint of the stimuli selected by a label query in each graph, and how its shape compares across graphs.

    Per graph: enriched nodes (hypergeometric upper tail of the node's share of selected stimuli, BH-corrected,
    q <= alpha), the induced subgraph's shape (nodes, edges, components, independent cycles, spread = mean hop
    distance between its nodes in the whole graph, share of the selection it covers). Across graphs: the Jaccard
    overlap of the covered stimuli and the differences in shape.
    """
    check_param("concept_footprint", "alpha", alpha, 0 < alpha < 1, "in (0, 1)")
    names = list(names) if names is not None else [f"G{i + 1}" for i in range(len(graphs))]
    frame = labels if labels is not None else next((g.labels for g in graphs if g.labels is not None), None)
    ids = shared_stimulus_ids(graphs)
    selected = set(select_stimuli(frame.reindex(pd.Index(ids)) if frame is not None else None, query).tolist())
    if not selected:
        raise InvalidParameterError(f"The label query {query!r} selects no shared stimulus.")
    shared = set(ids.tolist())
    per_graph: list[dict[str, Any]] = []
    covered_sets: list[set[str]] = []
    for g, name in zip(graphs, names):
        sids = np.asarray(g.stimulus_ids, dtype=str)
        rows = np.unique(np.concatenate([nd.members for nd in g.nodes])) if g.nodes else np.zeros(0, np.int64)
        population = [s for s in sids[rows].tolist() if s in shared]
        M, K = len(population), len(selected & set(population))
        stats = []
        for nd in g.nodes:
            mem = [s for s in sids[nd.members].tolist() if s in shared]
            hit = sum(s in selected for s in mem)
            p = float(hypergeom.sf(hit - 1, M, K, len(mem))) if mem and hit else 1.0
            stats.append((nd.id, len(mem), hit, p))
        q = benjamini_hochberg(np.array([s[3] for s in stats]))
        base = K / M if M else 0.0
        enriched = [(s, float(qq)) for s, qq in zip(stats, q) if qq <= alpha and s[1] and s[2] / s[1] > base]
        nodes = [s[0][0] for s in enriched]
        covered: set[str] = set()
        for nid in nodes:
            covered.update(s for s in sids[g.node(nid).members].tolist() if s in selected)
        covered_sets.append(covered)
        whole: nx.Graph[str] = nx.Graph()
        whole.add_nodes_from(nd.id for nd in g.nodes)
        whole.add_edges_from((e.source, e.target) for e in g.edges)
        per_graph.append(
            {
                "graph": name,
                "nodes": nodes,
                "n_selected": K,
                "population": M,
                "enrichment": [
                    {
                        "node": s[0],
                        "size": s[1],
                        "selected": s[2],
                        "fold": (s[2] / s[1]) / base if base and s[1] else None,
                        "p_value": s[3],
                        "q_value": qv,
                    }
                    for s, qv in enriched
                ],
                "shape": _shape(whole, nodes, len(covered), K),
            }
        )
    pairs = []
    for (i, a), (j, b) in combinations(enumerate(covered_sets), 2):
        union = a | b
        sa, sb = per_graph[i]["shape"], per_graph[j]["shape"]
        pairs.append(
            {
                "a": names[i],
                "b": names[j],
                "stimulus_jaccard": len(a & b) / len(union) if union else 0.0,
                "same_components": sa["components"] == sb["components"],
                "same_cycles": sa["cycles"] == sb["cycles"],
                "spread_difference": (
                    None if sa["spread"] is None or sb["spread"] is None else abs(sa["spread"] - sb["spread"])
                ),
            }
        )
    return {"query": query, "n_selected": len(selected), "alpha": alpha, "graphs": per_graph, "comparison": pairs}


def _shape(whole: nx.Graph, nodes: list[str], n_covered: int, n_selected: int) -> dict[str, Any]:
    sub = whole.subgraph(nodes)
    comps = nx.number_connected_components(sub) if nodes else 0
    spread = None
    if len(nodes) >= 2:
        dists: list[int] = []
        for a in nodes:
            lengths = nx.single_source_shortest_path_length(whole, a)
            dists.extend(lengths[b] for b in nodes if b != a and b in lengths)
        spread = float(np.mean(dists)) if dists else None
    return {
        "nodes": len(nodes),
        "edges": sub.number_of_edges(),
        "components": comps,
        "cycles": sub.number_of_edges() - len(nodes) + comps if nodes else 0,
        "spread": spread,
        "coverage": n_covered / n_selected if n_selected else 0.0,
    }
