"""``topoalign.align.service``: the one map of request options to metrics, and the cache-or-compute of audits that
the CLI, the job kinds and the API share."""

from __future__ import annotations

import pytest

from topoalign.align import service
from topoalign.align.score import METRICS, alignment_score
from topoalign.errors import InvalidParameterError, NotFoundError
from topoalign.jobs.context import JobEnv
from topoalign.jobs.kinds import align_piece

REQUEST = {"direction": "forward", "dim_mode": "pca", "span": "train", "k": 4}  # every metric's options at once


def test_metric_options_pick_only_the_chosen_metrics_options():
    assert service.metric_options("linear", REQUEST) == {"direction": "forward"}
    assert service.metric_options("procrustes", REQUEST) == {"dim_mode": "pca", "span": "train"}
    assert service.metric_options("mutual_knn", REQUEST) == {"k": 4}
    for metric in set(METRICS) - set(service.METRIC_OPTIONS):
        assert service.metric_options(metric, REQUEST) == {}
    assert set(service.METRIC_OPTIONS) <= set(METRICS)


@pytest.mark.parametrize("metric", ["linear", "procrustes", "mutual_knn", "cka"])
def test_job_piece_and_service_give_alignment_score_with_the_metrics_options(synth_store, metric):
    a, b = synth_store.list_representations("synth", condition="test", checkpoint="epoch-2", layer="L0")[:2]
    counts = {"folds": 3, "random_state": 1, "n_permutations": 2, "n_rotations": 0}
    want = alignment_score(
        synth_store.load_representation(a.id),
        synth_store.load_representation(b.id),
        metric=metric,
        **counts,
        **service.metric_options(metric, REQUEST),
    ).to_dict()
    via_service = service.stored_alignment(
        synth_store, {"representation_a": a.id, "representation_b": b.id, "metric": metric, **counts, **REQUEST}
    )
    env = JobEnv(data_dir=str(synth_store.data_dir))
    via_job = align_piece(
        env, {"representation_a": a.id, "representation_b": b.id, "metric": metric, **counts, **REQUEST}
    )
    assert via_service == want and via_job == want


def test_check_alignment_request(synth_store):
    a, b = synth_store.list_representations("synth", condition="test", checkpoint="epoch-2", layer="L0")[:2]
    service.check_alignment_request(synth_store, a.id, b.id, metric="mutual_knn", folds=3, k=5)
    with pytest.raises(InvalidParameterError, match="'folds' parameter of align"):
        service.check_alignment_request(synth_store, a.id, b.id, metric="procrustes", folds=10_000)
    with pytest.raises(InvalidParameterError, match="'k' parameter of MutualKNN"):
        service.check_alignment_request(synth_store, a.id, b.id, metric="mutual_knn", folds=3, k=10_000)
    with pytest.raises(NotFoundError):
        service.check_alignment_request(synth_store, a.id, "r000000000000", metric="cka", folds=3)


def test_check_audit_request(synth_store):
    assert service.check_audit_request(synth_store, "synth", metrics=["cka"]) == synth_store.get_collection("synth").id
    with pytest.raises(InvalidParameterError, match="'folds' parameter of audit"):
        service.check_audit_request(synth_store, "synth", folds=1)
    with pytest.raises(NotFoundError):
        service.check_audit_request(synth_store, "nosuchcollection")


def test_audit_is_cached_recomputed_listed_and_deleted(synth_store):
    request = dict(metrics=["cka"], analyses=["depth"], folds=3, n_null=0)
    first = service.audit_for_collection(synth_store, "synth", **request)
    assert not first.cached and first.n_cells == len(first.payload["cells"]) > 0
    again = service.audit_for_collection(synth_store, "synth", **request)
    assert again.cached and again.audit_id == first.audit_id and again.n_cells == first.n_cells
    assert again.payload is None
    loaded = service.audit_for_collection(synth_store, "synth", load=True, **request)
    assert loaded.cached and loaded.payload == service.stored_audit(synth_store, first.audit_id)
    fresh = service.audit_for_collection(synth_store, "synth", recompute=True, **request)
    assert not fresh.cached and fresh.audit_id != first.audit_id
    with pytest.raises(NotFoundError):  # recompute replaced the stored audit
        service.stored_audit(synth_store, first.audit_id)
    assert [r.id for r in service.list_audits(synth_store)] == [fresh.audit_id]
    assert [r.id for r in service.list_audits(synth_store, "synth")] == [fresh.audit_id]
    assert service.list_audits(synth_store, "other") == []
    service.delete_audit(synth_store, fresh.audit_id)
    with pytest.raises(NotFoundError):
        service.delete_audit(synth_store, fresh.audit_id)


def test_check_alignment_request_without_k_checks_the_default_k(synth_store, monkeypatch):
    """Without ``k``, mutual k-NN is checked at the k its score then uses (``knn.DEFAULT_K``): the check compared
    None with the training stimuli per fold (TypeError) before."""
    a, b = synth_store.list_representations("synth", condition="test", checkpoint="epoch-2", layer="L0")[:2]
    service.check_alignment_request(synth_store, a.id, b.id, metric="mutual_knn", folds=3)
    monkeypatch.setattr("topoalign.align.knn.DEFAULT_K", 10_000)
    with pytest.raises(InvalidParameterError, match="'k' parameter of MutualKNN"):
        service.check_alignment_request(synth_store, a.id, b.id, metric="mutual_knn", folds=3)
