"""Rules the store owns alone: which model suggestions it keeps (the project's schema decides,
for every caller), one function per edit operation, and what an import says about the project
it wrote into."""

from __future__ import annotations

import pytest

from converters.document import Document, Entity, Relation
from converters.schema import EntityType, RelationType, Schema
from db import EditError, Store
from db.edit_apply import OPERATIONS
from db.edits import OPS

TEXT = "Aspirin caused nausea and severe headache in the patient."


def _document(store: Store) -> int:
    schema = Schema(
        [EntityType("Drug"), EntityType("Effect")],
        [RelationType("Causes", ["Drug"], ["Effect"])],
    )
    store.create_project("p", schema)
    doc = Document("d1", TEXT, [Entity("T1", "Drug", [(0, 7)])])
    return store.import_documents("p", [doc]).document_ids[0]


def _suggested_relations(store: Store, doc_id: int) -> list[tuple[str, str, str]]:
    view = store.load_document(doc_id)
    return [
        (r.type, view.entity(r.arg1).type, view.entity(r.arg2).type)
        for r in view.relations
        if r.review == "suggested"
    ]


def test_relation_suggestions_the_schema_does_not_admit_are_dropped_and_counted(
    store: Store,
) -> None:
    doc_id = _document(store)
    entities = [Entity("e", "Effect", [(15, 21)]), Entity("d", "Drug", [(0, 7)])]
    relations = [
        Relation("ok", "Causes", "d", "e", confidence=0.9),
        Relation("backwards", "Causes", "e", "d", confidence=0.8),  # Arg1 must be a Drug
    ]
    result = store.replace_suggestions(doc_id, None, entities, relations)
    assert result.dropped == 1
    assert _suggested_relations(store, doc_id) == [("Causes", "Drug", "Effect")]
    # the relation pass (between entities the document has) keeps the same rule
    again = store.replace_suggestions(doc_id, None, entities, relations[::-1], relations_only=True)
    assert again.dropped == 1
    assert _suggested_relations(store, doc_id) == [("Causes", "Drug", "Effect")]


def test_unknown_relation_type_in_model_output_is_refused(store: Store) -> None:
    doc_id = _document(store)
    entities = [Entity("d", "Drug", [(0, 7)]), Entity("e", "Effect", [(15, 21)])]
    before = store.load_document(doc_id).version
    with pytest.raises(EditError, match="unknown relation type 'Treats'"):
        store.replace_suggestions(doc_id, None, entities, [Relation("x", "Treats", "d", "e")])
    assert store.load_document(doc_id).version == before  # nothing was written


def test_every_edit_operation_has_exactly_one_function() -> None:
    assert sorted(OPERATIONS) == sorted(OPS)


def test_import_says_whether_it_created_the_project(store: Store) -> None:
    first = store.import_documents("fresh", [Document("a", "One.")], create=True)
    assert first.created_project
    second = store.import_documents("fresh", [Document("b", "Two.")], create=True)
    assert not second.created_project and second.documents == 1
    store.create_project("made")
    assert not store.import_documents("made", [Document("c", "Three.")]).created_project
