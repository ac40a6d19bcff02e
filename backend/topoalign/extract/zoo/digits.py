"""The digits zoo: small CNNs trained on ``sklearn.datasets.load_digits`` (8x8), several seeds, every epoch kept.

Each (seed, epoch) checkpoint is run on the held-out test split (condition ``test``) and on shifted copies of it
(``ood:noise``, ``ood:blur``, ``ood:rotation``, ``ood:inversion``, ``ood:occlusion``). A shifted image keeps the
id of the test image it came from (``digit-0042``: index 42 of ``load_digits``), so conditions compare by id.
Epoch 0 is the random initialisation of each seed: trained-vs-untrained comparisons are epoch-k vs epoch-0.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd
import torch
from scipy import ndimage
from torch import nn

from topoalign.errors import InvalidParameterError
from topoalign.extract.hooks import extract_activations
from topoalign.jobs.progress import Progress, null_progress
from topoalign.representation import Provenance, Representation

LAYERS = ("conv1", "conv2", "conv3", "fc1", "logits")
ARCHITECTURE = "conv(1->8)-conv(8->16)-maxpool-conv(16->32)-fc(512->64)-fc(64->10), ReLU; conv layers pooled by gap"


class DigitsCNN(nn.Module):
    """Three 3x3 conv blocks and two linear layers for 1 x 8 x 8 images; each named block is one layer."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU())
        self.conv2 = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.conv3 = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())
        self.fc1 = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU())
        self.logits = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(self.fc1(self.conv3(self.conv2(self.conv1(x)))))


@dataclass
class DigitsData:
    """Images (n, 8, 8) scaled to [0, 1], classes (n,), and the ``load_digits`` index of each test image."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    test_index: np.ndarray

    @property
    def test_ids(self) -> list[str]:
        return [f"digit-{i:04d}" for i in self.test_index]


def load_digits_split(test_size: float = 0.25, random_state: int = 0) -> DigitsData:
    """A stratified train/test split of ``load_digits`` (1797 images; 450 test images by default)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    idx = np.arange(len(images))
    tr, te = train_test_split(idx, test_size=test_size, random_state=random_state, stratify=digits.target)
    te = np.sort(te)
    return DigitsData(images[tr], digits.target[tr].astype(np.int64), images[te], digits.target[te].astype(np.int64), te)


# -- out-of-distribution shifts: (n, 8, 8) in [0, 1] -> same shape, deterministic given the rng --------------------
def _noise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.clip(x + rng.normal(0.0, 0.3, size=x.shape), 0.0, 1.0)


