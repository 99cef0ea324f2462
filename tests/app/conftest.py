"""Fixtures for the editor tests: the editor over the app's ``StoreBackend`` on a real
database, served in-process on a free port, and page helpers (the shared ``browser`` fixture
lives in tests/conftest.py).

The served app lives for a whole test module (starting Gradio costs seconds), so its database
is module-scoped too: a SQLite file, and the PostgreSQL database of ``$SPANREL_TEST_PG_URL``
when it is set (skipped without it, except in CI), as ``backend_url`` gives one per test.

Chromium is never downloaded (no ``playwright install``): without /usr/bin/chromium the browser
tests skip, unless SPANREL_REQUIRE_CHROMIUM=1 makes that a failure (CI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import gradio as gr
import pytest

from app.editor.demo import CONLL04_SCHEMA, store_document, store_schema
from app.editor.editor import AnnotationEditor
from app.store_backend import StoreBackend
from db import Store
from tests.databases import BACKENDS, fresh_database_url
from tests.serving import serve
from tests.ui.pages import CHAR_BOX_JS

#: the project every editor test stores its documents in (CoNLL04 types)
PROJECT = "editor"

#: BRAT types under two abstract levels (Person -> !Human -> !Agent) and a relation that takes
#: any entity: a rule of the page's own (parents it knows, no macros) offers nothing from Person
#: to Company here
BRAT_CONF = """[entities]
!Agent
\t!Human
\t\tPerson
\tCompany
Place
[relations]
Works_for\tArg1:Agent, Arg2:Agent
Any_link\tArg1:<ENTITY>, Arg2:<ENTITY>
[events]
[attributes]
Negated\tArg:<ENTITY>
Level\tArg:Human, Value:low|high
Certain\tArg:<RELATION>
"""


def add_doc(
    backend: StoreBackend,
    name: str,
    text: str,
    entities: Sequence[dict[str, Any]] = (),
    relations: Sequence[dict[str, Any]] = (),
    project: str = PROJECT,
) -> tuple[str, dict[str, str]]:
    """Store a document named ``name`` (annotations in the page's format, ids like ``T1``);
    its page id and the page ids of its annotations by their given ids."""
    doc = {"doc_id": name, "text": text, "entities": list(entities), "relations": list(relations)}
    return store_document(backend.store, project, doc)


@pytest.fixture(scope="module", params=BACKENDS)
def module_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """An empty database for one test module: a SQLite file, or PostgreSQL emptied first (in
    a schema of its own, which the per-test ``backend_url`` databases leave alone)."""
    url = fresh_database_url(request.param, tmp_path_factory.mktemp("editor"), "editor_module")
    store = Store.open(url)
    yield store
    store.close()


@pytest.fixture(scope="module")
def backend(module_store: Store) -> StoreBackend:
    """The app's backend on the module's database, with the CoNLL04 project; each test adds
    its own documents (unique names)."""
    module_store.create_project(PROJECT, store_schema(CONLL04_SCHEMA))
    return StoreBackend(module_store)


@pytest.fixture(scope="module")
def app_url(backend: StoreBackend) -> Iterator[str]:
    home, _ = add_doc(backend, "home", "Nothing to see here.")
    with gr.Blocks() as demo:
        AnnotationEditor(backend, {"doc_id": home, "revision": 0})
    yield serve(demo, run_history=False)
    demo.close()


class EditorPage:
    """A page showing the editor, with helpers that wait for the editor's data attributes."""

    def __init__(self, page: Any):
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def js(self, code: str, arg: Any = None) -> Any:
        return self.page.evaluate(code, arg)

    def open(self, doc_id: str) -> None:
        self.js(
            "id => document.querySelector('.sr-editor').srEditor.open(id, true)",
            doc_id,
        )
        self.page.wait_for_function(
            "id => { const r = document.querySelector('.sr-editor');"
            " return r.dataset.docId === id && r.dataset.ready === '1'; }",
            arg=doc_id,
        )

    def settle(self, timeout: float = 10_000) -> None:
        """Wait until every queued operation has been acknowledged and rendered."""
        self.page.wait_for_function(
            "() => { const s = document.querySelector('.sr-editor').srEditor.state;"
            " return s.queue.length === 0 && !s.inflight; }",
            timeout=timeout,
        )

    def status(self) -> str:
        return self.page.locator("[data-testid=sr-status-msg]").inner_text()

    def label(self, eid: str) -> Any:
        return self.page.locator(f".sr-label[data-eid='{eid}']").first

    def label_text(self, eid: str) -> str:
        return self.page.locator(f".sr-label[data-eid='{eid}'] text").first.text_content()

    def arc_text(self, rid: str) -> str:
        return self.page.locator(f".sr-arclabel[data-rid='{rid}'] text").first.text_content()

    def arc_label(self, rid: str) -> Any:
        return self.page.locator(f".sr-arclabel[data-rid='{rid}']").first

    def char_box(self, offset: int) -> dict[str, float]:
        """Viewport box of one character of the document text."""
        return self.js(CHAR_BOX_JS, offset)

    def drag_select(self, start: int, end: int) -> None:
        """Select characters [start, end) with the mouse."""
        a, b = self.char_box(start), self.char_box(end - 1)
        mouse = self.page.mouse
        mouse.move(a["x"] + 1, a["y"] + a["h"] / 2)
        mouse.down()
        mouse.move((a["x"] + b["x"]) / 2, b["y"] + b["h"] / 2, steps=4)
        mouse.move(b["x"] + b["w"] - 1, b["y"] + b["h"] / 2, steps=4)
        mouse.up()


@pytest.fixture
def editor(browser: Any, app_url: str) -> Iterator[Callable[[str], EditorPage]]:
    """``editor(doc_id)`` opens a fresh page on that document."""
    pages: list[Any] = []

    def open_doc(doc_id: str) -> EditorPage:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        pages.append(page)
        page.goto(app_url)
        page.wait_for_selector(".sr-editor[data-ready='1']", timeout=30_000)
        page.evaluate("() => document.fonts.ready")
        ed = EditorPage(page)
        ed.open(doc_id)
        return ed

    yield open_doc
    for page in pages:
        page.close()
