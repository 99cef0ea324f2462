"""Reviewing model suggestions in the editor over the database store, in Chromium, from the
keyboard and by confidence. Annotators review suggestions in bulk, so the keys must walk them in
reading order and each answer must reach the database: Tab and Shift+Tab step through the open
ones, Enter and Delete answer them, and a "Show >=" threshold hides weaker ones (kept, not
rejected) from drawing, from Tab and from "Accept >=".
"""

from __future__ import annotations

from typing import Any

import pytest

from app.demo_project import demo_schema
from converters.document import Document, Entity, Relation
from tests.ui.editor_pages import TEXT, StorePage, span

pytestmark = pytest.mark.slow


def _suggested_doc(store: Any, project: str) -> tuple[int, dict[str, str], str]:
    """A document with one human entity and four suggestions (confidence 0.95, 0.42, 0.3 and
    a relation at 0.6); its id, page entity ids by covered text, the relation's page id."""
    store.create_project(project, demo_schema())
    store.import_documents(project, [Document("k1", TEXT, [Entity("T1", "Peop", [span("John")])])])
    doc_id = store.find_document(project, "k1")
    store.replace_suggestions(
        doc_id,
        None,
        [
            Entity("a", "Loc", [span("Washington")], confidence=0.95),
            Entity("b", "Org", [span("actor")], confidence=0.42),
            Entity("c", "Other", [span("assassinated")], confidence=0.3),
            Entity("p", "Peop", [span("John")], confidence=0.9),  # equal to T1: attaches to it
        ],
        [Relation("x", "Live_In", "p", "a", confidence=0.6)],
    )
    view = store.load_document(doc_id)
    ids = {view.text[e.start : e.end]: f"e{e.id}" for e in view.entities}
    return doc_id, ids, f"r{view.relations[0].id}"


def test_review_suggestions_from_the_keyboard(browser, served) -> None:
    """Tab / Shift+Tab step through the open suggestions in reading order; Enter and Del
    answer one and select the next, until none is left."""
    store = served.store
    name = "Keyboard review"
    doc_id, ids, rel = _suggested_doc(store, name)
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = StorePage(page, served.url)
    pop = page.locator(".sr-pop")

    def selected() -> str:
        return "" if pop.is_hidden() else pop.get_attribute("aria-label")

    def reviews() -> dict[str, str]:
        v = store.load_document(doc_id)
        out = {v.text[e.start : e.end]: e.review for e in v.entities}
        out["Live_In"] = v.relations[0].review
        return out

    try:
        ap.goto()
        ap.choose_project(name)
        ap.open_doc("k1")
        ap.js("() => document.querySelector('.sr-editor').focus()")
        page.keyboard.press("Tab")
        assert selected() == f"Entity {ids['assassinated']}"
        page.keyboard.press("Tab")
        assert selected() == f"Entity {ids['actor']}"
        page.keyboard.press("Shift+Tab")
        assert selected() == f"Entity {ids['assassinated']}"
        page.keyboard.press("Enter")  # accept, then the next one is selected
        ap.settle()
        assert selected() == f"Entity {ids['actor']}"
        page.keyboard.press("Delete")  # reject
        ap.settle()
        assert selected() == f"Entity {ids['Washington']}"
        page.keyboard.press("Enter")
        ap.settle()
        assert selected() == f"Relation {rel}"  # after both of its arguments
        page.keyboard.press("Enter")
        ap.settle()
        assert selected() == "" and "no open suggestions left" in ap.status()
        assert reviews() == {
            "John": "accepted",
            "Washington": "accepted",
            "actor": "rejected",
            "assassinated": "accepted",
            "Live_In": "accepted",
        }
        page.keyboard.press("Tab")  # nothing open: Tab is the browser's again
        assert selected() == ""
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()


def test_hide_suggestions_below_a_confidence(browser, served) -> None:
    """ "Show >=" hides weaker suggestions (kept, not rejected): not drawn, skipped by Tab,
    never accepted by "Accept >="; lowering it shows them again."""
    store = served.store
    doc_id, ids, rel = _suggested_doc(store, "Confidence filter")
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = StorePage(page, served.url)
    try:
        ap.goto()
        ap.choose_project("Confidence filter")
        ap.open_doc("k1")
        assert set(ap.shown()[0]) == set(ids.values())
        show = page.get_by_test_id("sr-min-show")
        show.fill("0.5")
        show.press("Enter")
        page.get_by_text("4 suggestions (2 hidden)").wait_for()
        assert set(ap.shown()[0]) == {ids["John"], ids["Washington"]}
        assert ap.shown()[1] == {rel: "Live_In 0.60"}
        ap.js("() => document.querySelector('.sr-editor').focus()")
        page.keyboard.press("Tab")
        assert page.locator(".sr-pop").get_attribute("aria-label") == f"Entity {ids['Washington']}"
        page.keyboard.press("Escape")
        page.get_by_test_id("sr-threshold").fill("0")
        page.get_by_test_id("sr-threshold-rel").fill("0")  # one box per kind
        page.get_by_test_id("sr-accept-all").click()
        ap.settle()
        reviews = {
            store.load_document(doc_id).text[e.start : e.end]: e.review
            for e in store.load_document(doc_id).entities
        }
        assert reviews == {
            "John": "accepted",
            "Washington": "accepted",
            "actor": "suggested",
            "assassinated": "suggested",
        }
        show = page.get_by_test_id("sr-min-show")
        show.fill("0")
        show.press("Enter")
        page.get_by_text("2 suggestions").wait_for()
        assert set(ap.shown()[0]) == set(ids.values())
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()
