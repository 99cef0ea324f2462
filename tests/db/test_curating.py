"""Store.curation, merge_agreed and resolve on both databases: three people's layers of one
document, annotated differently with ordinary edits, then aligned, merged and resolved into
the curated document as ordinary (recorded, undoable, exactly-once) edits."""

from __future__ import annotations

import pytest

from converters.document import Document, Entity
from converters.schema import EntityType, RelationType, Schema
from db import ConflictError, Edit, EditError, Store, StoreError
from db.curation import MAJORITY, UNANIMOUS

TEXT = "John Smith works for IBM in Paris ."
SCHEMA = Schema(
    [EntityType("PER"), EntityType("ORG"), EntityType("LOC")],
    [RelationType("Work_For", ["PER"], ["ORG"])],
)


def at(surface: str) -> tuple[int, int]:
    start = TEXT.index(surface)
    return start, start + len(surface)


class Layer:
    """One person annotating their layer with ordinary edits."""

    def __init__(self, store: Store, doc_id: int, owner: str) -> None:
        layer = store.layer_for(doc_id, owner)
        assert layer is not None
        self.store, self.id, self.owner = store, layer, owner

    def edit(self, edit: Edit) -> int | None:
        version = self.store.load_document(self.id).version
        r = self.store.apply_edit(self.id, edit, version, self.owner)
        return r.entity_id

    def entity(self, type_: str, surface: str) -> int:
        ent_id = self.edit(Edit.add_entity(type_, [at(surface)]))
        assert ent_id is not None
        return ent_id


@pytest.fixture
def doc_id(store: Store) -> int:
    """ann and bob: PER "John Smith" Work_For ORG "IBM"; ann also LOC "Paris"; cy: PER "John"
    and LOC "IBM", no relation."""
    store.create_project("p", SCHEMA)
    (doc,) = store.import_documents("p", [Document("d", TEXT)]).document_ids
    made = store.assign_layers("p", ["d"], ["ann", "bob", "cy"], author="boss")
    assert [x.owner for x in made] == ["ann", "bob", "cy"]
    for owner in ("ann", "bob"):
        layer = Layer(store, doc, owner)
        person, ibm = layer.entity("PER", "John Smith"), layer.entity("ORG", "IBM")
        layer.edit(Edit.add_relation("Work_For", person, ibm))
    Layer(store, doc, "ann").entity("LOC", "Paris")
    cy = Layer(store, doc, "cy")
    cy.entity("PER", "John")
    cy.entity("LOC", "IBM")
    return doc


def annotations(store: Store, doc_id: int) -> tuple[set, set]:
    """The curated document's accepted entities (type, text) and relations (type, arg texts)."""
    v = store.load_document(doc_id)
    ents = {e.id: (e.type, TEXT[e.start : e.end]) for e in v.entities if e.review == "accepted"}
    rels = {
        (r.type, ents[r.arg1][1], ents[r.arg2][1]) for r in v.relations if r.review == "accepted"
    }
    return set(ents.values()), rels


def by_label(view, label: str):
    """The disagreement one of whose variants has ``label``."""
    found = [d for d in view.curation.disagreements if label in [v.label for v in d.variants]]
    assert len(found) == 1, label
    return found[0]


def test_the_view_aligns_the_layers(store: Store, doc_id: int) -> None:
    view = store.curation(doc_id)
    assert view.policy == MAJORITY and view.document_id == doc_id and view.name == "d"
    assert [(x.owner, x.status) for x in view.layers] == [
        ("ann", "in-progress"),
        ("bob", "in-progress"),
        ("cy", "in-progress"),
    ]
    assert view.version == store.load_document(doc_id).version
    agreed = [v.label for v in view.curation.agreed]
    assert agreed == ['PER "John Smith"', 'ORG "IBM"', "Work_For(John Smith → IBM)"]
    labels = [[v.label for v in d.variants] for d in view.curation.disagreements]
    assert labels == [
        ['PER "John Smith"', 'PER "John"'],
        ["Work_For(John Smith → IBM)"],
        ['ORG "IBM"', 'LOC "IBM"'],
        ['LOC "Paris"'],
    ]
    assert by_label(view, 'LOC "Paris"').silent == ("bob", "cy")
    # from a layer's id too: the view is always of the curated document
    assert store.curation(view.layers[0].document_id).curation == view.curation
    assert view.to_dict()["curation"]["unresolved"] == 4


