"""`topoalign extract` through `topoalign.cli.main`: TorchScript and Hugging Face models, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from topoalign.cli import main
from topoalign.extract import extract_activations
from topoalign.extract.zoo.mnist import MnistCNN, read_mnist
from topoalign.extract.zoo.minilm import minilm_path
from topoalign.store import Store


class Layers(nn.Module):
    """A scriptable wrapper returning the activations to extract (TorchScript runs no Python hooks)."""

    def __init__(self, net: MnistCNN):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        h1 = self.net.conv1(x)
        h2 = self.net.conv2(h1)
        return {"conv1": h1, "conv2": h2, "logits": self.net.logits(self.net.fc(self.net.conv3(h2)))}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("extract")
    torch.manual_seed(0)
    net = MnistCNN().eval()
    torch.jit.script(Layers(net)).save(str(root / "digits.ts"))
    torch.save(net, root / "pickled.pt")  # a whole pickled module: must be refused
    x = read_mnist("test", 40)[0][:, None].astype(np.float32) / 255
    np.save(root / "inputs.npy", x)
    np.save(root / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (root / "sentences.txt").write_text("The coach played the match.\n\nThe chef will not bake bread.\nRain fell.\n")
    return root, net, x


def test_torchscript_extract_stores_every_output(files, tmp_path, capsys):
    root, net, x = files
    rc = main(
        [
            "extract",
            str(root / "digits.ts"),
            "--inputs",
            str(root / "inputs.npy"),
            "--collection",
            "cnn",
            "--condition",
            "test",
            "--data",
            str(tmp_path),
            "--batch-size",
            "16",
        ]
    )
    assert rc == 0
    store = Store(tmp_path)
    recs = store.list_representations("cnn")
    assert [r.name for r in recs] == ["digits.ts/test/conv1", "digits.ts/test/conv2", "digits.ts/test/logits"]
    assert [r.provenance.layer_index for r in recs] == [0, 1, 2] and recs[-1].provenance.layer_fraction == 1.0
    direct = extract_activations(net, torch.from_numpy(x), layers=["conv1", "conv2", "logits"])
    for rec in recs:
        rep = store.load_representation(rec.id)
        assert rep.provenance.condition == "test"
        np.testing.assert_allclose(rep.matrix, direct[rec.provenance.layer], rtol=1e-5, atol=1e-6)
    # a second model into the same collection: rows follow the collection's stimuli
    rc = main(
        [
            "extract",
            str(root / "digits.ts"),
            "--inputs",
            str(root / "inputs.npy"),
            "--collection",
            "cnn",
            "--layers",
            "logits",
            "--model",
            "again",
            "--data",
            str(tmp_path),
            "--json",
        ]
    )
    assert rc == 0 and '"again/logits"' in capsys.readouterr().out
    assert len(store.list_representations("cnn")) == 4


def test_hf_extract_stores_hidden_states_and_texts(files, tmp_path):
    root, _, _ = files
    rc = main(
        [
            "extract",
            str(minilm_path()),
            "--hf",
            "--inputs",
            str(root / "sentences.txt"),
            "--collection",
            "s",
            "--model",
            "minilm",
            "--data",
            str(tmp_path),
        ]
    )
    assert rc == 0
    store = Store(tmp_path)
    recs = store.list_representations("s")
    assert [r.provenance.layer for r in recs] == ["embeddings"] + [f"layer{i}" for i in range(1, 7)]
    assert all((r.n, r.d) == (3, 384) for r in recs)
    assert store.stimuli("s")["text"].tolist()[1] == "The chef will not bake bread."


@pytest.mark.parametrize(
    "args, message",
    [
        (["{root}/missing.ts", "--inputs", "{root}/inputs.npy"], "does not exist"),
        (["{root}/pickled.pt", "--inputs", "{root}/inputs.npy"], "not a TorchScript archive"),
        (["{root}/digits.ts", "--inputs", "{root}/missing.npy"], "does not exist"),
        (["{root}/digits.ts", "--inputs", "{root}/objects.npy"], "pickle"),
        (["{root}/digits.ts", "--inputs", "{root}/inputs.npy", "--layers", "conv9"], "conv9"),
        (["{root}/digits.ts", "--inputs", "{root}/inputs.npy", "--module-types", "Conv2d"], "TorchScript"),
        (["{root}/digits.ts", "--inputs", "{root}/inputs.npy", "--module-types", "Conv9d"], "Conv9d"),
        (["{root}", "--hf", "--inputs", "{root}/sentences.txt"], "config.json"),
        (["{minilm}", "--hf", "--inputs", "{root}/sentences.txt", "--layers", "layer9"], "layer9"),
    ],
)
def test_clear_errors_and_nothing_stored(files, tmp_path, capsys, args, message):
    root, _, _ = files
    argv = [a.format(root=root, minilm=minilm_path()) for a in args]
    rc = main(["extract", *argv, "--collection", "c", "--data", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2 and message in err, err
    assert Store(tmp_path).list_collections() == []


def test_row_count_must_match_an_existing_collection(files, tmp_path, capsys):
    root, _, _ = files
    Store(tmp_path).create_collection("c", ["a", "b"])
    rc = main(
        [
            "extract",
            str(root / "digits.ts"),
            "--inputs",
            str(root / "inputs.npy"),
            "--collection",
            "c",
            "--data",
            str(tmp_path),
        ]
    )
    assert rc == 2 and "2 stimuli" in capsys.readouterr().err
    assert Store(tmp_path).list_representations("c") == []
