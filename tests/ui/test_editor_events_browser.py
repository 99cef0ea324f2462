"""Events in the editor over the database store, in Chromium, as brat shows them.

- On a real event corpus (the shared BioNLP-ST 2011 GE sample with its conf): every event
  argument is drawn as a role arc from its trigger (the count of arcs equals the document's
  arguments, nested events included) and every trigger is marked.
- Edited by hand: an event made from a selection with an event type, arguments added by
  clicking the trigger and then the argument (only roles the schema gives that argument type
  are offered; a second Theme is numbered Theme2), a relation whose argument is an event, an
  argument removed from its arc, an event deleted with what depends on it (listed first),
  then undone. Each step is read back from the database.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from converters import brat
from tests.brat_conf_semantics import check_export
from tests.ui.editor_pages import StorePage, span
from tests.ui.pages import ScreenPage

pytestmark = [
    pytest.mark.slow,
    pytest.mark.page_only(
        "events are stored as in tests/db/test_store_events.py and "
        "tests/ui/test_editor_store_extras.py, on both databases"
    ),
]

GE = "brat-samples/brat-example-data/corpora/BioNLP-ST_2011/BioNLP-ST_2011_GE"
CONF = """[entities]
Protein
Entity
[relations]
Cause_of Arg1:Protein, Arg2:<EVENT>
Equiv Arg1:Protein, Arg2:Protein, <REL-TYPE>:symmetric-transitive
[events]
Phosphorylation Theme:Protein, Site?:Entity
Binding Theme+:Protein
[attributes]
Negation Arg:<EVENT>
"""
TEXT = "TRAF2 binds CD40 and phosphorylates IkB at Ser32, which up-regulates NF-kB."
ANN = (
    "T1\tProtein 0 5\tTRAF2\n"
    "T2\tProtein 12 16\tCD40\n"
    "T3\tProtein 36 39\tIkB\n"
    "T4\tEntity 43 48\tSer32\n"
    "T6\tPhosphorylation 21 35\tphosphorylates\n"
    "E1\tPhosphorylation:T6 Theme:T3 Site:T4\n"
)


def _import(store: Any, project: str, folder: Path) -> None:
    docs = brat.read_corpus(folder)
    store.import_documents(project, docs, schema=brat.read_schema(folder), create=True)


def _drawn(ap: StorePage) -> dict[str, Any]:
    return ap.js(
        """() => ({
          // an arc over two rows is drawn in two parts: count arcs by id
          roles: new Set([...document.querySelectorAll('.sr-arc.sr-role')]
            .map(a => a.dataset.rid)).size,
          equiv: new Set([...document.querySelectorAll('.sr-arc.sr-equiv')]
            .map(a => a.dataset.rid)).size,
          triggers: new Set([...document.querySelectorAll('.sr-label.sr-trigger')]
            .map(l => l.dataset.eid)).size,
          arcs: [...document.querySelectorAll('.sr-arc')].map(a =>
            (a.dataset.role || a.querySelector('.sr-arclabel text').textContent)),
        })"""
    )


def test_an_event_corpus_is_drawn_whole(browser, served, shared_data: Path) -> None:
    store = served.store
    _import(store, "GE events", shared_data / GE)
    name = "PMC-2065877-06-Results-05"  # the sample's densest: 58 events, nested ones
    view = store.load_document(store.find_document("GE events", name))
    arguments = sum(len(ev.arguments) for ev in view.events)
    nested = sum(1 for ev in view.events for _, ref in ev.arguments if ref.startswith("E"))
    assert len(view.events) == 58 and arguments > 58 and nested > 0  # something to compare
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = StorePage(page, served.url)
    try:
        ap.goto()
        ap.choose_project("GE events")
        ap.open_doc(name)
        drawn = _drawn(ap)
        assert drawn["roles"] == arguments
        # equivalences, in the document that has most: an arc between each two neighbours
        views = [store.load_document(d.id) for d in store.list_documents("GE events")]
        grouped = max(views, key=lambda v: len(v.groups))
        assert len(grouped.groups) >= 2
        ap.open_doc(grouped.name)
        assert _drawn(ap)["equiv"] == sum(len(g.members) - 1 for g in grouped.groups)
        assert drawn["triggers"] == len({ev.trigger for ev in view.events})
        assert not ap.errors
    finally:
        page.close()


def test_create_link_and_delete_events_in_the_page(browser, served, tmp_path: Path) -> None:
    store = served.store
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "annotation.conf").write_text(CONF)
    (folder / "d.txt").write_text(TEXT)
    (folder / "d.ann").write_text(ANN)
    _import(store, "Edit events", folder)
    doc_id = store.find_document("Edit events", "d")

    def events() -> dict[str, tuple[str, list[tuple[str, str]]]]:
        view = store.load_document(doc_id)
        return {e.id: (e.type, list(e.arguments)) for e in view.events}

    def eid(ann_id: str) -> str:
        return "e" + str(
            next(e.id for e in store.load_document(doc_id).entities if e.ann_id == ann_id)
        )

    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = StorePage(page, served.url)
    try:
        ap.goto()
        ap.choose_project("Edit events")
        ap.open_doc("d")
        assert _drawn(ap)["roles"] == 2
        # a new event: choose the event type, select its trigger word
        page.locator(".sr-toolbar .sr-typebtn[data-type='Binding']").click()
        ap.drag_select(*span("binds", TEXT))
        ap.settle()
        assert events()["E2"] == ("Binding", [])
        trigger = next(e for e in store.load_document(doc_id).entities if e.type == "Binding")
        # arguments: the trigger, then the argument; the chooser offers the roles for it
        for protein in ("T1", "T2"):
            ap.label(f"e{trigger.id}").click()
            ap.label(eid(protein)).click()
            chooser = page.locator(".sr-pop[data-kind=chooser]")
            assert [b.get_attribute("data-role") for b in chooser.locator("[data-role]").all()] == [
                "Theme"
            ]
            chooser.locator("[data-role=Theme]").click()
            ap.settle()
        assert events()["E2"] == ("Binding", [("Theme", "T1"), ("Theme2", "T2")])
        assert _drawn(ap)["roles"] == 4
        # an entity type the event has no role for gets none offered
        ap.label(f"e{trigger.id}").click()
        ap.label(eid("T4")).click()
        assert page.locator(".sr-pop[data-kind=chooser] [data-role]").count() == 0
        page.keyboard.press("Escape")

        # a relation whose second argument is an event: click TRAF2, then the trigger
        ap.label(eid("T1")).click()
        ap.label(eid("T6")).click()
        page.locator(".sr-pop[data-kind=chooser] .sr-typebtn[data-type='Cause_of']").click()
        ap.settle()
        rels = store.load_document(doc_id).relations
        assert [(r.type, r.arg1_ref, r.arg2_ref) for r in rels] == [("Cause_of", "T1", "E1")]
        assert "Cause_of" in _drawn(ap)["arcs"]

        # an equivalence (brat's Equiv): linking two proteins makes a group, drawn unarrowed
        ap.label(eid("T2")).click()
        ap.label(eid("T3")).click()
        page.locator(".sr-pop[data-kind=chooser] .sr-typebtn[data-type='Equiv']").click()
        ap.settle()
        (doc,), _ = store.export_documents("Edit events")
        assert [(g.type, g.members) for g in doc.groups] == [("Equiv", ["T2", "T3"])]
        assert _drawn(ap)["equiv"] == 1
        page.locator(".sr-arc.sr-equiv .sr-arclabel").click()
        page.locator(".sr-pop[data-kind=group] [data-testid=sr-delete]").click()
        ap.settle()
        assert store.export_documents("Edit events")[0][0].groups == []

        # remove an argument from its arc
        page.locator(".sr-arc.sr-role[data-role='Theme2'] .sr-arclabel").click()
        page.locator(".sr-pop[data-kind=role] .sr-danger").click()
        ap.settle()
        assert events()["E2"] == ("Binding", [("Theme", "T1")])

        # delete an event: its popup lists what goes with it; undo brings all back
        before = store.export_documents("Edit events")[0]
        ap.label(eid("T6")).click()
        deps = page.locator(".sr-pop [data-testid=sr-event] .sr-deps").inner_text()
        assert "relation Cause_of" in deps
        page.locator(".sr-pop [data-testid=sr-delete-event]").click()
        ap.settle()
        assert "E1" not in events() and store.load_document(doc_id).relations == []
        assert _drawn(ap)["roles"] == 1
        root = page.locator(".sr-editor")
        root.focus()
        page.keyboard.press("Control+z")
        ap.settle()
        assert store.export_documents("Edit events")[0] == before
        assert _drawn(ap)["roles"] == 3

        # the Export screen's BRAT zip: its conf admits every line (the independent judge)
        screens = ScreenPage(page, served.url)
        files, _ = screens.export_files("BRAT (.zip)", False, tmp_path / "download")
        with zipfile.ZipFile(files[0]) as zf:
            zf.extractall(tmp_path / "export")
        (root,) = [p for p in (tmp_path / "export").iterdir() if p.is_dir()]
        ann = (root / "d.ann").read_text()
        assert "E1\tPhosphorylation:T6 Theme:T3 Site:T4" in ann and "\tBinding:" in ann
        assert "R1\tCause_of Arg1:T1 Arg2:E1" in ann
        checked, refused = check_export(root)
        assert checked == len(ann.splitlines()) and refused == []
        assert not ap.errors
    finally:
        page.close()


REGULATION_CONF = CONF.replace(
    "[attributes]",
    "Positive_regulation Theme:<EVENT>|Protein, Cause?:Protein\n"
    "Negative_regulation Theme:<EVENT>|Protein, Cause?:Protein\n[attributes]",
)
REGULATION_ANN = (
    ANN
    + "T5\tProtein 69 74\tNF-kB\n"
    + "T7\tPositive_regulation 56 68\tup-regulates\nE2\tPositive_regulation:T7 Theme:T5\n"
)


def test_re_role_retype_and_annotate_an_event_in_the_page(browser, served, tmp_path: Path) -> None:
    """A role arc's popup gives the argument another role the schema allows for its type; the
    trigger's popup retypes the event (its trigger with it) and sets the event's own
    attributes and notes. Each is one saved edit, read back from the database."""
    store = served.store
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "annotation.conf").write_text(REGULATION_CONF)
    (folder / "d.txt").write_text(TEXT)
    (folder / "d.ann").write_text(REGULATION_ANN)
    assert TEXT[56:68] == "up-regulates" and TEXT[69:74] == "NF-kB"
    _import(store, "Regulation", folder)
    doc_id = store.find_document("Regulation", "d")

    def event(ann_id: str) -> Any:
        return next(e for e in store.load_document(doc_id).events if e.id == ann_id)

    page = browser.new_page(viewport={"width": 1300, "height": 900})
    ap = StorePage(page, served.url)
    try:
        ap.goto()
        ap.choose_project("Regulation")
        ap.open_doc("d")
        # re-role: the Theme of the regulation (a Protein) may also be its Cause
        e2 = store.load_document(doc_id).event_ids["E2"]
        page.locator(f".sr-arc.sr-role[data-event='v{e2}'] .sr-arclabel").first.click()
        roles = page.locator(".sr-pop[data-kind=role] [data-role]")
        assert [r.get_attribute("data-role") for r in roles.all()] == ["Theme", "Cause"]
        roles.filter(has_text="Cause").first.click()
        ap.settle()
        assert list(event("E2").arguments) == [("Cause", "T5")]

        # retype the event from its trigger's popup: the trigger follows
        trigger = next(e for e in store.load_document(doc_id).entities if e.ann_id == "T7")
        ap.label(f"e{trigger.id}").click()
        pop = page.locator(".sr-pop")
        pop.locator(".sr-typebtn[data-type='Negative_regulation']").click()
        ap.settle()
        assert event("E2").type == "Negative_regulation"
        view = store.load_document(doc_id)
        assert next(e.type for e in view.entities if e.ann_id == "T7") == "Negative_regulation"

        # the event's own attribute and note (not its trigger's)
        events = page.locator(".sr-pop [data-testid=sr-event]")
        events.get_by_label("Negation").check()
        ap.settle()
        note = events.locator("[data-testid=sr-note-add]")
        note.fill("seen in figure 3")
        note.press("Enter")
        ap.settle()
        view = store.load_document(doc_id)
        assert [(a.type, a.target) for a in view.attributes] == [("Negation", "E2")]
        assert [(n.target, n.text) for n in view.notes] == [("E2", "seen in figure 3")]
        assert not ap.errors
    finally:
        page.close()
