"""Shared fixtures: where the shared data lives, and the offline switch for HF loading."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import predicting_model as predicting_model_module
from tests.databases import BACKENDS, fresh_database_url, migrated_sqlite

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # two workers, the background training and the servers they start share two cores: one
    # thread each, or torch's threads spin waiting for each other (read before torch loads;
    # the processes the tests start inherit it)
    os.environ.setdefault("OMP_NUM_THREADS", "1")

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


#: the marker of a test that needs its SQLite file empty, not yet migrated (``backend_url``;
#: registered in pyproject.toml)
FROM_EMPTY = "from_empty"


@pytest.fixture(scope="session")
def migrated_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite store at the newest schema, built by the migrations once per process
    (``tests.databases.migrated_sqlite``)."""
    return migrated_sqlite(tmp_path_factory.mktemp("migrated"))


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One real, empty database per test, SQLite and PostgreSQL (``fresh_database_url``).

    The SQLite file is a copy of an empty store the migrations built once per process: on
    SQLite each migration rebuilds tables one by one, about half a second for every test's
    first ``Store.open`` otherwise, for the same empty schema. A test marked ``from_empty``
    gets a file that does not exist yet (migrations from empty, from an old revision);
    PostgreSQL is emptied and migrated for every test.
    """
    migrated = None
    if request.param == "sqlite" and request.node.get_closest_marker(FROM_EMPTY) is None:
        migrated = request.getfixturevalue("migrated_store_file")
    return fresh_database_url(request.param, tmp_path, migrated=migrated)


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


def _run_shared_dir(config: pytest.Config) -> Path:
    """The temporary folder all pytest-xdist workers of this run share (one level above each
    worker's own)."""
    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the slow modules first and the quick ones last, those needing the shared model after
    the other slow ones.

    pytest-xdist (``--dist loadscope``) hands whole modules to the two workers in this order:
    long modules first and many short ones at the end keep one worker from finishing minutes
    before the other, and by the time the model's modules come up its background training
    (``tests/predicting_model.py``) is done.
    """
    model = predicting_model_module.FIXTURE

    def rank(module_items: list[pytest.Item]) -> int:
        if any(model in getattr(i, "fixturenames", ()) for i in module_items):
            return 1
        return 0 if any(i.get_closest_marker("slow") for i in module_items) else 2

    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    ordered = sorted(modules.values(), key=rank)  # stable: collection order within a rank
    items[:] = [item for module_items in ordered for item in module_items]


def pytest_collection_finish(session: pytest.Session) -> None:
    # start training the shared model as soon as a selected test needs it (tests/predicting_model)
    if SHARED_DATA.is_dir() and any(
        predicting_model_module.FIXTURE in getattr(item, "fixturenames", ())
        for item in session.items
    ):
        predicting_model_module.start(_run_shared_dir(session.config), SHARED_DATA / "conll04")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        predicting_model_module.stop(_run_shared_dir(session.config))


@pytest.fixture(scope="session")
def predicting_model(request: pytest.FixtureRequest, shared_data: Path) -> Path:
    """Directory of ONE real model (default encoder) overfit on the first 16 CoNLL04 documents.

    Trained once per run in the background (``tests/predicting_model.py``), shared by every
    test that needs real predictions (overfit quality, relation suggestions in core_model, the
    app's relation pass, the effort benchmark's two passes). The checks below make sure it does
    predict, so that tests comparing its outputs never compare empty lists.
    """
    from core_model import Predictor, default_encoder_dir

    assert (default_encoder_dir() / "config.json").is_file()
    shared = _run_shared_dir(request.config)
    conll = shared_data / "conll04"
    predicting_model_module.start(shared, conll)  # a no-op unless collection did not start it
    out = predicting_model_module.wait(shared)
    docs = predicting_model_module.documents(conll)
    predictions = Predictor.load(out, device="cpu").predict(docs)
    n_entities = sum(len(p.entities) for p in predictions)
    n_relations = sum(len(p.relations) for p in predictions)
    assert n_entities >= 5, f"the overfit model predicts only {n_entities} entities"
    assert n_relations >= 3, f"the overfit model predicts only {n_relations} relations"
    return out
