"""Fixtures for the core_model tests: a tiny random BERT (fast) and small CoNLL04 slices."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertModel

from core_model import default_encoder_dir

TOKENIZER_FILES = (
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer, 32-wide BERT with the default encoder's (uncased) tokenizer."""
    out = tmp_path_factory.mktemp("tiny_encoder")
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


@pytest.fixture(scope="session")
def conll_types(shared_data: Path) -> Path:
    return shared_data / "conll04" / "conll04_types.json"


@pytest.fixture(scope="session")
def conll_train(shared_data: Path) -> list[dict]:
    return json.loads((shared_data / "conll04" / "conll04_train.json").read_text(encoding="utf-8"))