def _blur(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return ndimage.gaussian_filter(x, sigma=(0, 1.0, 1.0), mode="constant")


def _rotation(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.clip(ndimage.rotate(x, 30.0, axes=(2, 1), reshape=False, order=1, mode="constant"), 0.0, 1.0)


def _inversion(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return 1.0 - x


def _occlusion(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = x.copy()
    corners = rng.integers(1, 4, size=(len(x), 2))  # a 4x4 patch covering part of the centre
    for img, (r, c) in zip(out, corners):
        img[r:r + 4, c:c + 4] = 0.0
    return out


OOD_SHIFTS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "noise": _noise,
    "blur": _blur,
    "rotation": _rotation,
    "inversion": _inversion,
    "occlusion": _occlusion,
}


def make_conditions(x_test: np.ndarray, shifts: Sequence[str] = tuple(OOD_SHIFTS), seed: int = 0) -> dict[str, np.ndarray]:
    """``test`` plus one ``ood:<shift>`` copy of the test images per shift, float32 in [0, 1]."""
    unknown = [s for s in shifts if s not in OOD_SHIFTS]
    if unknown:
        raise InvalidParameterError(f"Unknown OOD shift(s) {unknown}; use some of {list(OOD_SHIFTS)}.")
    out = {"test": x_test.astype(np.float32)}
    for k, name in enumerate(shifts):
        rng = np.random.default_rng([seed, k])
        out[f"ood:{name}"] = OOD_SHIFTS[name](x_test.astype(np.float64), rng).astype(np.float32)
    return out


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


def train_checkpoints(
    data: DigitsData, seed: int, epochs: Sequence[int], batch_size: int = 64, lr: float = 2e-3
) -> Iterator[tuple[int, DigitsCNN]]:
    """Train one seed's CNN and yield ``(epoch, model)`` at each wanted epoch (0 = the random initialisation).

    The model yielded is a copy, so callers may keep or run it freely. Call inside :func:`deterministic_torch`.
    """
    wanted = sorted(set(int(e) for e in epochs))
    if not wanted or wanted[0] < 0:
        raise InvalidParameterError(f"The 'epochs' parameter must hold integers >= 0. Got {list(epochs)} instead.")
    torch.manual_seed(seed)
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.from_numpy(data.x_train[:, None])
    y = torch.from_numpy(data.y_train)
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(wanted[-1] + 1):
        if epoch > 0:
            model.train()
            for idx in torch.randperm(len(x), generator=gen).split(batch_size):
                opt.zero_grad()
                loss_fn(model(x[idx]), y[idx]).backward()
                opt.step()
        if epoch in wanted:
            yield epoch, copy.deepcopy(model).eval()


def digits_representations(
    data: DigitsData,
    seeds: Sequence[int],
    epochs: Sequence[int],
    conditions: dict[str, np.ndarray],
    progress: Progress | None = None,
) -> Iterator[Representation]:
    """Every layer of every (seed, epoch) checkpoint on every condition, with provenance and accuracy."""
    progress = progress or null_progress
    ids = data.test_ids
    labels = pd.DataFrame({"class": [str(c) for c in data.y_test]}, index=pd.Index(ids, name="stimulus_id"))
    names = list(conditions)
    stacked = torch.from_numpy(np.concatenate([conditions[c] for c in names])[:, None])
    n = len(ids)
    total = len(seeds) * len(set(epochs))
    done = 0
    with deterministic_torch():
        for seed in seeds:
            for epoch, model in train_checkpoints(data, seed, epochs):
                acts = extract_activations(model, stacked, layers=list(LAYERS), batch_size=1024, device="cpu", pool_conv="gap")
                for c, cond in enumerate(names):
                    rows = slice(c * n, (c + 1) * n)
                    accuracy = float((acts["logits"][rows].argmax(axis=1) == data.y_test).mean())
                    for li, layer in enumerate(LAYERS):
                        yield Representation(
                            matrix=acts[layer][rows],
                            stimulus_ids=ids,
                            labels=labels,
                            name=f"digits-cnn-s{seed}/epoch-{epoch}/{cond}/{layer}",
                            provenance=Provenance(
                                model=f"digits-cnn-s{seed}", layer=layer, layer_index=li,
                                layer_fraction=li / (len(LAYERS) - 1), checkpoint=f"epoch-{epoch}", epoch=epoch,
                                condition=cond, seed=int(seed), architecture=ARCHITECTURE,
                                metrics={"accuracy": accuracy},
                                extra={"trained": epoch > 0, "n_train": int(len(data.y_train)),
                                       "dataset": "sklearn load_digits"},
                            ),
                        )
                done += 1
                progress(done / total, f"digits seed {seed} epoch {epoch}")


def thumbnails(conditions: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """uint8 (n, 8, 8) thumbnails of the test images, plus (k, n, 8, 8) for every condition in ``names`` order."""
    to_u8 = lambda a: np.round(np.clip(a, 0, 1) * 255).astype(np.uint8)  # noqa: E731
    names = list(conditions)
    return {
        "images": to_u8(conditions["test"]),
        "condition_names": np.asarray(names, dtype=str),
        "condition_images": np.stack([to_u8(conditions[c]) for c in names]),
    }
