"""Assigning a document to an annotator from the Documents screen, in Chromium on the real app
over the database store. Who annotates what is stored and filtered on, so the check reads the
assignment back from the database, finds the document again by its assignee, and makes sure a
name that looks like markup is shown as text, never rendered.
"""

from __future__ import annotations

import pytest

from tests.ui.editor_pages import StorePage

pytestmark = pytest.mark.slow


def test_assign_an_annotator_and_filter_by_it(browser, served) -> None:
    store = served.store
    doc = store.list_documents("CoNLL04 demo")[3]
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    ap = StorePage(page, served.url)
    try:
        ap.goto()
        ap.choose_project("CoNLL04 demo")
        ap.tab("Documents")
        ap.fill("sr-f-search", doc.name)
        page.locator("#sr-f-go").click()
        page.locator("#sr-doc-note").get_by_text("1 document(s)").wait_for()
        ap.fill("sr-assign-name", "<b>ann</b>")
        page.locator("#sr-assign-go").click()
        page.locator("#sr-assign-msg").get_by_text(
            "1 document(s) assigned to <b>ann</b>"
        ).wait_for()
        assert store.load_document(doc.id).assignee == "<b>ann</b>"
        ap.fill("sr-f-search", "")
        page.locator("#sr-f-go").click()
        total = len(store.list_documents("CoNLL04 demo"))
        page.locator("#sr-doc-note").get_by_text(f"{total} document(s)").wait_for()
        ap.fill("sr-f-assignee", "<b>ann</b>")
        page.locator("#sr-f-go").click()
        page.locator("#sr-doc-note").get_by_text("1 document(s)").wait_for()
        page.wait_for_function(
            "() => { const c = [...document.querySelectorAll("
            "'#sr-docs [role=gridcell][data-col=\"3\"]')].map(x => x.innerText.trim());"
            " return c.length === 1 && c[0] === '<b>ann</b>'; }",
            timeout=15_000,
        )
        assert page.locator("#sr-docs b, #sr-assign-msg b").count() == 0
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()
