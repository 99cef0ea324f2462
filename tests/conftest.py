"""Shared fixtures: where the shared data lives, and the offline switch for HF loading."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.databases import BACKENDS, fresh_database_url

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SHARED_DATA = Path(os.environ.get("SPANREL_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout (CI lays a copy there too)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA}; set SPANREL_SHARED_DATA")
    return SHARED_DATA


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One real, empty database per test, SQLite and PostgreSQL (``fresh_database_url``)."""
    return fresh_database_url(request.param, tmp_path)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Debian Chromium for the whole run, driven by Playwright's sync API.

    Playwright allows one sync session per thread, so every browser test shares this one.
    Never ``playwright install``: the system browser is used. Missing Chromium skips the test,
    or fails it where CI requires the browser (``SPANREL_REQUIRE_CHROMIUM=1``).
    """
    if not CHROMIUM.exists():
        if os.environ.get("SPANREL_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"{CHROMIUM} is missing and SPANREL_REQUIRE_CHROMIUM=1")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


TOKENIZER_FILES = (
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 1-layer, 32-wide BERT saved with the default encoder's (uncased) tokenizer.

    Real loading code, real tokenizer, training in seconds: used wherever a test needs a model
    run but not a good model (core_model, app pre-annotation, retraining).
    """
    import shutil

    import torch
    from transformers import BertConfig, BertModel

    from core_model import default_encoder_dir

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
def predicting_model(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """Directory of ONE real model (default encoder) overfit on the first 16 CoNLL04 documents.

    Trained once per session: it takes about a minute on a CPU, and every test that needs
    real predictions (overfit quality, relation suggestions in core_model, the app's relation
    pass, the effort benchmark's two passes) shares it. The checks below make
    sure it does predict, so that tests comparing its outputs never compare empty lists.
    """
    import json

    from filelock import FileLock

    from core_model import Predictor, default_encoder_dir

    assert (default_encoder_dir() / "config.json").is_file()
    conll = shared_data / "conll04"
    docs = json.loads((conll / "conll04_train.json").read_text(encoding="utf-8"))[:16]
    # one training for all pytest-xdist workers: the first trains, the others wait for it and
    # load the same files (two trainings at once on two cores took 6 minutes each instead of 2)
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    out = shared / "predicting_model"
    with FileLock(str(shared / "predicting_model.lock")):
        if not (out / "done").is_file():
            _train_predicting_model(docs, conll, out)
            (out / "done").write_text("ok", encoding="utf-8")
    predictions = Predictor.load(out, device="cpu").predict(docs)
    n_entities = sum(len(p.entities) for p in predictions)
    n_relations = sum(len(p.relations) for p in predictions)
    assert n_entities >= 5, f"the overfit model predicts only {n_entities} entities"
    assert n_relations >= 3, f"the overfit model predicts only {n_relations} relations"
    return out


def _train_predicting_model(docs: list[Any], conll: Path, out: Path) -> None:
    from core_model import ModelConfig, TrainConfig, train

    train(
        docs,
        None,
        conll / "conll04_types.json",
        out,
        model_config=ModelConfig(max_span_width=6),
        # a higher rate for the new layers converges in ~120 steps instead of thousands
        train_config=TrainConfig(
            epochs=30, batch_size=4, lr=1e-4, head_lr=1e-3, warmup=0.0, device="cpu"
        ),
        show_progress=False,
    )
