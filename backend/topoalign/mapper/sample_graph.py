"""Mapper graphs of a small sample whose distance matrix is known, for trying many covers and scales quickly.

The automatic parameter choice builds dozens of candidate graphs of the same ~2,000-row sample. With the (s x s)
distance matrix in hand, single linkage at a threshold inside a cover element is a connected-components question on
a block of the precomputed adjacency, with no distance computed again (breadth-first search over the block's rows,
``dbscan_labels_dense`` with every row a core point). The result equals ``build_mapper_graph`` with ``SingleLinkage(
distance_threshold=t, min_points=1, join_isolated=True)`` on the same rows (tests check the member sets).
"""

from __future__ import annotations

import numpy as np

from topoalign.mapper.cluster import _components, _ordered, dbscan_labels_dense, labels_first
from topoalign.mapper.cover import Cover
from topoalign.mapper.graph import MapperGraph, MapperNode, edges_from_members


def nearest_in_sample(D: np.ndarray) -> np.ndarray:
    """(s,) index of each row's nearest other row, from the distance matrix."""
    D = D.copy()
    np.fill_diagonal(D, np.inf)
    return np.argmin(D, axis=1)


def sample_mapper_graph(adjacency: np.ndarray, nearest: np.ndarray, lens: np.ndarray, cover: Cover,
                        rows: np.ndarray | None = None) -> MapperGraph:
    """The single-linkage Mapper graph of a sample.

    Parameters
    ----------
    adjacency : (s x s) bool, distance < threshold (the sample's rows)
    nearest : (s,) each row's nearest other row (``nearest_in_sample``); an isolated row joins its neighbour's
        cluster in the elements holding both
    lens : (s x k) lens values; cover : a ``Cover`` (fitted here on ``lens``)
    rows : optional subset of the sample (sorted indices) to build on: a resample, without new distances

    Returns
    -------
    MapperGraph whose members index the sample's rows (0..s-1, also with ``rows``).
    """
    s = len(adjacency)
    if rows is None:
        rows = np.arange(s)
    rows = np.asarray(rows, dtype=np.int64)
    elements = cover.fit_elements(np.asarray(lens)[rows])
    L = np.asarray(lens, dtype=np.float64)
    found: list[tuple[np.ndarray, tuple]] = []
    for index, local in elements:
        er = rows[local]
        if len(er) == 1:
            found.append((er, index))
            continue
        block = adjacency[np.ix_(er, er)]
        labels = dbscan_labels_dense(block, 1)  # components, numbered by lowest row
        sizes = np.bincount(labels)
        alone = np.flatnonzero(sizes[labels] == 1)
        if len(alone):  # isolated rows join their nearest row's cluster when it lies in this element
            nn = nearest[er[alone]]
            pos = np.searchsorted(er, nn)
            ok = (pos < len(er)) & (er[np.minimum(pos, len(er) - 1)] == nn)
            if ok.any():
                labels = _ordered(_components(len(er), np.r_[np.arange(len(er)), alone[ok]],
                                              np.r_[labels_first(labels), pos[ok]]))
        order = np.argsort(labels, kind="stable")
        cuts = np.flatnonzero(np.diff(labels[order])) + 1
        found.extend((er[g], index) for g in np.split(order, cuts))
    nodes = [MapperNode(id=f"n{i}", members=members, cover_element=index,
                        lens_mean=tuple(L[members].mean(axis=0).tolist()))
             for i, (members, index) in enumerate(found)]
    return MapperGraph(nodes=nodes, edges=edges_from_members(nodes), stimulus_ids=np.arange(s).astype(str),
                       params={"cover": cover.params()})
