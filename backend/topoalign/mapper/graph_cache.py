"""Stored Mapper graphs parsed once per process.

A graph artifact never changes after it is written, and one dashboard view loads the same graphs several times
(the joint layout, the correspondence, motif and region queries): parsing a 500-node graph of 10,000 stimuli from its
JSON takes about 15 ms, a share of a parameter change's redraw. The cache is bounded by the bytes of the parsed
arrays; every lookup still checks the catalog, so a deleted graph is not served from memory.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from topoalign.mapper.graph import MapperGraph

if TYPE_CHECKING:
    from topoalign.store import Store

MAX_BYTES = 256 * 2**20
GRAPH_KIND = "graph"

_cache: OrderedDict[tuple[str, str], tuple[MapperGraph, int]] = OrderedDict()
_lock = threading.Lock()
_held = [0]


def _size(graph: MapperGraph) -> int:
    return int(graph.stimulus_ids.nbytes + sum(n.members.nbytes for n in graph.nodes) + 200 * len(graph.nodes))


def _put(key: tuple[str, str], graph: MapperGraph) -> None:
    size = _size(graph)
    with _lock:
        if key in _cache or size > MAX_BYTES:
            return
        _cache[key] = (graph, size)
        _held[0] += size
        while _held[0] > MAX_BYTES:
            _, (_, dropped) = _cache.popitem(last=False)
            _held[0] -= dropped


def remember(store: Store, artifact_id: str, payload: dict[str, Any]) -> None:
    """Seed the cache with a graph just stored from ``payload`` (what its JSON file holds): the joint layout asked
    for next does not parse it again."""
    _put((str(store.data_dir), artifact_id), MapperGraph.from_json(payload))


def stored_graph(store: Store, artifact_id: str) -> MapperGraph:
    """The stored graph ``artifact_id`` (NotFoundError when the catalog has no such graph), as a fresh
    ``MapperGraph`` whose node and edge lists are shared with the cache: callers may set attributes such as
    ``labels`` on it but must not change its nodes or edges."""
    store.get_artifact(artifact_id, kind=GRAPH_KIND)
    key = (str(store.data_dir), artifact_id)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
    if hit is None:
        graph = MapperGraph.from_json(store.load_artifact(artifact_id))
        _put(key, graph)
        return dataclasses.replace(graph)
    return dataclasses.replace(hit[0])


def clear() -> None:
    with _lock:
        _cache.clear()
        _held[0] = 0
