"""Conv and sequence reductions against direct numpy, and the shapes they refuse."""

from __future__ import annotations

import numpy as np
import pytest

from topoalign.errors import InvalidInputError, InvalidParameterError
from topoalign.io import ingest_arrays, reduce_activations, reduce_conv, reduce_sequence


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conv_rules_match_numpy(seed):
    x = np.random.default_rng(seed).normal(size=(5, 3, 6, 7)).astype(np.float32)
    np.testing.assert_allclose(reduce_conv(x, "gap"), x.mean(axis=(2, 3)), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(reduce_conv(x, "center"), x[:, :, 3, 3])
    np.testing.assert_array_equal(reduce_conv(x, "flatten"), x.reshape(5, -1))
    assert reduce_conv(x, "gap").dtype == np.float32


def test_flatten_matches_torch_order():
    import torch

    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_array_equal(reduce_conv(x, "flatten"), torch.flatten(torch.from_numpy(x), 1).numpy())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sequence_rules_match_numpy(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4, 6, 3))
    np.testing.assert_allclose(reduce_sequence(x, "mean"), x.mean(axis=1), rtol=1e-6)
    np.testing.assert_array_equal(reduce_sequence(x, "first"), x[:, 0, :].astype(np.float32))
    lengths = np.array([1, 3, 6, 2])
    mask = np.arange(6)[None, :] < lengths[:, None]
    expected = np.stack([x[i, : lengths[i]].mean(axis=0) for i in range(4)])
    np.testing.assert_allclose(reduce_sequence(x, "mean", mask.astype(np.int64)), expected, rtol=1e-6)


def test_masked_mean_ignores_nan_padding():
    x = np.ones((2, 3, 2))
    x[:, 2] = np.nan
    mask = np.array([[1, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(reduce_sequence(x, "mean", mask), np.ones((2, 2), np.float32))


def test_bad_masks_and_rules():
    x = np.ones((2, 3, 2))
    with pytest.raises(InvalidInputError, match=r"mask has shape \(2, 4\).*\(2, 3, 2\)"):
        reduce_sequence(x, "mean", np.ones((2, 4)))
    with pytest.raises(InvalidInputError, match="selects no token in 1 rows"):
        reduce_sequence(x, "mean", np.array([[1, 0, 0], [0, 0, 0]]))
    with pytest.raises(InvalidParameterError, match="The 'rule' parameter of reduce_conv must be one of"):
        reduce_conv(np.ones((1, 1, 1, 1)), "max")


@pytest.mark.parametrize("shape", [(5,), (2, 2, 2, 2, 2)])
def test_reduce_rejects_other_ranks(shape):
    with pytest.raises(InvalidInputError, match=r"\d-D"):
        reduce_activations(np.ones(shape))


def test_ingest_reduces_with_named_rules_and_mask(store):
    rng = np.random.default_rng(0)
    conv = rng.normal(size=(4, 3, 5, 5)).astype(np.float32)
    seq = rng.normal(size=(4, 6, 2)).astype(np.float32)
    mask = np.arange(6)[None, :] < np.array([2, 6, 3, 1])[:, None]
    report = ingest_arrays(store, "r", {"conv": conv, "seq": seq}, mask=mask, reduce_conv="center")
    mats = {r.name: store.load_representation(r.id).matrix for r in report.records}
    np.testing.assert_array_equal(mats["conv"], conv[:, :, 2, 2])
    np.testing.assert_allclose(mats["seq"], reduce_sequence(seq, "mean", mask))
    report = ingest_arrays(store, "r2", {"conv": conv, "seq": seq}, reduce_conv="flatten", reduce_seq="first")
    mats = {r.name: store.load_representation(r.id).matrix for r in report.records}
    assert mats["conv"].shape == (4, 75)
    np.testing.assert_array_equal(mats["seq"], seq[:, 0])


def test_ingest_file_takes_attention_mask_from_npz(store, tmp_path):
    seq = np.random.default_rng(1).normal(size=(3, 4, 2)).astype(np.float32)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]], dtype=np.int8)
    np.savez(tmp_path / "seq.npz", hidden=seq, attention_mask=mask)
    from topoalign.io import ingest_file

    report = ingest_file(store, "m", tmp_path / "seq.npz")
    assert [r.name for r in report.records] == ["hidden"]
    np.testing.assert_allclose(
        store.load_representation(report.records[0].id).matrix, reduce_sequence(seq, "mean", mask)
    )
