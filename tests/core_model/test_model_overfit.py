"""A small overfit run with the real default encoder reaches high training F1."""

from __future__ import annotations

from pathlib import Path

import pytest

from core_model import ModelConfig, Predictor, TrainConfig, default_encoder_dir, train


@pytest.mark.slow
def test_overfit_conll04_default_encoder(tmp_path: Path, conll_train, conll_types) -> None:
    assert (default_encoder_dir() / "config.json").is_file()
    docs = conll_train[:16]
    train(
        docs,
        None,
        conll_types,
        tmp_path / "model",
        model_config=ModelConfig(max_span_width=6),
        # a higher rate for the new layers converges in ~120 steps instead of thousands
        train_config=TrainConfig(
            epochs=30, batch_size=4, lr=1e-4, head_lr=1e-3, warmup=0.0, device="cpu"
        ),
        show_progress=False,
    )
    report = Predictor.load(tmp_path / "model", device="cpu").evaluate(docs)
    assert report["entities"]["micro"]["f1"] >= 0.9, report["entities"]["micro"]
    assert report["relations"]["micro"]["f1"] >= 0.8, report["relations"]["micro"]
