"""The live views (``app.screens.live``) through their functions, no browser and no timer: the
Documents listing is never sent for a filter that is no longer the page's (a tick that read
the filter before the person changed it is dropped), a filter changed without a listing (typed,
not submitted) is taken over by the next tick, and the Projects table is sent only when it
changed. The order of events is played by hand; nothing waits for a clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from app.screens.documents_tab import document_list, listed_documents
from app.screens.live import Shown, live_tick
from converters.document import Document
from converters.schema import EntityType, Schema
from db import Edit, Store
from db.document_status import DONE

TEXT = "Alice met Bob in Paris."
ALL = ("team", "all", "", "")
DONE_ONLY = ("team", DONE, "", "")


def skipped(out: tuple[Any, ...]) -> bool:
    """Whether a tick sent nothing (``gr.skip()`` for every output)."""
    return all(isinstance(v, dict) and v == gr.skip() for v in out)


def names(out: tuple[Any, ...]) -> list[str]:
    """The document names of a listing a tick sent."""
    assert not skipped(out)
    return sorted(out[0]["name"])


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[Any]:
    from app.ui import AppConfig, SpanrelApp

    store.create_project("team", Schema([EntityType("Peop")]))
    store.import_documents("team", [Document("d1", TEXT), Document("d2", TEXT)])
    store.create_project("other", Schema([EntityType("Peop")]))
    store.import_documents("other", [Document("o1", TEXT)])
    made = SpanrelApp(store, AppConfig(models_dir=tmp_path / "models", auto_retrain=False))
    yield made
    made.close()


def mark_done(store: Store, project: str, name: str) -> None:
    doc = store.find_document(project, name)
    store.apply_edit(doc, Edit.set_status(DONE), store.load_document(doc).version, "lead")


def test_a_tick_never_sends_a_listing_for_a_filter_changed_since(app) -> None:
    store, shown = app.store, Shown()
    tick = live_tick(lambda *f: document_list(app, *f))
    listed_documents(app, shown, *ALL)  # the Documents screen opens: every document
    assert skipped(tick(*ALL, shown))  # nothing changed since: not redrawn

    # the person picks "done" while a tick that read "all" is computing: the filter's
    # handler lists "done"; the tick's "all" would put the old filter back
    def all_while_done_is_picked(*filters: str) -> Any:
        out = document_list(app, *filters)
        listed_documents(app, shown, *DONE_ONLY)
        return out

    assert skipped(live_tick(all_while_done_is_picked)(*ALL, shown))
    # a tick that read "all" before the change and runs only after the handler listed
    # "done" (queued behind other pages' ticks)
    mark_done(store, "team", "d1")  # something to send, for a tick that may
    assert skipped(tick(*ALL, shown))
    assert names(tick(*DONE_ONLY, shown)) == ["d1"]  # the page's filter: live as before
    assert skipped(tick(*DONE_ONLY, shown))
    mark_done(store, "team", "d2")
    assert names(tick(*DONE_ONLY, shown)) == ["d1", "d2"]


def test_a_filter_changed_without_a_listing_is_taken_over_by_the_next_tick(app) -> None:
    shown = Shown()
    tick = live_tick(lambda *f: document_list(app, *f))
    listed_documents(app, shown, *ALL)
    typed = ("team", "all", "", "d2")  # typed in the search box, not submitted
    assert skipped(tick(*typed, shown))  # read before a change, or the page's? not yet known
    assert names(tick(*typed, shown)) == ["d2"]  # the next tick read it again: the page's
    # a listing in between makes the first sighting count for nothing
    assert skipped(tick(*ALL, shown))
    listed_documents(app, shown, *typed)
    assert skipped(tick(*ALL, shown))
    assert skipped(tick(*typed, shown))  # the handler's listing is on screen already


def test_a_project_change_is_not_undone_by_a_tick_of_the_project_before(app) -> None:
    shown = Shown()
    tick = live_tick(lambda *f: document_list(app, *f))
    listed_documents(app, shown, *ALL)
    shown.listed(None)  # the chooser lists "other" (``page_place.refresh_project``)
    mark_done(app.store, "team", "d1")
    assert skipped(tick(*ALL, shown))  # read before the change: "team" is not put back
    other = ("other", "all", "", "")
    assert skipped(tick(*other, shown))
    assert names(tick(*other, shown)) == ["o1"]


def test_the_page_wires_every_listing_to_one_record(tmp_path: Path) -> None:
    """The built page: the Documents tick, the filter handlers and the project chooser share
    one ``gr.State``, the tick runs once at a time (``Shown.may_send`` relies on it), and the
    handlers, called as Gradio calls them, keep a tick from putting an older filter back."""
    from app.ui import AppConfig, create_app

    store = Store.open(f"sqlite:///{tmp_path / 'w.sqlite'}")
    store.create_project("team", Schema([EntityType("Peop")]))
    store.import_documents("team", [Document("d1", TEXT), Document("d2", TEXT)])
    app, demo = create_app(store, AppConfig(models_dir=tmp_path / "models", auto_retrain=False))
    try:
        fns = {}
        for bf in demo.fns.values():
            if bf.fn is not None:
                fns.setdefault(bf.fn._sr_handler.__name__, []).append(bf)
        (live,) = fns["refresh_live"]
        record = live.inputs[-1]
        assert isinstance(record, gr.State) and live.trigger_mode == "once"
        for name in ("refresh_docs", "assign", "pre_listed", "pre_all", "refresh_project"):
            for bf in fns[name]:
                assert record in bf.inputs, name
        for name in ("delete_document", "rename_document", "on_load"):
            assert record in fns[name][0].inputs, name

        shown = Shown()
        refresh_docs = fns["refresh_docs"][0].fn._sr_handler
        tick = live.fn._sr_handler
        refresh_docs(*ALL, shown)
        refresh_docs(*DONE_ONLY, shown)  # picked while a tick read "all"
        mark_done(store, "team", "d1")
        assert skipped(tick(*ALL, shown))
        assert names(tick(*DONE_ONLY, shown)) == ["d1"]
        fns["refresh_project"][0].fn._sr_handler("team", shown)
        mark_done(store, "team", "d2")
        assert skipped(tick(*DONE_ONLY, shown))  # the chooser listed: confirmed first
        assert names(tick(*DONE_ONLY, shown)) == ["d1", "d2"]

        (projects,) = fns["refresh_tables"]
        tables, page = Shown(), projects.fn._sr_handler
        assert projects.trigger_mode == "once"
        frame, chooser = page(tables)
        assert list(frame["project"]) == ["team"] and chooser["choices"] == ["team"]
        assert skipped(page(tables))  # unchanged: not redrawn
        store.create_project("elsewhere", Schema([EntityType("Peop")]))
        frame, chooser = page(tables)
        assert "elsewhere" in list(frame["project"]) and "elsewhere" in chooser["choices"]
    finally:
        app.close()
        store.close()
