"""Every editor capability, in Chromium, on the real app over the database store.

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
from converters.document import Document, Entity, Relation
from db import Edit
from tests.ui.editor_pages import TEXT, StorePage, span
from tests.ui.pages import LABEL_OVERLAPS_JS

pytestmark = pytest.mark.slow

PROJECT = "Editor checks"
SECOND = "Second document."


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
