"""Every editor capability of the issue, in Chromium, on the real app over the database store.

tests/app/test_editor_browser.py drives the editor over the in-memory backend; this module
drives the same page inside the whole app (``StoreBackend``, ``db.Store``), so each check below
is read back from the database: nested and overlapping spans, relations offered by the schema,
suggestions (dashed, with confidence; accept, reject, accept all above a threshold), type
shortcuts, retype/resize/delete, undo/redo, mark done, previous/next, and a reload that shows
exactly what is stored.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.demo_project import demo_schema
from app.editor.backend import relation_allowed, schema_dict
from converters.document import Attribute, Document, Entity, Normalization, Note, Relation
from converters.schema import AttributeType
from db import Edit
from tests.ui.pages import LABEL_OVERLAPS_JS, AppPage

pytestmark = pytest.mark.slow

PROJECT = "Editor checks"
TEXT = "John Wilkes Booth, who assassinated President Abraham Lincoln, was an actor in Washington."
SECOND = "Second document."


def span(word: str, text: str = TEXT) -> tuple[int, int]:
    i = text.index(word)
    return i, i + len(word)


class StorePage(AppPage):
    def label(self, eid: str) -> Any:
        return self.page.locator(f".sr-label[data-eid='{eid}']").first

    def label_text(self, eid: str) -> str:
        return self.page.locator(f".sr-label[data-eid='{eid}'] text").first.text_content()

    def shown(self) -> list[dict[str, str]]:
        """What the page draws: entity id -> label text, relation id -> arc label text."""
        return self.js(
            """() => {
              const ents = {}, rels = {};
              for (const l of document.querySelectorAll('.sr-label'))
                ents[l.dataset.eid] = l.querySelector('text').textContent;
              for (const l of document.querySelectorAll('.sr-arclabel'))
                rels[l.dataset.rid] = l.querySelector('text').textContent;
              return [ents, rels];
            }"""
        )

    def status(self) -> str:
        return self.page.locator("[data-testid=sr-status-msg]").inner_text()

    def wait_doc(self, name: str) -> None:
        self.page.wait_for_function(
            "n => { const r = document.querySelector('.sr-editor');"
            " return r && r.dataset.ready === '1' &&"
            " document.querySelector('[data-testid=sr-doc-name]').textContent === n; }",
            arg=name,
            timeout=20_000,
        )


def stored(store: Any, doc_id: int) -> list[dict[str, str]]:
    """What the database holds, as the page should draw it (rejected ones are hidden)."""

    def label(ann: Any) -> str:
        if ann.review == "suggested":
            return f"{ann.type} {ann.confidence:.2f}"
        return ann.type

    view = store.load_document(doc_id)
    ents = {f"e{e.id}": label(e) for e in view.entities if e.review != "rejected"}
    rels = {f"r{r.id}": label(r) for r in view.relations if r.review != "rejected"}
    return [ents, rels]


@pytest.fixture
def project(served) -> tuple[Any, int]:
    store = served.store
    store.create_project(PROJECT, demo_schema())
    b, w, a, s = (span(x) for x in ("John Wilkes Booth", "Washington", "actor", "assassinated"))
    doc = Document(
        "d1",
        TEXT,
        entities=[
            Entity("T1", "Peop", [b]),
            Entity("T2", "Peop", [span("President Abraham Lincoln")]),
            Entity("T3", "Peop", [span("Abraham Lincoln")]),  # nested in T2
            Entity("T4", "Other", [span("Lincoln, was")]),  # overlaps T2 and T3
        ],
        relations=[Relation("R1", "Kill", "T1", "T2")],
    )
    store.import_documents(PROJECT, [doc, Document("d2", SECOND)])
    doc_id = store.find_document(PROJECT, "d1")
    store.replace_suggestions(
        doc_id,
        None,
        [
            Entity("a", "Loc", [w], confidence=0.95),
            Entity("b", "Org", [a], confidence=0.42),
            Entity("c", "Other", [s], confidence=0.3),
            Entity("p", "Peop", [b], confidence=0.9),  # equal to T1: attaches to it
        ],
        [Relation("x", "Live_In", "p", "a", confidence=0.6)],
    )
    return store, doc_id


def test_every_editor_capability_on_the_store(browser, served, project) -> None:
    store, doc_id = project
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    ap = StorePage(page, served.url)
    try:
        ap.goto()
        ap.choose_project(PROJECT)
        ap.open_doc("d1")
        view = store.load_document(doc_id)
        by_span = {(e.type, e.fragments[0]): f"e{e.id}" for e in view.entities}
        t1, t2 = (
            by_span[("Peop", span("John Wilkes Booth"))],
            by_span[("Peop", span("President Abraham Lincoln"))],
        )
        t3, t4 = (
            by_span[("Peop", span("Abraham Lincoln"))],
            by_span[("Other", span("Lincoln, was"))],
        )
        sa, sb = by_span[("Loc", span("Washington"))], by_span[("Org", span("actor"))]
        sc = by_span[("Other", span("assassinated"))]
        rel_sugg = next(f"r{r.id}" for r in view.relations if r.review == "suggested")

        # the page shows exactly the stored state; suggestions carry their confidence
        assert ap.shown() == stored(store, doc_id)
        assert ap.label_text(sa) == "Loc 0.95" and ap.shown()[1][rel_sugg] == "Live_In 0.60"
        # nested and overlapping entities: one band level each, no two labels on each other
        levels = ap.js(
            "ids => ids.map(i => document.querySelector(`.sr-band[data-eid='${i}']`)"
            ".dataset.level)",
            [t2, t3, t4],
        )
        assert len(set(levels)) == 3
        overlaps = ap.js(LABEL_OVERLAPS_JS)
        assert overlaps == 0
        # suggestions look different: dashed band, marked label
        assert "sr-sugg" in ap.label(sa).get_attribute("class")
        assert "sr-sugg" not in ap.label(t1).get_attribute("class")
        dash = ap.js(
            "i => getComputedStyle(document.querySelector(`.sr-band[data-eid='${i}']`))"
            ".strokeDasharray",
            sa,
        )
        assert dash not in ("", "none")

        def review(ann: str) -> str | None:
            v = store.load_document(doc_id)
            items = v.entities if ann[0] == "e" else v.relations
            return next(x.review for x in items if x.id == int(ann[1:]))

        # accept one (Enter on a selected suggestion), reject one (its button)
        ap.label(sa).click()
        page.keyboard.press("Enter")
        ap.settle()
        assert review(sa) == "accepted"
        assert "sr-sugg" not in ap.label(sa).get_attribute("class")
        ap.label(sb).click()
        page.locator(".sr-pop [data-testid=sr-reject]").click()
        ap.settle()
        assert review(sb) == "rejected"
        assert page.locator(f".sr-label[data-eid='{sb}']").count() == 0
        # accept all at or above a threshold: the relation (0.6) but not "assassinated" (0.3)
        page.keyboard.press("Escape")
        page.locator("[data-testid=sr-threshold]").fill("0.5")
        page.locator("[data-testid=sr-threshold-rel]").fill("0.5")  # one box per kind
        page.locator("[data-testid=sr-accept-all]").click()
        ap.settle()
        assert review(rel_sugg) == "accepted" and review(sc) == "suggested"
        assert "accepted 1" in ap.status()

        # a type's key, then a mouse selection: a new entity of that type
        page.keyboard.press("Escape")
        page.keyboard.press("t")
        ap.drag_select(*span("actor"))
        ap.settle()
        new = store.load_document(doc_id).entities[-1]
        assert (new.type, new.fragments, new.source) == ("Other", [span("actor")], "human")
        eid = f"e{new.id}"

        def fragments() -> list[tuple[int, int]]:
            return store.load_document(doc_id).entity(new.id).fragments

        # click it: retype with another type's key, resize with the arrows, delete
        ap.label(eid).click()
        page.keyboard.press("o")
        ap.settle()
        assert store.load_document(doc_id).entity(new.id).type == "Org"
        page.keyboard.press("ArrowRight")  # end: one word right
        ap.settle()
        assert fragments() == [span("actor in")]
        page.locator(".sr-pop [data-testid=sr-end-left]").click()  # end: one word left
        ap.settle()
        assert fragments() == [span("actor")]
        page.keyboard.press("Delete")
        ap.settle()
        assert all(e.id != new.id for e in store.load_document(doc_id).entities)
        # undo and redo, by keys and by buttons
        page.keyboard.press("Control+z")
        ap.settle()
        assert fragments() == [span("actor")]
        page.locator("[data-testid=sr-undo]").click()
        ap.settle()
        assert fragments() == [span("actor in")]
        page.locator("[data-testid=sr-redo]").click()
        ap.settle()
        page.keyboard.press("Control+y")
        ap.settle()
        assert all(e.id != new.id for e in store.load_document(doc_id).entities)
        assert ap.shown() == stored(store, doc_id)

        # two clicks: the chooser offers exactly the relation types the schema allows
        schema = schema_dict(store.project_schema(PROJECT))
        names = [r["name"] for r in schema["relation_types"]]
        for first, second, types in ((t3, sa, ("Peop", "Loc")), (t1, t3, ("Peop", "Peop"))):
            page.keyboard.press("Escape")
            ap.label(first).click()
            ap.label(second).click()
            offered = ap.js(
                "() => [...document.querySelectorAll('.sr-pop [data-type]')]"
                ".map(b => b.dataset.type)"
            )
            assert offered == [n for n in names if relation_allowed(schema, n, *types)]
            assert offered
        page.locator(f".sr-pop [data-type='{offered[0]}']").click()
        ap.settle()
        rels = store.load_document(doc_id).relations
        assert ("Kill", int(t1[1:]), int(t3[1:])) in [(r.type, r.arg1, r.arg2) for r in rels]

        # a refusal shows its reason; an edit made elsewhere meanwhile: conflict, then a reload
        send = "op => document.querySelector('.sr-editor').srEditor.send(op.kind, op.fields)"
        ap.js(send, {"kind": "add_entity", "fields": {"type": "Peop", "fragments": [[3, 5000]]}})
        ap.settle()
        assert "refused" in ap.status()
        version = store.load_document(doc_id).version
        store.apply_edit(doc_id, Edit.add_entity("Org", [span("actor")]), version, "someone")
        ap.js(send, {"kind": "add_entity", "fields": {"type": "Loc", "fragments": [[0, 4]]}})
        ap.settle()
        page.locator("[data-testid=sr-status-msg]").get_by_text("changed elsewhere").wait_for()
        page.wait_for_function(
            "n => document.querySelector('.sr-editor').dataset.ready === '1' &&"
            " document.querySelectorAll('.sr-label').length === n",
            arg=len(stored(store, doc_id)[0]),
        )
        assert ap.shown() == stored(store, doc_id)

        # mark done, next and previous
        page.locator("[data-testid=sr-done]").click()
        ap.settle()
        assert store.load_document(doc_id).status == "done"
        page.locator("[data-testid=sr-next]").click()
        ap.wait_doc("d2")
        assert ap.js("() => document.querySelector('.sr-seg').textContent") == SECOND
        page.locator("[data-testid=sr-prev]").click()
        ap.wait_doc("d1")
        assert ap.shown() == stored(store, doc_id)

        # a reload shows exactly what is stored
        page.reload()
        ap.goto()
        ap.choose_project(PROJECT)
        ap.open_doc("d1")
        assert ap.shown() == stored(store, doc_id)
        assert page.locator("[data-testid=sr-doc-status]").inner_text().lower() == "done"
        assert not ap.errors and not ap.dialogs
    finally:
        page.close()


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
