"""Per-fold cross-products of k-fold cross-validation from one pass over the test blocks.

The k training sets are unions of k-1 of the k test blocks, so every training fold's centred X'X, Y'Y, X'Y are
``sum of the other blocks' products - n m m'`` (one (n x p) product per block instead of one per fold), and the
held-out Pearson r of a linear map ``W`` needs only the held-out block's own (centred) products:
``cov_j = (W' S_xy)_jj`` and ``var_j = (W' S_xx W)_jj``, a (p x p) @ (p x t) product instead of predicting every
held-out row.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable, Sequence, TypeVar

import numpy as np

T = TypeVar("T")
# Products and sums keyed by kind and side ("xx", "sx", "hiy", ...; looked up as "s" + side): one block's
# (``_block_stats``), one fold's training side (``BlockGrams.fold``) or held-out block (``BlockGrams.held_out``)
Stats = dict[str, Any]


def _block_stats(
    X: np.ndarray, Y: np.ndarray, centre: dict[str, np.ndarray], rows: np.ndarray, need_xx: bool, need_yy: bool
) -> Stats:
    Xb, Yb = X[rows], Y[rows]
    Xb -= centre["x"]
    Yb -= centre["y"]
    return {
        "n": len(rows),
        "xx": Xb.T @ Xb if need_xx else None,
        "yy": Yb.T @ Yb if need_yy else None,
        "xy": Xb.T @ Yb,
        "sx": Xb.sum(axis=0),
        "sy": Yb.sum(axis=0),
        "qx": np.einsum("ij,ij->j", Xb, Xb),
        "qy": np.einsum("ij,ij->j", Yb, Yb),
        # a unit is constant on a set of blocks iff its max over them equals its min
        "lox": Xb.min(axis=0),
        "hix": Xb.max(axis=0),
        "loy": Yb.min(axis=0),
        "hiy": Yb.max(axis=0),
    }


def _run_now(fn: Callable[..., T], *args: Any) -> Future[T]:
    done: Future[T] = Future()
    done.set_result(fn(*args))
    return done


def _restrict(M: np.ndarray, ka: np.ndarray, kb: np.ndarray) -> np.ndarray:
    return M if ka.all() and kb.all() else M[np.ix_(ka, kb)]


class BlockGrams:
    """Per test block of ``splits``: X'X, Y'Y, X'Y, column sums, sums of squares and ranges.

    The blocks are centred by the global means first so that the per-fold re-centring subtracts only a small mean.
    ``submit`` (``pool.submit``) computes the blocks in the background; fold ``i`` waits only for the blocks it
    needs (its training products do not involve block ``i``).
    """

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        splits: Sequence[tuple[np.ndarray, np.ndarray]],
        need_xx: bool,
        need_yy: bool,
        submit: Callable[..., Future[Stats]] = _run_now,
    ) -> None:
        self.X, self.Y = X, Y
        self.train = [train for train, _ in splits]
        self.centre = {"x": X.mean(axis=0), "y": Y.mean(axis=0)}
        self._blocks = [submit(_block_stats, X, Y, self.centre, test, need_xx, need_yy) for _, test in splits]

    def _others(self, i: int) -> list[Stats]:
        return [b.result() for j, b in enumerate(self._blocks) if j != i]

    def kept(self, i: int) -> dict[str, np.ndarray]:
        """``{"x": mask, "y": mask}`` of the units that are not constant on fold ``i``'s training rows."""
        others = self._others(i)
        return {
            name: np.max([b["hi" + name] for b in others], axis=0) != np.min([b["lo" + name] for b in others], axis=0)
            for name in ("x", "y")
        }

    def fold(self, i: int) -> Stats:
        """Fold ``i``'s training side, restricted to the units kept in training.

        Keys: ``x``/``y``: (kept-unit mask, training mean relative to the centre); ``xx``, ``yy``, ``xy``: centred
        training products (``None`` when not requested); ``rows(name, idx)``: centred training rows ``train[idx]``
        of the kept units, on demand; ``i``.
        """
        others, keep, train = self._others(i), self.kept(i), self.train[i]
        n = len(train)
        out: Stats = {"i": i, "train": train}
        for name in ("x", "y"):
            out[name] = (keep[name], sum(b["s" + name] for b in others) / n)
        matrices = {"x": self.X, "y": self.Y}
        shift = {name: (self.centre[name] + out[name][1])[keep[name]] for name in ("x", "y")}

        def rows(name: str, idx: np.ndarray) -> np.ndarray:
            picked: np.ndarray = matrices[name][train[idx]]
            if not keep[name].all():
                picked = picked[:, keep[name]]
            picked -= shift[name]
            return picked

        out["rows"] = rows
        for pair, (a, b) in {"xx": ("x", "x"), "yy": ("y", "y"), "xy": ("x", "y")}.items():
            if others[0][pair] is None:
                out[pair] = None
                continue
            prod = sum(o[pair] for o in others)
            prod -= np.outer(n * out[a][1], out[b][1])
            out[pair] = _restrict(prod, keep[a], keep[b])
        return out

    def held_out(self, f: Stats) -> Stats:
        """Products of fold ``f``'s held-out block, centred by its own mean, for the units kept in training, zero for
        units constant on the block: ``xx``, ``yy``, ``xy`` (``None`` when not requested) and sums of squares
        ``qx``, ``qy``."""
        block = self._blocks[f["i"]].result()
        n = block["n"]
        mean: dict[str, np.ndarray] = {}
        varies: dict[str, np.ndarray] = {}
        for name in ("x", "y"):
            keep = f[name][0]
            mean[name] = block["s" + name] / n
            varies[name] = (block["hi" + name] != block["lo" + name])[keep]
        out: Stats = {}
        for pair, (a, b) in {"xx": ("x", "x"), "yy": ("y", "y"), "xy": ("x", "y")}.items():
            if block[pair] is None:
                out[pair] = None
                continue
            prod = block[pair] - np.outer(n * mean[a], mean[b])
            prod = _restrict(prod, f[a][0], f[b][0])
            if not (varies[a].all() and varies[b].all()):
                prod *= np.outer(varies[a], varies[b])
            out[pair] = prod
        for name in ("x", "y"):
            q = block["q" + name] - n * mean[name] ** 2
            out["q" + name] = np.where(varies[name], q[f[name][0]], 0.0)
        return out


def held_out_pearson(W: np.ndarray, test: Stats, src: str, dst: str) -> np.ndarray:
    """(t,) Pearson r between ``X_test @ W`` and ``Y_test`` per target (NaN where either is constant), from the
    held-out products ``test`` (``BlockGrams.held_out``); ``src``/``dst`` = "x"/"y" (forward) or "y"/"x"
    (backward), W is (kept src units x kept dst units).
    """
    cross = test["xy"] if src == "x" else test["xy"].T
    num = np.einsum("ij,ij->j", W, cross)
    var_pred = np.einsum("ij,ij->j", W, test[src + src] @ W)
    den = np.sqrt(np.clip(var_pred, 0.0, None) * test["q" + dst])
    with np.errstate(invalid="ignore", divide="ignore"):
        r: np.ndarray = num / den
    r[den == 0] = np.nan
    return r
