"""The shared document model: offsets, span text, structural checks and schema inference."""

from __future__ import annotations

from converters import (
    Attribute,
    Document,
    Entity,
    Event,
    Group,
    Note,
    Relation,
    infer_schema,
)
from converters.errors import ConversionError, Problem
from converters.schema import EntityType, RelationType, Schema


def _doc() -> Document:
    text = "Barack Obama visited New York City."
    return Document(
        id="d1",
        text=text,
        entities=[
            Entity("T1", "Peop", [(0, 12)]),
            Entity("T2", "Loc", [(21, 34)]),
            Entity("T3", "Loc", [(21, 29)]),  # nested in T2
            Entity("T4", "Peop", [(0, 6), (13, 20)]),  # discontinuous
        ],
        relations=[Relation("R1", "Live_In", "T1", "T2")],
    )


def test_offsets_and_span_text() -> None:
    doc = _doc()
    t4 = doc.entity("T4")
    assert (t4.start, t4.end) == (0, 20)
    assert t4.is_discontinuous
    assert doc.span_text(t4) == "Barack visited"
    assert doc.span_text(doc.entity("T3")) == "New York"
    assert doc.problems() == []


def test_problems_name_each_broken_reference() -> None:
    doc = _doc()
    doc.entities.append(Entity("T9", "Loc", [(30, 99)]))
    doc.entities.append(Entity("T8", "Loc", [(5, 5)]))
    doc.relations.append(Relation("R2", "Kill", "T1", "T77"))
    doc.events.append(Event("E1", "Move", "T66", [("Theme", "T1")]))
    doc.attributes.append(Attribute("A1", "Negation", "E9"))
    doc.notes.append(Note("#1", "AnnotatorNotes", "R1", "fine"))
    doc.groups.append(Group("Equiv", ["T1", "T55"]))
    problems = doc.problems()
    assert any("T9" in p and "outside the text" in p for p in problems)
    assert any("T8" in p and "empty" in p for p in problems)
    assert any("R2" in p and "T77" in p for p in problems)
    assert any("E1" in p and "T66" in p for p in problems)
    assert any("A1" in p and "E9" in p for p in problems)
    assert any("T55" in p for p in problems)
    assert not any("#1" in p for p in problems)  # notes may point at relations


def test_infer_schema_keeps_first_appearance_order_and_argument_types() -> None:
    schema = infer_schema([_doc()])
    assert schema.entity_names() == ["Peop", "Loc"]
    assert schema.relation_types == [RelationType("Live_In", ["Peop"], ["Loc"])]
    assert schema.allowed_relations("Peop", "Loc") == ["Live_In"]
    assert schema.allowed_relations("Loc", "Peop") == []


def test_relation_constraints_admit_subtypes() -> None:
    schema = Schema(
        entity_types=[EntityType("Org"), EntityType("Company", parent="Org")],
        relation_types=[RelationType("Owns", ["Org"], ["<ANY>"])],
    )
    assert schema.allowed_relations("Company", "Whatever") == ["Owns"]


def test_conversion_error_names_file_line_and_offset() -> None:
    err = ConversionError("a/b.ann", "bad line", line=3)
    assert str(err) == "a/b.ann:3: bad line"
    assert str(Problem("x.sgm", "mismatch", offset=17)) == "x.sgm (offset 17): mismatch"


def test_placeholders_in_constraints() -> None:
    from converters.schema import EventType

    schema = Schema(
        entity_types=[EntityType("Person"), EntityType("Place")],
        event_types=[EventType("Move")],
        relation_types=[
            RelationType("Coref", ["<ENTITY>"], ["<ENTITY>"]),
            RelationType("Coref", ["Person"], ["Person"]),
            RelationType("Cause", ["<EVENT>"], ["<EVENT>"]),
        ],
    )
    assert schema.allowed_relations("Person", "Person") == ["Coref"]
    assert schema.allowed_relations("Move", "Move") == ["Cause"]
    assert schema.allowed_relations("Person", "Move") == []


def test_event_parent_in_a_relation_constraint_admits_its_subtypes() -> None:
    from converters.schema import EventType

    schema = Schema(
        entity_types=[EntityType("Person")],
        event_types=[EventType("Motion", selectable=False), EventType("Travel", parent="Motion")],
        relation_types=[RelationType("Causes", ["Motion"], ["<EVENT>"])],
    )
    assert schema.event_ancestors("Travel") == ["Travel", "Motion"]
    assert schema.allowed_relations("Travel", "Travel") == ["Causes"]
    assert schema.allowed_relations("Person", "Travel") == []
