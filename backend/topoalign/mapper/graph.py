"""MapperGraph: nodes are clusters of stimuli, edges join nodes that share stimuli.

One serializer (``to_json``/``from_json``) is the graph's wire format for the API, the CLI and the frontend::

    {"format": "topoalign.mapper_graph/1", "representation_id": str|null, "params": {...},
     "n_stimuli": n, "stimulus_ids": [str, ...],
     "nodes": [{"id": "n0", "members": [row, ...], "size": k, "cover_element": [i, ...], "lens_mean": [float, ...],
                "labels": {column: {"counts": {value: count}, "dominant": value, "purity": float}} |
                          {column: {"mean": float}},
                "stability": float|null}],
     "edges": [{"source": "n0", "target": "n1", "shared": int, "jaccard": float, "stability": float|null}],
     "n_covered": int, "coverage": float,          # stimuli in at least one node, and their share
     "topology": {"b0": int, "b1": int|null, "n_resamples": int,
                  "components": [{"id": "c0", "nodes": [node id, ...], "n_stimuli": int, "confidence": float|null}],
                  "loops": [{"id": "l0", "nodes": [node id, ... (a cycle)], "confidence": float|null}]},
     "stimulus_labels": {column: [value per stimulus, aligned with stimulus_ids; null = missing]}}

``topology`` counts components (b0) and independent loops (b1, triangles filled) with a representative cycle per
loop; its confidences are the share of resampled graphs in which each persists (``mapper.confidence``), null where
the graph was not resampled.

``stimulus_labels`` is optional (``to_json(stimulus_labels=True)``; ``topoalign mapper -o`` writes it) so that a graph
file alone can answer label queries; ``from_json`` reads it back as the graph's label frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from topoalign.mapper.labels import MANY_VALUES, categorical_summary, label_key, labels_from_json, labels_to_json

if TYPE_CHECKING:  # imported where used: networkx and pandas cost ~0.3 s of every command-line start
    import networkx as nx
    import pandas as pd

GRAPH_FORMAT = "topoalign.mapper_graph/1"


@dataclass
class MapperNode:
    id: str
    members: np.ndarray  # sorted int64 row indices into the representation
    cover_element: tuple[int, ...]
    lens_mean: tuple[float, ...]
    stability: float | None = None

    @property
    def size(self) -> int:
        return int(len(self.members))


@dataclass
class MapperEdge:
    source: str
    target: str
    shared: int
    jaccard: float
    stability: float | None = None


@dataclass
class MapperGraph:
    """A Mapper graph over the rows of one representation.

    Attributes
    ----------
    nodes, edges : lists in a deterministic order (nodes by cover element then cluster, edges by (source, target))
    stimulus_ids : (n_stimuli,) row index -> stimulus id; members are row indices into it
    labels : row-aligned label frame (index = stimulus ids) or None
    params : the lens / cover / clusterer parameters that made the graph
    """

    nodes: list[MapperNode]
    edges: list[MapperEdge]
    stimulus_ids: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    labels: pd.DataFrame | None = None
    representation_id: str | None = None
    topology: dict[str, Any] | None = None  # ``confidence.topology_summary``; computed on demand when None

    # -- queries ----------------------------------------------------------------------------------------------
    @property
    def n_stimuli(self) -> int:
        return int(len(self.stimulus_ids))

    def node(self, node_id: str) -> MapperNode:
        return self._index()[node_id]

    def _index(self) -> dict[str, MapperNode]:
        idx = getattr(self, "_node_index", None)
        if idx is None or len(idx) != len(self.nodes):
            idx = {n.id: n for n in self.nodes}
            object.__setattr__(self, "_node_index", idx)
        return idx

    def node_stimuli(self, node_id: str) -> np.ndarray:
        ids: np.ndarray = self.stimulus_ids[self.node(node_id).members]
        return ids

    def member_sets(self) -> set[frozenset[int]]:
        """Distinct member sets: the object Mapper parity is judged on."""
        return {frozenset(n.members.tolist()) for n in self.nodes}

    def covered_rows(self) -> np.ndarray:
        if not self.nodes:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate([n.members for n in self.nodes]))

    def label_summary(self, node: MapperNode) -> dict[str, dict[str, Any]]:
        """Per label column: counts, dominant value and purity (categorical; ``mapper.labels.categorical_summary``,
        whose tie rule picks the smallest of equally frequent keys) or the mean (numeric, more than 20 distinct values
        in the node). Counts are keyed by ``mapper.labels.label_key``, in order of first appearance."""
        out: dict[str, dict[str, Any]] = {}
        for col, codes, keys, numeric in self._label_codes():
            c = codes[node.members]
            c = c[c >= 0]
            if numeric is not None and len(np.unique(c)) > MANY_VALUES:
                out[col] = {"mean": float(numeric[node.members][codes[node.members] >= 0].sum() / len(c))}
                continue
            if len(c) == 0:
                out[col] = categorical_summary({}, 0)
                continue
            k = keys.ids[c]
            first = np.unique(k, return_index=True)[1]
            order = k[np.sort(first)]
            tally = np.bincount(k, minlength=len(keys.names))
            out[col] = categorical_summary({keys.names[i]: int(tally[i]) for i in order}, len(c))
        return out

    def label_summaries(self) -> list[dict[str, dict[str, Any]]]:
        """``label_summary`` of every node, one pass per column over all nodes' members (~1 ms instead of ~10 ms
        for 260 nodes of 10,000 stimuli, on every graph build); the per-node method is its reference in tests."""
        n_nodes = len(self.nodes)
        out: list[dict[str, dict[str, Any]]] = [{} for _ in range(n_nodes)]
        columns = self._label_codes()
        if not columns or not n_nodes:
            return out
        sizes = np.fromiter((len(n.members) for n in self.nodes), dtype=np.int64, count=n_nodes)
        members = np.concatenate([n.members for n in self.nodes]).astype(np.int64, copy=False)
        owner = np.repeat(np.arange(n_nodes, dtype=np.int64), sizes)
        for col, codes, keys, numeric in columns:
            c = codes[members]
            valid = c >= 0
            vo, vc = owner[valid], c[valid]
            n_valid = np.bincount(vo, minlength=n_nodes)
            many = np.zeros(n_nodes, dtype=bool)
            if numeric is not None:  # more than 20 distinct values in a node: its mean instead of counts
                n_codes = max(len(keys.ids), 1)
                distinct = np.bincount(np.unique(vo * n_codes + vc) // n_codes, minlength=n_nodes)
                many = distinct > MANY_VALUES
            n_keys = max(len(keys.names), 1)
            pair = vo * n_keys + keys.ids[vc]
            # (node, key) pairs with their count and first position, in node order then order of first appearance
            uniq, first, count = np.unique(pair, return_index=True, return_counts=True)
            order = np.lexsort((first, uniq // n_keys))
            uniq, count = uniq[order], count[order]
            bounds = np.searchsorted(uniq // n_keys, np.arange(n_nodes + 1))
            names = keys.names
            for i, node in enumerate(self.nodes):
                if numeric is not None and many[i]:  # (many is set for numeric columns only)
                    m = node.members
                    out[i][col] = {"mean": float(numeric[m][codes[m] >= 0].sum() / n_valid[i])}
                elif n_valid[i] == 0:
                    out[i][col] = categorical_summary({}, 0)
                else:
                    lo, hi = bounds[i], bounds[i + 1]
                    counts = {names[k]: int(t) for k, t in zip((uniq[lo:hi] % n_keys).tolist(), count[lo:hi].tolist())}
                    out[i][col] = categorical_summary(counts, int(n_valid[i]))
        return out

    def _label_codes(self) -> list[tuple[str, np.ndarray, "_LabelKeys", np.ndarray | None]]:
        """Per label column, once per label frame: row codes (-1 missing), the text key of each code, and the values
        as float64 for a numeric column (its mean is taken over a node when the node holds many distinct values)."""
        if self.labels is None or self.labels.shape[1] == 0:
            return []
        cached = getattr(self, "_label_code_cache", None)
        if cached is not None and cached[0] is self.labels:
            remembered: list[tuple[str, np.ndarray, _LabelKeys, np.ndarray | None]] = cached[1]
            return remembered
        import pandas as pd

        out = []
        for col in self.labels.columns:
            values = self.labels[col]
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            names: list[str] = []
            ids = np.empty(len(uniques), dtype=np.int64)
            where: dict[str, int] = {}
            for i, v in enumerate(uniques):  # distinct values can share a text key (1 and 1.0): counted together
                ids[i] = where.setdefault(label_key(v), len(names))
                if ids[i] == len(names):
                    names.append(label_key(v))
            numeric = (
                values.to_numpy(dtype=np.float64, na_value=np.nan) if pd.api.types.is_numeric_dtype(values) else None
            )
            out.append((str(col), np.asarray(codes, dtype=np.int64), _LabelKeys(ids, names), numeric))
        object.__setattr__(self, "_label_code_cache", (self.labels, out))
        return out

    # -- exports ----------------------------------------------------------------------------------------------
    def to_networkx(self) -> nx.Graph[str]:
        import networkx as nx

        g: nx.Graph[str] = nx.Graph()
        g.graph.update({k: v for k, v in self.params.items() if isinstance(v, (str, int, float))})
        for n in self.nodes:
            g.add_node(
                n.id,
                members=n.members.tolist(),
                size=n.size,
                cover_element=list(n.cover_element),
                lens_mean=list(n.lens_mean),
                stability=n.stability,
            )
        for e in self.edges:
            g.add_edge(e.source, e.target, shared=e.shared, jaccard=e.jaccard, stability=e.stability)
        return g

    def to_graphml(self, path: str | os.PathLike[str]) -> None:
        """GraphML with scalar attributes (members as a space-separated string; GraphML has no lists)."""
        import networkx as nx

        g: nx.Graph[str] = nx.Graph()
        for n in self.nodes:
            attrs = {
                "size": n.size,
                "members": " ".join(map(str, n.members.tolist())),
                "cover_element": " ".join(map(str, n.cover_element)),
                "lens_mean": " ".join(f"{v:.6g}" for v in n.lens_mean),
            }
            if n.stability is not None:
                attrs["stability"] = float(n.stability)
            for col, summ in self.label_summary(n).items():
                if summ.get("dominant") is not None:
                    attrs[f"dominant_{col}"] = str(summ["dominant"])
                    attrs[f"purity_{col}"] = float(summ["purity"])
            g.add_node(n.id, **attrs)
        for e in self.edges:
            g.add_edge(e.source, e.target, shared=int(e.shared), jaccard=float(e.jaccard))
        nx.write_graphml(g, path)

    def to_json(self, *, include_labels: bool = True, stimulus_labels: bool = False) -> dict[str, Any]:
        """The wire format (module docstring); ``stimulus_labels`` also writes the label columns per stimulus."""
        summaries = self.label_summaries() if include_labels else [{} for _ in self.nodes]
        payload = {
            "format": GRAPH_FORMAT,
            "representation_id": self.representation_id,
            "params": self.params,
            "n_stimuli": self.n_stimuli,
            "stimulus_ids": self.stimulus_ids.tolist(),
            "nodes": [
                {
                    "id": n.id,
                    "members": n.members.tolist(),
                    "size": n.size,
                    "cover_element": list(n.cover_element),
                    "lens_mean": [float(v) for v in n.lens_mean],
                    "labels": summary,
                    "stability": n.stability,
                }
                for n, summary in zip(self.nodes, summaries)
            ],
            "edges": [
                {
                    "source": e.source,
                    "target": e.target,
                    "shared": int(e.shared),
                    "jaccard": float(e.jaccard),
                    "stability": e.stability,
                }
                for e in self.edges
            ],
        }
        payload["n_covered"], payload["coverage"] = self.coverage()
        payload["topology"] = self.topology_summary()
        if stimulus_labels and self.labels is not None and self.labels.shape[1]:
            payload["stimulus_labels"] = labels_to_json(self.labels, self.stimulus_ids)
        return payload

    def coverage(self) -> tuple[int, float]:
        """(stimuli in at least one node, their share of all stimuli)."""
        covered = len(self.covered_rows())
        return covered, covered / max(self.n_stimuli, 1)

    def topology_summary(self) -> dict[str, Any]:
        """Components and loops (``mapper.confidence.topology_summary``), computed once when not set."""
        if self.topology is None:
            from topoalign.mapper.confidence import topology_summary

            self.topology = topology_summary(self)
        return self.topology

    @classmethod
    def from_json(cls, payload: dict[str, Any], labels: pd.DataFrame | None = None) -> "MapperGraph":
        from topoalign.errors import InvalidInputError

        if not isinstance(payload, dict) or "nodes" not in payload or "stimulus_ids" not in payload:
            raise InvalidInputError("Not a TopoAlign Mapper graph: expected keys 'nodes', 'edges', 'stimulus_ids'.")
        nodes = [
            MapperNode(
                id=str(n["id"]),
                members=np.asarray(sorted(n["members"]), dtype=np.int64),
                cover_element=tuple(n.get("cover_element", ())),
                lens_mean=tuple(n.get("lens_mean", ())),
                stability=n.get("stability"),
            )
            for n in payload["nodes"]
        ]
        edges = [
            MapperEdge(
                str(e["source"]),
                str(e["target"]),
                int(e.get("shared", 0)),
                float(e.get("jaccard", 0.0)),
                e.get("stability"),
            )
            for e in payload.get("edges", [])
        ]
        stimulus_ids = np.asarray(payload["stimulus_ids"], dtype=str)
        if labels is None and payload.get("stimulus_labels"):
            labels = labels_from_json(payload["stimulus_labels"], stimulus_ids)
        return cls(
            nodes=nodes,
            edges=edges,
            stimulus_ids=stimulus_ids,
            params=payload.get("params", {}),
            labels=labels,
            representation_id=payload.get("representation_id"),
            topology=payload.get("topology") if isinstance(payload.get("topology"), dict) else None,
        )


def edges_from_members(nodes: Iterable[MapperNode]) -> list[MapperEdge]:
    """Edges between nodes sharing members, via a member -> nodes inverted index (no all-pairs test), ordered by
    (source, target) position.

    The (row, node) memberships sorted by row put the nodes holding a row next to each other; pairing entries
    ``o`` places apart (o = 1, 2, ... while any row still has o + 1 nodes) lists each pair of nodes once per shared
    row, in time proportional to the sum over rows of (nodes holding the row)^2, as the sparse product A A^T of the
    membership matrix would (the reference in tests), without importing scipy.sparse on every build.
    """
    nodes = list(nodes)
    if not nodes:
        return []
    sizes = np.array([n.size for n in nodes], dtype=np.int64)
    member = np.concatenate([n.members for n in nodes]).astype(np.int64)
    node_of = np.repeat(np.arange(len(nodes), dtype=np.int64), sizes)
    order = np.lexsort((node_of, member))  # by row, then node: within a row, nodes ascend
    member, node_of = member[order], node_of[order]
    keys = []
    for o in range(1, len(member)):
        same = member[o:] == member[:-o]
        if not same.any():
            break
        same &= node_of[o:] != node_of[:-o]  # a node listing a row twice shares nothing with itself
        keys.append(node_of[:-o][same] * len(nodes) + node_of[o:][same])
    pair, k = np.unique(np.concatenate(keys) if keys else np.zeros(0, np.int64), return_counts=True)
    a, b = np.divmod(pair, len(nodes))
    jac = k / (sizes[a] + sizes[b] - k)
    ids = [n.id for n in nodes]
    return [
        MapperEdge(ids[i], ids[j], int(c), float(w))
        for i, j, c, w in zip(a.tolist(), b.tolist(), k.tolist(), jac.tolist())
    ]


@dataclass
class _LabelKeys:
    ids: np.ndarray  # (n_codes,) code -> index into names
    names: list[str]  # the distinct text keys
