"""Activations of any ``torch.nn.Module`` through forward hooks: batched, ``eval()``, ``no_grad``, pooled to (n, d).

TorchScript modules run no Python hooks (PyTorch refuses ``register_forward_hook`` on them); for those the
*outputs* of ``forward`` are the layers: a tensor is ``output``, a tuple ``output0, output1, ...``, a dict its keys.
Script a wrapper whose ``forward`` returns ``{name: activation}`` to extract inner layers of a scripted model.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import torch
from torch import nn

from topoalign.errors import InvalidInputError, InvalidParameterError, check_param
from topoalign.io.reduce import CONV_RULES, SEQ_RULES, reduce_activations, reduce_conv
from topoalign.progress import Progress, null_progress

# Modules whose 3-D outputs are (n, channels, length) rather than (n, tokens, d).
_CHANNELS_FIRST_1D = (
    nn.Conv1d,
    nn.ConvTranspose1d,
    nn.BatchNorm1d,
    nn.MaxPool1d,
    nn.AvgPool1d,
    nn.AdaptiveAvgPool1d,
    nn.AdaptiveMaxPool1d,
    nn.InstanceNorm1d,
)


def default_device() -> torch.device:
    """CUDA when available, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_device(device: str | torch.device | None) -> torch.device:
    if device is None:
        return default_device()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InvalidParameterError(
            f"The 'device' parameter must name a torch device (cpu, cuda, cuda:0). Got {device!r}."
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError(f"The 'device' parameter asks for {device!r}, but CUDA is not available here.")
    return dev


def select_modules(
    model: nn.Module, layers: Sequence[str] | None = None, module_types: tuple[type, ...] | None = None
) -> list[tuple[str, nn.Module]]:
    """The (name, module) pairs to hook, in ``named_modules`` order.

    ``layers`` names modules as ``model.named_modules()`` does (``"features.0"``); ``module_types`` adds every
    module of those types. With neither, every leaf module (one without children) is hooked.
    """
    named = dict(model.named_modules())
    named.pop("", None)
    if layers is not None:
        unknown = [name for name in layers if name not in named]
        if unknown:
            raise InvalidParameterError(
                f"Unknown layer name(s) {unknown}; the model has these named modules: {list(named)}."
            )
        if len(set(layers)) != len(layers):
            raise InvalidParameterError(f"Layer names repeat in {list(layers)}.")
    wanted = set(layers or ())
    if module_types:
        wanted |= {name for name, m in named.items() if isinstance(m, tuple(module_types))}
    if layers is None and not module_types:
        wanted = {name for name, m in named.items() if not any(True for _ in m.children())}
    chosen = [(name, m) for name, m in named.items() if name in wanted]
    if not chosen:
        types = [t.__name__ for t in module_types or ()]
        raise InvalidParameterError(f"No module of the model matches the layers or module types {types}.")
    return chosen


def _batches(inputs: Any, batch_size: int) -> tuple[Iterable[Any], int | None]:
    """Batches of ``inputs`` and their count (None when unknown)."""
    if isinstance(inputs, np.ndarray):
        if inputs.dtype == object:
            raise InvalidInputError("Inputs of dtype object cannot be fed to a model.")
        inputs = torch.from_numpy(np.ascontiguousarray(inputs))
    if isinstance(inputs, torch.Tensor):
        if inputs.ndim == 0 or inputs.shape[0] == 0:
            raise InvalidInputError(f"Inputs need at least one row; got shape {tuple(inputs.shape)}.")
        n = inputs.shape[0]
        return (inputs[i : i + batch_size] for i in range(0, n, batch_size)), -(-n // batch_size)
    try:
        total = len(inputs)
    except TypeError:
        total = None
    return inputs, total


def _run_batch(model: nn.Module, batch: Any, device: torch.device) -> Any:
    """Call the model on one batch: a tensor, a (inputs, labels, ...) tuple, or a dict of keyword tensors."""
    if isinstance(batch, np.ndarray):
        batch = torch.from_numpy(batch)
    if isinstance(batch, torch.Tensor):
        return model(batch.to(device))
    if isinstance(batch, dict):
        return model(**{k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()})
    if isinstance(batch, (tuple, list)) and batch:
        return _run_batch(model, batch[0], device)
    raise InvalidInputError(f"Cannot feed a batch of type {type(batch).__name__} to the model.")


def _first_tensor(output: Any) -> torch.Tensor:
    """The activation of a module: its output tensor, or the first tensor of a tuple/list output (RNNs, blocks)."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            if isinstance(item, torch.Tensor):
                return item
    if isinstance(output, dict):
        for item in output.values():
            if isinstance(item, torch.Tensor):
                return item
    raise InvalidInputError(f"A hooked module returned {type(output).__name__}, not a tensor.")


def _named_outputs(output: Any) -> dict[str, torch.Tensor]:
    if isinstance(output, torch.Tensor):
        return {"output": output}
    if isinstance(output, dict):
        return {str(k): v for k, v in output.items() if isinstance(v, torch.Tensor)}
    if isinstance(output, (tuple, list)):
        return {f"output{i}": v for i, v in enumerate(output) if isinstance(v, torch.Tensor)}
    raise InvalidInputError(f"The model returned {type(output).__name__}; expected a tensor, tuple or dict of tensors.")


def reduce_output(x: np.ndarray, *, conv: str = "gap", seq: str = "mean", channels_first: bool = False) -> np.ndarray:
    """One module output -> (n, d) by the ``topoalign.io.reduce`` rules.

    Shapes those rules do not take are brought to them: (n,) -> one column; Conv1d-like (n, c, length) -> conv
    rules over the length; (n, c, d1, ..., dk) with k > 2 -> conv rules over all spatial axes (``center`` takes the
    middle index of each).
    """
    if x.ndim == 1:
        return np.ascontiguousarray(x[:, None], dtype=np.float32)
    if x.ndim == 3 and channels_first:
        return reduce_conv(x[:, :, :, None], conv)
    if x.ndim > 4:
        if conv == "center":
            x = x[(slice(None), slice(None), *(s // 2 for s in x.shape[2:-2]))]
        else:
            x = x.reshape(*x.shape[:2], -1, x.shape[-1])
        return reduce_conv(x, conv)
    return reduce_activations(x, conv=conv, seq=seq)


def _layer_names(scripted: bool, layers: Sequence[str] | None, targets: list, current: dict) -> list[str]:
    """The layers this batch must deliver: the hooked modules, or a scripted model's (chosen) outputs."""
    names = [n for n, _ in targets] if not scripted else list(layers) if layers is not None else list(current)
    missing = [n for n in names if n not in current]
    if missing and scripted:
        raise InvalidParameterError(f"Unknown layer name(s) {missing}; this TorchScript model outputs {list(current)}.")
    if missing:
        raise InvalidInputError(f"Layer(s) {missing} did not run during the forward pass.")
    return names


def _to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(torch.float32).cpu().numpy()


def extract_activations(
    model: nn.Module,
    inputs: Any,
    layers: Sequence[str] | None = None,
    module_types: tuple[type, ...] | None = None,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    pool_conv: str = "gap",
    pool_seq: str = "mean",
    progress: Progress | None = None,
) -> dict[str, np.ndarray]:
    """Activations of the chosen layers, one (n_stimuli x n_units) float32 matrix per layer name.

    Parameters
    ----------
    model : the network; put in ``eval()`` mode and run under ``torch.no_grad()``.
    inputs : a tensor / array (n, ...) cut into batches of ``batch_size``, or an iterable (e.g. DataLoader) of
        batches, each a tensor, an ``(inputs, labels, ...)`` tuple or a dict of keyword tensors.
    layers, module_types : which modules to hook (see :func:`select_modules`); ignored names raise
        ``InvalidParameterError`` listing the available ones.
    pool_conv, pool_seq : reduction of 4-D (n, c, h, w) and 3-D (n, t, d) outputs (see ``topoalign.io.reduce``).
    device : defaults to CUDA when available, else CPU.

    Returns a dict ``layer name -> (n x d)`` in hook order. Hooks are removed afterwards, also on error. When a
    module runs several times in one forward pass, its last output counts.
    """
    check_param(
        "extract_activations",
        "batch_size",
        batch_size,
        isinstance(batch_size, int) and batch_size >= 1,
        "an integer >= 1",
    )
    check_param("extract_activations", "pool_conv", pool_conv, pool_conv in CONV_RULES, f"one of {list(CONV_RULES)}")
    check_param("extract_activations", "pool_seq", pool_seq, pool_seq in SEQ_RULES, f"one of {list(SEQ_RULES)}")
    progress = progress or null_progress
    dev = resolve_device(device)
    scripted = isinstance(model, torch.jit.ScriptModule)
    if scripted and module_types:
        raise InvalidParameterError(
            "TorchScript modules run no forward hooks, so 'module_types' cannot apply; the model's outputs are its layers."
        )
    targets = [] if scripted else select_modules(model, layers, module_types)
    channels_first = {name for name, m in targets if isinstance(m, _CHANNELS_FIRST_1D)}
    batches, total = _batches(inputs, batch_size)

    current: dict[str, torch.Tensor] = {}
    collected: dict[str, list[np.ndarray]] = {}
    handles = []

    def make_hook(name: str):
        def hook(module, args, output):
            current[name] = _first_tensor(output)

        return hook

    was_training = model.training
    try:
        for name, module in targets:
            handles.append(module.register_forward_hook(make_hook(name)))
        model.eval()
        model.to(dev)
        with torch.no_grad():
            for b, batch in enumerate(batches):
                current.clear()
                output = _run_batch(model, batch, dev)
                if scripted:
                    current.update(_named_outputs(output))
                names = _layer_names(scripted, layers, targets, current)
                for name in names:
                    pooled = reduce_output(
                        _to_numpy(current[name]), conv=pool_conv, seq=pool_seq, channels_first=name in channels_first
                    )
                    collected.setdefault(name, []).append(pooled)
                if total:
                    progress((b + 1) / total, f"batch {b + 1}/{total}")
    finally:
        for h in handles:
            h.remove()
        current.clear()
        model.train(was_training)
    if not collected:
        raise InvalidInputError("No batches were given: nothing to extract.")
    progress(1.0, "activations extracted")
    return {name: np.ascontiguousarray(np.concatenate(parts), dtype=np.float32) for name, parts in collected.items()}
