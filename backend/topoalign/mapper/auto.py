"""Automatic Mapper parameters that recover the data's shape: the cover resolution and the clustering scale.

Two strategies, both on a seeded sample of at most ``sample`` rows (never all pairs of a large data set):

- ``"cmo"``: the estimator of Carriere, Michel & Oudot (JMLR 19, 2018), as GUDHI's automatic ``MapperComplex``: single
  linkage cut at delta (``scale.hausdorff_scale``), intervals per lens dimension from the largest lens jump between
  rows within delta, gain 1/3.
- ``"shape"`` (the default): the CMO scale delta, then a ladder of covers from coarse to fine (the interval spacing
  halves every two steps) at delta and at the neighbouring scales 1.25 delta and 1.6 delta. Each candidate graph is
  built on the sample (``sample_graph``) and read as the number of components b0 and of independent loops b1
  (triangles filled, ``graph_topology``). A topology counts when it *persists*: the same (b0, b1) over at least
  ``MIN_RUN`` consecutive covers. Fragmented graphs (more than 5% of the sample in components of under 1% of it) never
  count, so scattering rows into many small nodes cannot win. The topology is read at delta: among its persistent
  topologies the one with the most loops wins (loops appear only once the cover is fine enough to see the hole, and
  persist until the cover shreds the data), then the longest run. The setting is an inner cover of a run with that
  topology, at delta or a neighbouring scale, whose graph size is nearest to ``target_nodes(n)`` (sqrt(n) within
  [30, 80]): every cover of such a run shows the same shape, so the most readable one is taken. It is rebuilt on
  ``n_resamples`` subsamples (80%) of the sample and must reproduce the loops and large components in at least half
  of them, else the next candidate is tried. Without any persistent topology, the unfragmented cover nearest to the
  target size is taken. ``AutoChoice.reason`` says in words why the setting won; ``table`` holds every candidate.

With a ``cover`` given, only the scale is chosen (the CMO delta), as for a user who edits the resolution. The sample's
distances, delta and nearest neighbours are remembered for the last few samples (``_sample_state``).

The chosen parameters are a cover (``KMapperCover`` with the chosen intervals and gain) and a clusterer
(``SingleLinkage`` at delta, every row of every cover element placed in a node): they build the final graph on all
rows, and they are recorded so that the graph can be rebuilt or edited explicitly.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from topoalign.errors import check_param
from topoalign.progress import Progress, null_progress
from topoalign.mapper.cluster import SingleLinkage
from topoalign.mapper.cover import Cover, KMapperCover, _as_lens
from topoalign.mapper.graph import MapperGraph
from topoalign.mapper.graph_topology import GraphHomology, graph_homology
from topoalign.mapper.sample_graph import nearest_in_sample, sample_mapper_graph
from topoalign.mapper.scale import distance_matrix, hausdorff_scale, lens_jumps, lens_resolution, sample_rows

STRATEGIES = ("shape", "cmo")
SCALES = (1.0, 1.25, 1.6)  # multiples of the CMO delta tried; the first is where persistence is read
MIN_RUN = 3  # consecutive covers (half-octaves of the interval spacing) a topology must hold
MIN_SAMPLE_ROWS_PER_ELEMENT = 12  # finer covers leave too few sample rows per element to read a shape from (fewer
# for samples under 1,800 rows: s / 150, at least 5)
MAX_STEPS = 12
MAX_NODES_FACTOR = 3  # the ladder stops once a cover's graph has this many times the target size
MAX_TRIED = 4  # candidate settings checked on resamples before the best-agreeing one is taken
SMALL_COMPONENT = 0.01  # components holding less than this share of the sample are small
MAX_SMALL_SHARE = 0.05  # a candidate with more than this share of the sample in small components is fragmented


@dataclass
class AutoChoice:
    """The chosen cover and clusterer, and the evidence behind them."""

    strategy: str
    n_intervals: list[int]
    overlap: float
    delta: float
    metric: str
    b0: int | None = None
    b1: int | None = None
    confidence: float | None = None
    reason: str = ""
    sample_size: int = 0
    table: list[dict[str, Any]] = field(default_factory=list)
    given_cover: Cover | None = field(default=None, repr=False)  # a cover fixed by the caller (only the scale chosen)
    _sample: "_Sample | None" = field(default=None, repr=False)
    _rows: np.ndarray | None = field(default=None, repr=False)  # the sample's rows of the whole data

    def resampled_graphs(
        self, n_resamples: int = 8, fraction: float = 0.8, random_state: int | None = 0
    ) -> Iterator[tuple[np.ndarray, MapperGraph]]:
        """``(rows, graph)`` for ``n_resamples`` subsamples of the sample, built with the chosen cover and scale
        (members are rows of the whole data): the resamples ``confidence.topology_summary`` reads."""
        if self._sample is None or self._rows is None:  # (set together)
            return
        rng = np.random.default_rng(random_state)
        s = len(self._rows)
        for _ in range(n_resamples):
            sub = np.sort(rng.choice(s, max(3, int(round(fraction * s))), replace=False))
            g = self._sample.graph(self.cover(), self.delta, rows=sub)
            for nd in g.nodes:
                nd.members = self._rows[nd.members]
            yield self._rows[sub], g

    def cover(self) -> Cover:
        """A new (unfitted) cover: the given one, else KeplerMapper's cover with the chosen intervals and gain."""
        if self.given_cover is not None:
            return copy.deepcopy(self.given_cover)
        return KMapperCover(list(self.n_intervals) if len(self.n_intervals) > 1 else self.n_intervals[0], self.overlap)

    def clusterer(self) -> SingleLinkage:
        return SingleLinkage(distance_threshold=float(self.delta), metric=self.metric, min_points=1, join_isolated=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "cover": self.cover().params(),
            "clusterer": self.clusterer().params(),
            "delta": self.delta,
            "b0": self.b0,
            "b1": self.b1,
            "confidence": self.confidence,
            "reason": self.reason,
            "sample_size": self.sample_size,
            "table": self.table,
        }


