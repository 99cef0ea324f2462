"""Edits, validation, optimistic concurrency, undo/redo, suggestions and the other store APIs."""

from __future__ import annotations

import pytest

from converters.document import Document, Entity, Relation
from converters.schema import EntityType, RelationType, Schema
from db import ConflictError, Edit, EditError, Store

TEXT = "Aspirin caused nausea and severe headache in the patient."


def _project(store: Store) -> int:
    schema = Schema(
        [EntityType("Drug"), EntityType("Effect"), EntityType("Group", selectable=False)],
        [RelationType("Causes", ["Drug"], ["Effect"])],
    )
    store.create_project("p", schema, {"lang": "en"})
    doc = Document(
        "d1",
        TEXT,
        [Entity("T1", "Drug", [(0, 7)]), Entity("T2", "Effect", [(15, 21)])],
        [Relation("R1", "Causes", "T1", "T2")],
    )
    return store.import_documents("p", [doc], author="importer").document_ids[0]


def _state(store: Store, doc_id: int) -> tuple:
    v = store.load_document(doc_id)
    return (v.entities, v.relations, v.status, v.assignee, v.split)


def test_add_change_delete_and_validation(store: Store) -> None:
    doc_id = _project(store)
    v = store.load_document(doc_id)
    assert v.version == 0 and [e.ann_id for e in v.entities] == ["T1", "T2"]
    r = store.apply_edit(doc_id, Edit.add_entity("Effect", [(33, 41)]), 0, "ann")
    assert r.version == 1 and r.entity_id is not None
    ent = store.load_document(doc_id).entity(r.entity_id)
    assert (ent.ann_id, ent.source, ent.review, ent.author) == ("T3", "human", "accepted", "ann")
    drug = v.entities[0].id
    r = store.apply_edit(doc_id, Edit.add_relation("Causes", drug, r.entity_id), 1, "ann")
    assert store.load_document(doc_id).relation(r.relation_id).ann_id == "R2"

    bad = [
        (Edit.add_entity("Nope", [(0, 3)]), "unknown entity type"),
        (Edit.add_entity("Group", [(0, 3)]), "only groups"),
        (Edit.add_entity("Drug", [(50, 999)]), "outside the text"),
        (Edit.add_entity("Drug", [(0, 7)]), f"the same Drug entity exists already .entity {drug}"),
        (Edit.change_entity(ent.id, fragments=[(15, 21)]), "the same Effect entity exists"),
        (Edit.add_relation("Causes", drug, drug), "self relation"),
        (Edit.add_relation("Causes", v.entities[1].id, drug), "not allowed"),
        (Edit.add_relation("Causes", drug, v.entities[1].id), "already exists"),
        (Edit.add_relation("Unknown", drug, v.entities[1].id), "unknown relation type"),
        (Edit.change_entity(v.entities[1].id, type="Drug"), "would not be allowed"),
        (Edit.delete_entity(123456), "not in document"),
    ]
    for edit, reason in bad:
        with pytest.raises(EditError, match=reason):
            store.apply_edit(doc_id, edit, 2, "ann")
    for payload, reason in [
        ({"op": "add_entity", "type": "Drug", "fragments": [[5, 2]]}, "empty or reversed"),
        ({"op": "add_entity", "type": "Drug", "fragments": [[0, 4], [2, 6]]}, "overlap"),
        ({"op": "add_entity", "type": "Drug", "fragments": [[0, "x"]]}, "integer"),
        ({"op": "drop_table"}, "unknown operation"),
        ({"op": "delete_entity", "entity_id": 1, "extra": 1}, "does not take"),
    ]:
        with pytest.raises(EditError, match=reason):
            store.apply_edit(doc_id, payload, 2, "ann")
    assert store.load_document(doc_id).version == 2  # refusals write nothing

    # deleting an entity takes its relations along; undo brings them back exactly
    before = _state(store, doc_id)
    r = store.apply_edit(doc_id, Edit.delete_entity(drug), 2, "ann")
    after = store.load_document(doc_id)
    assert [e.ann_id for e in after.entities] == ["T2", "T3"] and after.relations == []
    store.undo(doc_id, "ann", r.version)
    assert _state(store, doc_id) == before


def test_stale_edit_gets_conflict(store: Store) -> None:
    doc_id = _project(store)
    store.apply_edit(doc_id, Edit.set_status("in-progress"), 0, "a")
    with pytest.raises(ConflictError) as info:
        store.apply_edit(doc_id, Edit.set_status("done"), 0, "b")
    assert info.value.current_version == 1 and "version 1" in str(info.value)
    assert store.load_document(doc_id).status == "in-progress"


