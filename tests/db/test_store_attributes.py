"""Attributes and notes edited through the store: schema checks, undo/redo, BRAT export."""

from __future__ import annotations

from pathlib import Path

import pytest

import converters
from converters.document import Attribute, Document, Entity, Note, Relation
from converters.schema import AttributeType, EntityType, RelationType, Schema
from db import Edit, EditError, Store
from db.cli import export_path

TEXT = "Aspirin caused nausea and severe headache in the patient."


def _project(store: Store) -> int:
    schema = Schema(
        [EntityType("Drug"), EntityType("Effect"), EntityType("Symptom", parent="Effect")],
        [RelationType("Causes", ["Drug"], ["Effect"])],
        attribute_types=[
            AttributeType("Negated", ["<ENTITY>"]),
            AttributeType("Severity", ["Effect"], ["mild", "severe"]),
            AttributeType("Certain", ["<RELATION>"]),
        ],
    )
    store.create_project("p", schema)
    doc = Document(
        "d1",
        TEXT,
        [
            Entity("T1", "Drug", [(0, 7)]),
            Entity("T2", "Symptom", [(15, 21)]),
            Entity("T3", "Effect", [(33, 41)]),
        ],
        [Relation("R1", "Causes", "T1", "T2")],
        attributes=[Attribute("A1", "Severity", "T3", "mild")],
        notes=[Note("#1", "AnnotatorNotes", "T1", "brand name")],
    )
    return store.import_documents("p", [doc]).document_ids[0]


def _extras(store: Store, doc_id: int) -> tuple[list, list]:
    v = store.load_document(doc_id)
    return (
        sorted((a.target, a.type, a.value) for a in v.attributes),
        sorted((n.id, n.target, n.text) for n in v.notes),
    )


def test_set_and_delete_attributes_and_notes_with_undo(store: Store, tmp_path: Path) -> None:
    doc_id = _project(store)
    v = store.load_document(doc_id)
    ids = {e.ann_id: e.id for e in v.entities}
    rel = v.relations[0].id
    start = _extras(store, doc_id)
    version = v.version

    def apply(edit: Edit) -> None:
        nonlocal version
        version = store.apply_edit(doc_id, edit, version, "ann").version

    apply(Edit.set_attribute("Negated", entity_id=ids["T1"]))
    apply(Edit.set_attribute("Severity", "severe", entity_id=ids["T2"]))  # a subtype of Effect
    apply(Edit.set_attribute("Severity", "severe", entity_id=ids["T3"]))  # rewrites A1
    apply(Edit.set_attribute("Certain", relation_id=rel))
    apply(Edit.set_note("check dose", entity_id=ids["T1"], note="#1"))
    apply(Edit.set_note("second\tthought", relation_id=rel))
    attrs, notes = _extras(store, doc_id)
    assert attrs == [
        ("R1", "Certain", None),
        ("T1", "Negated", None),
        ("T2", "Severity", "severe"),
        ("T3", "Severity", "severe"),
    ]
    assert notes == [("#1", "T1", "check dose"), ("#2", "R1", "second\tthought")]
    assert [a.id for a in store.load_document(doc_id).attributes if a.target == "T3"] == ["A1"]

    # exported as BRAT lines, read back by our reader
    out = tmp_path / "brat"
    export_path(store, "p", "brat", out)
    ann = (out / "d1.ann").read_text()
    assert "\tSeverity T3 severe\n" in ann and "\tCertain R1\n" in ann
    assert "#2\tAnnotatorNotes R1\tsecond\tthought\n" in ann
    (back,) = converters.read("brat", out)
    assert sorted((a.target, a.type, a.value) for a in back.attributes) == attrs

    apply(Edit.delete_attribute("Negated", entity_id=ids["T1"]))
    apply(Edit.delete_note("#1"))
    assert _extras(store, doc_id) == (attrs[:1] + attrs[2:], [("#2", "R1", "second\tthought")])
    # undo everything, one edit at a time, then redo it all
    for _ in range(8):
        version = store.undo(doc_id, "ann", version).version
    assert _extras(store, doc_id) == start
    for _ in range(8):
        version = store.redo(doc_id, "ann", version).version
    assert _extras(store, doc_id) == (attrs[:1] + attrs[2:], [("#2", "R1", "second\tthought")])


