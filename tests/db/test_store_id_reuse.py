"""Annotation ids are never reused, so undo/redo still work after edits in other documents.

History replays whole rows with their ids. SQLite without AUTOINCREMENT handed a freed id (the
newest row, deleted or undone) to the next row added anywhere, and the undo then failed on the
primary key (migration 0005). Also: relation edits, BRAT extras and inferred types.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import text

from converters.document import Attribute, Document, Entity, Group, Note, Relation
from converters.schema import EntityType, RelationType, Schema
from db import Edit, Store, migrate
from db.session import create_db_engine

SCHEMA = Schema(
    [EntityType("Drug"), EntityType("Effect")], [RelationType("Causes", ["Drug"], ["Effect"])]
)


def _two_documents(store: Store) -> tuple[int, int]:
    store.create_project("p", SCHEMA)
    docs = [Document("a", "x" * 50), Document("b", "y" * 50)]
    a, b = store.import_documents("p", docs).document_ids
    return a, b


def test_undo_of_delete_after_an_add_elsewhere(store: Store) -> None:
    a, b = _two_documents(store)
    added = store.apply_edit(a, Edit.add_entity("Drug", [(0, 2)]), 0, "u1")
    before = store.load_document(a).entities
    deleted = store.apply_edit(a, Edit.delete_entity(added.entity_id), added.version, "u1")
    other = store.apply_edit(b, Edit.add_entity("Drug", [(3, 5)]), 0, "u2")
    assert other.entity_id != added.entity_id
    store.undo(a, "u1", deleted.version)
    assert store.load_document(a).entities == before
    assert [e.id for e in store.load_document(b).entities] == [other.entity_id]


def test_redo_of_add_after_an_add_elsewhere(store: Store) -> None:
    a, b = _two_documents(store)
    added = store.apply_edit(a, Edit.add_entity("Drug", [(0, 2)]), 0, "u1")
    after = store.load_document(a).entities
    undone = store.undo(a, "u1", added.version)
    store.apply_edit(b, Edit.add_entity("Drug", [(3, 5)]), 0, "u2")
    store.redo(a, "u1", undone.version)
    assert store.load_document(a).entities == after


def test_relation_edits_and_extras_undo_exactly(store: Store) -> None:
    store.create_project("p", SCHEMA)
    doc = Document(
        "d",
        "Aspirin caused nausea and rash.",
        [
            Entity("T1", "Drug", [(0, 7)]),
            Entity("T2", "Effect", [(15, 21)]),
            Entity("T3", "Effect", [(26, 30)]),
        ],
        [Relation("R1", "Causes", "T1", "T2")],
    )
    doc.attributes = [Attribute("A1", "Negated", "T2"), Attribute("A2", "Certain", "R1")]
    doc.notes = [Note("#1", "AnnotatorNotes", "T1", "brand name")]
    doc.groups = [Group("Equiv", ["T2", "T3"])]
    doc_id = store.import_documents("p", [doc]).document_ids[0]
    original, _ = store.export_documents("p")
    view = store.load_document(doc_id)
    rel, t3 = view.relations[0].id, view.entities[2].id
    v = store.apply_edit(doc_id, Edit.change_relation(rel, arg2=t3), 0, "a").version
    assert store.load_document(doc_id).relations[0].arg2_ref == "T3"
    v = store.apply_edit(doc_id, Edit.delete_relation(rel), v, "a").version
    (gone,), _ = store.export_documents("p")
    assert gone.relations == [] and [x.id for x in gone.attributes] == ["A1"]
    v = store.apply_edit(doc_id, Edit.delete_entity(view.entities[1].id), v, "a").version
    (gone,), _ = store.export_documents("p")
    assert gone.attributes == [] and gone.groups[0].members == ["T3"]
    for _ in range(3):
        v = store.undo(doc_id, "a", v).version
    assert store.export_documents("p")[0] == original


def test_types_missing_from_the_schema_are_inferred(store: Store) -> None:
    store.create_project("p", Schema([EntityType("Drug")]))
    doc = Document(
        "d",
        "Aspirin caused nausea.",
        [Entity("T1", "Drug", [(0, 7)]), Entity("T2", "Effect", [(15, 21)])],
        [Relation("R1", "Causes", "T1", "T2")],
    )
    result = store.import_documents("p", [doc])
    assert (result.added_entity_types, result.added_relation_types) == (["Effect"], ["Causes"])
    schema = store.project_schema("p")
    assert [t.name for t in schema.entity_types] == ["Drug", "Effect"]
    causes = schema.relation_types[0]
    assert (causes.arg1_types, causes.arg2_types) == (["Drug"], ["Effect"])


def test_upgrade_from_0004_keeps_relations_and_skips_used_ids(backend_url: str) -> None:
    """The rebuild in 0005 must not cascade-delete relations, and on SQLite the id counter
    starts past ids that only the history still mentions (a deleted newest entity)."""
    with Store.open(backend_url) as old:  # today's code writes; the schema then goes back
        old.create_project("p", SCHEMA)
        doc = Document(
            "d",
            "Aspirin caused nausea.",
            [Entity("T1", "Drug", [(0, 7)]), Entity("T2", "Effect", [(15, 21)])],
            [Relation("R1", "Causes", "T1", "T2")],
        )
        doc_id = old.import_documents("p", [doc]).document_ids[0]
        added = old.apply_edit(doc_id, Edit.add_entity("Effect", [(8, 14)]), 0, "a")
        deleted = old.apply_edit(doc_id, Edit.delete_entity(added.entity_id), 1, "a")
        migrate.downgrade(old.engine, "0004")
        assert migrate.current_revision(old.engine) == "0004"
    with Store.open(backend_url) as store:
        assert store.integrity_check() == "ok"
        view = store.load_document(doc_id)
        assert [r.ann_id for r in view.relations] == ["R1"] and len(view.entities) == 2
        fresh = store.apply_edit(doc_id, Edit.add_entity("Drug", [(15, 21)]), 2, "b")
        assert fresh.entity_id > added.entity_id  # type: ignore[operator]
        store.undo(doc_id, "b", fresh.version)
        store.undo(doc_id, "a", deleted.version + 2)
        assert added.entity_id in [e.id for e in store.load_document(doc_id).entities]
    if backend_url.startswith("sqlite"):
        engine = create_db_engine(backend_url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        engine.dispose()
        path = backend_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as raw:
            ddl = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'entity'").fetchone()[0]
        assert "AUTOINCREMENT" in ddl
