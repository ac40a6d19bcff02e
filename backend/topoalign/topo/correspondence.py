"""Node correspondence between Mapper graphs over shared stimuli.

Graphs built from different representations index different row orders, so members are always mapped to stimulus
ids and matched by id (never by row). Three views of the correspondence of two graphs A and B:

- overlap matrices (sparse, nodes of A x nodes of B): shared members, Jaccard, containment both ways, from the
  stimulus x node incidence matrices (one sparse product, fast for thousands of nodes);
- an optimal-transport coupling of nodes (POT): node mass = member count (normalised), cost = 1 - Jaccard;
- the co-optimal-transport (COOT) comparison of the graphs as hypergraphs over the shared stimuli (points = stimuli,
  hyperedges = nodes; Redko et al. 2020, used for Mapper graphs by Chowdhury et al. / Li et al.). Since the stimuli
  are matched by id, the point coupling is anchored to the identity pairing and COOT reduces to an exact transport of
  hyperedges with cost = squared incidence difference; ``coot_distance(..., anchored=False)`` lets POT's
  ``ot.coot.co_optimal_transport`` also move the points (a label-free structural distance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Sequence

import numpy as np
import ot
import ot.coot
import scipy.sparse as sp

from topoalign.errors import InvalidInputError, check_param
from topoalign.progress import Progress
from topoalign.mapper.graph import MapperGraph

CORRESPONDENCE_VERSION = 1


# -- shared stimuli and incidence ----------------------------------------------------------------------------------
def shared_stimulus_ids(graphs: Sequence[MapperGraph]) -> np.ndarray:
    """Stimulus ids present in every graph, in the first graph's row order."""
    if not graphs:
        raise InvalidInputError("At least one graph is needed.")
    ids = np.asarray(graphs[0].stimulus_ids, dtype=str)
    keep = np.ones(len(ids), dtype=bool)
    for g in graphs[1:]:
        other = np.asarray(g.stimulus_ids, dtype=str)
        if not np.array_equal(other, ids):  # graphs of one collection have the same rows: nothing to match
            keep &= np.isin(ids, other)
    shared = ids[keep]
    if len(shared) == 0:
        raise InvalidInputError("The graphs share no stimulus ids: they cannot be compared.")
    return shared


def incidence_matrix(graph: MapperGraph, stimulus_ids: np.ndarray | None = None) -> sp.csr_matrix:
    """Stimulus x node incidence over ``stimulus_ids`` (default: the graph's own rows).

    Returns
    -------
    (n_stimuli x n_nodes) CSR float64 matrix of 0/1; stimuli of ``stimulus_ids`` missing from the graph give zero rows.
    """
    n_nodes = len(graph.nodes)
    if stimulus_ids is None:
        row_to_pos = np.arange(graph.n_stimuli)
        n = graph.n_stimuli
    else:
        stimulus_ids = np.asarray(stimulus_ids, dtype=str)
        n = len(stimulus_ids)
        own = np.asarray(graph.stimulus_ids, dtype=str)
        if np.array_equal(own, stimulus_ids):  # graphs of one collection: the same rows
            row_to_pos = np.arange(n)
        else:
            pos_of = {s: i for i, s in enumerate(stimulus_ids.tolist())}
            row_to_pos = np.fromiter((pos_of.get(s, -1) for s in own.tolist()), dtype=np.int64, count=graph.n_stimuli)
    if n_nodes == 0:
        return sp.csr_matrix((n, 0))
    members = [nd.members for nd in graph.nodes]
    rows = row_to_pos[np.concatenate(members)] if members else np.zeros(0, np.int64)
    cols = np.repeat(np.arange(n_nodes), [len(m) for m in members])
    keep = rows >= 0
    data = np.ones(int(keep.sum()))
    inc = sp.csr_matrix((data, (rows[keep], cols[keep])), shape=(n, n_nodes))
    inc.sum_duplicates()
    inc.data[:] = 1.0
    return inc


