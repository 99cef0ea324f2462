"""Annotation layers in the store (``db.layers``): a person's layer of a document is a document
row of its own, kept out of every listing and export of the project's documents, deleted,
restored and renamed with its document, and filled by a layer import only on the same text."""

from __future__ import annotations

import pytest

from converters.document import Document, Entity, Relation
from converters.schema import EntityType, RelationType, Schema
from db import Edit, Store, StoreError
from db.layers import plan_assignment

TEXT = "Aspirin caused nausea and severe headache in the patient."
SCHEMA = Schema(
    [EntityType("Drug"), EntityType("Effect")],
    [RelationType("Causes", ["Drug"], ["Effect"])],
)


def _suggested(name: str) -> Document:
    return Document(
        name,
        TEXT,
        [Entity("T1", "Drug", [(0, 7)], confidence=0.9), Entity("T2", "Effect", [(15, 21)])],
        [Relation("R1", "Causes", "T1", "T2")],
    )


def _project(store: Store) -> list[int]:
    store.create_project("p", SCHEMA)
    # the model's suggestions, as pre-annotation leaves them
    store.import_documents("p", [_suggested("d1")], source="model")
    d2 = store.import_documents("p", [Document("d2", TEXT)]).document_ids[0]
    return [d2, store.find_document("p", "d1")]


def test_layers_are_documents_of_their_own_out_of_every_listing(store: Store) -> None:
    d2, d1 = _project(store)
    made = store.assign_layers("p", ["d1", "d2"], ["ann", "bob"], author="boss")
    assert [(x.owner, x.document_id) for x in made] == [
        ("ann", d1),
        ("bob", d1),
        ("ann", d2),
        ("bob", d2),
    ]
    assert store.assign_layers("p", ["d1"], ["ann"]) == []  # kept as it is
    # the project still has two documents, everywhere it is counted or read
    assert [d.name for d in store.list_documents("p")] == ["d1", "d2"]
    assert store.find_document("p", "d1") == d1
    assert store.get_project("p").document_count == 2
    assert store.stats("p")["projects"]["p"]["documents"] == 2
    assert store.progress("p").documents == 2
    docs, _ = store.export_documents("p", include_suggestions=True)
    assert [d.id for d in docs] == ["d1", "d2"]
    with pytest.raises(Exception, match="d1"):
        store.import_documents("p", [Document("d1", TEXT)])

    # a new layer holds the model's open suggestions, nothing else
    ann = store.layer_for(d1, "ann")
    assert ann is not None and ann not in (d1, d2)
    assert store.layer_for(ann, "ann") == ann  # from the layer itself too
    assert store.layer_for(d1, "carol") is None
    layer = store.load_document(ann)
    assert (layer.name, layer.text, layer.assignee, layer.status) == (
        "d1",
        TEXT,
        "ann",
        "pre-annotated",
    )
    assert len(layer.entities) == 2 and len(layer.relations) == 1
    assert {e.review for e in layer.entities} == {"suggested"}
    assert store.load_document(store.layer_for(d2, "ann")).entities == []

    # an edit of one layer is that layer's alone, undone there alone
    drug = next(e.id for e in layer.entities if e.type == "Drug")
    r = store.apply_edit(ann, Edit.accept(entity_id=drug), layer.version, "ann")
    assert store.load_document(ann).entity(drug).review == "accepted"
    bob = store.load_document(store.layer_for(d1, "bob"))
    assert {e.review for e in bob.entities} == {"suggested"}
    assert {e.review for e in store.load_document(d1).entities} == {"suggested"}
    store.undo(ann, "ann", r.version)
    assert store.load_document(ann).entity(drug).review == "suggested"
    assert [(x.owner, x.status) for x in store.layers(d1)] == [
        ("ann", "pre-annotated"),
        ("bob", "pre-annotated"),
    ]


def test_a_layer_import_needs_the_same_text_and_an_empty_layer(store: Store) -> None:
    d2, d1 = _project(store)
    theirs = Document("d2", TEXT, [Entity("T1", "Drug", [(0, 7)])])
    assert store.import_layer("p", "ann", [theirs]) == 1
    layer = store.load_document(store.layer_for(d2, "ann"))
    assert [(e.type, e.review, e.source) for e in layer.entities] == [
        ("Drug", "accepted", "import")
    ]
    assert layer.status == "done"
    assert store.load_document(d2).entities == []  # the curated document is untouched

    before = store.layers(d2)
    other_text = Document("d2", TEXT.replace("nausea", "nausee"))
    with pytest.raises(StoreError, match=r"'d2'.*text differs.*offset 20"):
        store.import_layer("p", "bob", [Document("d1", TEXT), other_text])
    assert store.layer_for(d1, "bob") is None  # nothing half written
    with pytest.raises(StoreError, match="already holds annotations"):
        store.import_layer("p", "ann", [theirs])
    with pytest.raises(Exception, match="no document 'zz'"):
        store.import_layer("p", "ann", [Document("zz", TEXT)])
    assert store.layers(d2) == before

    # the person's layers export apart; the curated export is unchanged
    mine, _ = store.export_documents("p", layer="ann")
    assert [(d.id, [e.type for e in d.entities]) for d in mine] == [("d2", ["Drug"])]
    curated, _ = store.export_documents("p")
    assert [len(d.entities) for d in curated] == [0, 0]

    # a type the layer uses and the project lacks is added, as an import adds it
    store.import_layer("p", "bob", [Document("d2", TEXT, [Entity("T1", "Dose", [(0, 7)])])])
    assert "Dose" in [t.name for t in store.project_schema("p").entity_types]

    found = store.layer_set("p")
    assert list(found.layers) == ["ann", "bob"] and [d.id for d in found.curated] == ["d2"]
    assert found.curated_status == {"d2": "new"}
    assert found.model[0].entities == []  # no suggestion was made on d2


