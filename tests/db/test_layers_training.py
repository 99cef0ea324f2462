"""Retraining uses the curated layer (issue 24): ``Store.training_data`` (what
``app.retraining.training_data`` writes a model's files from) holds the curated documents that
are done, with the curated annotations, never the people's layers; a layer marked done does
not make its document count as done."""

from __future__ import annotations

from converters.document import Document
from converters.schema import EntityType, RelationType, Schema
from db import Edit, Store

TEXT = "Aspirin caused nausea and severe headache in the patient."
SCHEMA = Schema(
    [EntityType("Drug"), EntityType("Effect")],
    [RelationType("Causes", ["Drug"], ["Effect"])],
)


def _annotate(store: Store, doc_id: int, spans: list[tuple[str, int, int]], who: str) -> None:
    for kind, start, end in spans:
        version = store.load_document(doc_id).version
        store.apply_edit(doc_id, Edit.add_entity(kind, [(start, end)]), version, who)


def _done(store: Store, doc_id: int, who: str) -> None:
    version = store.load_document(doc_id).version
    store.apply_edit(doc_id, Edit.set_status("done"), version, who)


def _spans(doc: Document) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
    return sorted((e.type, tuple(map(tuple, e.fragments))) for e in doc.entities)


def test_training_data_holds_the_curated_annotations_never_the_layers(store: Store) -> None:
    store.create_project("p", SCHEMA)
    d1, _ = store.import_documents("p", [Document("d1", TEXT), Document("d2", TEXT)]).document_ids
    store.assign_layers("p", ["d1"], ["ann", "bob"], author="boss")
    ann, bob = store.layer_for(d1, "ann"), store.layer_for(d1, "bob")
    assert ann is not None and bob is not None
    # two people annotate d1 differently, each in their layer, and finish it
    _annotate(store, ann, [("Drug", 0, 7), ("Effect", 15, 21)], "ann")
    _annotate(store, bob, [("Drug", 0, 7), ("Effect", 33, 41)], "bob")
    _done(store, ann, "ann")
    _done(store, bob, "bob")

    # both layers done: the document itself is not done, so nothing is trained on yet
    assert store.load_document(d1).status != "done"
    assert [d.name for d in store.list_documents("p", status="done")] == []
    assert store.training_data("p").documents == []
    assert store.progress("p").documents == 2

    # the curator merges them into d1 (a third version) and marks it done
    _annotate(store, d1, [("Drug", 0, 7), ("Effect", 26, 41)], "cur")
    _done(store, d1, "cur")
    data = store.training_data("p")
    assert [d.id for d in data.documents] == ["d1"]  # once, not once per layer
    assert _spans(data.documents[0]) == [("Drug", ((0, 7),)), ("Effect", ((26, 41),))]
    assert set(data.splits) == {"d1"}
    assert [d.id for d in store.list_documents("p", status="done")] == [d1]

    # a layer's edits after the curation never reach the training data
    version = store.load_document(ann).version
    store.apply_edit(ann, Edit.set_status("in-progress"), version, "boss")
    _annotate(store, ann, [("Effect", 49, 56)], "ann")
    again = store.training_data("p")
    assert [_spans(d) for d in again.documents] == [_spans(data.documents[0])]