def test_the_policy_is_a_checked_project_setting(store: Store, doc_id: int) -> None:
    assert store.curation(doc_id, policy=UNANIMOUS).curation.agreed == ()
    store.update_project_settings("p", {"curation_policy": UNANIMOUS})
    assert store.get_project("p").settings["curation_policy"] == UNANIMOUS
    view = store.curation(doc_id)
    assert view.policy == UNANIMOUS and view.curation.agreed == ()
    with pytest.raises(EditError, match=r"nothing to merge: .* the unanimous policy"):
        store.merge_agreed(doc_id, view.version, "cur")
    for bad in ("most", None, 2):
        with pytest.raises(StoreError, match="is not one of unanimous, majority"):
            store.update_project_settings("p", {"curation_policy": bad})
    with pytest.raises(StoreError, match="is not one of"):
        store.create_project("q", SCHEMA, {"curation_policy": "most"})
    with pytest.raises(StoreError, match="is not one of"):
        store.curation(doc_id, policy="most")
    assert store.get_project("p").settings["curation_policy"] == UNANIMOUS


def test_merge_resolve_and_undo(store: Store, doc_id: int) -> None:
    view = store.curation(doc_id)
    with pytest.raises(ConflictError):
        store.merge_agreed(doc_id, view.version + 1, "cur")
    r = store.merge_agreed(doc_id, view.version, "cur")
    assert r.op == "merge_agreed" and r.version == view.version + 1
    merged = annotations(store, doc_id)
    assert merged == (
        {("PER", "John Smith"), ("ORG", "IBM")},
        {("Work_For", "John Smith", "IBM")},
    )
    loaded = store.load_document(doc_id)
    assert (loaded.status, loaded.status_by) == ("in-progress", "cur")
    assert {e.author for e in loaded.entities} == {"cur"}
    assert store.history(doc_id)[0].op == "merge_agreed"
    with pytest.raises(EditError, match="nothing to merge"):
        store.merge_agreed(doc_id, r.version, "cur")

    view = store.curation(doc_id)
    assert [d.resolved for d in view.curation.disagreements] == [True, True, True, False]
    # cy's "John" instead of "John Smith": the relation on "John Smith" goes with it
    person = by_label(view, 'PER "John"')
    key = next(v.key for v in person.variants if v.label == 'PER "John"')
    r = store.resolve(doc_id, person.id, key, view.version, "cur")
    assert r.op == "resolve" and r.entity_id is not None
    after = store.load_document(doc_id)
    start, end = after.entity(r.entity_id).fragments[0]
    assert TEXT[start:end] == "John"
    assert annotations(store, doc_id) == ({("PER", "John"), ("ORG", "IBM")}, set())
    assert not store.curation(doc_id).curation.disagreements[0].variants[0].in_curated

    # one undo takes the whole choice back
    store.undo(doc_id, "cur", r.version)
    assert annotations(store, doc_id) == merged
    view = store.curation(doc_id)
    assert view.version == r.version + 1
    assert view.curation.disagreements[0].id == person.id

    # the lone LOC "Paris": taken in, then rejected again (None)
    paris = by_label(view, 'LOC "Paris"')
    r = store.resolve(doc_id, paris.id, paris.variants[0].key, view.version, "cur")
    assert ("LOC", "Paris") in annotations(store, doc_id)[0]
    assert by_label(store.curation(doc_id), 'LOC "Paris"').resolved
    r = store.resolve(doc_id, paris.id, None, r.version, "cur")
    assert annotations(store, doc_id) == merged
    with pytest.raises(EditError, match="already says that"):
        store.resolve(doc_id, paris.id, None, r.version, "cur")
    with pytest.raises(EditError, match="is not a variant of disagreement"):
        store.resolve(doc_id, paris.id, person.variants[0].key, r.version, "cur")
    assert store.load_document(doc_id).version == r.version  # refusals write nothing


