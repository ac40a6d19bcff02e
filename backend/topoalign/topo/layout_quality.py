"""Quality figures of a joint layout, and the corresponding positions they (and the layout's springs) are built on.

- ``correspondence_springs``: where each node's members went in every other graph (its corresponding position);
- ``stress_ratio``: per graph, normalised stress of the joint layout / of the graph's independent layout;
- ``distance_ratio``: mean distance between corresponding nodes in independent layouts / in the joint layout
  (Procrustes-fitted per pair of graphs, each graph in graph-distance units);
- edge crossings per graph.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from topoalign.topo.correspondence import CorrespondenceSet
from topoalign.topo.stress import GraphGeometry, graph_geometry, independent_layouts, optimal_scale, stress

RELATIVE = 0.5


def correspondence_springs(corr: CorrespondenceSet, min_jaccard: float = 0.05) -> sp.csr_matrix:
    """Correspondence pulls (N x N, N = all nodes, graphs in order; not symmetric).

    Row i, block of graph h: where node i's members went in h, i.e. the containment |i & j| / |i| of i in each node
    j of h, normalised to sum 1 and scaled by how well i is matched there (its best Jaccard in h; blocks whose
    best Jaccard is below ``min_jaccard`` are dropped). ``(P @ X)_i`` is then the sum over graphs of i's
    corresponding position (the centroid of its members' nodes) times the match strength, and ``P.sum(axis=1)_i``
    the total strength: the zero-length springs of the joint layout and the targets of its quality figure.
    """
    sizes = [len(g.nodes) for g in corr.graphs]
    offsets = np.r_[0, np.cumsum(sizes)]
    blocks = []
    for g in range(len(sizes)):
        for h in range(len(sizes)):
            if g == h:
                continue
            ov = corr.overlap(g, h)
            cont, jac = ov.containment_ab.tocsr(), ov.jaccard.tocsr()  # same sparsity structure
            rows = np.repeat(np.arange(cont.shape[0]), np.diff(cont.indptr))
            best = np.zeros(cont.shape[0])
            np.maximum.at(best, rows, jac.data)
            # only the strong partners (Jaccard >= RELATIVE x the best): a neighbour sharing the cover's overlap
            # would otherwise pull every node towards the middle of its partners and shrink the layout
            share = np.where(jac.data >= RELATIVE * best[rows], cont.data, 0.0)
            total = np.bincount(rows, weights=share, minlength=cont.shape[0])
            strength = np.where(best >= min_jaccard, best, 0.0)
            vals = share / np.maximum(total[rows], 1e-300) * strength[rows]
            keep = vals > 0
            blocks.append((rows[keep] + offsets[g], cont.indices[keep] + offsets[h], vals[keep]))
    n = int(offsets[-1])
    if not blocks:
        return sp.csr_matrix((n, n))
    r, c, v = (np.concatenate(x) for x in zip(*blocks))
    return sp.csr_matrix((v, (r, c)), shape=(n, n))


def weighted_procrustes(src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted orthogonal Procrustes (rotation/reflection + translation): returns (R, mu_src, mu_dst)."""
    w = w / w.sum()
    ms, md = w @ src, w @ dst
    u, _, vt = np.linalg.svd(((src - ms) * w[:, None]).T @ (dst - md))
    return u @ vt, ms, md


def edge_crossings(X: np.ndarray, edges: np.ndarray, chunk: int = 1024) -> int:
    """Number of pairs of edges (without a shared endpoint) whose segments properly cross."""
    m = len(edges)
    if m < 2:
        return 0
    p, q = X[edges[:, 0]], X[edges[:, 1]]
    total = 0
    for lo in range(0, m, chunk):
        a, b = p[lo : lo + chunk, None, :], q[lo : lo + chunk, None, :]
        c, d = p[None, :, :], q[None, :, :]

        def orient(u, v, w):
            return np.sign(
                (v[..., 0] - u[..., 0]) * (w[..., 1] - u[..., 1]) - (v[..., 1] - u[..., 1]) * (w[..., 0] - u[..., 0])
            )

        cross = (orient(a, b, c) * orient(a, b, d) < 0) & (orient(c, d, a) * orient(c, d, b) < 0)
        ea, eb = edges[lo : lo + chunk, None, :], edges[None, :, :]
        share = (
            (ea[..., 0] == eb[..., 0])
            | (ea[..., 0] == eb[..., 1])
            | (ea[..., 1] == eb[..., 0])
            | (ea[..., 1] == eb[..., 1])
        )
        upper = np.arange(lo, min(lo + chunk, m))[:, None] < np.arange(m)[None, :]
        total += int((cross & ~share & upper).sum())
    return total


def correspondence_distance(
    positions: Sequence[np.ndarray], springs: sp.csr_matrix, offsets: np.ndarray, *, fit: bool = True
) -> dict[str, float]:
    """Mean distance between each node and its corresponding position in another graph (weighted by the match
    strength), per ordered pair of graphs "g-h", after a Procrustes fit (rotation, reflection, translation) of h's
    positions onto g's when ``fit``. Positions of all graphs must share units."""
    out = {}
    for g in range(len(positions)):
        for h in range(len(positions)):
            if g == h:
                continue
            block = springs[offsets[g] : offsets[g + 1], offsets[h] : offsets[h + 1]].tocsr()
            strength = np.asarray(block.sum(axis=1)).ravel()
            has = strength > 0
            if has.sum() == 0:
                continue
            xh = positions[h]
            target = (block @ xh)[has] / strength[has, None]
            mine = positions[g][has]
            w = strength[has]
            if fit and has.sum() >= 3:
                # fit h onto g: targets are linear in h's positions, so transform them the same way
                R, ms, md = weighted_procrustes(target, mine, w)
                target = (target - ms) @ R + md
            out[f"{g}-{h}"] = float((w * np.sqrt(((mine - target) ** 2).sum(axis=1))).sum() / w.sum())
    return out


def layout_quality(
    layout,
    corr: CorrespondenceSet,
    *,
    geoms: Sequence[GraphGeometry] | None = None,
    independent: Sequence[np.ndarray] | None = None,
    random_state: int = 0,
    n_iter: int | None = None,
) -> dict[str, Any]:
    """Quality figures of a joint layout (a ``JointLayout``) against independent layouts of the same graphs
    (by default :func:`independent_layouts` run to convergence).

    - ``stress_ratio``: per graph, normalised stress of the joint layout / of the independent layout (1 = no cost);
    - ``distance_ratio``: mean distance between corresponding nodes in independent layouts (Procrustes-fitted per
      pair) / in the joint layout (also fitted); positions are first put in graph-distance units (optimal scale);
    - ``crossings``: edge crossings per graph, joint and independent.
    """
    geoms = list(geoms) if geoms is not None else [graph_geometry(g) for g in corr.graphs]
    independent = (
        list(independent)
        if independent is not None
        else independent_layouts(geoms, n_iter=n_iter, random_state=random_state)
    )
    springs = layout.springs if layout.springs is not None else correspondence_springs(corr)
    return quality_figures(layout.positions, independent, geoms, springs)


def quality_figures(
    positions: Sequence[np.ndarray],
    independent: Sequence[np.ndarray],
    geoms: Sequence[GraphGeometry],
    springs: sp.csr_matrix,
) -> dict[str, Any]:
    """The figures of :func:`layout_quality` for any per-graph positions (also used on baseline layouts)."""
    offsets = np.r_[0, np.cumsum([g.n for g in geoms])]
    s_joint = [stress(p, g) for p, g in zip(positions, geoms)]
    s_ind = [stress(p, g) for p, g in zip(independent, geoms)]
    ratio = [sj / si if si > 0 else 1.0 for sj, si in zip(s_joint, s_ind)]
    unit_joint = [p * optimal_scale(p, g) for p, g in zip(positions, geoms)]
    unit_ind = [p * optimal_scale(p, g) for p, g in zip(independent, geoms)]
    d_joint = correspondence_distance(unit_joint, springs, offsets)
    d_ind = correspondence_distance(unit_ind, springs, offsets)
    pair_ratio = {key: d_ind[key] / max(d_joint[key], 1e-12) for key in d_joint}
    mean_joint = float(np.mean(list(d_joint.values()))) if d_joint else 0.0
    mean_ind = float(np.mean(list(d_ind.values()))) if d_ind else 0.0
    return {
        "stress_joint": s_joint,
        "stress_independent": s_ind,
        "stress_ratio": ratio,
        "stress_ratio_mean": float(np.mean(ratio)) if ratio else 1.0,
        "stress_ratio_max": float(np.max(ratio)) if ratio else 1.0,
        "corr_distance_joint": mean_joint,
        "corr_distance_independent": mean_ind,
        "distance_ratio": mean_ind / max(mean_joint, 1e-12),
        "distance_ratio_pairs": pair_ratio,
        "crossings_joint": [edge_crossings(p, g.edges) for p, g in zip(positions, geoms)],
        "crossings_independent": [edge_crossings(p, g.edges) for p, g in zip(independent, geoms)],
    }
