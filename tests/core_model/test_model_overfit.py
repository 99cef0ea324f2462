"""A small overfit run with the real default encoder reaches high training F1."""

from __future__ import annotations

from pathlib import Path

import pytest

from core_model import Predictor


@pytest.mark.slow
def test_overfit_conll04_default_encoder(predicting_model: Path, conll_train) -> None:
    # the session's shared model (conftest): 30 epochs on these 16 documents, no dev set
    docs = conll_train[:16]
    report = Predictor.load(predicting_model, device="cpu").evaluate(docs)
    assert report["entities"]["micro"]["f1"] >= 0.9, report["entities"]["micro"]
    assert report["relations"]["micro"]["f1"] >= 0.8, report["relations"]["micro"]
