"""Events edited in the store: create on a trigger span, add / re-role / remove arguments
(entities and nested events, numbered repeats), retype, delete with what depends on the event,
relations with an event argument, attributes and notes on events; every step undoable, and
the export keeps events exactly (ids included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from converters import brat
from converters.document import Document
from db import Edit, EditError, Store

CONF = """[entities]
Protein
Entity
[relations]
Cause_of Arg1:Protein, Arg2:<EVENT>
[events]
Phosphorylation Theme:Protein, Site?:Entity
Binding Theme+:Protein
Positive_regulation Theme:<EVENT>|Protein, Cause?:Protein
[attributes]
Negation Arg:<EVENT>
"""
TEXT = "TRAF2 binds CD40 and phosphorylates IkB at Ser32, which up-regulates NF-kB."
ANN = (
    "T1\tProtein 0 5\tTRAF2\n"
    "T2\tProtein 12 16\tCD40\n"
    "T3\tProtein 36 39\tIkB\n"
    "T4\tEntity 43 48\tSer32\n"
    "T5\tProtein 69 74\tNF-kB\n"
    "T6\tPhosphorylation 21 35\tphosphorylates\n"
    "E1\tPhosphorylation:T6 Theme:T3 Site:T4\n"
)


def _span(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


@pytest.fixture
def doc_id(store: Store, tmp_path: Path) -> int:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "annotation.conf").write_text(CONF)
    (tmp_path / "c" / "d.txt").write_text(TEXT)
    (tmp_path / "c" / "d.ann").write_text(ANN)
    docs = brat.read_corpus(tmp_path / "c")
    schema = brat.read_schema(tmp_path / "c")
    return store.import_documents("ev", docs, schema=schema, create=True).document_ids[0]


class Doc:
    """The document as the store has it, and edits at its current version."""

    def __init__(self, store: Store, doc_id: int) -> None:
        self.store, self.id = store, doc_id

    @property
    def view(self):
        return self.store.load_document(self.id)

    def apply(self, edit: Edit):
        return self.store.apply_edit(self.id, edit, self.view.version, "ann")

    def refuse(self, edit: Edit, reason: str) -> None:
        before = self.exported()
        with pytest.raises(EditError, match=reason):
            self.apply(edit)
        assert self.exported() == before

    def ent(self, ann_id: str) -> int:
        return next(e.id for e in self.view.entities if e.ann_id == ann_id)

    def event(self, ann_id: str) -> int:
        return self.view.event_ids[ann_id]

    def exported(self) -> Document:
        (doc,) = self.store.export_documents("ev")[0]
        return doc

    def undo(self) -> None:
        self.store.undo(self.id, "ann", self.view.version)


def _events(doc: Document) -> dict[str, tuple[str, str, list[tuple[str, str]]]]:
    return {e.id: (e.type, e.trigger, list(e.arguments)) for e in doc.events}


def test_create_an_event_and_fill_its_roles(store: Store, doc_id: int) -> None:
    d = Doc(store, doc_id)
    assert _events(d.exported()) == {
        "E1": ("Phosphorylation", "T6", [("Theme", "T3"), ("Site", "T4")])
    }
    r = d.apply(Edit.add_event("Binding", [_span("binds")]))
    binding = r.event_id
    assert binding is not None and r.entity_id is not None
    doc = d.exported()
    trigger = next(e for e in doc.entities if e.fragments == [_span("binds")])
    assert trigger.type == "Binding" and _events(doc)["E2"] == ("Binding", trigger.id, [])

    d.apply(Edit.add_argument(binding, "Theme", entity_id=d.ent("T1")))
    d.apply(Edit.add_argument(binding, "Theme", entity_id=d.ent("T2")))  # Theme+: numbered
    assert _events(d.exported())["E2"][2] == [("Theme", "T1"), ("Theme2", "T2")]

    phos = d.event("E1")
    d.refuse(Edit.add_argument(phos, "Theme", entity_id=d.ent("T1")), "takes one Theme")
    d.refuse(Edit.add_argument(phos, "Cause", entity_id=d.ent("T1")), "has no role 'Cause'")
    d.refuse(Edit.add_argument(binding, "Theme", entity_id=d.ent("T4")), "takes Protein, not")
    d.refuse(Edit.add_argument(binding, "Theme", entity_id=d.ent("T1")), "is the Theme of")
    d.refuse(Edit.add_argument(binding, "Theme", target_event=binding), "its own argument")
    d.refuse(Edit.add_event("Protein", [_span("which")]), "unknown event type")
    with pytest.raises(EditError, match="exactly one of entity_id or target_event"):
        Edit.add_argument(binding, "Theme")

    # a nested event: Positive_regulation of the phosphorylation, caused by NF-kB... re-roled
    reg = d.apply(Edit.add_event("Positive_regulation", [_span("up-regulates")])).event_id
    d.apply(Edit.add_argument(reg, "Theme", target_event=phos))
    d.apply(Edit.add_argument(reg, "Cause", entity_id=d.ent("T5")))
    assert _events(d.exported())["E3"][2] == [("Theme", "E1"), ("Cause", "T5")]
    d.refuse(Edit.change_argument(reg, "Cause", "Theme"), "takes one Theme")
    d.apply(Edit.delete_argument(reg, "Theme"))
    d.apply(Edit.change_argument(reg, "Cause", "Theme"))  # NF-kB is a Protein: a Theme too
    assert _events(d.exported())["E3"][2] == [("Theme", "T5")]
    d.undo()
    d.undo()
    assert _events(d.exported())["E3"][2] == [("Theme", "E1"), ("Cause", "T5")]


def test_retype_and_delete_with_dependents_and_undo(store: Store, doc_id: int) -> None:
    d = Doc(store, doc_id)
    phos = d.event("E1")
    reg = d.apply(Edit.add_event("Positive_regulation", [_span("up-regulates")])).event_id
    d.apply(Edit.add_argument(reg, "Theme", target_event=phos))
    rel = d.apply(Edit.add_relation("Cause_of", d.ent("T1"), arg2_event=phos)).relation_id
    d.apply(Edit.set_attribute("Negation", event_id=phos))
    d.apply(Edit.set_note("seen in figure 2", event_id=phos))
    before = d.exported()
    assert [(r.type, r.arg1, r.arg2) for r in before.relations] == [("Cause_of", "T1", "E1")]
    assert [(a.type, a.target) for a in before.attributes] == [("Negation", "E1")]
    assert rel is not None and d.view.relation(rel).arg2 is None  # an event, not an entity

    # the relation on the event stays allowed when its type changes? Cause_of takes <EVENT>
    d.refuse(Edit.change_event(phos, "Binding"), "role Site of Binding|has no role 'Site'")
    d.apply(Edit.delete_argument(phos, "Site"))
    d.apply(Edit.change_entity(d.ent("T6"), type="Binding"))  # the trigger retypes its event
    doc = d.exported()
    assert _events(doc)["E1"][0] == "Binding"
    assert next(e for e in doc.entities if e.id == "T6").type == "Binding"
    d.undo()
    d.undo()
    assert d.exported() == before

    d.apply(Edit.delete_event(phos))
    doc = d.exported()
    assert "E1" not in _events(doc) and "T6" not in {e.id for e in doc.entities}
    assert doc.relations == [] and doc.attributes == [] and doc.notes == []
    assert _events(doc)["E2"][2] == []  # the regulation lost its Theme, and lives on
    d.undo()
    assert d.exported() == before  # everything back, ids included

    d.apply(Edit.delete_entity(d.ent("T6")))  # deleting the trigger deletes the event
    assert "E1" not in _events(d.exported())
    d.undo()
    d.apply(Edit.delete_entity(d.ent("T3")))  # an argument leaves the event
    assert _events(d.exported())["E1"][2] == [("Site", "T4")]
    d.undo()
    assert d.exported() == before


def test_events_round_trip_the_export_exactly(store: Store, doc_id: int, tmp_path: Path) -> None:
    d = Doc(store, doc_id)
    binding = d.apply(Edit.add_event("Binding", [_span("binds")])).event_id
    d.apply(Edit.add_argument(binding, "Theme", entity_id=d.ent("T1")))
    d.apply(Edit.add_argument(binding, "Theme", entity_id=d.ent("T2")))
    documents, schema = store.export_documents("ev")
    assert brat.write_corpus(documents, tmp_path / "out", schema=schema) == []
    ann = (tmp_path / "out" / "d.ann").read_text()
    assert "E1\tPhosphorylation:T6 Theme:T3 Site:T4\n" in ann
    assert "E2\tBinding:T7 Theme:T1 Theme2:T2\n" in ann
    assert brat.read_corpus(tmp_path / "out") == documents


def test_preannotation_leaves_events_untouched(store: Store, doc_id: int) -> None:
    """The model predicts no events: its suggestions (even one on a trigger's words) come and
    go around the events, which stay exactly as they were."""
    from converters.document import Entity

    d = Doc(store, doc_id)
    before = d.exported()
    suggested = [
        Entity("S1", "Protein", [_span("phosphorylates")]),  # on the trigger's words
        Entity("S2", "Entity", [_span("which")]),
    ]
    store.replace_suggestions(doc_id, None, suggested)
    (with_suggestions,), _ = store.export_documents("ev", include_suggestions=True)
    # something to compare: both suggestions were stored
    assert len(with_suggestions.entities) == len(before.entities) + 2
    assert with_suggestions.events == before.events
    store.replace_suggestions(doc_id, None, [])  # a later run that suggests nothing
    assert d.exported() == before


def test_tables_count_what_the_page_shows(store: Store, doc_id: int) -> None:
    """An event is counted once, as an event: its trigger is not also an entity, in the
    Documents table, the Projects table and the import report alike."""
    from app.screens.projects import PROJECT_HEADERS, project_rows

    d = Doc(store, doc_id)
    d.apply(Edit.add_event("Binding", [_span("binds")]))
    (summary,) = store.list_documents("ev")
    assert (summary.entities, summary.relations, summary.events) == (5, 0, 2)
    (row,) = project_rows(store)
    counts = dict(zip(PROJECT_HEADERS, row, strict=True))
    assert (counts["entities"], counts["relations"], counts["events"]) == (5, 0, 2)


def test_equivalences_link_merge_and_split(store: Store, tmp_path: Path) -> None:
    """brat's ``*`` lines: linking two annotations with a symmetric-transitive type puts them
    in one group (merging groups), a member can leave, a group can go; all undoable."""
    folder = tmp_path / "eq"
    folder.mkdir()
    (folder / "annotation.conf").write_text(
        CONF.replace(
            "[relations]\n",
            "[relations]\nEquiv Arg1:Protein, Arg2:Protein, <REL-TYPE>:symmetric-transitive\n",
        )
    )
    (folder / "d.txt").write_text(TEXT)
    (folder / "d.ann").write_text(ANN + "*\tEquiv T1 T2\n")
    docs, schema = brat.read_corpus(folder), brat.read_schema(folder)
    doc_id = store.import_documents("eq", docs, schema=schema, create=True).document_ids[0]
    d = Doc(store, doc_id)

    def groups() -> list[list[str]]:
        (doc,), _ = store.export_documents("eq")
        return [list(g.members) for g in doc.groups]

    assert groups() == [["T1", "T2"]]
    d.apply(Edit("add_equivalence", type="Equiv", arg1=d.ent("T3"), arg2=d.ent("T5")))
    assert groups() == [["T1", "T2"], ["T3", "T5"]]
    d.apply(Edit("add_equivalence", type="Equiv", arg1=d.ent("T2"), arg2=d.ent("T3")))
    assert groups() == [["T1", "T2", "T3", "T5"]]  # the two groups merged
    with pytest.raises(EditError, match="equivalent already"):
        d.apply(Edit("add_equivalence", type="Equiv", arg1=d.ent("T1"), arg2=d.ent("T5")))
    with pytest.raises(EditError, match="is an equivalence"):
        d.apply(Edit.add_relation("Equiv", d.ent("T1"), d.ent("T5")))
    with pytest.raises(EditError, match="does not admit"):
        d.apply(Edit("add_equivalence", type="Equiv", arg1=d.ent("T1"), arg2=d.ent("T4")))
    group = d.view.group_ids[0]
    d.apply(Edit("remove_member", group_id=group, entity_id=d.ent("T2")))
    assert groups() == [["T1", "T3", "T5"]]
    d.apply(Edit("delete_group", group_id=group))
    assert groups() == []
    for _ in range(4):
        d.undo()
    assert groups() == [["T1", "T2"]]