def test_layers_go_and_come_back_with_their_document(store: Store) -> None:
    _, d1 = _project(store)
    store.assign_layers("p", ["d1"], ["ann", "bob"])
    ann = store.layer_for(d1, "ann")
    store.rename_document("p", "d1", "first", by="boss")
    assert {x.id for x in store.layers(d1)} == {ann, store.layer_for(d1, "bob")}
    assert store.load_document(ann).name == "first"
    entry = store.delete_document("p", "first", by="boss")
    assert [d.name for d in store.list_documents("p")] == ["d2"]
    with pytest.raises(Exception, match=str(ann)):
        store.load_document(ann)
    store.restore(entry.id, by="boss", new_name="again")
    assert store.load_document(ann).name == "again"
    assert [x.owner for x in store.layers(d1)] == ["ann", "bob"]


def test_plan_assignment_shares_the_work_out() -> None:
    names = [f"d{i}" for i in range(20)]
    plan = plan_assignment(names, ["a", "b", "c"], 2, share=0.5, seed=1)
    assert len(plan) == 10 and all(len(set(v)) == 2 for v in plan.values())
    load = {p: sum(p in v for v in plan.values()) for p in "abc"}
    assert sorted(load.values()) == [6, 7, 7]  # 20 layers over three people
    assert plan == plan_assignment(names, ["a", "b", "c"], 2, share=0.5, seed=1)
    assert len(plan_assignment(names, ["a", "b"], 1, share=0.01)) == 1  # at least one
    assert plan_assignment(names, ["a", "b"], 2, load={"a": 5})["d0"] == ("a", "b")
    with pytest.raises(StoreError, match="only 2 people"):
        plan_assignment(names, ["a", "b"], 3)


def test_assign_share_gives_k_people_a_share_of_the_documents(store: Store) -> None:
    _project(store)
    plan = store.assign_share("p", ["ann", "bob", "cid"], 2, share=1.0)
    assert sorted(plan) == ["d1", "d2"]
    for name, who in plan.items():
        doc = store.find_document("p", name)
        assert sorted(x.owner for x in store.layers(doc)) == sorted(who)


def test_a_layers_annotations_hold_back_a_narrowing_schema_change(store: Store) -> None:
    from converters.schema_changes import SchemaChange

    _, d1 = _project(store)
    store.assign_layers("p", ["d1"], ["ann"])
    ann = store.layer_for(d1, "ann")
    assert ann is not None
    # only the layer holds a Causes relation a narrowing would disallow (accepted in it)
    rel = store.load_document(ann).relations[0]
    for e in store.load_document(ann).entities:
        store.apply_edit(ann, Edit.accept(entity_id=e.id), store.load_document(ann).version, "a")
    store.apply_edit(ann, Edit.accept(relation_id=rel.id), store.load_document(ann).version, "a")
    store.replace_suggestions(d1, None, [])  # the curated document holds none
    assert store.load_document(d1).relations == []
    narrow = SchemaChange("arguments", "relation", "Causes", arg1=("Effect",), arg2=("Effect",))
    with pytest.raises(StoreError, match=r"d1 \(ann's layer\): R1"):
        store.change_schema("p", narrow)


def test_progress_counts_layers_for_their_people_and_a_layered_document_for_nobody(
    store: Store,
) -> None:
    _, d1 = _project(store)
    store.assign_layers("p", ["d1"], ["ann", "bob"])
    done = store.layer_for(d1, "ann")
    assert done is not None
    store.apply_edit(done, Edit.set_status("done"), store.load_document(done).version, "ann")
    progress = store.progress("p")
    assert progress.documents == 2
    rows = {r.person: (r.assigned, r.done) for r in progress.people}
    assert rows == {"ann": (1, 1), "bob": (1, 0), None: (1, 0)}  # None: d2 only, open to all


def test_a_layer_import_over_suggestions_raises_the_layers_version(store: Store) -> None:
    _, d1 = _project(store)
    store.assign_layers("p", ["d1"], ["ann"])  # the layer holds the model's suggestions
    ann = store.layer_for(d1, "ann")
    assert ann is not None and store.load_document(ann).entities
    before = store.load_document(ann).version
    store.import_layer("p", "ann", [Document("d1", TEXT, [Entity("T9", "Drug", [(0, 7)])])])
    after = store.load_document(ann)
    assert after.version == before + 1  # an open page's next edit conflicts, not overwrites
    assert [e.review for e in after.entities].count("accepted") == 1
    assert store.history(ann)[0].op == "import:layer"


def test_a_deleted_document_counts_once_and_its_layers_types_come_back(store: Store) -> None:
    from converters.schema_changes import SchemaChange

    _project(store)
    store.assign_layers("p", ["d1"], ["ann", "bob"])
    store.import_layer("p", "cy", [Document("d1", TEXT, [Entity("T1", "Dose", [(0, 7)])])])
    entry = store.delete_document("p", "d1", by="boss")
    assert entry.summary.documents == 1
    # the type only cy's layer uses is renamed away while the document is in the trash
    store.change_schema("p", SchemaChange("rename", "entity", "Dose", value="Amount"))
    assert "Dose" not in [t.name for t in store.project_schema("p").entity_types]
    result = store.restore(entry.id, by="boss")
    assert result.added_entity_types == ["Dose"]