def choose_parameters(
    X: np.ndarray,
    lens: np.ndarray,
    *,
    strategy: str = "shape",
    metric: str = "euclidean",
    sample: int = 2000,
    gain: float = 1 / 3,
    n_resamples: int = 4,
    n_draws: int = 30,
    cover: Cover | None = None,
    random_state: int | None = 0,
    progress: Progress | None = None,
) -> AutoChoice:
    """Cover resolution and clustering scale for the Mapper graph of ``X`` (n x d) under ``lens`` (n x k).

    ``cover``: a cover fixed by the caller (a user editing the resolution): only the clustering scale is chosen,
    the CMO delta. Returns an ``AutoChoice``: ``.cover()`` and ``.clusterer()`` build the graph; ``.reason`` and
    ``.table`` explain the choice (module docstring).
    """
    progress = progress or null_progress
    check_param("choose_parameters", "strategy", strategy, strategy in STRATEGIES, f"one of {list(STRATEGIES)}")
    check_param("choose_parameters", "gain", gain, 0 < gain < 1, "in (0, 1)")
    check_param("choose_parameters", "sample", sample, isinstance(sample, int) and sample >= 10, "an int >= 10")
    X = np.asarray(X)
    lens = _as_lens(lens)
    rows = sample_rows(len(X), sample, random_state)
    LW = lens[rows]
    progress(0.0, f"distances of a {len(rows)}-row sample")
    D, delta, nearest = _sample_state(X[rows], len(X), metric, n_draws, random_state)
    spans = lens.max(axis=0) - lens.min(axis=0)
    if strategy == "cmo" or cover is not None:
        scale = f"delta {delta:.4g} (Carriere-Michel-Oudot: Hausdorff distance to subsamples, {n_draws} draws)"
        if cover is not None:
            params = cover.params()
            n_int = [int(v) for v in np.atleast_1d(list(params.values())[1])]
            overlap = float(np.atleast_1d(list(params.values())[2])[0])
            reason = f"The cover was given ({params}); single linkage at {scale}."
        else:
            n_int, overlap = lens_resolution(spans, lens_jumps(D, LW, delta), gain), float(gain)
            reason = (
                f"Carriere-Michel-Oudot: single linkage at {scale}, intervals {n_int} from the largest lens "
                f"jump within delta, gain {gain:.3g}."
            )
        choice = AutoChoice(
            strategy, n_int, overlap, float(delta), metric, sample_size=len(rows), reason=reason, given_cover=cover
        )
        choice._sample, choice._rows = _Sample(D, LW, nearest), rows
        h = graph_homology(choice._sample.graph(choice.cover(), delta))
        choice.b0, choice.b1 = h.b0, h.b1
        progress(1.0, choice.reason)
        return choice
    sampled = _Sample(D, LW, nearest)
    choice = _choose_shape(sampled, spans, delta, metric, gain, n_resamples, random_state, progress, len(X))
    choice._sample, choice._rows = sampled, rows
    return choice


