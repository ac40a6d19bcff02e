"""Forward-hook extraction on the MNIST CNN of the demo zoo: shapes, determinism, hook clean-up, errors, pooling rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from topoalign.errors import InvalidInputError, InvalidParameterError
from topoalign.extract import extract_activations, select_modules
from topoalign.extract.zoo.mnist import MnistCNN, read_mnist

LAYERS = MnistCNN.LAYERS


@pytest.fixture(scope="module")
def digits_inputs():
    images, _ = read_mnist("test", 100)
    return torch.from_numpy(images[:, None].astype(np.float32) / 255)


@pytest.fixture
def cnn():
    torch.manual_seed(0)
    return MnistCNN()


def _hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


def test_shapes_per_layer(cnn, digits_inputs):
    acts = extract_activations(cnn, digits_inputs, layers=list(LAYERS))
    assert list(acts) == list(LAYERS)
    assert {k: v.shape for k, v in acts.items()} == {
        "conv1": (100, 16),
        "conv2": (100, 32),
        "conv3": (100, 64),
        "fc": (100, 128),
        "logits": (100, 10),
    }
    assert all(v.dtype == np.float32 for v in acts.values())


def test_logits_equal_the_model_output(cnn, digits_inputs):
    acts = extract_activations(cnn, digits_inputs, layers=["logits"])
    with torch.no_grad():
        expected = cnn.eval()(digits_inputs).numpy()
    np.testing.assert_allclose(acts["logits"], expected, rtol=1e-6, atol=1e-6)


def test_two_runs_are_identical(cnn, digits_inputs):
    a = extract_activations(cnn, digits_inputs, layers=list(LAYERS), batch_size=32)
    b = extract_activations(cnn, digits_inputs, layers=list(LAYERS), batch_size=32)
    for k in a:
        assert np.array_equal(a[k], b[k])


def test_batch_size_does_not_change_results(cnn, digits_inputs):
    a = extract_activations(cnn, digits_inputs, layers=list(LAYERS), batch_size=7)
    b = extract_activations(cnn, digits_inputs, layers=list(LAYERS), batch_size=1000)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6)


def test_dataloader_of_input_label_tuples(cnn, digits_inputs):
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(digits_inputs, torch.zeros(len(digits_inputs))), batch_size=30
    )
    seen = []
    a = extract_activations(cnn, loader, layers=["fc"], progress=lambda f, m="": seen.append(f))
    b = extract_activations(cnn, digits_inputs, layers=["fc"])
    np.testing.assert_allclose(a["fc"], b["fc"], rtol=1e-5, atol=1e-6)
    assert seen[-1] == 1.0 and len(seen) >= 4


def test_hooks_removed_and_mode_restored(cnn, digits_inputs):
    cnn.train()
    extract_activations(cnn, digits_inputs, layers=list(LAYERS))
    assert _hook_count(cnn) == 0
    assert cnn.training


def test_hooks_removed_after_an_error(cnn):
    bad = torch.zeros(4, 3, 28, 28)  # three channels into a one-channel conv: the forward pass fails
    with pytest.raises(RuntimeError):
        extract_activations(cnn, bad, layers=list(LAYERS))
    assert _hook_count(cnn) == 0


def test_unknown_layer_lists_available_names(cnn, digits_inputs):
    with pytest.raises(InvalidParameterError) as err:
        extract_activations(cnn, digits_inputs, layers=["conv1", "conv9"])
    msg = str(err.value)
    assert "conv9" in msg and "conv1.0" in msg and "logits" in msg
    assert _hook_count(cnn) == 0


def test_bad_parameters(cnn, digits_inputs):
    with pytest.raises(InvalidParameterError, match="pool_conv"):
        extract_activations(cnn, digits_inputs, pool_conv="max")
    with pytest.raises(InvalidParameterError, match="batch_size"):
        extract_activations(cnn, digits_inputs, batch_size=0)
    with pytest.raises(InvalidInputError):
        extract_activations(cnn, torch.zeros(0, 1, 28, 28))


def test_module_types_and_default_leaves(cnn):
    assert [n for n, _ in select_modules(cnn, module_types=(nn.Conv2d,))] == ["conv1.0", "conv2.0", "conv3.0"]
    leaves = [n for n, _ in select_modules(cnn)]
    assert "conv1.0" in leaves and "logits" in leaves and "conv1" not in leaves
    both = [n for n, _ in select_modules(cnn, layers=["fc"], module_types=(nn.Linear,))]
    assert both == ["fc", "fc.1", "logits"]


@pytest.mark.parametrize("rule", ["gap", "center", "flatten"])
def test_conv_pooling_against_numpy(cnn, digits_inputs, rule):
    with torch.no_grad():
        raw = cnn.eval().conv2(cnn.conv1(digits_inputs)).numpy()  # (n, 32, 7, 7)
    expected = {"gap": raw.mean(axis=(2, 3)), "center": raw[:, :, 3, 3], "flatten": raw.reshape(len(raw), -1)}[rule]
    got = extract_activations(cnn, digits_inputs, layers=["conv2"], pool_conv=rule)["conv2"]
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_sequence_and_conv1d_outputs():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv1d(3, 5, 3, padding=1), nn.Flatten(1), nn.Unflatten(1, (5, 6)), nn.Identity())
    x = torch.randn(4, 3, 6)
    acts = extract_activations(model, x, layers=["0", "3"], pool_seq="first")
    with torch.no_grad():
        conv = model[0](x).numpy()
    np.testing.assert_allclose(acts["0"], conv.mean(axis=2), rtol=1e-5, atol=1e-6)  # Conv1d: (n, c, length) -> gap
    np.testing.assert_allclose(acts["3"], conv[:, 0, :], rtol=1e-5, atol=1e-6)  # 3-D otherwise (n, t, d) -> first


def test_torchscript_outputs_are_the_layers(cnn, digits_inputs):
    class Layers(nn.Module):
        def __init__(self, net: MnistCNN):
            super().__init__()
            self.net = net

        def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
            h1 = self.net.conv1(x)
            return {"conv1": h1, "logits": self.net.logits(self.net.fc(self.net.conv3(self.net.conv2(h1))))}

    scripted = torch.jit.script(Layers(cnn).eval())
    acts = extract_activations(scripted, digits_inputs, batch_size=40)
    direct = extract_activations(cnn, digits_inputs, layers=["conv1", "logits"])
    for k in ("conv1", "logits"):
        np.testing.assert_allclose(acts[k], direct[k], rtol=1e-5, atol=1e-6)
    assert list(extract_activations(scripted, digits_inputs, layers=["logits"])) == ["logits"]
    with pytest.raises(InvalidParameterError, match="conv1"):
        extract_activations(scripted, digits_inputs, layers=["fc9"])
    with pytest.raises(InvalidParameterError, match="TorchScript"):
        extract_activations(scripted, digits_inputs, module_types=(nn.Conv2d,))
