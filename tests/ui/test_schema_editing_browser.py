"""Schema changes in the page, in Chromium, over the database store.

The case a new user met with a schema inferred from data: retyping "PCR amplicon" from Method
to Reagent is refused because "Using" was only ever seen from Method to Reagent. The editor
offers to allow that pair and retries; the retype is saved. Then on the Projects screen a type
is renamed (its annotations follow) and hidden (no longer offered in the editor's toolbar).
Each step is read back from the database.
"""

from __future__ import annotations

from typing import Any

import pytest

from converters.document import Document, Entity, Relation
from tests.ui.editor_pages import StorePage, span

pytestmark = pytest.mark.slow

TEXT = "The PCR amplicon was purified using a spin column with elution buffer."


def _choose(ap: StorePage, elem_id: str, option: str) -> None:
    ap.page.locator(f"#{elem_id}").locator("input").first.click()
    ap.page.get_by_role("option", name=option, exact=True).click()


def test_allow_a_pair_then_rename_and_hide_a_type(browser, served) -> None:
    store = served.store
    doc = Document(
        "protocol",
        TEXT,
        [
            Entity("T1", "Method", [span("PCR amplicon", TEXT)]),
            Entity("T2", "Reagent", [span("elution buffer", TEXT)]),
        ],
        [Relation("R1", "Using", "T1", "T2")],
    )
    # no schema given: inferred from the data, "Using" admits Method -> Reagent only
    store.import_documents("Protocols", [doc], create=True)
    doc_id = store.find_document("Protocols", "protocol")
    assert store.project_schema("Protocols").allowed_relations("Reagent", "Reagent") == []

    def types() -> dict[str, str]:
        return {e.ann_id: e.type for e in store.load_document(doc_id).entities}

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    ap = StorePage(page, served.url)
    try:
        ap.goto()
        ap.choose_project("Protocols")
        ap.open_doc("protocol")
        t1 = "e" + str(next(e.id for e in store.load_document(doc_id).entities if e.ann_id == "T1"))
        ap.label(t1).click()
        page.locator(".sr-pop .sr-typebtn[data-type='Reagent']").click()
        ap.settle()
        assert "would not be allowed from Reagent to Reagent" in ap.status()
        assert types()["T1"] == "Method"  # refused: nothing changed
        offer = page.locator("[data-testid=sr-allow-pair]")
        assert offer.inner_text() == "Allow Using from Reagent to Reagent and retry"
        offer.click()
        ap.settle()
        assert types()["T1"] == "Reagent"
        schema = store.project_schema("Protocols")
        assert schema.allowed_relations("Reagent", "Reagent") == ["Using"]
        assert schema.allowed_relations("Method", "Reagent") == ["Using"]  # still, as well

        # Projects screen: rename Reagent (its annotations follow), then hide Method
        ap.tab("Projects")
        _choose(ap, "sr-schema-action", "Rename (its annotations follow)")
        ap.fill("sr-schema-name", "Reagent")
        ap.fill("sr-schema-value", "Material")
        page.locator("#sr-schema-apply").click()
        msg = page.locator("#sr-schema-msg")
        msg.get_by_text("is now").wait_for(timeout=15_000)
        assert "2 annotation(s) in 1 document(s) renamed" in msg.inner_text()
        assert types() == {"T1": "Material", "T2": "Material"}
        assert "Material" in page.locator("#sr-types").inner_text()

        _choose(ap, "sr-schema-action", "Hide (not offered for new annotations)")
        ap.fill("sr-schema-name", "Method")
        page.locator("#sr-schema-apply").click()
        page.locator("#sr-types").get_by_text("(hidden)").wait_for(timeout=15_000)
        ap.open_doc("protocol")  # opened again: fetched again, with the changed schema
        page.wait_for_function(
            "() => !!document.querySelector(\".sr-toolbar .sr-typebtn[data-type='Material']\")",
            timeout=15_000,
        )
        offered = _toolbar_types(ap)
        assert "Material" in offered and "Method" not in offered
        assert not ap.errors
    finally:
        page.close()


def _toolbar_types(ap: StorePage) -> list[Any]:
    return ap.js(
        "() => [...document.querySelectorAll('.sr-toolbar .sr-typebtn')].map(b => b.dataset.type)"
    )
