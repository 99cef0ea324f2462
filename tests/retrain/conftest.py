"""Fixtures for the retraining tests: a temporary database (a SQLite file, and PostgreSQL when
``SPANREL_TEST_PG_URL`` is set) with 20 corrected CoNLL04 sentences,
a tiny random encoder (1 layer, 32 wide, the default encoder's tokenizer) so that a retraining
takes seconds, and a ``Retrainer`` over a temporary models directory.

Chromium for the browser test follows tests/ui: Debian's /usr/bin/chromium, never downloaded;
without it the test skips unless SPANREL_REQUIRE_CHROMIUM=1.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import converters
from app.retraining.options import RetrainOptions
from app.retraining.retrainer import Retrainer
from db import Store

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "app" / "demo"
PROJECT = "corrections"
CORRECTED = 20
UNREVIEWED = 6
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def tiny_encoder(tiny_encoder_dir: Path) -> Path:
    """The shared tiny random encoder (tests/conftest.py)."""
    return tiny_encoder_dir


def tiny_options(encoder: Path, epochs: int = 3, **kwargs: Any) -> RetrainOptions:
    """Seconds, not minutes: a tiny encoder, a fast head learning rate, one CPU thread."""
    return RetrainOptions(
        epochs=epochs,
        encoder_dir=str(encoder),
        train_config={
            "batch_size": 4,
            "lr": 1e-3,
            "head_lr": 5e-3,
            "warmup": 0.0,
            "seed": 1,
            "device": "cpu",
            "num_threads": 1,
        },
        model_config={"max_span_width": 6},
        **kwargs,
    )


@pytest.fixture
def make_options(tiny_encoder: Path) -> Callable[..., RetrainOptions]:
    """``make_options(epochs=3, **RetrainOptions fields)`` with the tiny encoder."""

    def make(epochs: int = 3, **kwargs: Any) -> RetrainOptions:
        return tiny_options(tiny_encoder, epochs, **kwargs)

    return make


@pytest.fixture
def project() -> str:
    return PROJECT


def fill_project(store: Store, name: str = PROJECT) -> None:
    """``CORRECTED`` gold sentences marked done, ``UNREVIEWED`` more without annotations."""
    docs = converters.read("spert", DEMO / "conll04_gold.json")
    schema = converters.read_schema("spert", DEMO / "conll04_gold.json")
    done = docs[:CORRECTED]
    for i, d in enumerate(done):
        d.id = f"s{i:03d}"
    raw = converters.read("spert", DEMO / "conll04_unannotated.json")[:UNREVIEWED]
    for i, d in enumerate(raw):
        d.id = f"u{i:03d}"
    store.create_project(name, schema)
    store.import_documents(name, done, status="done", author="tester")
    store.import_documents(name, raw, status="new")


@pytest.fixture
def store(backend_url: str) -> Iterator[Store]:
    """The project on a SQLite file, and again on PostgreSQL (``backend_url``)."""
    st = Store.open(backend_url)
    fill_project(st)
    yield st
    st.close()


@pytest.fixture
def retrainer(store: Store, tmp_path: Path) -> Iterator[Retrainer]:
    r = Retrainer(store, tmp_path / "models")
    yield r
    r.shutdown()


@pytest.fixture
def in_browser() -> Callable[[Callable[[Any], None]], None]:
    """``in_browser(fn)`` runs ``fn(browser)`` with a fresh Chromium on its own thread.

    Why a thread: Playwright's sync API refuses to start while another sync Playwright (the
    session ``browser`` fixtures of tests/ui and tests/app) is alive on the same thread; on a
    thread of its own it starts whatever else the session holds.
    """
    if not CHROMIUM.exists():
        if os.environ.get("SPANREL_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"{CHROMIUM} is missing and SPANREL_REQUIRE_CHROMIUM=1")
        pytest.skip(f"{CHROMIUM} not installed")

    def run(fn: Callable[[Any], None]) -> None:
        outcome: list[BaseException] = []

        def target() -> None:
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                    try:
                        fn(browser)
                    finally:
                        browser.close()
            except BaseException as exc:  # re-raised on the test's thread
                outcome.append(exc)

        thread = threading.Thread(target=target, name="retrain-browser")
        thread.start()
        thread.join()
        if outcome:
            raise outcome[0]

    return run
