"""Encoders other than BERT: MPNet and RoBERTa directories train, save, reload and predict.

Each architecture has its own traps: MPNet has no fused (sdpa) attention kernel in
transformers, and both number positions from ``padding_idx + 1``, so a unit may hold two
sub-words fewer than ``max_position_embeddings``; RoBERTa's byte-level BPE needs a prefix space
for pre-split words. The encoders here are tiny and random, with real tokenizers built from
local data (the default encoder's vocabulary, a BPE trained on CoNLL04 text), so the real
loading code runs without any download.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from core_model import ModelConfig, Predictor, TrainConfig, default_encoder_dir, train
from core_model.encoder import load_pretrained_encoder, load_tokenizer, max_unit_length

POSITIONS = 66  # two of them unused: units of at most 64 sub-words


def save_tiny(tok: Any, config_cls: type, model_cls: type, out: Path) -> Path:
    """A random 1-layer, 32-wide encoder of the given architecture next to its tokenizer."""
    tok.save_pretrained(out)
    config = config_cls(
        vocab_size=len(tok),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=POSITIONS,
        pad_token_id=tok.pad_token_id,
    )
    model_cls(config).save_pretrained(out)
    return out


def tiny_mpnet(out: Path) -> Path:
    from transformers import MPNetConfig, MPNetModel, MPNetTokenizerFast

    vocab: dict[str, int] = {}
    for line in (default_encoder_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines():
        vocab.setdefault(line, len(vocab))
    for special in ("<s>", "</s>", "<pad>", "<mask>"):
        vocab.setdefault(special, len(vocab))
    return save_tiny(MPNetTokenizerFast(vocab=vocab), MPNetConfig, MPNetModel, out)


def tiny_roberta(out: Path, texts: list[str]) -> Path:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizerFast

    bpe = ByteLevelBPETokenizer()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator(texts, vocab_size=1500, special_tokens=specials, show_progress=False)
    bpe.save_model(str(out))
    tok = RobertaTokenizerFast(vocab=str(out / "vocab.json"), merges=str(out / "merges.txt"))
    return save_tiny(tok, RobertaConfig, RobertaModel, out)


@pytest.fixture(scope="module", params=["mpnet", "roberta"])
def encoder_dir(request, tmp_path_factory, conll_train) -> Path:
    torch.manual_seed(0)
    out = tmp_path_factory.mktemp(request.param)
    if request.param == "mpnet":
        return tiny_mpnet(out)
    return tiny_roberta(out, [" ".join(d["tokens"]) for d in conll_train[:300]])


def test_loads_with_a_kernel_it_has_and_the_right_unit_length(encoder_dir: Path) -> None:
    encoder = load_pretrained_encoder(encoder_dir)
    tok = load_tokenizer(encoder_dir)
    # MPNet has no fused kernel in transformers; RoBERTa keeps the fused one
    expected = {"mpnet": "eager", "roberta": "sdpa"}[encoder.config.model_type]
    assert encoder.config._attn_implementation == expected
    assert max_unit_length(tok, encoder.config) == POSITIONS - 2


def test_train_save_reload_predict(encoder_dir: Path, tmp_path, conll_train, conll_types) -> None:
    out = tmp_path / "model"
    train(
        conll_train[:8],
        conll_train[8:10],
        conll_types,
        out,
        encoder_dir=encoder_dir,
        model_config=ModelConfig(max_span_width=4),
        train_config=TrainConfig(epochs=1, batch_size=4, head_lr=1e-3, eval_batch_size=4),
        show_progress=False,
    )
    saved, source = (
        json.loads((d / "config.json").read_text()) for d in (out / "encoder", encoder_dir)
    )
    assert saved["model_type"] == source["model_type"]
    # longer than one unit of 64 sub-words: split into windows, offsets still exact
    text = " ".join(
        f"Mr. Ana Lopez-{i} of Acme Ltd. lives in São Paulo, Brazil." for i in range(12)
    )
    a = Predictor.load(out, device="cpu")
    b = Predictor.load(out, device="cpu")
    (pa,) = a.predict([text], threshold=0.01)
    (pb,) = b.predict([text], threshold=0.01)
    assert pa.to_dict() == pb.to_dict()
    assert len(pa.tokens) > POSITIONS
    for s, e in pa.token_offsets:
        assert text[s:e] and text[s:e].strip() == text[s:e]
    for ent in pa.entities:
        assert text[ent.start : ent.end] == ent.text
    assert pa.entities, "a model trained a little still predicts some spans at threshold 0.01"
