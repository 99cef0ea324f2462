"""Fixtures for the app tests: a store in a temporary database, the BRAT corpus of
brat_corpus.py imported into it, the whole app served in-process on a free port, Debian Chromium
driven by Playwright, and a tiny trained model.

Chromium is never downloaded (no ``playwright install``): without /usr/bin/chromium the browser
tests skip, unless SPANREL_REQUIRE_CHROMIUM=1 makes that a failure (CI).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db import Store
from tests.databases import BACKENDS, fresh_database_url
from tests.serving import serve as serve_demo
from tests.ui.brat_corpus import brat_zip

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "app" / "demo"
TINY_MODEL_SENTENCES = 8


@pytest.fixture
def store(backend_url: str) -> Iterator[Store]:
    st = Store.open(backend_url)
    yield st
    st.close()


@pytest.fixture
def brat_project(store: Store, tmp_path: Path) -> tuple[Store, int]:
    """``store`` with the upload of ``brat_zip`` imported as project "news"; the store and the
    id of its one document, "doc1"."""
    from app.screens import importing

    out = importing.import_uploads(store, "news", [brat_zip(tmp_path)])
    assert out.ok, out.error
    return store, store.find_document("news", "doc1")


@pytest.fixture(scope="session")
def demo_sentences() -> list[dict[str, Any]]:
    return json.loads((DEMO / "conll04_gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def tiny_model(
    tmp_path_factory: pytest.TempPathFactory, demo_sentences, tiny_encoder_dir: Path
) -> Path:
    """A model trained in seconds: a 1-layer, 32-wide random BERT with the default encoder's
    tokenizer, overfit on a few CoNLL04 sentences so it predicts something on them.

    Its quality is beside the point: the tests check that predictions travel through the app.
    Saved under ``models/`` of a temporary directory (the app's --models-dir).
    """
    from core_model import ModelConfig, TrainConfig, train

    root = tmp_path_factory.mktemp("models")
    encoder = tiny_encoder_dir
    types = json.loads((DEMO / "conll04_types.json").read_text(encoding="utf-8"))
    out = root / "tiny-conll04"
    train(
        demo_sentences[:TINY_MODEL_SENTENCES],
        None,
        types,
        out,
        encoder_dir=encoder,
        model_config=ModelConfig(max_span_width=6),
        train_config=TrainConfig(
            epochs=40,
            batch_size=4,
            lr=1e-3,
            head_lr=5e-3,
            warmup=0.0,
            seed=1,
            device="cpu",
        ),
        show_progress=False,
    )
    return out


class Served:
    """A running app: its URL, store, models directory and the ``SpanrelApp``."""

    def __init__(self, url: str, store: Store, models_dir: Path, app: Any, demo: Any) -> None:
        self.url, self.store, self.models_dir, self.app, self.demo = (
            url,
            store,
            models_dir,
            app,
            demo,
        )


def serve(
    tmp: Path,
    *,
    auth: list[tuple[str, str]] | None = None,
    demo_project: bool = True,
    max_file_size: str | None = None,
    url: str | None = None,
    sign_in: bool | None = None,
) -> Served:
    from app.access import Accounts, launch_kwargs
    from app.demo_project import ensure_demo_project
    from app.ui import AppConfig, create_app

    st = Store.open(url or f"sqlite:///{tmp / 'spanrel.sqlite'}")
    if demo_project:
        ensure_demo_project(st)
    models_dir = tmp / "models"
    config = AppConfig(
        models_dir=models_dir,
        default_user="tester",
        auth=list(auth or []),
        auto_retrain=False,
        sign_in=sign_in,
    )
    if max_file_size is not None:
        config.max_file_size = max_file_size
    app, demo = create_app(st, config)
    # as launch.py does: hashed accounts (when any) and the same-origin guard
    url = serve_demo(demo, **launch_kwargs(app, Accounts(st, auth or [])))
    return Served(url, st, models_dir, app, demo)


def stop(served: Served) -> None:
    served.demo.close()
    served.app.close()
    served.store.close()


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One app per test module and database (SQLite file, PostgreSQL in its own schema, which
    the per-test resets of the default schema leave alone).

    A module marked ``page_only`` checks what the page does with data whose storage the
    store's own tests check on both databases: its PostgreSQL run is skipped, to keep
    ``make test`` within CI's time."""
    marker = request.node.get_closest_marker("page_only")
    if request.param != BACKENDS[0] and marker is not None:
        pytest.skip(f"page only: {marker.args[0]}")
    tmp = tmp_path_factory.mktemp("app")
    s = serve(tmp, url=fresh_database_url(request.param, tmp, schema="served_app"))
    yield s
    stop(s)


@pytest.fixture
def serve_app() -> Iterator[Any]:
    """``serve_app(tmp, auth=...)`` starts another app (stopped at teardown)."""
    started: list[Served] = []

    def start(tmp: Path, **kwargs: Any) -> Served:
        started.append(serve(tmp, **kwargs))
        return started[-1]

    yield start
    for s in started:
        stop(s)
