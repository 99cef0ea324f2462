"""The adapter from ``converters`` documents to the model's input (``core_model.documents``):
converters' validity rules (bool offsets refused, self-relations accepted), what the model
cannot represent skipped and counted, tokens, sentences and the type inventory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from converters import spert
from converters.document import Document, Entity, Relation
from converters.errors import ConversionError
from converters.schema import EntityType, RelationType, Schema
from core_model import TrainConfig, load_documents, train
from core_model.documents import input_doc, load, load_types
from core_model.types import TypeInventory

RECORD = {
    "tokens": ["Ann", "met", "Bob", "in", "Rome", "."],
    "entities": [
        {"type": "Peop", "start": 0, "end": 1},
        {"type": "Peop", "start": 2, "end": 3},
        {"type": "Loc", "start": 4, "end": 5},
    ],
    "relations": [
        {"type": "Live_In", "head": 1, "tail": 2},
        {"type": "Live_In", "head": 0, "tail": 0},  # a self-relation: valid data
    ],
    "orig_id": 7,
}


def test_bool_offsets_are_refused_naming_the_file(tmp_path: Path) -> None:
    bad = dict(RECORD, entities=[{"type": "Peop", "start": False, "end": 1}], relations=[])
    path = tmp_path / "bool_train.json"
    path.write_text(json.dumps([RECORD, bad]), encoding="utf-8")
    with pytest.raises(
        ConversionError, match=r"record 1 .*, entity 0: start False .* integers"
    ) as e:
        load_documents(path)
    assert e.value.path == str(path) and "bool_train.json" in str(e.value)
    with pytest.raises(ConversionError, match=r"bool_train\.json.*start False"):
        train(path, None, None, tmp_path / "m", train_config=TrainConfig(epochs=1))
    assert not (tmp_path / "m").exists()


def test_self_relation_is_read_and_skipped_with_a_count(tmp_path: Path) -> None:
    path = tmp_path / "self_train.json"
    path.write_text(json.dumps([RECORD, dict(RECORD, orig_id=8)]), encoding="utf-8")
    loaded = load(path)
    assert loaded.skipped.self_relations == 2 and loaded.skipped.as_dict() == {"self_relations": 2}
    (doc, _) = loaded.docs
    assert doc.tokens == RECORD["tokens"] and doc.doc_id == "7"
    assert [(e.type, e.start, e.end) for e in doc.entities] == [
        ("Peop", 0, 1),
        ("Peop", 2, 3),
        ("Loc", 4, 5),
    ]
    assert [(r.type, r.head, r.tail) for r in doc.relations] == [("Live_In", 1, 2)]
    assert doc.text == "Ann met Bob in Rome ." and doc.token_offsets is not None
    assert doc.text[slice(*doc.token_offsets[4])] == "Rome"


def test_document_without_tokens_is_split_at_sentences_and_entity_edges() -> None:
    text = "Bob  met Alice in Paris. She left."
    doc = Document(
        "d",
        text,
        entities=[
            Entity("T1", "Peop", [(0, 3)]),
            Entity("T2", "Peop", [(9, 14)]),
            Entity("T3", "Loc", [(18, 20)]),  # inside the word "Paris": the token is cut
            Entity("T4", "Loc", [(18, 20), (21, 22)]),  # discontinuous
            Entity("T5", "Peop", [(24, 28)]),
        ],
        relations=[
            Relation("R1", "Kill", "T1", "T2"),
            Relation("R2", "Live_In", "T1", "T4"),
            Relation("R3", "Kill", "T5", "T5"),
        ],
    )
    loaded = load([doc])
    (d,) = loaded.docs
    assert d.tokens == ["Bob", "met", "Alice", "in", "Pa", "ris", ".", "She", "left", "."]
    assert d.sentences == [(0, 7), (7, 10)]
    assert [(e.type, e.start, e.end) for e in d.entities] == [
        ("Peop", 0, 1),
        ("Peop", 2, 3),
        ("Loc", 4, 5),
        ("Peop", 7, 8),
    ]
    assert [(r.type, r.head, r.tail) for r in d.relations] == [("Kill", 0, 1)]
    assert loaded.skipped.as_dict() == {
        "self_relations": 1,
        "discontinuous_entities": 1,
        "relations_to_skipped_entities": 1,
    }
    # its own tokens are used when they tokenize the text, whatever the splitter would say
    own = Document("o", "Dr. Who", metadata={"tokens": [[0, 3], [4, 7]]})
    assert load([own]).docs[0].tokens == ["Dr.", "Who"]
    broken = Document("b", "Dr. Who", metadata={"tokens": [[0, 3]]})  # "Who" in no token
    assert load([broken]).docs[0].tokens == ["Dr", ".", "Who"]


def test_types_come_from_the_schema_and_round_trip_the_types_file(tmp_path: Path) -> None:
    schema = Schema(
        entity_types=[EntityType("Peop", options={"verbose": "People"}), EntityType("Loc")],
        relation_types=[
            RelationType("Sibling", options={"symmetric": "true"}),
            RelationType("Live_In"),
        ],
    )
    types = load_types(schema, [])
    assert types == TypeInventory(
        ["Peop", "Loc"], ["Sibling", "Live_In"], ["Sibling"], {"Peop": "People"}
    )
    path = tmp_path / "x_types.json"
    spert.write_types(types.to_schema(), path)
    assert load_types(path, []) == types
    assert load_types(json.loads(path.read_text(encoding="utf-8")), []) == types
    with pytest.raises(ConversionError, match="no entity type"):
        load_types({"entities": {}, "relations": {}}, [])
    with pytest.raises(ConversionError, match="types file not found"):
        load_types(tmp_path / "missing_types.json", [])


def test_prediction_input_with_foreign_offsets_is_refused() -> None:
    record = {"tokens": ["Ann"], "text": " Ann", "token_offsets": [[1, 4]]}
    with pytest.raises(TypeError, match="converters Document"):
        input_doc(record, 0)
    doc = input_doc(Document("d", " Ann", metadata={"tokens": [[1, 4]]}), 0)
    assert (doc.tokens, doc.token_offsets) == (["Ann"], [(1, 4)])


def test_event_triggers_are_skipped_and_counted() -> None:
    """A trigger is part of its event, which the model does not predict: it is not trained on
    as an entity of the event type (which the project's entity types lack), nor a relation
    that points at it; the other entities and relations stay."""
    from converters.document import Event
    from core_model.documents import Skipped, to_doc

    text = "TRAF2 phosphorylates IkB in cells."
    doc = Document(
        "d",
        text,
        entities=[
            Entity("T1", "Protein", [(0, 5)]),
            Entity("T2", "Phosphorylation", [(6, 20)]),
            Entity("T3", "Protein", [(21, 24)]),
            Entity("T4", "Cell", [(28, 33)]),
        ],
        relations=[Relation("R1", "In", "T3", "T4"), Relation("R2", "Via", "T1", "T2")],
        events=[Event("E1", "Phosphorylation", "T2", [("Theme", "T3")])],
    )
    skipped = Skipped()
    model_doc = to_doc(doc, skipped)
    assert [e.type for e in model_doc.entities] == ["Protein", "Protein", "Cell"]
    assert [(r.type, r.head, r.tail) for r in model_doc.relations] == [("In", 1, 2)]
    assert skipped.as_dict() == {"event_triggers": 1, "relations_to_skipped_entities": 1}