def test_attribute_and_note_edits_are_checked(store: Store) -> None:
    doc_id = _project(store)
    v = store.load_document(doc_id)
    ids = {e.ann_id: e.id for e in v.entities}
    rel = v.relations[0].id
    bad = [
        (Edit.set_attribute("Nope", entity_id=ids["T1"]), "unknown attribute"),
        (Edit.set_attribute("Severity", "mild", entity_id=ids["T1"]), "does not apply to entity"),
        (Edit.set_attribute("Negated", relation_id=rel), "does not apply to relation"),
        (Edit.set_attribute("Severity", "awful", entity_id=ids["T2"]), "takes one of mild"),
        (Edit.set_attribute("Severity", entity_id=ids["T2"]), "takes one of mild"),
        (Edit.set_attribute("Negated", "yes", entity_id=ids["T1"]), "takes no value"),
        (Edit.set_attribute("Severity", "mild", entity_id=ids["T3"]), "changes nothing"),
        (Edit.delete_attribute("Negated", entity_id=ids["T1"]), "has no attribute"),
        (Edit.set_note("x", entity_id=ids["T2"], note="#1"), "not a note of entity"),
        (Edit.delete_note("#9"), "not in document"),
        (Edit.set_note("x", entity_id=999_999), "not in document"),
    ]
    for edit, reason in bad:
        with pytest.raises(EditError, match=reason):
            store.apply_edit(doc_id, edit, v.version, "ann")
    for payload, reason in [
        ({"op": "set_note", "text": "two\nlines", "entity_id": ids["T1"]}, "line breaks"),
        ({"op": "set_note", "text": "  ", "entity_id": ids["T1"]}, "non-empty"),
        ({"op": "set_note", "text": "x"}, "exactly one of"),
        ({"op": "set_attribute", "type": "Negated", "entity_id": 1, "relation_id": 1}, "one of"),
        ({"op": "set_attribute", "type": "Severity", "value": 3, "entity_id": 1}, "string"),
    ]:
        with pytest.raises(EditError, match=reason):
            store.apply_edit(doc_id, payload, v.version, "ann")
    assert store.load_document(doc_id).version == v.version  # refusals write nothing


def test_editing_a_suggestion_accepts_it(store: Store) -> None:
    doc_id = _project(store)
    mv = store.register_model_version("p", "/models/v1")
    ents = [
        Entity("x1", "Drug", [(49, 56)], confidence=0.8),
        Entity("x2", "Effect", [(26, 32)], confidence=0.6),
    ]
    rels = [Relation("r1", "Causes", "x1", "x2", confidence=0.7)]
    r = store.replace_suggestions(doc_id, mv.id, ents, rels)
    v = store.load_document(doc_id)
    (rel,) = [x for x in v.relations if x.review == "suggested"]
    r = store.apply_edit(doc_id, Edit.set_attribute("Certain", relation_id=rel.id), r.version, "a")
    after = store.load_document(doc_id)
    assert after.relation(rel.id).review == "accepted"
    assert {after.entity(rel.arg1).review, after.entity(rel.arg2).review} == {"accepted"}
    # an annotation that was rejected is hidden in the page: its notes cannot be edited
    x3 = [Entity("x3", "Effect", [(8, 14)], confidence=0.5)]
    r = store.replace_suggestions(doc_id, mv.id, x3)
    (sug,) = [e for e in store.load_document(doc_id).entities if e.review == "suggested"]
    r = store.apply_edit(doc_id, Edit.reject(entity_id=sug.id), r.version, "a")
    with pytest.raises(EditError, match="was rejected"):
        store.apply_edit(doc_id, Edit.set_note("hm", entity_id=sug.id), r.version, "a")
