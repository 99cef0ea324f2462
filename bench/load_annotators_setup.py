"""Before the load of ``bench/load_annotators.py``: the tiny model and the project's documents.

Split out of ``bench/load_annotators.py`` to keep the preparation (a tiny encoder and
pre-annotation model trained in seconds, the demo project and who edits which document) apart
from the simulated annotators and the checks. Imported through ``bench/load_annotators.py``,
which re-exports every name.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.load_annotators_config import DEMO, TINY_MODEL_SENTENCES, TOKENIZER_FILES

# -- models -------------------------------------------------------------------------------------


def make_tiny_encoder(out: Path) -> Path:
    """A random 1-layer, 32-wide BERT with the default encoder's tokenizer (as the test suite's
    ``tiny_encoder_dir``): real loading code, training in seconds."""
    import torch
    from transformers import BertConfig, BertModel

    from core_model import default_encoder_dir

    out.mkdir(parents=True, exist_ok=True)
    src = default_encoder_dir()
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            shutil.copy(src / name, out / name)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(out)
    return out


def train_tiny_model(encoder_dir: Path, out: Path, epochs: int = 40) -> Path:
    """A pre-annotation model in seconds: the tiny encoder overfit on a few demo sentences, so
    it predicts something on them (its quality is beside the point: the load is; a model
    that predicts nothing still writes a version, a history entry and the uncertainty)."""
    from core_model import ModelConfig, TrainConfig, train

    sentences = json.loads((DEMO / "conll04_gold.json").read_text(encoding="utf-8"))
    types = json.loads((DEMO / "conll04_types.json").read_text(encoding="utf-8"))
    train(
        sentences[:TINY_MODEL_SENTENCES],
        None,
        types,
        out,
        encoder_dir=encoder_dir,
        model_config=ModelConfig(max_span_width=6),
        train_config=TrainConfig(
            epochs=epochs,
            batch_size=4,
            lr=1e-3,
            head_lr=5e-3,
            warmup=0.0,
            seed=1,
            device="cpu",
            num_threads=1,  # torch's default thread count crawls on a busy 2-core machine
        ),
        show_progress=False,
    )
    return out


# -- the project --------------------------------------------------------------------------------


def setup_project(store: Any, data: Path | None) -> str:
    """The demo project, plus ``data``'s documents (annotations dropped) as new ones."""
    import converters
    from app.demo_project import DEMO_PROJECT, ensure_demo_project

    ensure_demo_project(store)
    if data is not None:
        docs = converters.read("spert", data)
        for i, doc in enumerate(docs):
            doc.id = f"load-{i:05d}"
            doc.entities, doc.relations = [], []
        store.import_documents(DEMO_PROJECT, docs, status="new")
    return DEMO_PROJECT


def assign_documents(
    new_ids: Sequence[int], annotators: int, per_annotator: int
) -> tuple[list[list[int]], list[int], list[int]]:
    """(documents of each annotator, shared ones first; the shared documents; the rest).

    Annotators 2k and 2k+1 share one document (an odd last annotator shares with annotator 0's
    pair); each also has ``per_annotator`` documents of its own.
    """
    pairs = max(1, annotators // 2) if annotators > 1 else 0
    need = pairs + annotators * per_annotator
    if len(new_ids) < need:
        raise SystemExit(
            f"the project has {len(new_ids)} new documents, {need} are needed for "
            f"{annotators} annotators x {per_annotator}: add documents with --data"
        )
    ids = list(new_ids)
    shared, ids = ids[:pairs], ids[pairs:]
    docs: list[list[int]] = []
    for a in range(annotators):
        own, ids = ids[:per_annotator], ids[per_annotator:]
        mine = [shared[min(a // 2, pairs - 1)]] if pairs else []
        docs.append(mine + own)
    return docs, shared, ids
