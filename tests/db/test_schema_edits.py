"""Changes to a project's schema (``Store.change_schema``): add, rename with the annotations,
recolour, re-key, hide and show types; widen and narrow relation arguments and event roles,
refused while annotations would violate them (and naming them); a relation allowed for any
pair, or for one more pair, in one action."""

from __future__ import annotations

import pytest

from app.editor.page_schema import schema_dict
from converters.document import Document, Entity, Event, Relation
from converters.schema import EntityType, EventArgument, EventType, RelationType, Schema
from converters.schema_changes import SchemaChange
from db import Edit, EditError, Store, StoreError

TEXT = "PCR amplicon was mixed with buffer by Ann."


def _span(word: str) -> list[tuple[int, int]]:
    i = TEXT.index(word)
    return [(i, i + len(word))]


@pytest.fixture
def doc_id(store: Store) -> int:
    schema = Schema(
        [EntityType("Method"), EntityType("Reagent"), EntityType("Person")],
        [RelationType("Using", ["Method"], ["Reagent"])],
        [EventType("Mix", [EventArgument("Acts-on", ["Reagent", "Method"], "+")])],
    )
    doc = Document(
        "d",
        TEXT,
        [
            Entity("T1", "Method", _span("PCR amplicon")),
            Entity("T2", "Reagent", _span("buffer")),
            Entity("T3", "Mix", _span("mixed")),
            Entity("T4", "Person", _span("Ann")),
        ],
        [Relation("R1", "Using", "T1", "T2")],
        events=[Event("E1", "Mix", "T3", [("Acts-on", "T1"), ("Acts-on2", "T2")])],
    )
    store.create_project("p", schema)
    return store.import_documents("p", [doc]).document_ids[0]


def change(store: Store, action: str, kind: str, name: str, **kw) -> None:
    store.change_schema("p", SchemaChange(action, kind, name, **kw))


def test_rename_a_type_with_its_annotations(store: Store, doc_id: int) -> None:
    before = store.load_document(doc_id).version
    change(store, "rename", "entity", "Method", value="Technique")
    schema = store.project_schema("p")
    assert [t.name for t in schema.entity_types] == ["Technique", "Reagent", "Person"]
    assert schema.relation_types[0].arg1_types == ["Technique"]
    assert schema.event_types[0].arguments[0].types == ["Reagent", "Technique"]
    view = store.load_document(doc_id)
    assert [e.type for e in view.entities] == ["Technique", "Reagent", "Mix", "Person"]
    assert view.version == before + 1  # an open page reloads instead of editing a stale copy

    change(store, "rename", "event", "Mix", value="Combine")
    (doc,), schema = store.export_documents("p")
    assert [e.type for e in doc.events] == ["Combine"]
    assert next(e.type for e in doc.entities if e.id == "T3") == "Combine"  # the trigger too
    for bad, reason in (("Reagent", "already a entity type"), ("two words", "cannot name")):
        with pytest.raises(StoreError, match=reason):
            change(store, "rename", "entity", "Person", value=bad)
    with pytest.raises(StoreError, match="already a entity type"):
        change(store, "add", "event", "Person")


def test_colour_key_hide_and_show(store: Store, doc_id: int) -> None:
    change(store, "color", "entity", "Person", value="#123456")
    change(store, "key", "entity", "Person", value="n")
    with pytest.raises(StoreError, match="key 'n' is Person's already"):
        change(store, "key", "entity", "Reagent", value="n")
    with pytest.raises(StoreError, match="not a colour"):
        change(store, "color", "entity", "Person", value="url(x)")
    person = next(t for t in store.project_schema("p").entity_types if t.name == "Person")
    assert (person.color, person.shortcut) == ("#123456", "n")

    change(store, "hide", "entity", "Person")
    version = store.load_document(doc_id).version
    with pytest.raises(EditError, match="hidden"):
        store.apply_edit(doc_id, Edit.add_entity("Person", _span("PCR")), version, "ann")
    page = schema_dict(store.project_schema("p"), ("Person",))
    assert next(t for t in page["entity_types"] if t["name"] == "Person")["hidden"] is True
    # the existing Person annotation stays, and is exported
    (doc,), _ = store.export_documents("p")
    assert any(e.type == "Person" for e in doc.entities)
    change(store, "show", "entity", "Person")
    store.apply_edit(doc_id, Edit.add_entity("Person", _span("PCR")), version, "ann")


def test_a_relation_types_key_reaches_the_page(store: Store, doc_id: int) -> None:
    """A key set on a relation type picks it in the editor's chooser (as kb_shortcuts.conf
    keys do in brat); digits and command keys stay the page's."""
    assert schema_dict(store.project_schema("p"))["relation_types"][0]["key"] is None
    change(store, "key", "relation", "Using", value="u")
    using = schema_dict(store.project_schema("p"))["relation_types"][0]
    assert (using["name"], using["key"]) == ("Using", "u")
    change(store, "key", "relation", "Using", value="3")  # a digit picks the third offer
    assert schema_dict(store.project_schema("p"))["relation_types"][0]["key"] is None


