"""Small vectorised helpers of the Mapper engine against their plain references (scipy, numpy)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from topoalign.mapper.components import pair_components
from topoalign.mapper.neighbors import sparse_nonzero


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.parametrize("n, m, seed", [(1, 0, 0), (10, 0, 1), (300, 100, 2), (1500, 3000, 3), (5000, 20000, 4)])
def test_components_equal_scipy_on_random_graphs(n, m, seed):
    rng = np.random.default_rng(seed)
    ii, jj = rng.integers(0, n, m), rng.integers(0, n, m)
    ref = connected_components(coo_matrix((np.ones(m), (ii, jj)), shape=(n, n)), directed=False)[1]
    assert _same_partition(pair_components(n, ii, jj), ref)


def test_components_of_a_long_shuffled_chain_and_a_star():
    rng = np.random.default_rng(5)
    n = 4000
    perm = rng.permutation(n)
    chain = pair_components(n, perm[:-1], perm[1:])
    assert len(set(chain.tolist())) == 1
    star = pair_components(n, np.zeros(n - 1, dtype=np.int64), np.arange(1, n))
    assert len(set(star.tolist())) == 1
    # two chains: two components, and no other row joins them
    half = pair_components(n, np.r_[perm[:1999], perm[2000:-1]], np.r_[perm[1:2000], perm[2001:]])
    assert len(set(half.tolist())) == 2 and len(set(half[perm[:2000]].tolist())) == 1


@pytest.mark.parametrize(
    "shape, density",
    [((256, 1500), 0.001), ((256, 1501), 0.002), ((3, 5), 0.5), ((256, 700), 0.3), ((1, 9), 0.2), ((17, 33), 0.0)],
)
def test_sparse_nonzero_equals_nonzero(shape, density):
    mask = np.random.default_rng(6).random(shape) < density
    for got, want in zip(sparse_nonzero(mask), np.nonzero(mask)):
        np.testing.assert_array_equal(got, want)
    # a non-contiguous view takes numpy's path and is still right
    for got, want in zip(sparse_nonzero(mask[:, ::2]), np.nonzero(mask[:, ::2])):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n_nodes, n_rows, seed", [(1, 5, 0), (40, 60, 1), (120, 20000, 2), (25, 30, 3)])
def test_edges_from_members_equal_the_sparse_product(n_nodes, n_rows, seed):
    """The numpy inverted index gives the edges (order, shared counts, Jaccard) of scipy's A A^T."""
    from scipy import sparse

    from topoalign.mapper.graph import MapperNode, edges_from_members

    rng = np.random.default_rng(seed)
    nodes = [
        MapperNode(
            f"n{i}",
            np.unique(rng.integers(0, n_rows, size=rng.integers(1, max(2, min(n_rows // 3, 400))))),
            (i,),
            (0.0,),
        )
        for i in range(n_nodes)
    ]
    sizes = np.array([len(nd.members) for nd in nodes])
    A = sparse.csr_matrix(
        (np.ones(sizes.sum()), (np.repeat(np.arange(n_nodes), sizes), np.concatenate([nd.members for nd in nodes]))),
        shape=(n_nodes, n_rows),
    )
    shared = sparse.triu(A @ A.T, k=1).tocoo()
    order = np.lexsort((shared.col, shared.row))
    expected = [(f"n{a}", f"n{b}", int(k)) for a, b, k in zip(shared.row[order], shared.col[order], shared.data[order])]
    got = edges_from_members(nodes)
    assert [(e.source, e.target, e.shared) for e in got] == expected
    for e in got:
        a, b = int(e.source[1:]), int(e.target[1:])
        assert e.jaccard == pytest.approx(e.shared / len(np.union1d(nodes[a].members, nodes[b].members)))