# -- overlap matrices ----------------------------------------------------------------------------------------------
@dataclass
class NodeOverlap:
    """Overlap of the nodes of A (rows) and B (columns), counted over the shared stimuli.

    Attributes
    ----------
    shared : (n_a x n_b) CSR, number of shared members
    jaccard : (n_a x n_b) CSR, shared / |union|
    containment_ab : (n_a x n_b) CSR, shared / |a| (how much of node a lies in node b)
    containment_ba : (n_a x n_b) CSR, shared / |b|
    sizes_a, sizes_b : member counts restricted to the shared stimuli
    """

    node_ids_a: list[str]
    node_ids_b: list[str]
    shared: sp.csr_matrix
    jaccard: sp.csr_matrix
    containment_ab: sp.csr_matrix
    containment_ba: sp.csr_matrix
    sizes_a: np.ndarray
    sizes_b: np.ndarray
    n_shared: int


def overlap_from_incidence(
    inc_a: sp.csr_matrix, inc_b: sp.csr_matrix, node_ids_a: list[str], node_ids_b: list[str]
) -> NodeOverlap:
    """Overlap matrices from two incidence matrices over the same stimulus rows."""
    shared = (inc_a.T @ inc_b).tocsr()
    shared.eliminate_zeros()
    sa = np.asarray(inc_a.sum(axis=0)).ravel()
    sb = np.asarray(inc_b.sum(axis=0)).ravel()
    coo = shared.tocoo()
    union = sa[coo.row] + sb[coo.col] - coo.data
    shape = shared.shape

    def mat(values: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix((values, (coo.row, coo.col)), shape=shape)

    return NodeOverlap(
        node_ids_a=list(node_ids_a),
        node_ids_b=list(node_ids_b),
        shared=mat(coo.data.astype(np.float64)),
        jaccard=mat(coo.data / union),
        containment_ab=mat(coo.data / sa[coo.row]),
        containment_ba=mat(coo.data / sb[coo.col]),
        sizes_a=sa,
        sizes_b=sb,
        n_shared=int(inc_a.shape[0]),
    )


def node_overlap(graph_a: MapperGraph, graph_b: MapperGraph, stimulus_ids: np.ndarray | None = None) -> NodeOverlap:
    """Overlap matrices of two graphs over their shared stimuli (or over ``stimulus_ids``)."""
    ids = shared_stimulus_ids([graph_a, graph_b]) if stimulus_ids is None else stimulus_ids
    return overlap_from_incidence(
        incidence_matrix(graph_a, ids),
        incidence_matrix(graph_b, ids),
        [n.id for n in graph_a.nodes],
        [n.id for n in graph_b.nodes],
    )


# -- optimal transport ---------------------------------------------------------------------------------------------
def _masses(sizes: np.ndarray) -> np.ndarray:
    sizes = np.asarray(sizes, dtype=np.float64)
    total = sizes.sum()
    if total <= 0:
        return np.full(len(sizes), 1.0 / max(len(sizes), 1))
    return sizes / total


def node_coupling(overlap: NodeOverlap, *, reg: float = 0.0, max_iter: int = 100000) -> np.ndarray:
    """Optimal-transport coupling of the nodes of A and B.

    Node mass is the member count (normalised to 1), the cost of pairing a with b is 1 - Jaccard(a, b). ``reg = 0``
    solves the exact problem (``ot.emd``), ``reg > 0`` the entropic one (``ot.sinkhorn``).

    Returns
    -------
    (n_a x n_b) dense coupling whose rows sum to the masses of A and columns to the masses of B.
    """
    check_param("node_coupling", "reg", reg, reg >= 0, "a float >= 0")
    n_a, n_b = overlap.jaccard.shape
    if n_a == 0 or n_b == 0:
        return np.zeros((n_a, n_b))
    a, b = _masses(overlap.sizes_a), _masses(overlap.sizes_b)
    cost = 1.0 - overlap.jaccard.toarray()
    if reg > 0:
        return np.asarray(ot.sinkhorn(a, b, cost, reg, numItermax=max_iter))
    return np.asarray(ot.emd(a, b, cost, numItermax=max_iter))


def coot_distance(
    graph_a: MapperGraph,
    graph_b: MapperGraph,
    *,
    anchored: bool = True,
    stimulus_ids: np.ndarray | None = None,
    max_points: int = 1500,
    epsilon: float = 0.0,
    random_state: int = 0,
) -> dict[str, Any]:
    """Co-optimal-transport distance of two Mapper graphs seen as hypergraphs over their shared stimuli.

    Points are the shared stimuli (uniform mass), hyperedges the nodes (mass = member count, normalised); the
    hypergraph function is the incidence. With ``anchored`` the point coupling is the identity pairing of stimuli
    (they are matched by id) and the hyperedge coupling is exact; otherwise POT's block-coordinate COOT also moves the
    points, on at most ``max_points`` stimuli sampled with ``random_state``.

    Returns
    -------
    dict with ``distance`` (the COOT cost), ``normalized`` (in [0, 1]: the cost divided by its value when no
    hyperedges overlap; 0 for identical graphs), ``coupling`` ((n_a x n_b) hyperedge coupling), ``n_shared``.
    """
    ids = shared_stimulus_ids([graph_a, graph_b]) if stimulus_ids is None else np.asarray(stimulus_ids, dtype=str)
    inc_a, inc_b = incidence_matrix(graph_a, ids), incidence_matrix(graph_b, ids)
    overlap = overlap_from_incidence(inc_a, inc_b, [n.id for n in graph_a.nodes], [n.id for n in graph_b.nodes])
    return coot_from_overlap(
        overlap, inc_a, inc_b, anchored=anchored, max_points=max_points, epsilon=epsilon, random_state=random_state
    )


def coot_from_overlap(
    overlap: NodeOverlap,
    inc_a: sp.csr_matrix,
    inc_b: sp.csr_matrix,
    *,
    anchored: bool = True,
    max_points: int = 1500,
    epsilon: float = 0.0,
    random_state: int = 0,
) -> dict[str, Any]:
    n = overlap.n_shared
    wa, wb = _masses(overlap.sizes_a), _masses(overlap.sizes_b)
    if len(wa) == 0 or len(wb) == 0:
        return {"distance": 1.0, "normalized": 1.0, "coupling": np.zeros((len(wa), len(wb))), "n_shared": n}
    # With the identity point coupling (mass 1/n each), the COOT cost of pairing hyperedges k, l is
    # sum_i (X_ik - Y_il)^2 / n = (|A_k| + |B_l| - 2 |A_k & B_l|) / n.
    cost = (overlap.sizes_a[:, None] + overlap.sizes_b[None, :] - 2.0 * overlap.shared.toarray()) / n
    coupling = np.asarray(ot.emd(wa, wb, cost)) if epsilon == 0 else np.asarray(ot.sinkhorn(wa, wb, cost, epsilon))
    distance = float((coupling * cost).sum())
    if not anchored:
        distance, coupling = _free_coot(inc_a, inc_b, wa, wb, coupling, max_points, epsilon, random_state)
    # Cost when no hyperedge overlaps: sum_kl Q_kl (|A_k| + |B_l|) / n, fixed by the marginals.
    worst = float(wa @ overlap.sizes_a + wb @ overlap.sizes_b) / n
    normalized = float(np.clip(distance / worst, 0.0, 1.0)) if worst > 0 else 0.0
    return {"distance": distance, "normalized": normalized, "coupling": coupling, "n_shared": n}


def _free_coot(inc_a, inc_b, wa, wb, q_init, max_points, epsilon, random_state):
    n = inc_a.shape[0]
    rows = np.arange(n)
    if n > max_points:
        rows = np.sort(np.random.default_rng(random_state).choice(n, max_points, replace=False))
    X = inc_a[rows].toarray()
    Y = inc_b[rows].toarray()
    m = len(rows)
    warm = {
        "pi_sample": np.eye(m) / m,
        "pi_feature": q_init,
        "duals_sample": (np.zeros(m), np.zeros(m)),
        "duals_feature": (np.zeros(len(wa)), np.zeros(len(wb))),
    }
    pi_s, pi_f, log = ot.coot.co_optimal_transport(
        X,
        Y,
        wx_feat=wa,
        wy_feat=wb,
        epsilon=epsilon,
        warmstart=warm,
        nits_bcd=30,
        nits_ot=100000 if epsilon == 0 else 500,
        log=True,
    )
    dist = float(log["distances"][-1]) if len(log["distances"]) else 0.0
    return dist, np.asarray(pi_f)


# -- best partners -------------------------------------------------------------------------------------------------
def best_partners(
    overlap: NodeOverlap, coupling: np.ndarray | None = None, *, top: int = 3, direction: str = "ab"
) -> dict[str, list[dict[str, Any]]]:
    """Per node of A (``direction='ab'``) or B (``'ba'``): up to ``top`` partners by Jaccard, with scores.

    Each partner: ``{"node": id, "jaccard", "containment" (share of this node inside the partner), "shared",
    "transport" (share of this node's mass sent to the partner; present with a coupling)}``.
    """
    check_param("best_partners", "direction", direction, direction in ("ab", "ba"), "'ab' or 'ba'")
    jac = overlap.jaccard if direction == "ab" else overlap.jaccard.T.tocsr()
    cont = overlap.containment_ab if direction == "ab" else overlap.containment_ba.T.tocsr()
    shared = overlap.shared if direction == "ab" else overlap.shared.T.tocsr()
    src, dst = (
        (overlap.node_ids_a, overlap.node_ids_b) if direction == "ab" else (overlap.node_ids_b, overlap.node_ids_a)
    )
    plan = None
    if coupling is not None and coupling.size:
        plan = coupling if direction == "ab" else coupling.T
        plan = plan / np.maximum(plan.sum(axis=1, keepdims=True), 1e-300)
    cont, shared = cont.tocsr(), shared.tocsr()  # same sparsity structure as jac: slice data arrays together
    out: dict[str, list[dict[str, Any]]] = {}
    for i, node in enumerate(src):
        lo, hi = jac.indptr[i], jac.indptr[i + 1]
        cols, vals = jac.indices[lo:hi], jac.data[lo:hi]
        order = np.lexsort((cols, -vals))[:top]
        partners = []
        for k in order:
            j = int(cols[k])
            p = {
                "node": dst[j],
                "jaccard": float(vals[k]),
                "containment": float(cont.data[lo + k]),
                "shared": int(shared.data[lo + k]),
            }
            if plan is not None:
                p["transport"] = float(plan[i, j])
            partners.append(p)
        out[node] = partners
    return out


# -- one pair, many pairs ------------------------------------------------------------------------------------------
@dataclass
class Correspondence:
    """Everything computed for one ordered pair of graphs."""

    name_a: str
    name_b: str
    overlap: NodeOverlap
    coupling: np.ndarray
    coot: dict[str, Any]
    partners_ab: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    partners_ba: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def n_shared(self) -> int:
        return self.overlap.n_shared

    def to_json(self, *, max_pairs: int = 20000) -> dict[str, Any]:
        """JSON summary: COOT distance, best partners both ways and the strongest overlapping node pairs."""
        coo = self.overlap.jaccard.tocoo()
        order = np.lexsort((coo.col, coo.row, -coo.data))[:max_pairs]
        shared = self.overlap.shared.tocoo().data
        pairs = [
            {
                "a": self.overlap.node_ids_a[i],
                "b": self.overlap.node_ids_b[j],
                "jaccard": float(v),
                "shared": int(shared[k]),
                "transport": float(self.coupling[i, j]) if self.coupling.size else 0.0,
            }
            for k, i, j, v in zip(order, coo.row[order], coo.col[order], coo.data[order])
        ]
        return {
            "a": self.name_a,
            "b": self.name_b,
            "n_shared": self.n_shared,
            "coot_distance": float(self.coot["distance"]),
            "coot_normalized": float(self.coot["normalized"]),
            "transport_overlap": float(1.0 - self.coot["normalized"]),
            "pairs": pairs,
            "partners_ab": self.partners_ab,
            "partners_ba": self.partners_ba,
        }


def correspond(
    graph_a: MapperGraph,
    graph_b: MapperGraph,
    *,
    name_a: str = "A",
    name_b: str = "B",
    stimulus_ids: np.ndarray | None = None,
    top: int = 3,
    reg: float = 0.0,
) -> Correspondence:
    """Overlap matrices, OT coupling, COOT distance and best partners of two graphs over their shared stimuli."""
    ids = shared_stimulus_ids([graph_a, graph_b]) if stimulus_ids is None else np.asarray(stimulus_ids, dtype=str)
    inc_a, inc_b = incidence_matrix(graph_a, ids), incidence_matrix(graph_b, ids)
    overlap = overlap_from_incidence(inc_a, inc_b, [n.id for n in graph_a.nodes], [n.id for n in graph_b.nodes])
    coupling = node_coupling(overlap, reg=reg)
    coot = coot_from_overlap(overlap, inc_a, inc_b)
    return Correspondence(
        name_a,
        name_b,
        overlap,
        coupling,
        coot,
        best_partners(overlap, coupling, top=top, direction="ab"),
        best_partners(overlap, coupling, top=top, direction="ba"),
    )


class CorrespondenceSet:
    """All pairs of k graphs, each pair computed once (and cached in a store when one is given).

    ``keys`` (one per graph, e.g. graph artifact ids) name the graphs in the store's cache; without them only the
    in-memory cache is used. All pairs use the stimuli shared by all k graphs.
    """

    def __init__(
        self,
        graphs: Sequence[MapperGraph],
        names: Sequence[str] | None = None,
        *,
        store=None,
        keys: Sequence[str] | None = None,
        top: int = 3,
        min_graphs: int = 2,
    ):
        if len(graphs) < min_graphs:
            raise InvalidInputError(f"Comparing graphs needs at least {min_graphs} graphs; got {len(graphs)}.")
        self.graphs = list(graphs)
        self.names = list(names) if names is not None else [f"G{i + 1}" for i in range(len(graphs))]
        if len(set(self.names)) != len(self.names) or len(self.names) != len(self.graphs):
            raise InvalidInputError(f"Graph names must be unique, one per graph; got {self.names}.")
        self.store = store
        self.keys = list(keys) if keys is not None else None
        self.top = top
        self.stimulus_ids = shared_stimulus_ids(self.graphs)
        self._incidence: dict[int, sp.csr_matrix] = {}
        self._pairs: dict[tuple[int, int], Correspondence] = {}
        self._overlaps: dict[tuple[int, int], NodeOverlap] = {}

    @property
    def n_shared(self) -> int:
        return int(len(self.stimulus_ids))

    def incidence(self, g: int) -> sp.csr_matrix:
        if g not in self._incidence:
            self._incidence[g] = incidence_matrix(self.graphs[g], self.stimulus_ids)
        return self._incidence[g]

    def overlap(self, g: int, h: int) -> NodeOverlap:
        """Overlap matrices only (no transport): what layouts and regions need."""
        if (g, h) in self._pairs:
            return self._pairs[(g, h)].overlap
        if (h, g) in self._pairs:
            return _transpose_overlap(self._pairs[(h, g)].overlap)
        if (g, h) not in self._overlaps:
            if (h, g) in self._overlaps:
                return _transpose_overlap(self._overlaps[(h, g)])
            ga, gb = self.graphs[g], self.graphs[h]
            self._overlaps[(g, h)] = overlap_from_incidence(
                self.incidence(g), self.incidence(h), [n.id for n in ga.nodes], [n.id for n in gb.nodes]
            )
        return self._overlaps[(g, h)]

    def pair(self, g: int, h: int) -> Correspondence:
        if g == h:
            raise InvalidInputError("A correspondence needs two different graphs.")
        if (g, h) in self._pairs:
            return self._pairs[(g, h)]
        if (h, g) in self._pairs:
            return _transpose(self._pairs[(h, g)])
        corr = self._load(g, h)
        if corr is None:
            inc_a, inc_b = self.incidence(g), self.incidence(h)
            overlap = self.overlap(g, h)
            coupling = node_coupling(overlap)
            corr = self._assemble(g, h, overlap, coupling, coot_from_overlap(overlap, inc_a, inc_b))
            self._save(g, h, corr)
        self._pairs[(g, h)] = corr
        return corr

    def all_pairs(self, progress: Progress | None = None) -> list[Correspondence]:
        pairs = list(combinations(range(len(self.graphs)), 2))
        out = []
        for i, (g, h) in enumerate(pairs):
            out.append(self.pair(g, h))
            if progress is not None:
                progress((i + 1) / len(pairs), f"correspondence {self.names[g]} ~ {self.names[h]}")
        return out

    # -- store cache ---------------------------------------------------------------------------------------------
    def _params(self, g: int, h: int) -> dict[str, Any] | None:
        if self.store is None or self.keys is None:
            return None
        return {
            "a": self.keys[g],
            "b": self.keys[h],
            "shared": _ids_digest(self.stimulus_ids),
            "top": self.top,
            "version": CORRESPONDENCE_VERSION,
        }

    def _load(self, g: int, h: int) -> Correspondence | None:
        params = self._params(g, h)
        if params is None:
            return None
        rec = self.store.find_artifact("correspondence", params)
        if rec is None:
            return None
        arrays = self.store.load_artifact(rec.id)
        ga, gb = self.graphs[g], self.graphs[h]
        shape = (len(ga.nodes), len(gb.nodes))
        shared = sp.csr_matrix((arrays["shared_data"], (arrays["shared_row"], arrays["shared_col"])), shape=shape)
        inc_a, inc_b = self.incidence(g), self.incidence(h)
        overlap = overlap_from_incidence(inc_a, inc_b, [n.id for n in ga.nodes], [n.id for n in gb.nodes])
        if overlap.shared.nnz != shared.nnz:  # stale cache entry: recompute
            return None
        coupling = arrays["coupling"]
        coot = {
            "distance": float(arrays["coot"][0]),
            "normalized": float(arrays["coot"][1]),
            "coupling": coupling,
            "n_shared": overlap.n_shared,
        }
        return self._assemble(g, h, overlap, coupling, coot)

    def _assemble(
        self, g: int, h: int, overlap: NodeOverlap, coupling: np.ndarray, coot: dict[str, Any]
    ) -> Correspondence:
        """The correspondence of graphs g and h from its parts (computed, or read from the store cache)."""
        return Correspondence(
            self.names[g],
            self.names[h],
            overlap,
            coupling,
            coot,
            best_partners(overlap, coupling, top=self.top, direction="ab"),
            best_partners(overlap, coupling, top=self.top, direction="ba"),
        )

    def _save(self, g: int, h: int, corr: Correspondence) -> None:
        params = self._params(g, h)
        if params is None:
            return
        coo = corr.overlap.shared.tocoo()
        payload = {
            "shared_row": coo.row.astype(np.int64),
            "shared_col": coo.col.astype(np.int64),
            "shared_data": coo.data,
            "coupling": corr.coupling,
            "coot": np.array([corr.coot["distance"], corr.coot["normalized"]]),
        }
        self.store.put_artifact("correspondence", params, payload, meta={"a": self.names[g], "b": self.names[h]})


def _transpose_overlap(o: NodeOverlap) -> NodeOverlap:
    return NodeOverlap(
        o.node_ids_b,
        o.node_ids_a,
        o.shared.T.tocsr(),
        o.jaccard.T.tocsr(),
        o.containment_ba.T.tocsr(),
        o.containment_ab.T.tocsr(),
        o.sizes_b,
        o.sizes_a,
        o.n_shared,
    )


def _transpose(c: Correspondence) -> Correspondence:
    overlap = _transpose_overlap(c.overlap)
    coot = dict(c.coot, coupling=c.coupling.T)
    return Correspondence(c.name_b, c.name_a, overlap, c.coupling.T, coot, c.partners_ba, c.partners_ab)


def _ids_digest(ids: np.ndarray) -> str:
    import hashlib

    return hashlib.sha256("\x1f".join(np.asarray(ids, dtype=str).tolist()).encode()).hexdigest()[:24]