def test_narrowing_is_refused_while_annotations_violate_it(store: Store, doc_id: int) -> None:
    with pytest.raises(StoreError, match=r"1 annotation\(s\).*d: R1 \(Method -> Reagent\)"):
        change(store, "arguments", "relation", "Using", arg1=("Reagent",), arg2=("Reagent",))
    with pytest.raises(StoreError, match=r"d: E1 Acts-on \(Method\)"):
        change(store, "role", "event", "Mix", role="Acts-on", types=("Reagent",), cardinality="+")
    with pytest.raises(StoreError, match="d: E1 has 2 Acts-on"):
        change(store, "role", "event", "Mix", role="Acts-on", types=("Reagent", "Method"))
    assert store.project_schema("p").relation_types[0].arg1_types == ["Method"]  # unchanged

    # the retype the schema inferred from data blocked: Method -> Reagent under "Using"
    version = store.load_document(doc_id).version
    t1 = next(e.id for e in store.load_document(doc_id).entities if e.ann_id == "T1")
    with pytest.raises(EditError, match="would not be allowed from Reagent to Reagent"):
        store.apply_edit(doc_id, Edit.change_entity(t1, type="Reagent"), version, "ann")
    change(store, "allow_pair", "relation", "Using", arg1=("Reagent",), arg2=("Reagent",))
    store.apply_edit(doc_id, Edit.change_entity(t1, type="Reagent"), version, "ann")
    assert store.project_schema("p").allowed_relations("Reagent", "Reagent") == ["Using"]

    change(store, "allow_any", "relation", "Using")
    assert store.project_schema("p").allowed_relations("Person", "Person") == ["Using"]
    change(store, "add", "relation", "Helps")
    change(store, "arguments", "relation", "Helps", arg1=("Person",), arg2=("Reagent",))
    assert store.project_schema("p").allowed_relations("Person", "Reagent") == ["Using", "Helps"]


def test_widening_keeps_events_and_hiding_attributes(store: Store, doc_id: int) -> None:
    """ "Allow any two" admits events as before (never narrows), an event type takes a key,
    a relation's rename carries its equivalence groups, a hidden attribute is not offered
    nor set."""
    from converters.schema import AttributeType

    t1 = next(e.id for e in store.load_document(doc_id).entities if e.ann_id == "T1")
    e1 = store.load_document(doc_id).event_ids["E1"]
    change(store, "add", "relation", "Causes")
    version = store.load_document(doc_id).version
    store.apply_edit(doc_id, Edit.add_relation("Causes", t1, arg2_event=e1), version, "ann")
    change(store, "allow_any", "relation", "Causes")  # the event argument stays admitted
    assert store.project_schema("p").allowed_relations("Method", "Mix") == ["Causes"]
    change(store, "arguments", "relation", "Causes", arg1=("<ENTITY>",), arg2=("<EVENT>",))
    with pytest.raises(StoreError, match=r"d: R2 \(Method -> Mix\)"):
        change(store, "arguments", "relation", "Causes", arg1=("<ENTITY>",), arg2=("<ENTITY>",))

    change(store, "key", "event", "Mix", value="m")
    mix = store.project_schema("p").event_types[0]
    assert mix.shortcut == "m"
    assert schema_dict(store.project_schema("p"))["event_types"][0]["key"] == "m"

    store.update_schema("p", Schema(attribute_types=[AttributeType("Doubt", ["<EVENT>"])]))
    change(store, "hide", "attribute", "Doubt")
    assert schema_dict(store.project_schema("p"))["attributes"]["event"]["Mix"] == []
    version = store.load_document(doc_id).version
    with pytest.raises(EditError, match="hidden"):
        store.apply_edit(doc_id, Edit.set_attribute("Doubt", event_id=e1), version, "ann")


def test_a_retype_an_event_role_refuses_offers_to_allow_it(store: Store, doc_id: int) -> None:
    """PCR amplicon (Method) is in a Using relation and the Acts-on of a Mix: making it a
    Person is refused twice, each time with the offer the page shows (allow the pair, let the
    role take a Person), and goes through once both are allowed."""
    from app.store_backend import StoreBackend

    backend = StoreBackend(store)
    page = backend.load(str(doc_id))
    t1 = next(
        e["id"] for e in page["entities"] if e["fragments"] == [list(_span("PCR amplicon")[0])]
    )
    base = {"doc_id": str(doc_id), "client_id": "c1", "base_version": page["version"]}
    retype = {"kind": "change_entity", "entity_id": t1, "type": "Person"}
    # first the relation it is in (Using: Method -> Reagent), then the event role refuse it
    offers = []
    for seq in (1, 3, 5):
        ack = backend.apply({**base, "seq": seq, **retype})
        if ack["ok"]:
            break
        offers.append(ack["allow"]["label"])
        fields = {k: v for k, v in ack["allow"].items() if k != "label"}
        allowed = backend.apply({**base, "seq": seq + 1, **fields})
        assert allowed["ok"], allowed
        base["base_version"] = allowed["version"]
    assert ack["ok"], ack
    assert offers == [
        "Allow Using from Person to Reagent",
        "Allow Person as the Acts-on of Mix",
    ]
    slot = store.project_schema("p").event_slot("Mix", "Acts-on")
    assert slot is not None and slot.types == ["Reagent", "Method", "Person"]
    assert slot.cardinality == "+"  # kept