# (sample digest, shape, dtype, n, metric, n_draws, random_state) -> (distances, CMO delta, nearest neighbours)
_StateKey = tuple[bytes, tuple[int, ...], str, int, str, int, int | None]
_STATES: OrderedDict[_StateKey, tuple[np.ndarray, float, np.ndarray]] = OrderedDict()
_STATES_SIZE = 4  # ~20 MB each at 2,000 rows: the last few representations a dashboard rebuilds
_STATES_LOCK = threading.Lock()


def _sample_state(
    W: np.ndarray, n: int, metric: str, n_draws: int, random_state: int | None
) -> tuple[np.ndarray, float, np.ndarray]:
    """(distance matrix, CMO delta, nearest neighbours) of a sample, remembered for the process: a cover edit in the
    dashboard rebuilds the same representations, whose sample work is then done."""
    data = np.ascontiguousarray(W).view(np.uint8)
    # an ndarray is a buffer: numpy's stubs declare its __buffer__ for Python >= 3.12 only
    digest = hashlib.blake2b(data, digest_size=16).digest()  # type: ignore[arg-type]
    key = (digest, W.shape, str(W.dtype), n, metric, n_draws, random_state)
    with _STATES_LOCK:
        if key in _STATES:
            _STATES.move_to_end(key)
            return _STATES[key]
    D = distance_matrix(W, metric)
    state = (D, hausdorff_scale(D, n_draws=n_draws, random_state=random_state), nearest_in_sample(D))
    with _STATES_LOCK:
        _STATES[key] = state
        while len(_STATES) > _STATES_SIZE:
            _STATES.popitem(last=False)
    return state


class _Sample:
    """The sample's distances, made once; graphs at any cover and scale from them (``sample_graph``)."""

    def __init__(self, D: np.ndarray, lens: np.ndarray, nearest: np.ndarray) -> None:
        self.D, self.lens, self.nearest = D, lens, nearest
        self._adjacency: dict[float, np.ndarray] = {}

    def graph(self, cover: Cover, threshold: float, rows: np.ndarray | None = None) -> MapperGraph:
        A = self._adjacency.get(threshold)
        if A is None:
            A = self._adjacency[threshold] = self.D < threshold
        return sample_mapper_graph(A, self.nearest, self.lens, cover, rows=rows)


