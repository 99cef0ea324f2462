"""Deleting a document from the Documents screen and restoring it from the Trash, in Chromium
on the real app over the database store: the first click shows what goes (the store's
counts), only the second deletes, the page says until when it can come back, and the Trash's
Restore puts the same document back (same id, same annotations).
"""

from __future__ import annotations

import pytest

from db import NotFoundError
from tests.ui.pages import AppPage

pytestmark = pytest.mark.slow

PROJECT = "CoNLL04 demo"


def test_delete_a_document_then_restore_it_from_the_trash(browser, served) -> None:
    store = served.store
    doc = next(d for d in store.list_documents(PROJECT) if d.entities and d.relations)
    before = store.load_document(doc.id)
    goes = store.what_goes(PROJECT, doc.name)
    assert goes.entities == doc.entities and goes.relations == doc.relations  # counts to show
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    ap = AppPage(page, served.url)
    try:
        ap.goto()
        ap.choose_project(PROJECT)
        ap.tab("Documents")
        page.locator("#sr-doc-cleanup").get_by_text("Rename or delete a document").click()
        ap.fill("sr-doc-target", doc.name)
        page.locator("#sr-doc-delete").click()
        msg = page.locator("#sr-doc-msg")
        msg.get_by_text(goes.phrase()).wait_for()
        assert store.find_document(PROJECT, doc.name) == doc.id  # asked, not deleted yet
        page.locator("#sr-doc-delete-confirm").click()
        msg.get_by_text("can be restored from the Trash").wait_for()
        with pytest.raises(NotFoundError):
            store.find_document(PROJECT, doc.name)
        [entry] = store.list_trash()
        assert f"until {entry.purge_after:%Y-%m-%d %H:%M} UTC" in msg.inner_text()

        ap.tab("Projects")
        names = page.locator("#sr-trash [role=gridcell][data-col='3']")
        names.filter(has=page.get_by_text(doc.name, exact=True)).first.wait_for()
        ap.fill("sr-trash-entry", str(entry.id))
        page.locator("#sr-trash-restore").click()
        page.locator("#sr-trash-msg").get_by_text("restored").wait_for()
        assert store.load_document(doc.id) == before
        assert store.list_trash() == []
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()