def test_a_stale_disagreement_is_refused_by_name(store: Store, doc_id: int) -> None:
    view = store.curation(doc_id)
    ibm = by_label(view, 'LOC "IBM"')
    # cy deletes her LOC "IBM": the disagreement there is no longer what the curator saw
    cy = Layer(store, doc_id, "cy")
    (loc,) = [e for e in store.load_document(cy.id).entities if e.type == "LOC"]
    cy.edit(Edit.delete_entity(loc.id))
    with pytest.raises(EditError, match=f"disagreement '{ibm.id}' is not in this document"):
        store.resolve(doc_id, ibm.id, ibm.variants[0].key, view.version, "cur")
    assert annotations(store, doc_id) == (set(), set())
    # a layer is not where curation writes
    with pytest.raises(EditError, match="is cy's layer of document"):
        store.merge_agreed(cy.id, store.load_document(cy.id).version, "cur")


def test_exactly_once(store: Store, doc_id: int) -> None:
    view = store.curation(doc_id)
    first = store.merge_agreed(doc_id, view.version, "cur", client_id="page", seq=1)
    again = store.merge_agreed(doc_id, view.version, "cur", client_id="page", seq=1)
    assert again.repeated and again.version == first.version and again.changed == first.changed
    assert len([h for h in store.history(doc_id) if h.op == "merge_agreed"]) == 1
    paris = by_label(store.curation(doc_id), 'LOC "Paris"')
    key = paris.variants[0].key
    one = store.resolve(doc_id, paris.id, key, first.version, "cur", client_id="page", seq=2)
    two = store.resolve(doc_id, paris.id, key, first.version, "cur", client_id="page", seq=2)
    assert two.repeated and two.entity_id == one.entity_id
    assert [e.type for e in store.load_document(doc_id).entities].count("LOC") == 1


def test_an_open_suggestion_is_accepted_not_doubled(store: Store, doc_id: int) -> None:
    store.replace_suggestions(doc_id, None, [Entity("S1", "PER", [at("John Smith")])])
    (sug,) = store.load_document(doc_id).entities
    assert sug.review == "suggested"
    view = store.curation(doc_id)
    assert 'PER "John Smith"' in [v.label for v in view.curation.agreed]
    store.merge_agreed(doc_id, view.version, "cur")
    people = [e for e in store.load_document(doc_id).entities if e.type == "PER"]
    assert [(e.id, e.review, e.source) for e in people] == [(sug.id, "accepted", "model")]


def test_none_of_the_variants_settles_a_position_until_undone(store: Store, doc_id: int) -> None:
    view = store.curation(doc_id)
    paris = by_label(view, 'LOC "Paris"')
    assert not paris.resolved and not paris.declined  # empty: nobody looked at it yet
    r = store.resolve(doc_id, paris.id, None, view.version, "cur")
    assert annotations(store, doc_id) == (set(), set())  # nothing there to take away
    settled = by_label(store.curation(doc_id), 'LOC "Paris"')
    assert settled.declined and settled.resolved
    with pytest.raises(EditError, match="already says that"):
        store.resolve(doc_id, paris.id, None, r.version, "cur")
    docs, _ = store.export_documents("p")  # the record stays in the store
    assert docs[0].metadata == {}
    # taking a variant afterwards clears it; undo brings the declined record back
    r2 = store.resolve(doc_id, paris.id, paris.variants[0].key, r.version, "cur")
    assert not by_label(store.curation(doc_id), 'LOC "Paris"').declined
    store.undo(doc_id, "cur", r2.version)
    assert by_label(store.curation(doc_id), 'LOC "Paris"').declined
    store.undo(doc_id, "cur", r2.version + 1)
    assert not by_label(store.curation(doc_id), 'LOC "Paris"').resolved
