"""Word shapes: the capitals an uncased encoder cannot see reach the model, and models saved
before them load and predict as they did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from core_model import ModelConfig, Predictor, TrainConfig, load_documents, train
from core_model.encoder import load_tokenizer
from core_model.encoding import SHAPES, build_units, word_shape
from core_model.model_setup import warm_start_model
from core_model.sampling import collate_eval
from core_model.saving import load_model

from .test_model_forward import DOCS, TYPES, make_model


@pytest.mark.parametrize(
    ("word", "shape"),
    [
        ("paris", "lower"),
        ("Paris", "capitalized"),
        ("A", "capitalized"),
        ("McDonald", "capitalized"),
        ("IBM", "upper"),
        ("U.S.", "upper"),
        ("iPhone", "mixed"),
        ("1990", "number"),
        ("3M", "number"),
        ("$", "punctuation"),
        (".", "punctuation"),
        ("Zürich", "capitalized"),
    ],
)
def test_word_shape(word: str, shape: str) -> None:
    assert SHAPES[word_shape(word)] == shape


def test_units_carry_the_shape_of_each_sub_words_word(tiny_encoder_dir: Path) -> None:
    tokenizer = load_tokenizer(tiny_encoder_dir)
    docs = load_documents(DOCS)
    units, _ = build_units(docs, tokenizer, 128, TYPES)
    assert units and all(len(u.shape_ids) == len(u.input_ids) for u in units)
    for unit in units:
        tokens = docs[unit.doc_index].tokens
        assert unit.shape_ids[0] == unit.shape_ids[-1] == 0  # [CLS], [SEP]
        for w, (a, b) in enumerate(zip(unit.word_sub_start, unit.word_sub_end, strict=True)):
            assert set(unit.shape_ids[a : b + 1]) == {word_shape(tokens[unit.word_start + w])}
    # why: the default encoder's tokenizer lower-cases, so the sub-words alone lose capitals
    lower = load_documents([{**DOCS[1], "tokens": [t.lower() for t in DOCS[1]["tokens"]]}])
    (cased,), _ = build_units(load_documents([DOCS[1]]), tokenizer, 128)
    (uncased,), _ = build_units(lower, tokenizer, 128)
    assert cased.input_ids == uncased.input_ids
    assert cased.shape_ids != uncased.shape_ids


def test_the_encoder_reads_the_shapes(tiny_encoder_dir: Path) -> None:
    model, tokenizer = make_model(tiny_encoder_dir, max_span_width=4)
    plain, _ = make_model(tiny_encoder_dir, max_span_width=4, word_shapes=False)
    assert model.config.word_shapes and not hasattr(plain, "shape_embedding")
    model.eval()
    plain.eval()
    lower = [{**DOCS[1], "tokens": [t.lower() for t in DOCS[1]["tokens"]]}]
    batches = [
        collate_eval(build_units(load_documents(d), tokenizer, 128)[0], 4)
        for d in ([DOCS[1]], lower)
    ]
    assert torch.equal(batches[0].input_ids, batches[1].input_ids)
    with torch.no_grad():
        # a new shape embedding is zero: the encoder starts exactly as pretrained
        assert torch.equal(model.encode(batches[0]), plain.encode(batches[0]))
        model.shape_embedding.weight.normal_()
        cased, uncased = (model.encode(b) for b in batches)
        assert not torch.allclose(cased, uncased)


def test_a_model_saved_before_word_shapes_loads_and_predicts(
    tmp_path: Path, tiny_encoder_dir: Path, conll_train, conll_types
) -> None:
    out = tmp_path / "old"
    train(
        conll_train[:8],
        conll_train[8:12],
        conll_types,
        out,
        encoder_dir=tiny_encoder_dir,
        model_config=ModelConfig(max_span_width=4, word_shapes=False),
        train_config=TrainConfig(epochs=1, batch_size=4, head_lr=1e-3),
        show_progress=False,
    )
    config = json.loads((out / "config.json").read_text())
    del config["word_shapes"]  # as a version without the setting wrote it
    (out / "config.json").write_text(json.dumps(config))
    assert len(Predictor.load(out, device="cpu").predict(conll_train[12:16])) == 4
    old, tokenizer, _, _ = load_model(out)
    assert not old.config.word_shapes and not hasattr(old, "shape_embedding")
    # a warm start asked for shapes gains them, zero at first: it starts from the old model's
    # predictions
    labels = ("entity_types", "relation_types", "symmetric_relations")
    kept, _ = warm_start_model(out, {k: config[k] for k in labels})
    assert not kept.config.word_shapes and not hasattr(kept, "shape_embedding")
    warm, _ = warm_start_model(out, {k: config[k] for k in labels}, word_shapes=True)
    warm.eval()
    assert warm.config.word_shapes
    assert torch.count_nonzero(warm.shape_embedding.weight) == 0
    docs = load_documents(conll_train[12:16])
    batch = collate_eval(build_units(docs, tokenizer, 128)[0], 4)
    before, after = old.predict(batch), warm.predict(batch)
    assert batch.span_mask.any()
    assert torch.allclose(before.span_probs, after.span_probs, atol=1e-6)