def test_undo_redo_restore_exact_states(store: Store) -> None:
    doc_id = _project(store)
    states = [_state(store, doc_id)]
    version = 0
    ids = [e.id for e in store.load_document(doc_id).entities]
    for edit in [
        Edit.add_entity("Drug", [(26, 32), (33, 41)]),
        Edit.change_entity(ids[1], fragments=[(15, 22)]),
        Edit.set_status("done"),  # the first edit moved it to in-progress already
        Edit.set_assignee("bob"),
        Edit.delete_entity(ids[0]),
    ]:
        version = store.apply_edit(doc_id, edit, version, "a").version
        states.append(_state(store, doc_id))
    for i in range(len(states) - 1, 0, -1):
        version = store.undo(doc_id, "a", version).version
        assert _state(store, doc_id) == states[i - 1]
    with pytest.raises(EditError, match="nothing to undo"):
        store.undo(doc_id, "a", version)
    for i in range(1, len(states)):
        version = store.redo(doc_id, "a", version).version
        assert _state(store, doc_id) == states[i]
    with pytest.raises(EditError, match="nothing to redo"):
        store.redo(doc_id, "a", version)
    # a new edit after undo drops the redo stack
    version = store.undo(doc_id, "a", version).version
    version = store.apply_edit(doc_id, Edit.set_split("train"), version, "a").version
    with pytest.raises(EditError, match="nothing to redo"):
        store.redo(doc_id, "a", version)
    actions = [h.action for h in store.history(doc_id)]
    assert actions.count("undo") == 6 and actions.count("redo") == 5 and actions[-1] == "import"


def test_client_ops_are_idempotent_and_ordered(store: Store) -> None:
    doc_id = _project(store)
    edit = Edit.add_entity("Drug", [(26, 32)])
    first = store.apply_edit(doc_id, edit, 0, "a", client_id="tab1", seq=1)
    again = store.apply_edit(doc_id, edit, 0, "a", client_id="tab1", seq=1)
    assert again.repeated and again.entity_id == first.entity_id and again.version == 1
    assert len(store.load_document(doc_id).entities) == 3
    store.apply_edit(doc_id, Edit.set_status("done"), 1, "a", client_id="tab1", seq=3)
    with pytest.raises(EditError, match="out of order"):
        store.apply_edit(doc_id, Edit.set_split("dev"), 2, "a", client_id="tab1", seq=2)
    # another client has its own sequence
    store.apply_edit(doc_id, Edit.set_split("dev"), 2, "b", client_id="tab2", seq=1)


def test_undo_redo_accept_all_are_idempotent_per_client_op(store: Store) -> None:
    """A retried undo, redo or accept-all (lost answer, app restart) is applied once."""
    doc_id = _project(store)
    mv = store.register_model_version("p", "/models/v1", metrics={"f1": 0.5})
    r = store.replace_suggestions(
        doc_id, mv.id, [Entity("x", "Effect", [(33, 41)], confidence=0.9)]
    )
    v0 = r.version
    added = store.apply_edit(
        doc_id, Edit.add_entity("Drug", [(26, 32)]), v0, "a", client_id="tab", seq=1
    )
    undo = store.undo(doc_id, "a", added.version, client_id="tab", seq=2)
    again = store.undo(doc_id, "a", added.version, client_id="tab", seq=2)
    assert again.repeated and again.version == undo.version and again.history_id == undo.history_id
    # the retry did not undo a second edit: the suggestion is still open
    assert [e.review for e in store.load_document(doc_id).entities].count("suggested") == 1
    redo = store.redo(doc_id, "a", undo.version, client_id="tab", seq=3)
    assert store.redo(doc_id, "a", undo.version, client_id="tab", seq=3).repeated
    acc = store.accept_all(doc_id, 0.5, redo.version, "a", client_id="tab", seq=4)
    repeat = store.accept_all(doc_id, 0.5, redo.version, "a", client_id="tab", seq=4)
    assert repeat.repeated and repeat.version == acc.version == store.load_document(doc_id).version
    with pytest.raises(EditError, match="out of order"):
        store.undo(doc_id, "a", acc.version, client_id="tab", seq=0)
    # without a client op a stale version is still a conflict
    with pytest.raises(ConflictError):
        store.undo(doc_id, "a", redo.version)
    with pytest.raises(EditError, match="go together"):
        store.redo(doc_id, "a", acc.version, client_id="tab")