def _ladder(spans: np.ndarray, LW: np.ndarray, gain: float) -> list[list[int]]:
    """Covers from coarse to fine: the interval spacing halves every two steps, the same spacing on every lens
    dimension (lens dimensions share units), until the sample's elements get too small."""
    widest = float(spans.max()) if len(spans) else 0.0
    out: list[list[int]] = []
    if not widest > 0:
        return [[1] * len(spans)]
    for j in range(MAX_STEPS):
        spacing = widest / 2.0 * 2.0 ** (-j / 2.0)
        n_int = [max(1, int(round(s / spacing))) for s in spans]
        if out and n_int == out[-1]:
            continue
        cover = KMapperCover(n_int, gain)
        sizes = [len(r) for _, r in cover.fit_elements(LW)]
        if out and np.median(sizes) < min(MIN_SAMPLE_ROWS_PER_ELEMENT, max(5, len(LW) // 150)):
            break
        out.append(n_int)
    return out


def _read(graph: MapperGraph, homology: GraphHomology, n: int) -> dict[str, Any]:
    comp_rows = [np.unique(np.concatenate([graph.nodes[i].members for i in c])) for c in homology.components()]
    sizes = np.array([len(r) for r in comp_rows]) if comp_rows else np.zeros(0)
    small = float(sizes[sizes < SMALL_COMPONENT * n].sum()) / max(n, 1)
    return {
        "b0": homology.b0,
        "b1": homology.b1,
        "large_b0": int((sizes >= SMALL_COMPONENT * n).sum()),
        "n_nodes": len(graph.nodes),
        "n_edges": len(graph.edges),
        "small_share": round(small, 4),
        "fragmented": small > MAX_SMALL_SHARE,
    }


def _runs(cells: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(start, stop) of the maximal runs of equal (b0, b1) among unfragmented cells, in ladder order."""
    runs: list[tuple[int, int]] = []
    start = 0
    for j in range(1, len(cells) + 1):
        if (
            j == len(cells)
            or (cells[j]["b0"], cells[j]["b1"]) != (cells[start]["b0"], cells[start]["b1"])
            or cells[j]["fragmented"] != cells[start]["fragmented"]
        ):
            if not cells[start]["fragmented"] and cells[start]["b1"] is not None:
                runs.append((start, j))
            start = j
    return runs


def target_nodes(n: int) -> int:
    """The graph size aimed at within a persistent run: sqrt(n), between 30 and 80 nodes."""
    return int(np.clip(np.sqrt(max(n, 1)), 30, 80))


def _choose_shape(
    sample: _Sample,
    spans: np.ndarray,
    delta: float,
    metric: str,
    gain: float,
    n_resamples: int,
    random_state: int | None,
    progress: Progress,
    n_total: int,
) -> AutoChoice:
    s = len(sample.D)
    ladder = _ladder(spans, sample.lens, gain)
    target = target_nodes(n_total)
    rows: dict[float, list[dict[str, Any]]] = {}
    for a in SCALES:
        rows[a] = []
        for n_int in ladder:
            g = sample.graph(KMapperCover(n_int, gain), a * delta)
            c = {"scale": a, "delta": a * delta, "n_intervals": n_int, **_read(g, graph_homology(g), s)}
            rows[a].append(c)
            progress(
                0.6 * (len(rows) - 1 + len(rows[a]) / len(ladder)) / len(SCALES),
                f"delta x{a:g}, {n_int} intervals: b0={c['b0']} b1={c['b1']}, {c['n_nodes']} nodes",
            )
            if c["n_nodes"] > MAX_NODES_FACTOR * target or c["fragmented"]:
                break  # finer covers only shred the sample further
    runs = {a: [r for r in _runs(cells) if r[1] - r[0] >= MIN_RUN] for a, cells in rows.items()}
    # the topology: read at delta (a larger scale may bridge what delta keeps apart), most loops, then the longest
    read_at = next((a for a in SCALES if runs[a]), SCALES[0])
    base = rows[read_at]
    best = min(runs[read_at], key=lambda r: (-(base[r[0]]["b1"] or 0), -(r[1] - r[0]), r[0]), default=None)
    if best is None:
        best = _fallback(base, target)
    signature = (base[best[0]]["b0"], base[best[0]]["b1"])
    # the setting: an inner cover of a run with that topology, at delta or a neighbouring scale, nearest the target
    # size (a slightly larger scale often keeps the topology over finer covers, where delta already shreds)
    candidates: list[tuple[float, int, int, int]] = []  # (scale, run start, run stop, cover index)
    for a, cells in rows.items():
        for start, stop in runs[a] if a != read_at or runs[a] else [best]:
            if (cells[start]["b0"], cells[start]["b1"]) != signature:
                continue
            inner = range(start + 1, stop - 1) if stop - start >= 3 else range(start, stop)
            candidates.extend((a, start, stop, j) for j in inner)
    candidates.sort(key=lambda t: (round(abs(np.log(max(rows[t[0]][t[3]]["n_nodes"], 1) / target)), 1), t[0], t[3]))
    rng = np.random.default_rng(random_state)
    resamples = [np.sort(rng.choice(s, max(3, int(round(0.8 * s))), replace=False)) for _ in range(n_resamples)]
    tried: list[tuple[float, int, int, int, float]] = []
    for a, start, stop, pick in candidates[:MAX_TRIED]:
        cell = rows[a][pick]
        agree = _reproduced(sample, cell, gain, cell["delta"], resamples)
        tried.append((a, start, stop, pick, agree))
        progress(
            0.6 + 0.4 * len(tried) / min(len(candidates), MAX_TRIED),
            f"b0={cell['b0']} b1={cell['b1']} at {cell['n_intervals']} intervals, delta x{a:g}: "
            f"{agree:.0%} of resamples agree",
        )
        if agree >= 0.5:
            break
    a, start, stop, pick, agree = tried[-1] if tried[-1][4] >= 0.5 else max(tried, key=lambda t: t[4])
    chosen = rows[a][pick]
    for b, cells in rows.items():
        for j, c in enumerate(cells):
            c["chosen"] = b == a and j == pick
    held = [
        b
        for b in SCALES
        if any((r[1] - r[0]) >= MIN_RUN and (rows[b][r[0]]["b0"], rows[b][r[0]]["b1"]) == signature for r in runs[b])
    ]
    persistent = bool(runs[read_at])
    reason = (
        f"b0={signature[0]} components and b1={signature[1]} loops "
        + (
            f"held over {best[1] - best[0]} consecutive covers ({base[best[0]]['n_intervals']} to "
            f"{base[best[1] - 1]['n_intervals']} intervals) at delta x{read_at:g}"
            f" (persistent at {', '.join(f'x{b:g}' for b in held)})"
            if persistent
            else f"persisted over no run of {MIN_RUN} covers; the unfragmented cover nearest "
            f"to {target} nodes was taken"
        )
        + (f"; {agree:.0%} of {n_resamples} resamples of the sample reproduce it" if n_resamples else "")
        + f". Chose {chosen['n_intervals']} intervals (gain {gain:.3g}) and single linkage at "
        f"{chosen['delta']:.4g} (delta x{a:g}): {chosen['n_nodes']} nodes on the {s}-row sample, the "
        f"size nearest {target} in a run of that topology."
    )
    progress(1.0, reason)
    return AutoChoice(
        "shape",
        list(chosen["n_intervals"]),
        float(gain),
        float(chosen["delta"]),
        metric,
        b0=chosen["b0"],
        b1=chosen["b1"],
        confidence=float(agree) if n_resamples else None,
        reason=reason,
        sample_size=s,
        table=[c for a in SCALES for c in rows[a]],
    )


def _fallback(cells: list[dict[str, Any]], target: int) -> tuple[int, int]:
    """No persistent topology: the unfragmented cover with the node count nearest to ``target`` (else the
    coarsest)."""
    ok = [j for j, c in enumerate(cells) if not c["fragmented"]] or [0]
    j = min(ok, key=lambda j: (abs(np.log(max(cells[j]["n_nodes"], 1) / target)), j))
    return j, j + 1


def _reproduced(sample: _Sample, cell: dict[str, Any], gain: float, delta: float, resamples: list[np.ndarray]) -> float:
    """Share of the resamples whose graph (same cover and scale) has the cell's loops and large components (a
    resample is sparser: a row it leaves isolated says nothing about the shape)."""
    if not resamples:
        return 1.0
    hits = 0
    for rows in resamples:
        g = sample.graph(KMapperCover(cell["n_intervals"], gain), delta, rows=rows)
        read = _read(g, graph_homology(g), len(rows))
        hits += (read["large_b0"], read["b1"]) == (cell["large_b0"], cell["b1"]) and not read["fragmented"]
    return hits / len(resamples)
