"""Mapper graphs of a small sample whose distance matrix is known, for trying many covers and scales quickly.

The automatic parameter choice builds dozens of candidate graphs of the same ~2,000-row sample. With the (s x s)
distance matrix in hand, single linkage at a threshold inside a cover element is a connected-components question on
a block of the precomputed adjacency, with no distance computed again: every element's block pairs become pairs of
(element, row) slots, and one components pass over all slots gives every element's clusters (components never cross
elements). The result equals ``build_mapper_graph`` with ``SingleLinkage(
distance_threshold=t, min_points=1, join_isolated=True)`` on the same rows (tests check the member sets).
"""

from __future__ import annotations

import numpy as np

from topoalign.mapper.components import pair_components
from topoalign.mapper.dbscan.rules import labels_from_mask
from topoalign.mapper.placement import labels_first

BLOCK_PAIRS_MAX_ROWS = 96  # elements up to this many rows pass all their pairs; larger ones their components
from topoalign.mapper.cover import Cover
from topoalign.mapper.graph import MapperGraph, MapperNode, edges_from_members


def nearest_in_sample(D: np.ndarray) -> np.ndarray:
    """(s,) index of each row's nearest other row, from the distance matrix."""
    D = D.copy()
    np.fill_diagonal(D, np.inf)
    nearest: np.ndarray = np.argmin(D, axis=1)
    return nearest


def sample_mapper_graph(
    adjacency: np.ndarray, nearest: np.ndarray, lens: np.ndarray, cover: Cover, rows: np.ndarray | None = None
) -> MapperGraph:
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
    # every element's rows as slots; one components pass over the union of the elements' blocks
    el_rows = [rows[local] for _, local in elements]
    sizes = np.fromiter((len(r) for r in el_rows), dtype=np.int64, count=len(el_rows))
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    slot_row = np.concatenate(el_rows) if el_rows else np.zeros(0, np.int64)
    slot_el = np.repeat(np.arange(len(el_rows)), sizes)
    pa, pb, degree = [], [], np.zeros(len(slot_row), dtype=np.int64)
    for k, er in enumerate(el_rows):
        if len(er) < 2:
            continue
        block = adjacency[np.ix_(er, er)]
        off = offsets[k]
        degree[off : off + len(er)] = np.count_nonzero(block, axis=1)
        if len(er) <= BLOCK_PAIRS_MAX_ROWS:
            i, j = np.nonzero(block)
        else:  # a large block: its components by breadth-first search, then one link per row to its cluster
            i = np.arange(len(er))
            j = labels_first(labels_from_mask(block, 1))
        pa.append(i + off)
        pb.append(j + off)
    ii = np.concatenate(pa) if pa else np.zeros(0, np.int64)
    jj = np.concatenate(pb) if pb else np.zeros(0, np.int64)
    # isolated rows (only themselves within the threshold) join their nearest row's cluster in the same element
    alone = np.flatnonzero(degree == 1)
    if len(alone):
        keys = slot_el * s + slot_row  # sorted: elements in order, rows ascending within each
        want = slot_el[alone] * s + nearest[slot_row[alone]]
        pos = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
        ok = keys[pos] == want
        ii, jj = np.r_[ii, alone[ok]], np.r_[jj, pos[ok]]
    comp = pair_components(len(slot_row), ii, jj)
    # nodes in cover-element order, then by lowest row (as build_mapper_graph numbers a element's clusters)
    order = np.lexsort((slot_row, comp))
    cuts = np.flatnonzero(np.diff(comp[order])) + 1
    groups = np.split(order, cuts) if len(order) else []
    groups.sort(key=lambda g: (slot_el[g[0]], slot_row[g[0]]))
    nodes = [
        MapperNode(
            id=f"n{i}",
            members=slot_row[g],
            cover_element=elements[slot_el[g[0]]][0],
            lens_mean=tuple(L[slot_row[g]].mean(axis=0).tolist()),
        )
        for i, g in enumerate(groups)
    ]
    return MapperGraph(
        nodes=nodes,
        edges=edges_from_members(nodes),
        stimulus_ids=np.arange(s).astype(str),
        params={"cover": cover.params()},
    )
