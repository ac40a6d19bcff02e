"""The demo's default graphs are readable and lose no stimulus: every MiniLM layer of the sentences collection and
every layer of a trained MNIST CNN and MLP (test set and a shifted copy), built with no Mapper parameters at all."""

import pytest

from topoalign.extract.zoo.demo import DemoPlan, build_mnist, build_sentences
from topoalign.mapper.service import graph_for_representation
from topoalign.store import Store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("demo-graphs"))
    build_sentences(store, DemoPlan(), models=["minilm"])
    build_mnist(
        store,
        DemoPlan(seeds=(0,), epochs=2, steps=(), corruptions=("gaussian_blur",), severities=(3,), digits_domain=False),
    )
    return store


@pytest.mark.slow
@pytest.mark.parametrize("collection", ["sentences", "mnist"])
def test_default_graphs_cover_every_stimulus_in_at_most_150_nodes(demo_store, collection):
    reps = demo_store.list_representations(collection)
    assert len(reps) >= 7
    for rep in reps:
        _, g = graph_for_representation(demo_store, rep.id, {})
        covered, share = g.coverage()
        assert share >= 0.98, (rep.name, share)
        assert 2 <= len(g.nodes) <= 150, (rep.name, len(g.nodes))
        assert g.params["auto"]["strategy"] == "shape"
