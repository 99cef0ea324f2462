"""Statuses in Chromium on the real app over the database store: an edit in the editor moves a
new document to in progress, "Mark done" and "Reopen" set it by hand, and the Documents
screen's progress per person and "status by" column follow, as the database says."""

from __future__ import annotations

import re

import pytest

from tests.ui.editor_pages import StorePage

pytestmark = pytest.mark.slow

PROJECT = "CoNLL04 demo"
PERSON_ROWS_JS = """() => [...document.querySelectorAll('#sr-progress [role=row]')]
  .map(tr => [...tr.querySelectorAll('[role=gridcell]')].map(td => td.innerText.trim()))
  .filter(cells => cells.length)"""


def _wait_badge(ap: StorePage, text: str) -> None:
    ap.page.wait_for_function(
        "t => (document.querySelector('[data-testid=sr-doc-status]') || {}).textContent === t",
        arg=text,
        timeout=15_000,
    )


def _wait_progress(ap: StorePage, person: str, figures: list[str], done: int) -> None:
    """The Documents screen shows ``person``'s row as ``figures`` and ``done`` done in all."""
    ap.tab("Documents")
    ap.page.locator("#sr-doc-statuses").get_by_text(re.compile(rf"\b{done} done")).wait_for()
    ap.page.wait_for_function(
        f"([p, f]) => ({PERSON_ROWS_JS})().some("
        "r => r[0] === p && JSON.stringify(r.slice(1)) === JSON.stringify(f))",
        arg=[person, figures],
        timeout=15_000,
    )


def test_edit_moves_new_to_in_progress_mark_done_and_reopen(browser, served) -> None:
    store = served.store
    # a name no other document's name contains, so that filtering by it lists one document
    # ("conll04-test-17" also finds "conll04-test-170")
    names = [d.name for d in store.list_documents(PROJECT)]
    doc = next(
        d
        for d in store.list_documents(PROJECT, status="new")
        if sum(d.name in other for other in names) == 1
    )
    store.apply_edit(doc.id, {"op": "set_assignee", "assignee": "tester"}, doc.version, "lead")
    done_before = store.progress(PROJECT).statuses["done"]
    assert done_before > 0
    text = store.load_document(doc.id).text
    word = next(w for w in re.finditer(r"[A-Za-z]{3,}", text))
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    ap = StorePage(page, served.url)
    try:
        ap.goto()
        ap.choose_project(PROJECT)
        _wait_progress(ap, "tester", ["0 / 1", "0", "0"], done_before)
        ap.fill("sr-f-search", doc.name)
        page.locator("#sr-f-go").click()
        page.locator("#sr-doc-note").get_by_text("1 document(s)").wait_for(timeout=60_000)
        ap.open_doc(doc.name)
        _wait_badge(ap, "new")
        # the first edit in the editor: in progress, by the signed-in person
        page.locator(".sr-typebtn").first.click()
        ap.drag_select(word.start(), word.end())
        ap.settle()
        _wait_badge(ap, "in progress")
        summary = store.list_documents(PROJECT, name_contains=doc.name)[0]
        assert (summary.status, summary.status_by) == ("in-progress", "tester")
        assert store.load_document(doc.id).entities  # the edit itself was stored
        # done by hand
        page.locator("[data-testid=sr-done]").click()
        _wait_badge(ap, "done")
        assert store.load_document(doc.id).status == "done"
        _wait_progress(ap, "tester", ["1 / 1", "0", "1"], done_before + 1)
        rows = ap.js(PERSON_ROWS_JS.replace("#sr-progress", "#sr-docs"))
        assert [r[4] for r in rows if r[1] == doc.name] == ["tester"]  # "status by"
        # reopened from the page
        ap.tab("Annotate")
        page.locator("[data-testid=sr-done]", has_text="Reopen").click()
        _wait_badge(ap, "in progress")
        assert store.load_document(doc.id).status == "in-progress"
        _wait_progress(ap, "tester", ["0 / 1", "1", "0"], done_before)
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()