def test_suggestions_accept_reject_and_replace(store: Store) -> None:
    doc_id = _project(store)
    mv = store.register_model_version("p", "/models/v1", metrics={"f1": 0.5})
    ents = [
        Entity("x1", "Drug", [(0, 7)], confidence=0.99),  # equals a human entity: skipped
        Entity("x2", "Effect", [(33, 41)], confidence=0.9),
        Entity("x3", "Effect", [(26, 32)], confidence=0.3),
        Entity("x4", "Drug", [(49, 56)], confidence=0.8),
    ]
    rels = [Relation("r1", "Causes", "x1", "x2", confidence=0.7)]
    r = store.replace_suggestions(doc_id, mv.id, ents, rels)
    v = store.load_document(doc_id)
    sugg = [e for e in v.entities if e.review == "suggested"]
    assert [e.fragments for e in sugg] == [[(33, 41)], [(26, 32)], [(49, 56)]]
    assert all(e.source == "model" and e.model_version_id == mv.id for e in sugg)
    assert v.status == "pre-annotated"
    # without suggestions the export holds the two human entities only
    exported = store.export_documents("p")[0][0].entities
    assert sorted((e.type, list(e.fragments)) for e in exported) == [
        ("Drug", [(0, 7)]),
        ("Effect", [(15, 21)]),
    ]
    assert len(store.export_documents("p", include_suggestions=True)[0][0].entities) == 5
    # reject one, accept the relation (pulls in its suggested argument), accept_all the rest
    x4 = sugg[2].id
    r = store.apply_edit(doc_id, Edit.reject(entity_id=x4), r.version, "a")
    rel = next(x for x in store.load_document(doc_id).relations if x.review == "suggested")
    r = store.apply_edit(doc_id, Edit.accept(relation_id=rel.id), r.version, "a")
    assert store.load_document(doc_id).entity(sugg[0].id).review == "accepted"
    with pytest.raises(EditError, match="no open suggestion"):
        store.accept_all(doc_id, 0.5, r.version, "a")
    r = store.accept_all(doc_id, 0.2, r.version, "a")
    reviews = {e.id: e.review for e in store.load_document(doc_id).entities}
    assert reviews[sugg[1].id] == "accepted" and reviews[x4] == "rejected"
    # a new run never brings back the rejected suggestion nor touches accepted ones
    store.replace_suggestions(doc_id, mv.id, [Entity("y", "Drug", [(49, 56)], confidence=0.9)])
    v = store.load_document(doc_id)
    assert len(v.entities) == 5 and not [e for e in v.entities if e.review == "suggested"]


def test_training_data_stats_models_jobs(store: Store) -> None:
    doc_id = _project(store)
    extra = Document("d2", "Ibuprofen.", [Entity("T1", "Drug", [(0, 9)])])
    store.import_documents("p", [extra], split="test")
    assert store.training_data("p").documents == []
    store.apply_edit(doc_id, Edit.set_status("done"), 0, "ann")
    store.apply_edit(doc_id, Edit.set_split("train"), 1, "ann")
    data = store.training_data("p")
    assert [d.id for d in data.documents] == ["d1"] and data.splits == {"d1": "train"}
    assert [d.id for d in data.by_split("train")] == ["d1"]
    stats = store.stats()["projects"]["p"]
    assert stats["documents"] == 2 and stats["status"] == {"done": 1, "new": 1}
    assert stats["entities"]["by_type"] == {"Drug": {"accepted": 2}, "Effect": {"accepted": 1}}
    assert stats["annotators"]["ann"]["edits"] == 2
    assert stats["annotators"]["importer"]["entities"] == 2
    summaries = store.list_documents("p", status="done")
    assert [(s.name, s.entities, s.relations) for s in summaries] == [("d1", 2, 1)]
    assert [s.name for s in store.list_documents("p", text_contains="Ibu")] == ["d2"]
    assert [s.name for s in store.list_documents("p", order="name", limit=1, offset=1)] == ["d2"]

    mv = store.register_model_version("p", "/m/1", training_documents=[doc_id])
    with pytest.raises(Exception, match="not ready"):
        store.activate_model_version(mv.id)
    store.update_model_version(mv.id, state="ready", metrics={"f1": 0.7})
    mv2 = store.register_model_version("p", "/m/2", state="ready")
    store.activate_model_version(mv.id)
    store.activate_model_version(mv2.id)
    assert store.active_model_version("p").id == mv2.id  # type: ignore[union-attr]
    assert store.mark_model_failed(mv2.id).active is False
    assert store.active_model_version("p") is None

    job = store.create_job("train", project="p", params={"epochs": 1})
    store.start_job(job.id)
    store.update_job(job.id, progress=0.5, message="epoch 1", log_line="loss 0.3")
    done = store.finish_job(job.id, {"model_version": mv.id})
    assert (done.state, done.progress, done.log) == ("done", 1.0, "loss 0.3\n")
    failed = store.fail_job(store.create_job("predict").id, "out of memory")
    assert failed.state == "failed" and "out of memory" in failed.log
    assert [j.kind for j in store.list_jobs(project="p")] == ["train"]


def test_schema_defaults_are_deterministic(store: Store) -> None:
    _project(store)
    schema = store.project_schema("p")
    # keys are stored only as given: the default keys are the page's (app.editor.page_schema)
    assert [t.shortcut for t in schema.entity_types] == [None, None, None]
    assert schema.relation_types[0].shortcut is None
    assert all(t.color for t in schema.entity_types)
    assert store.project_schema("p", with_defaults=False).entity_types[0].color is None
    store.update_schema("p", Schema([EntityType("Drug", color="#123456", shortcut="x")]))
    schema = store.project_schema("p")
    assert (schema.entity_types[0].color, schema.entity_types[0].shortcut) == ("#123456", "x")
    assert store.get_project("p").settings == {"lang": "en"}
