"""Fixtures for the core_model tests: small CoNLL04 slices (the tiny random BERT and the
session's real predicting model are in tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def conll_types(shared_data: Path) -> Path:
    return shared_data / "conll04" / "conll04_types.json"


@pytest.fixture(scope="session")
def conll_train(shared_data: Path) -> list[dict]:
    return json.loads((shared_data / "conll04" / "conll04_train.json").read_text(encoding="utf-8"))
