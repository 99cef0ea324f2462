"""BRAT extras (attributes, normalizations, notes) in the editor over the database store, in
Chromium. They travel with imported corpora and must not be lost or garbled by the editor:
imported ones are marked on their labels and listed in tooltip and popup as text, stay through
an edit of their entity and go with it when it is deleted; attributes and notes edited in the
popup are each one saved edit, read back from the database, that undo takes back.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.demo_project import demo_schema
from converters.document import Attribute, Document, Entity, Normalization, Note, Relation
from converters.schema import AttributeType
from tests.ui.editor_pages import TEXT, StorePage, span

pytestmark = pytest.mark.slow


def test_attributes_notes_and_normalizations_are_shown(browser, served) -> None:
    """Imported BRAT extras: a marker on the label, lines in the tooltip and the popup, kept
    through an edit of their entity, and gone with it when it is deleted."""
    store = served.store
    name = "Extras shown"
    store.create_project(name, demo_schema())
    doc_id, ids, r1 = _extras_doc(store, name)
    t1, t2, t3 = ids["T1"], ids["T2"], ids["T3"]
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = StorePage(page, served.url)
    try:
        ap.goto()
        ap.choose_project(name)
        ap.open_doc("x1")
        ents, rels = ap.shown()
        assert (ents[t1], ents[t2], ents[t3]) == ("Peop *", "Peop *", "Loc *")
        assert rels[r1] == "Kill *"
        tip = ap.js(
            "i => document.querySelector(`.sr-label[data-eid='${i}'] title`).textContent", t2
        )
        assert "Certainty = <b>high</b>" in tip and "Wikidata:Q91 (Lincoln)" in tip
        ap.label(t1).click()
        extras = page.locator(".sr-pop [data-testid=sr-extras]")
        # the import added the attribute types its data uses (targets and values as seen)
        assert _attrs_shown(extras) == ["Negation", "Certainty"]
        assert extras.get_by_label("Negation").is_checked()
        assert extras.get_by_label("Certainty").input_value() == ""
        assert extras.locator("input.sr-note").first.input_value() == "check <i>alias</i>"
        assert page.locator(".sr-pop b, .sr-pop i, .sr-label b").count() == 0  # text, not markup
        # retype T3: the marker and its lines stay (the page patches its copy of the document)
        page.keyboard.press("Escape")
        ap.label(t3).click()
        page.keyboard.press("o")
        ap.settle()
        assert ap.label_text(t3) == "Org *"
        assert extras.locator("input.sr-note").first.input_value() == "the city"  # rebuilt popup
        assert len(store.load_document(doc_id).notes) == 3
        # delete T2: its relation, attributes and normalization go with it
        page.keyboard.press("Escape")
        ap.label(t2).click()
        page.keyboard.press("Delete")
        ap.settle()
        after = store.load_document(doc_id)
        assert [a.target for a in after.attributes] == ["T1"] and not after.normalizations
        assert ap.shown() == [{t1: "Peop *", t3: "Org *"}, {}]
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()


def _attrs_shown(popup: Any) -> list[str]:
    return [el.get_attribute("data-attr") for el in popup.locator("[data-attr]").all()]


def _extras_doc(store: Any, project: str) -> tuple[int, dict[str, str], str]:
    """One document with attributes, a normalization and notes; its id, page entity ids by
    BRAT id, and the page id of its relation."""
    doc = Document(
        "x1",
        TEXT,
        entities=[
            Entity("T1", "Peop", [span("John Wilkes Booth")]),
            Entity("T2", "Peop", [span("Abraham Lincoln")]),
            Entity("T3", "Loc", [span("Washington")]),
        ],
        relations=[Relation("R1", "Kill", "T1", "T2")],
        attributes=[
            Attribute("A1", "Negation", "T1"),
            Attribute("A2", "Certainty", "T2", "<b>high</b>"),
        ],
        normalizations=[Normalization("N1", "Reference", "T2", "Wikidata", "Q91", "Lincoln")],
        notes=[
            Note("#1", "AnnotatorNotes", "T1", "check <i>alias</i>"),
            Note("#2", "AnnotatorNotes", "R1", "1865"),
            Note("#3", "AnnotatorNotes", "T3", "the city"),
        ],
    )
    store.import_documents(project, [doc])
    doc_id = store.find_document(project, "x1")
    view = store.load_document(doc_id)
    return doc_id, {e.ann_id: f"e{e.id}" for e in view.entities}, f"r{view.relations[0].id}"


def test_attributes_and_notes_are_edited_in_the_popup(browser, served) -> None:
    """Attribute checkboxes and value menus from the project's [attributes], note fields: each
    change is one saved edit (read back from the database), undo takes it back."""
    store = served.store
    name = "Extras edited"
    schema = demo_schema()
    schema.attribute_types = [
        AttributeType("Negation", ["<ENTITY>"]),
        AttributeType("Certainty", ["Peop"], ["high", "low"]),
        AttributeType("Alleged", ["<RELATION>"]),
    ]
    store.create_project(name, schema)
    doc_id, ids, r1 = _extras_doc(store, name)
    t1, t2, t3 = ids["T1"], ids["T2"], ids["T3"]

    def extras() -> tuple[list, list]:
        v = store.load_document(doc_id)
        return (
            sorted((a.target, a.type, a.value) for a in v.attributes),
            sorted((n.target, n.text) for n in v.notes),
        )

    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = StorePage(page, served.url)
    pop = page.locator(".sr-pop [data-testid=sr-extras]")
    try:
        ap.goto()
        ap.choose_project(name)
        ap.open_doc("x1")
        # T3 (a Loc): Negation applies (<ENTITY>), Certainty does not (Peop only)
        ap.label(t3).click()
        assert _attrs_shown(pop) == ["Negation"]
        pop.get_by_label("Negation").check()
        ap.settle()
        assert ("T3", "Negation", None) in extras()[0]
        assert ap.label_text(t3) == "Loc *"
        assert pop.get_by_label("Negation").is_checked()  # the rebuilt popup shows it
        # T2: the imported value is not in the schema's list; it is shown and can be changed
        page.keyboard.press("Escape")
        ap.label(t2).click()
        menu = pop.get_by_label("Certainty")
        assert menu.input_value() == "<b>high</b>"
        menu.select_option("low")
        ap.settle()
        assert ("T2", "Certainty", "low") in extras()[0]
        # T1: rewrite its note, add a second one, untick its flag
        page.keyboard.press("Escape")
        ap.label(t1).click()
        note = pop.locator("[data-note] input.sr-note").first
        note.fill("alias of J. W. Booth")
        note.press("Enter")
        ap.settle()
        pop.get_by_test_id("sr-note-add").fill("born 1838")
        pop.get_by_test_id("sr-note-add").press("Enter")
        ap.settle()
        pop.get_by_label("Negation").uncheck()
        ap.settle()
        attrs, notes = extras()
        assert ("T1", "Negation", None) not in attrs
        assert [n for n in notes if n[0] == "T1"] == [
            ("T1", "alias of J. W. Booth"),
            ("T1", "born 1838"),
        ]
        assert ap.label_text(t1) == "Peop *"
        # the relation: its own attribute and its note, deleted with the cross
        page.keyboard.press("Escape")
        page.locator(f".sr-arclabel[data-rid='{r1}']").first.click()
        assert _attrs_shown(pop) == ["Alleged"]
        pop.get_by_label("Alleged").check()
        ap.settle()
        pop.get_by_test_id("sr-note-remove").click()
        ap.settle()
        attrs, notes = extras()
        assert ("R1", "Alleged", None) in attrs and ("R1", "1865") not in notes
        assert ap.shown()[1][r1] == "Kill *"
        # undo (Ctrl+Z) brings the note back
        page.keyboard.press("Escape")
        page.keyboard.press("Control+z")
        ap.settle()
        assert ("R1", "1865") in extras()[1]
        # an empty note field deletes that note
        ap.label(t3).click()
        note = pop.locator("[data-note] input.sr-note").first
        note.fill("")
        note.press("Enter")
        ap.settle()
        assert ("T3", "the city") not in extras()[1]
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()
