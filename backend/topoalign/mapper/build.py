"""Build a Mapper graph: cover the lens image, cluster each cover element's rows in the data space, join nodes
that share rows.

    >>> graph = build_mapper_graph(X, PCALens(2).fit_transform(X), KMapperCover(10, 0.3), DBSCAN(eps=0.5))

With ``KMapperCover`` and ``DBSCAN`` or ``SingleLinkage(distance_threshold=...)`` the distinct node member sets
equal those of ``kmapper.KeplerMapper().map(lens, X, cover=Cover(...), clusterer=...)``. KeplerMapper can emit the
same member set twice (found in two overlapping cubes); so do we unless ``dedupe=True``.

On the CPU, DBSCAN runs over all cover elements at once (``_dbscan_elements``): pairs decided in one element are
reused by overlapping later ones, dense elements where nearly every pair is within eps settle from a radius bound or
a few pivot columns before any pair list or projection is made (``dbscan.pivots``), sparse elements prune pairs
with exact lower bounds from a 64-axis PCA projection, large dense elements (16k+ rows) visit k-means groups of rows
in Kruskal order (``dbscan.grouped``), elements of at most 256 rows are clustered together in batched products
(``dbscan.small``), and elements run on a thread pool (one thread per core, single-threaded BLAS). Labels are those
of scikit-learn's DBSCAN on each element.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterator, Literal, TypeVar

import numpy as np

from topoalign.errors import InvalidInputError, LimitExceededError
from topoalign.progress import Progress, null_progress
from topoalign.cores import one_blas_thread, usable_cores
from topoalign.mapper.cluster import DBSCAN, Clusterer, SingleLinkage, make_clusterer
from topoalign.mapper.cover import Cover, CoverElement, _as_lens
from topoalign.mapper.graph import MapperGraph, MapperNode, edges_from_members
from topoalign.mapper import neighbors
from topoalign.mapper.neighbors import _ROWS, default_device

if TYPE_CHECKING:  # pandas, for the hints only: its import costs ~0.2 s of every command-line start
    import pandas as pd

    from topoalign.mapper.dbscan import WithinEps

T = TypeVar("T")
# (labels or None, the element's within-eps pairs as global rows or None) of one cover element
Labelled = tuple[np.ndarray | None, tuple[np.ndarray, np.ndarray] | None]


def build_mapper_graph(
    X: np.ndarray,
    lens: np.ndarray,
    cover: Cover,
    clusterer: Clusterer | dict[str, Any] | str,
    *,
    stimulus_ids: np.ndarray | list[str] | None = None,
    labels: pd.DataFrame | None = None,
    dedupe: bool = False,
    progress: Progress | None = None,
    params: dict[str, Any] | None = None,
    representation_id: str | None = None,
    device: str | None = "auto",
    random_state: int | None = 0,
    max_nodes: int | None = None,
    fit_cover: bool = True,
) -> MapperGraph:
    """The Mapper graph of the rows of ``X`` (n x d) under ``lens`` values (n,) or (n x k).

    Parameters
    ----------
    cover : a fitted or unfitted ``Cover``; it is fitted on ``lens``
    clusterer : a ``Clusterer`` (or spec) run on the rows of ``X`` in each cover element
    stimulus_ids : (n,) row names (default "0".."n-1"); labels : row-aligned label frame for node summaries
    dedupe : keep one node per distinct member set (the first in cover order)
    device : "auto" (CUDA when available), None/"cpu", or a torch device for the radius-graph step
    params : extra parameters recorded on the graph (lens spec, ...); max_nodes : raise past this many nodes
    fit_cover : False keeps the intervals of an already fitted cover (stability resamples use the full data's)

    Returns
    -------
    MapperGraph with nodes in cover-element order, then cluster order.
    """
    progress = progress or null_progress
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise InvalidInputError(f"Mapper needs a non-empty 2-D matrix (n x d); got shape {X.shape}.")
    lens = _as_lens(lens)
    n = X.shape[0]
    if lens.shape[0] != n:
        raise InvalidInputError(f"{lens.shape[0]} lens values for {n} rows of data.")
    if stimulus_ids is None:
        stimulus_ids = np.arange(n).astype(str)
    stimulus_ids = np.asarray(stimulus_ids, dtype=str)
    if len(stimulus_ids) != n:
        raise InvalidInputError(f"{len(stimulus_ids)} stimulus ids for {n} rows of data.")
    clusterer = make_clusterer(clusterer).prepare(X, random_state=random_state)
    if device == "auto":
        device = default_device()

    elements = cover.fit_elements(lens) if fit_cover or not hasattr(cover, "intervals_") else list(cover.elements(lens))
    progress(0.0, f"{len(elements)} non-empty cover elements")
    found: list[tuple[np.ndarray, Any]] = []  # (members, cover element) per node, in order
    seen: set[bytes] = set()
    min_points = clusterer.min_cube_points
    for k, (index, rows), labels_ in _cluster_elements(clusterer, X, elements, min_points, device):
        if labels_ is not None:
            labels_ = clusterer.finish_labels(X, rows, labels_)
            for members in _clusters(rows, labels_):
                if dedupe:
                    key = members.tobytes()
                    if key in seen:
                        continue
                    seen.add(key)
                found.append((members, index))
            if max_nodes is not None and len(found) > max_nodes:
                raise LimitExceededError(
                    f"The Mapper graph has more than {max_nodes} nodes (max_graph_nodes); use fewer intervals or a "
                    "larger eps."
                )
        progress((k + 1) / len(elements) * 0.95, f"cover element {k + 1}/{len(elements)}: {len(found)} nodes")
    means = _lens_means(lens, [m for m, _ in found])
    nodes = [
        MapperNode(id=f"n{i}", members=members, cover_element=index, lens_mean=tuple(mean))
        for i, ((members, index), mean) in enumerate(zip(found, means.tolist()))
    ]
    edges = edges_from_members(nodes)
    progress(1.0, f"{len(nodes)} nodes, {len(edges)} edges")
    all_params = {"cover": cover.params(), "clusterer": clusterer.params(), "dedupe": bool(dedupe), **(params or {})}
    if labels is not None:
        labels = labels.reindex(stimulus_ids) if labels.index.isin(stimulus_ids).any() else labels
    return MapperGraph(
        nodes=nodes,
        edges=edges,
        stimulus_ids=stimulus_ids,
        params=all_params,
        labels=labels,
        representation_id=representation_id,
    )


def _clusters(rows: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """Member rows (ascending) of each cluster label >= 0, in label order (one stable sort, not one scan per label)."""
    keep = labels >= 0
    if not keep.any():
        return []
    lab, r = labels[keep], rows[keep]
    order = np.argsort(lab, kind="stable")
    lab, r = lab[order], r[order]
    cuts = np.flatnonzero(lab[1:] != lab[:-1]) + 1
    return np.split(r, cuts)


def _lens_means(lens: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    """(nodes x k) mean lens value of each member list, from one gather and one segmented sum."""
    if not members:
        return np.zeros((0, lens.shape[1]))
    sizes = np.fromiter((len(m) for m in members), dtype=np.int64, count=len(members))
    sums = np.add.reduceat(lens[np.concatenate(members)], np.r_[0, np.cumsum(sizes)[:-1]], axis=0)
    return sums / sizes[:, None]


POOL_MIN_WORK = 2e9  # sum of m^2 d over the elements below which one thread is faster than the pool


def _pair_work(elements: list[CoverElement], d: int) -> float:
    """Sum of m^2 d over the cover elements: the all-pairs work, a proxy for what the pool could share out. Small
    graphs (hundreds of elements of ~100 rows) are Python-bound: threads only contend for the GIL there (10,000 x 32
    with 15 x 15 intervals, 6e7: 0.09 s on one thread, 0.135 s on two; 5,000 MiniLM rows, 9e8: 0.075 / 0.11 s;
    20,000 x 256, 1.2e10: equal; 20,000 MiniLM rows, 1.6e10: 0.29 / 0.22 s)."""
    return float(sum(len(rows) ** 2 for _, rows in elements)) * d


def _threads() -> int:
    return min(usable_cores(), 8)


def _cluster_elements(
    clusterer: Clusterer, X: np.ndarray, elements: list[CoverElement], min_points: int, device: str | None
) -> Iterator[tuple[int, CoverElement, np.ndarray | None]]:
    """``(k, element, labels or None)`` in cover order. On the CPU, DBSCAN and single linkage cluster the cover
    elements on a thread pool (one thread per core), each with single-threaded BLAS: numpy releases the GIL in the
    products, and independent elements scale better than threaded BLAS on small products (whose threads spin when
    the cores are shared)."""

    def run(item: CoverElement) -> np.ndarray | None:
        _, rows = item
        return clusterer.fit_predict(X[rows], device=device) if len(rows) >= min_points else None

    workers = _threads() if _pair_work(elements, X.shape[1]) >= POOL_MIN_WORK else 1
    cpu = device is None or device == "cpu"
    if cpu and isinstance(clusterer, DBSCAN) and len(elements) >= 2:
        yield from _dbscan_elements(clusterer, X, elements, min_points, workers)
        return
    engine = clusterer.engine() if cpu and isinstance(clusterer, SingleLinkage) else None
    if engine is not None and len(elements) >= 2:  # single linkage at a threshold: DBSCAN with every row core
        yield from _dbscan_elements(engine, X, elements, min_points, workers)
        return
    parallel = cpu and isinstance(clusterer, SingleLinkage)
    if not parallel or len(elements) < 2:
        for k, item in enumerate(elements):
            yield k, item, run(item)
        return
    with one_blas_thread():
        if workers == 1:
            for k, item in enumerate(elements):
                yield k, item, run(item)
            return
        # largest elements first, so that the pool does not end on one big element; results in cover order
        order = sorted(range(len(elements)), key=lambda k: -len(elements[k][1]))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {k: pool.submit(run, elements[k]) for k in order}
            for k, item in enumerate(elements):
                yield k, item, futures[k].result()


LARGEST_FIRST = True  # submit the elements largest first (False: in cover order; the graph is the same)
REUSE_MIN_SHARE = 0.25  # reuse an earlier element's pairs when it holds at least this share of the rows


def _dbscan_elements(
    clusterer: DBSCAN, X: np.ndarray, elements: list[CoverElement], min_points: int, workers: int
) -> Iterator[tuple[int, CoverElement, np.ndarray | None]]:
    """DBSCAN of every cover element, each pair's distance decided once where elements overlap.

    Overlapping cover elements share rows. An element whose within-eps graph turned out sparse keeps its pairs
    (global rows); a later submitted element that shares at least ``REUSE_MIN_SHARE`` of its rows with such an
    element (its "parent": the earlier one sharing most rows) takes the parent's pairs among the shared rows S and
    computes only the pairs with at least one row outside S. The labels are then computed from the element's own pair list,
    as for a lone element (the pair decisions are exact, so they do not depend on which element made them).
    Dense elements (the leaders method, the adjacency matrix) keep no pairs. Elements run on a thread pool with
    single-threaded BLAS, largest first (``LARGEST_FIRST``: the pool does not end on one large element while the
    other threads idle; 20-25% less wall time on 20,000 x 384 blobs), a parent always submitted before its children;
    the labels come back in cover order.
    """
    from topoalign.mapper import dbscan
    from topoalign.mapper.dbscan import SPARSE_DEGREE, WithinEps, dense_element_labels, labels_from_pairs
    from topoalign.mapper.dbscan.pivots import dbscan_labels_pivots
    from topoalign.mapper.dbscan.small import SMALL_ROWS, small_elements_labels

    eps, min_samples, metric = clusterer.eps_, int(clusterer.min_samples), clusterer.metric
    n, K = len(X), len(elements)
    member = np.zeros((n, K), dtype=bool)
    eligible = np.zeros(K, dtype=bool)
    for k, (_, rows) in enumerate(elements):
        member[rows, k] = True
        eligible[k] = len(rows) >= min_points
    # small elements all at once (batched products, one DBSCAN pass), as the pool's first task, beside the large
    # elements; they take no part in pair reuse
    small_k = [k for k in range(K) if eligible[k] and len(elements[k][1]) <= SMALL_ROWS]
    small_at = {k: i for i, k in enumerate(small_k)}
    eligible[small_k] = False
    submit = sorted(range(K), key=lambda k: -len(elements[k][1])) if LARGEST_FIRST else list(range(K))
    parent = np.full(K, -1)
    # parents among the elements submitted ``workers`` places earlier or before: the element just before (usually
    # the best-sharing neighbour) is most likely still running, and waiting on it would serialise the pool
    lag = workers
    for at, k in enumerate(submit):
        if at >= lag and eligible[k]:
            rows = elements[k][1]
            earlier = np.asarray(submit[: at - lag + 1])
            shared = np.count_nonzero(member[rows][:, earlier], axis=0) * eligible[earlier]
            p = int(np.argmax(shared))
            if shared[p] >= REUSE_MIN_SHARE * len(rows):
                parent[k] = earlier[p]
    futures: dict[int, Future[Labelled] | _Done[Labelled]] = {}
    prune_stats = [0, 0]  # elements that tried the lower bounds, and those where they did not separate the rows
    probe_stats = [0, 0]  # elements that tried the pivots first, and those that turned out sparse
    axes_box: list[np.ndarray | None] = []
    axes_lock = threading.Lock()

    def projection() -> np.ndarray | None:
        # made on first use: graphs whose elements are all small (no pruning below _ROWS rows) never pay for it
        with axes_lock:
            if not axes_box:
                axes_box.append(_projection_axes(X, metric))
        return axes_box[0]

    def _count(f: WithinEps) -> None:
        # once most elements find the bounds useless, the rest skip them (the data are not low-rank enough)
        if f.Ak is not None:
            prune_stats[0] += 1
            prune_stats[1] += int(f.prune_failed)

    def settle_first(f: WithinEps) -> tuple[np.ndarray | None, bool, bool]:
        """Dense elements settle from a few pivot columns before any projection or pair list is made: (labels or
        None, whether the element looked dense, whether the pivots ran). Once most elements turn out sparse, the
        rest skip the pivots."""
        if not dbscan.USE_PIVOTS or (probe_stats[0] >= 4 and probe_stats[1] > probe_stats[0] // 2):
            return None, False, False
        labels, degree = dbscan_labels_pivots(f, min_samples)
        probe_stats[0] += 1
        probe_stats[1] += int(labels is None and degree <= 2 * SPARSE_DEGREE)
        return labels, labels is not None or degree > 2 * SPARSE_DEGREE, True

    def run(k: int) -> Labelled:
        rows = elements[k][1]
        m = len(rows)
        if m < min_points:
            return None, None
        known: tuple[np.ndarray, np.ndarray] | None = None
        f: WithinEps | None = None
        if parent[k] >= 0:
            _, gp = futures[parent[k]].result()
            if gp is not None:
                inside = member[:, k]
                keep = inside[gp[0]] & inside[gp[1]]
                known = (np.searchsorted(rows, gp[0][keep]), np.searchsorted(rows, gp[1][keep]))
        cap = SPARSE_DEGREE * m
        tried = False  # the pivots (``dbscan.pivots``) ran on this element
        if known is None:
            f = WithinEps(X[rows], eps, metric)
            labels, dense, tried = settle_first(f)
            if labels is not None:
                return labels, None
            if dense:
                return dense_element_labels(X[rows], eps, min_samples, metric, f, pivots=False), None
        use = m > _ROWS and not (prune_stats[0] >= 4 and prune_stats[1] > prune_stats[0] // 2)
        axes = projection() if use else None
        pairs: tuple[np.ndarray, np.ndarray] | None
        if known is None:
            assert f is not None  # made above for every element without known pairs
            if axes is not None:
                f.use_projection(axes)
            pairs = f.pairs(max_pairs=cap)
            _count(f)
        elif len(known[0]) > cap:
            f, pairs = None, None
        else:
            shared = member[rows, parent[k]]
            new_rows = np.flatnonzero(~shared)
            perm = np.concatenate([new_rows, np.flatnonzero(shared)])
            f = WithinEps(X[rows[perm]], eps, metric, axes=axes)
            pairs = f.pairs(max_pairs=cap - len(known[0]), row_stop=len(new_rows))
            _count(f)
            if pairs is not None:
                pairs = (np.concatenate([known[0], perm[pairs[0]]]), np.concatenate([known[1], perm[pairs[1]]]))
            f = None
        if pairs is None:
            return dense_element_labels(X[rows], eps, min_samples, metric, f, pivots=not tried), None
        return labels_from_pairs(m, pairs[0], pairs[1], min_samples), (rows[pairs[0]], rows[pairs[1]])

    # an element's future (its pair list) is dropped once it and all its children are read (in cover order)
    release_at = np.arange(K)
    for j in range(K):
        if parent[j] >= 0:
            release_at[parent[j]] = max(release_at[parent[j]], j)
    release: dict[int, list[int]] = {}
    for j in range(K):
        release.setdefault(int(release_at[j]), []).append(j)
    with one_blas_thread():
        pool: ThreadPoolExecutor | _Inline = ThreadPoolExecutor(max_workers=workers) if workers > 1 else _Inline()
        try:
            small = pool.submit(small_elements_labels, X, [elements[k][1] for k in small_k], eps, min_samples, metric)
            for k in submit:  # a parent is submitted (and started) before its children
                if k not in small_at:
                    futures[k] = pool.submit(run, k)
            for k, item in enumerate(elements):
                labels = small.result()[small_at[k]] if k in small_at else futures[k].result()[0]
                # drop pair lists nobody needs any more (children have finished once they are read)
                for j in release.get(k, ()):
                    futures.pop(j, None)
                yield k, item, labels
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # a build stopped early (max_nodes) drops queued work
    if prune_stats[0] and neighbors.PAIR_LOOP == "auto" and neighbors.PAIR_LOOP_WARM_UP:
        neighbors.warm_up_pair_loop(background=True)  # the next builds of this process run the numba pair loop


class _Done(Generic[T]):
    def __init__(self, value: T) -> None:
        self.value = value

    def result(self) -> T:
        return self.value


class _Inline:
    """``submit`` runs at once (one worker: no pool, and profilers see the work)."""

    def submit(self, fn: Callable[..., T], *args: Any) -> _Done[T]:
        return _Done(fn(*args))

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        return False


PROJECTION_DIMS = 64


def _projection_axes(X: np.ndarray, metric: str) -> np.ndarray | None:
    """Top principal axes V (d x k float32, orthonormal columns) estimated on a seeded sample of rows: distances
    between projected rows are lower bounds of the distances, which rule out most pairs of sparse cover elements
    before the full products (``FusedRadius.use_projection`` projects an element's rows when it first needs them).
    None when the dimension or the number of rows is too low for it to pay."""
    n, d = X.shape
    if metric != "euclidean" or d < 2 * PROJECTION_DIMS or n < 2000:
        return None
    k = PROJECTION_DIMS
    rng = np.random.default_rng(0)
    rows = rng.choice(n, min(n, 1000), replace=False)
    S = np.asarray(X[np.sort(rows)], dtype=np.float32)
    S = S - S.mean(axis=0)
    # randomised subspace iteration (Halko et al. 2011) and a Rayleigh-Ritz step, a few times cheaper than a full
    # eigendecomposition: the bounds hold for any orthonormal V (QR: orthonormal to ~1e-6, far inside the margin
    # used); a closer subspace only prunes more
    V = np.linalg.qr(S.T @ (S @ rng.standard_normal((d, k + 16)).astype(np.float32)))[0]
    for _ in range(2):
        V = np.linalg.qr(S.T @ (S @ V))[0]
    B = S @ V
    return np.ascontiguousarray(V @ np.linalg.eigh(B.T @ B)[1][:, ::-1][:, :k], dtype=np.float32)
