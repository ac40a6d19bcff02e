"""Matching regions: groups of nodes, one connected group per graph, whose member unions overlap strongly.

Detection (k graphs, stimuli matched by id):

1. the correspondence graph: one vertex per node of every graph; between graphs an edge where two nodes share
   clearly more members than chance (Jaccard >= ``min_jaccard`` and lift = shared / expected-by-chance high enough),
   weighted by Jaccard; with ``method='louvain'`` also the graphs' own edges (weight ``intra_weight`` x edge Jaccard);
2. its communities (networkx Louvain, seeded) or, with ``method='components'``, its connected components;
3. refinement: a group whose nodes in some graph are not connected there is split around that graph's components
   (nodes of the other graphs go to the component they share most members with), until every part is connected;
4. each region spanning >= 2 graphs gets a score (Jaccard of the member unions), dominant labels and a p-value
   against a shuffled-stimuli baseline: the stimulus ids of every graph but the first are permuted, detection is
   rerun, and the p-value counts permutations that produce a region at least half as large scoring as high
   (``n_null`` = 100 permutations by default: p resolves down to 1/101);
5. regions are ranked by their strength, the shared structure they carry: score x stimuli common to every graph
   reached x sqrt(mean nodes per graph).

``coverage`` is the share of the placed stimuli (members of some node in at least one graph) inside a region, each
weighted by the best score of a region holding it. Stimuli that no graph puts in a node (DBSCAN noise, gaps of the
cover) say nothing about whether the graphs agree, so they are left out: identical graphs have coverage 1, however
many stimuli their clusterer drops; a stimulus placed by one graph only still counts (against the match).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from topoalign.errors import check_param
from topoalign.progress import Progress, scaled
from topoalign.mapper.graph import MapperGraph
from topoalign.topo.correspondence import CorrespondenceSet
from topoalign.mapper.labels import label_summary

METHODS = ("louvain", "components")


@dataclass
class Region:
    """One matching region. ``nodes`` maps graph name -> node ids (connected in that graph)."""

    id: str
    nodes: dict[str, list[str]]
    stimuli: list[str]
    score: float
    n_stimuli: int
    n_common: int
    p_value: float | None = None
    significant: bool | None = None
    dominant_labels: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def strength(self) -> float:
        """How much shared structure the region carries: its Jaccard score x the stimuli common to every graph it
        reaches x the square root of its mean node count per graph (a connected group of nodes matching is more
        shape than one node matching one node)."""
        per_graph = [len(v) for v in self.nodes.values()]
        return float(self.score * self.n_common * np.sqrt(np.mean(per_graph))) if per_graph else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "graphs": list(self.nodes),
            "nodes": self.nodes,
            "stimuli": self.stimuli,
            "score": self.score,
            "strength": round(self.strength, 6),
            "n_stimuli": self.n_stimuli,
            "n_common": self.n_common,
            "p_value": self.p_value,
            "significant": self.significant,
            "dominant_labels": self.dominant_labels,
        }


@dataclass
class RegionResult:
    regions: list[Region]
    names: list[str]
    n_shared: int
    coverage: float  # share of the placed stimuli (in a node of some graph) inside a region, weighted by its score
    params: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "graphs": self.names,
            "n_shared": self.n_shared,
            "coverage": self.coverage,
            "params": self.params,
            "regions": [r.to_json() for r in self.regions],
        }


# -- detection on incidence matrices (reused by the null) ----------------------------------------------------------
@dataclass
class _Detector:
    adjacency: list[nx.Graph]  # per graph, over node indices
    edge_jaccard: list[np.ndarray]  # per graph, (n_edges, 3): i, j, jaccard
    method: str
    min_jaccard: float
    min_lift: float
    intra_weight: float
    resolution: float
    seed: int

    def detect(self, incidences: list[sp.csr_matrix]) -> list[list[np.ndarray]]:
        """Regions as per-graph arrays of node indices (empty where a region does not reach a graph)."""
        k = len(incidences)
        sizes = [np.asarray(inc.sum(axis=0)).ravel() for inc in incidences]
        offsets = np.cumsum([0] + [len(s) for s in sizes])
        n = incidences[0].shape[0]
        cg: nx.Graph[int] = nx.Graph()
        cg.add_nodes_from(range(int(offsets[-1])))
        for g in range(k):
            for h in range(g + 1, k):
                shared = (incidences[g].T @ incidences[h]).tocoo()
                sa, sb = sizes[g][shared.row], sizes[h][shared.col]
                jac = shared.data / (sa + sb - shared.data)
                lift = shared.data * n / np.maximum(sa * sb, 1e-12)
                # halfway between chance (1) and the largest lift these sizes allow, capped at min_lift
                need = np.minimum(self.min_lift, 0.5 * (1.0 + n / np.maximum(np.maximum(sa, sb), 1.0)))
                keep = (jac >= self.min_jaccard) & (lift >= need)
                cg.add_weighted_edges_from(
                    zip(
                        (shared.row[keep] + offsets[g]).tolist(),
                        (shared.col[keep] + offsets[h]).tolist(),
                        jac[keep].tolist(),
                    )
                )
        if self.method == "louvain":
            inter: nx.Graph[int] = nx.Graph(cg)
            for g in range(k):
                ej = self.edge_jaccard[g]
                if len(ej):
                    cg.add_weighted_edges_from(
                        zip(
                            (ej[:, 0].astype(int) + offsets[g]).tolist(),
                            (ej[:, 1].astype(int) + offsets[g]).tolist(),
                            (self.intra_weight * ej[:, 2]).tolist(),
                        )
                    )
            groups = nx.community.louvain_communities(cg, weight="weight", resolution=self.resolution, seed=self.seed)
            # a community only matters where it holds a correspondence edge
            groups = [c for c in groups if inter.subgraph(c).number_of_edges() > 0]
        else:
            groups = [c for c in nx.connected_components(cg) if len(c) > 1]
        regions = []
        for group in sorted(groups, key=lambda c: min(c)):
            idx = np.fromiter(sorted(group), dtype=np.int64)
            parts = [idx[(idx >= offsets[g]) & (idx < offsets[g + 1])] - offsets[g] for g in range(k)]
            regions.extend(self._refine(parts, incidences, depth=0))
        return [p for p in regions if sum(len(x) > 0 for x in p) >= 2]

    def _refine(self, parts: list[np.ndarray], incidences, depth: int) -> list[list[np.ndarray]]:
        comps = [
            [
                np.fromiter(sorted(c), dtype=np.int64)
                for c in nx.connected_components(self.adjacency[g].subgraph(p.tolist()))
            ]
            if len(p)
            else []
            for g, p in enumerate(parts)
        ]
        worst = int(np.argmax([len(c) for c in comps]))
        if len(comps[worst]) <= 1 or depth >= 6:
            return [parts]
        seeds = comps[worst]
        seed_cover = [_union_rows(incidences[worst], s) for s in seeds]
        new_parts = [[np.zeros(0, np.int64) for _ in parts] for _ in seeds]
        for s, nodes in enumerate(seeds):
            new_parts[s][worst] = nodes
        for g, p in enumerate(parts):
            if g == worst or len(p) == 0:
                continue
            cols = incidences[g][:, p]  # stimuli x nodes of this part
            share = np.vstack([np.asarray(cols.T @ cover).ravel() for cover in seed_cover])  # seeds x nodes
            best = np.argmax(share, axis=0)
            has = share.max(axis=0) > 0
            for s in range(len(seeds)):
                new_parts[s][g] = p[(best == s) & has]
        out = []
        for np_ in new_parts:
            out.extend(self._refine(np_, incidences, depth + 1))
        return out


def _union_rows(inc: sp.csr_matrix, nodes: np.ndarray) -> np.ndarray:
    if len(nodes) == 0:
        return np.zeros(inc.shape[0])
    return (np.asarray(inc[:, nodes].sum(axis=1)).ravel() > 0).astype(np.float64)


def _score(parts: list[np.ndarray], incidences) -> tuple[float, np.ndarray, int]:
    """Jaccard of the member unions of the graphs a region reaches, the union mask, and the common count."""
    unions = [_union_rows(incidences[g], p) > 0 for g, p in enumerate(parts) if len(p)]
    inter = np.logical_and.reduce(unions)
    union = np.logical_or.reduce(unions)
    total = int(union.sum())
    return (float(inter.sum() / total) if total else 0.0), union, int(inter.sum())


# -- the public entry point ----------------------------------------------------------------------------------------
def find_regions(
    graphs: Sequence[MapperGraph] | CorrespondenceSet,
    names: Sequence[str] | None = None,
    *,
    method: str = "louvain",
    min_jaccard: float = 0.1,
    min_lift: float = 2.0,
    intra_weight: float = 0.5,
    resolution: float = 1.0,
    min_stimuli: int = 3,
    n_null: int = 100,
    alpha: float = 0.05,
    labels: pd.DataFrame | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
) -> RegionResult:
    """Matching regions of k >= 2 graphs, strongest first.

    Parameters
    ----------
    graphs : the graphs (or a ``CorrespondenceSet`` over them); stimuli are matched by id
    method : 'louvain' (communities, finer regions) or 'components' (connected components of the thresholded
        correspondence graph, coarse regions)
    n_null : shuffled-stimuli repetitions for the p-values (0 skips significance); the smallest p-value is
        1 / (n_null + 1), so the default 100 resolves p below 0.01
    labels : label frame indexed by stimulus id (default: the first graph carrying labels)

    Returns
    -------
    RegionResult whose regions are ranked by ``Region.strength`` (shared structure), then score, then size.
    """
    corr = graphs if isinstance(graphs, CorrespondenceSet) else CorrespondenceSet(graphs, names)
    check_param("find_regions", "method", method, method in METHODS, f"one of {list(METHODS)}")
    check_param("find_regions", "min_jaccard", min_jaccard, 0 <= min_jaccard <= 1, "in [0, 1]")
    check_param("find_regions", "min_lift", min_lift, min_lift >= 1, "a float >= 1")
    check_param("find_regions", "intra_weight", intra_weight, intra_weight >= 0, "a float >= 0")
    check_param("find_regions", "resolution", resolution, resolution > 0, "a float > 0")
    check_param(
        "find_regions", "min_stimuli", min_stimuli, isinstance(min_stimuli, int) and min_stimuli >= 1, "an int >= 1"
    )
    check_param(
        "find_regions", "n_null", n_null, isinstance(n_null, int) and 0 <= n_null <= 10000, "an int in [0, 10000]"
    )
    check_param("find_regions", "alpha", alpha, 0 < alpha < 1, "in (0, 1)")
    from topoalign import limits

    limits.check(
        f"The regions' null model ({n_null} shuffles x {sum(len(g.nodes) for g in corr.graphs)} nodes)",
        float(n_null) * sum(len(g.nodes) for g in corr.graphs),
        "max_null_work",
        hint="Use fewer shuffles (n_null).",
    )
    params = {
        "method": method,
        "min_jaccard": min_jaccard,
        "min_lift": min_lift,
        "intra_weight": intra_weight,
        "resolution": resolution,
        "min_stimuli": min_stimuli,
        "n_null": n_null,
        "alpha": alpha,
        "random_state": random_state,
    }
    graphs_, k = corr.graphs, len(corr.graphs)
    detector = _Detector(
        adjacency=[_adjacency(g) for g in graphs_],
        edge_jaccard=[_edge_jaccard(g) for g in graphs_],
        method=method,
        min_jaccard=min_jaccard,
        min_lift=min_lift,
        intra_weight=intra_weight,
        resolution=resolution,
        seed=random_state,
    )
    incidences = [corr.incidence(g) for g in range(k)]
    found = []
    for parts in detector.detect(incidences):
        score, union, common = _score(parts, incidences)
        if union.sum() >= min_stimuli:
            found.append((parts, score, union, common))
    report = scaled(progress, 0.1, 1.0)
    if progress is not None:
        progress(0.1, f"{len(found)} regions; shuffled-stimuli baseline")
    null_best = _null_regions(detector, incidences, n_null, random_state, min_stimuli, report)
    frame = labels if labels is not None else next((g.labels for g in graphs_ if g.labels is not None), None)
    regions = []
    for parts, score, union, common in found:
        size = int(union.sum())
        p_value = significant = None
        if n_null:
            hits = sum(any(s >= score - 1e-12 and n >= size / 2 for s, n in perm) for perm in null_best)
            p_value = (1 + hits) / (1 + n_null)
            significant = bool(p_value <= alpha)
        stim = corr.stimulus_ids[union]
        regions.append(
            Region(
                id="",
                nodes={corr.names[g]: [graphs_[g].nodes[i].id for i in p] for g, p in enumerate(parts) if len(p)},
                stimuli=stim.tolist(),
                score=score,
                n_stimuli=size,
                n_common=common,
                p_value=p_value,
                significant=significant,
                dominant_labels=label_summary(frame, stim),
            )
        )
    regions.sort(key=lambda r: (-r.strength, -r.score, -r.n_stimuli, sorted(r.nodes.items())))
    for i, r in enumerate(regions):
        r.id = f"r{i + 1}"
    if progress is not None:
        progress(1.0, f"{len(regions)} regions")
    return RegionResult(
        regions=regions, names=corr.names, n_shared=corr.n_shared, coverage=_coverage(found, incidences), params=params
    )


def _coverage(found, incidences) -> float:
    """Mean over the placed stimuli (in some node of some graph) of the best score of a region holding them."""
    placed = np.logical_or.reduce([np.asarray(inc.sum(axis=1)).ravel() > 0 for inc in incidences])
    weight = np.zeros(len(placed))
    for _, score, union, _ in found:
        weight = np.maximum(weight, union * score)
    return float(weight[placed].mean()) if placed.any() else 0.0


def _null_regions(
    detector: _Detector, incidences, n_null: int, random_state: int, min_stimuli: int, progress: Progress
) -> list[list[tuple[float, int]]]:
    """Per permutation: (score, size) of every region found with the stimuli of graphs 2..k shuffled."""
    rng = np.random.default_rng(random_state)
    out = []
    n = incidences[0].shape[0]
    for t in range(n_null):
        shuffled = [incidences[0]] + [inc[rng.permutation(n)] for inc in incidences[1:]]
        found = []
        for parts in detector.detect(shuffled):
            score, union, _ = _score(parts, shuffled)
            if union.sum() >= min_stimuli:
                found.append((score, int(union.sum())))
        out.append(found)
        progress((t + 1) / n_null, f"shuffled baseline {t + 1}/{n_null}")
    return out


def _adjacency(graph: MapperGraph) -> nx.Graph:
    index = {n.id: i for i, n in enumerate(graph.nodes)}
    g: nx.Graph[int] = nx.Graph()
    g.add_nodes_from(range(len(graph.nodes)))
    g.add_edges_from((index[e.source], index[e.target]) for e in graph.edges)
    return g


def _edge_jaccard(graph: MapperGraph) -> np.ndarray:
    index = {n.id: i for i, n in enumerate(graph.nodes)}
    return np.array([(index[e.source], index[e.target], e.jaccard) for e in graph.edges], dtype=float).reshape(-1, 3)
