"""The automatic training schedule: epochs follow the data, early stopping, the time budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core_model import ModelConfig, TrainConfig, train
from core_model.saving import TRAINING_FILE
from core_model.schedule import (
    BASE_STEPS,
    MAX_EPOCHS,
    MIN_EPOCHS,
    WARM_START_FROM_UNITS,
    WORD_SHAPES_FROM_UNITS,
    auto_schedule,
    size_rules,
    target_steps,
    warm_start,
    word_shapes,
)


def test_fewer_documents_get_more_epochs() -> None:
    sizes = [10, 40, 80, 160, 400, 900]
    plans = [auto_schedule(n) for n in sizes]
    epochs = [p.epochs for p in plans]
    assert epochs == sorted(epochs, reverse=True), epochs
    assert epochs[0] > epochs[-1]
    assert all(MIN_EPOCHS <= e <= MAX_EPOCHS for e in epochs)


def test_small_projects_get_about_the_base_steps() -> None:
    # 80 training sentences at batch 2: 40 steps an epoch, 10 epochs = 400 steps
    plan = auto_schedule(80)
    assert plan.steps_per_epoch == 40
    assert plan.steps >= BASE_STEPS
    assert plan.steps < BASE_STEPS + plan.steps_per_epoch


def test_steps_grow_slowly_with_the_data() -> None:
    small, large = auto_schedule(200), auto_schedule(900)
    assert large.steps > small.steps
    # the step target grows slowly; a large project gets the fewest epochs, and still more
    # steps than its target (four passes over its data)
    assert target_steps(900) < 2 * target_steps(200)
    assert large.epochs == MIN_EPOCHS == 4
    assert large.steps == MIN_EPOCHS * large.steps_per_epoch > target_steps(900)


def test_small_projects_train_from_the_encoder_large_ones_warm() -> None:
    assert not warm_start(10)
    assert not warm_start(WARM_START_FROM_UNITS - 1)
    assert warm_start(WARM_START_FROM_UNITS) and warm_start(900)


def test_word_shapes_from_about_a_hundred_documents() -> None:
    # measured: fewer edits with them on 78 training documents, more on 39 (RESULTS)
    assert not word_shapes(39) and not word_shapes(WORD_SHAPES_FROM_UNITS - 1)
    assert word_shapes(WORD_SHAPES_FROM_UNITS) and word_shapes(78) and word_shapes(900)


def test_size_rules_decide_every_rule_from_one_count() -> None:
    # between the two thresholds: shapes on, still from the encoder
    assert WORD_SHAPES_FROM_UNITS < WARM_START_FROM_UNITS
    mid = size_rules(WORD_SHAPES_FROM_UNITS)
    assert (mid.units, mid.word_shapes, mid.warm_start) == (WORD_SHAPES_FROM_UNITS, True, False)
    small, large = size_rules(10), size_rules(WARM_START_FROM_UNITS)
    assert not small.word_shapes and not small.warm_start
    assert large.word_shapes and large.warm_start


def test_tiny_projects_are_capped() -> None:
    plan = auto_schedule(1)
    assert plan.epochs == MAX_EPOCHS
    assert plan.steps_per_epoch == 1


def test_config_refuses_unknown_settings() -> None:
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(schedule="sometimes")
    with pytest.raises(ValueError, match="precision"):
        TrainConfig(precision="fp8")
    with pytest.raises(ValueError, match="patience"):
        TrainConfig(patience=0)
    with pytest.raises(ValueError, match="max_seconds"):
        TrainConfig(max_seconds=0)


def _train(tmp_path: Path, docs, types, encoder: Path, **cfg) -> dict:
    base = dict(batch_size=2, lr=1e-3, head_lr=5e-3, warmup=0.0, device="cpu", num_threads=1)
    train(
        docs,
        docs[:2],
        types,
        tmp_path / "model",
        encoder_dir=encoder,
        model_config=ModelConfig(max_span_width=4),
        train_config=TrainConfig(**{**base, **cfg}),
        show_progress=False,
    )
    return json.loads((tmp_path / "model" / TRAINING_FILE).read_text(encoding="utf-8"))


@pytest.mark.slow
def test_trainer_takes_its_epochs_from_the_schedule(
    tmp_path: Path, conll_train, conll_types, tiny_encoder_dir: Path
) -> None:
    docs = conll_train[:6]  # 6 units at batch 2: 3 steps an epoch
    meta = _train(tmp_path, docs, conll_types, tiny_encoder_dir, schedule="auto", epochs=1)
    planned = auto_schedule(6).epochs
    assert planned > 1
    assert meta["train_config"]["epochs"] == planned
    assert len(meta["history"]) == planned
    assert meta["stopped_early"] is None


@pytest.mark.slow
def test_patience_stops_a_run_that_no_longer_improves(
    tmp_path: Path, conll_train, conll_types, tiny_encoder_dir: Path
) -> None:
    docs = conll_train[:4]
    # a learning rate of 0 never improves on the first dev pass
    meta = _train(
        tmp_path, docs, conll_types, tiny_encoder_dir, epochs=12, patience=2, lr=0.0, head_lr=0.0
    )
    meta_head = meta["history"]
    assert meta["stopped_early"] and "no better dev score" in meta["stopped_early"]
    # never before half the planned epochs
    assert 6 <= len(meta_head) < 12
    assert meta_head[-1]["stopped"] == meta["stopped_early"]


@pytest.mark.slow
def test_time_budget_ends_training_and_keeps_the_best_model(
    tmp_path: Path, conll_train, conll_types, tiny_encoder_dir: Path
) -> None:
    docs = conll_train[:8]
    meta = _train(tmp_path, docs, conll_types, tiny_encoder_dir, epochs=500, max_seconds=3)
    assert meta["stopped_early"] and "time budget" in meta["stopped_early"]
    assert len(meta["history"]) < 500
    assert (tmp_path / "model" / "model.safetensors").is_file()
