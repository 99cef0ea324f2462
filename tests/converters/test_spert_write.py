"""Writing SpERT from documents that did not come from SpERT: tokens, splits and warnings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from converters import (
    Attribute,
    Document,
    Entity,
    Event,
    Group,
    Normalization,
    Note,
    Relation,
    spert,
)


def messages(problems: list) -> str:
    return "\n".join(p.message for p in problems)


def test_plain_text_is_tokenized_and_split_at_entity_boundaries() -> None:
    text = "Aspirin-induced rash in the U.S.,\r\nsaid Dr. Smith."
    doc = Document(
        "42",
        text,
        entities=[
            Entity("T1", "Drug", [(0, 7)]),  # inside the token "Aspirin-induced"
            Entity("T2", "AE", [(0, 20)]),  # nested/overlapping
            Entity("T3", "Loc", [(28, 32)]),
            Entity("T4", "Peop", [(44, 49)]),
        ],
        relations=[Relation("R1", "AE", "T2", "T1")],
    )
    [record], problems = spert.to_records([doc])
    assert problems == []
    assert record == {
        "tokens": ["Aspirin", "-induced", "rash", "in", "the", "U.S.", ",", "said", "Dr.",
                   "Smith", "."],
        "entities": [
            {"type": "Drug", "start": 0, "end": 1},
            {"type": "AE", "start": 0, "end": 3},
            {"type": "Loc", "start": 5, "end": 6},
            {"type": "Peop", "start": 9, "end": 10},
        ],
        "relations": [{"type": "AE", "head": 1, "tail": 0}],
        "orig_id": 42,
    }  # fmt: skip
    [back] = spert.from_records([record])
    assert [back.span_text(e) for e in back.entities] == ["Aspirin", "Aspirin -induced rash",
                                                          "U.S.", "Smith"]  # fmt: skip


def test_kept_tokens_are_used_and_split_when_an_entity_moved() -> None:
    [doc] = spert.from_records([{"tokens": ["New", "York-based", "firm"], "entities": []}])
    doc.entities.append(Entity("T1", "Loc", [(0, 8)]))  # "New York"
    [record], problems = spert.to_records([doc])
    assert record["tokens"] == ["New", "York", "-based", "firm"]
    assert record["entities"] == [{"type": "Loc", "start": 0, "end": 2}]
    assert "orig_id" not in record
    assert "1 tokens added by splitting the read tokenization" in messages(problems)


def test_stale_kept_tokens_are_replaced() -> None:
    [doc] = spert.from_records([{"tokens": ["a", "b"], "orig_id": "x"}])
    doc.text = "a b. C"
    [record], problems = spert.to_records([doc])
    assert record == {"tokens": ["a", "b", ".", "C"], "orig_id": "x"}
    assert "metadata tokens do not fit the text" in messages(problems)


def test_whitespace_around_entities_is_trimmed_and_blank_entities_dropped() -> None:
    doc = Document(
        "d",
        "  Paris is  nice ",
        entities=[
            Entity("T1", "Loc", [(1, 8)]),
            Entity("T2", "X", [(10, 12)]),
            Entity("T3", "Y", [(12, 16)]),
        ],
        relations=[Relation("R1", "r", "T1", "T2"), Relation("R2", "r", "T1", "T3")],
    )
    [record], problems = spert.to_records([doc])
    assert record["tokens"] == ["Paris", "is", "nice"]
    assert record["entities"] == [{"type": "Loc", "start": 0, "end": 1},
                                  {"type": "Y", "start": 2, "end": 3}]  # fmt: skip
    assert record["relations"] == [{"type": "r", "head": 0, "tail": 1}]
    text = messages(problems)
    assert "1 entities trimmed of surrounding whitespace (T1)" in text
    assert "1 whitespace-only entities dropped (T2)" in text
    assert "1 relations dropped with their dropped entity (R1)" in text


def discontinuous_doc() -> Document:
    return Document(
        "d",
        "left and right breast cancer",
        entities=[
            Entity("T1", "Disease", [(0, 4), (15, 28)]),
            Entity("T2", "Disease", [(9, 28)]),
            Entity("T3", "Side", [(0, 4)]),
        ],
        relations=[Relation("R1", "has", "T1", "T3"), Relation("R2", "has", "T2", "T3")],
    )


def test_discontinuous_entities_are_dropped_by_default() -> None:
    [record], problems = spert.to_records([discontinuous_doc()])
    assert record["entities"] == [{"type": "Disease", "start": 2, "end": 5},
                                  {"type": "Side", "start": 0, "end": 1}]  # fmt: skip
    assert record["relations"] == [{"type": "has", "head": 0, "tail": 1}]
    text = messages(problems)
    assert "1 discontinuous entities dropped (SpERT spans are contiguous) (T1)" in text
    assert "1 relations dropped with their dropped entity (R1)" in text


def test_discontinuous_entities_can_be_written_as_covering_spans() -> None:
    [record], problems = spert.to_records([discontinuous_doc()], discontinuous="cover")
    assert record["entities"][0] == {"type": "Disease", "start": 0, "end": 5}
    assert len(record["relations"]) == 2
    assert "1 discontinuous entities written as their covering span (T1)" in messages(problems)
    with pytest.raises(ValueError, match="discontinuous"):
        spert.to_records([], discontinuous="keep")  # type: ignore[arg-type]


def test_everything_spert_cannot_hold_is_warned_with_counts() -> None:
    doc = Document(
        "d",
        "Smith visited Rome",
        entities=[
            Entity("T1", "Peop", [(0, 5)], head=(0, 5), confidence=0.9),
            Entity("T2", "Loc", [(14, 18)]),
            Entity("T3", "Visit", [(6, 13)]),
        ],
        relations=[
            Relation(
                "R1",
                "Visit",
                "T1",
                "T2",
                arg1_role="Visitor",
                confidence=0.5,
                extra_args=[("Time", "T3")],
            ),
            Relation("R2", "Cause", "T1", "E1"),
        ],
        events=[Event("E1", "Visit", "T3", [("Agent", "T1")])],
        attributes=[Attribute("A1", "Negated", "E1"), Attribute("A2", "Negated", "T2")],
        normalizations=[Normalization("N1", "Reference", "T2", "Wiki", "Q220")],
        notes=[Note("#1", "AnnotatorNotes", "T1", "checked")],
        groups=[Group("Equiv", ["T1", "T2"])],
    )
    [record], problems = spert.to_records([doc])
    assert record["relations"] == [{"type": "Visit", "head": 0, "tail": 1}]
    text = messages(problems)
    for expected in (
        "1 entity heads not representable (T1)",
        "1 entity confidences not representable (T1)",
        "1 relation role names not representable (R1)",
        "1 relations with extra arguments written without them (R1)",
        "1 relation confidences not representable (R1)",
        "1 relations to events dropped (not representable) (R2)",
        "1 events not representable (E1)",
        "2 attributes not representable (A1, A2)",
        "1 normalizations not representable (N1)",
        "1 notes not representable (#1)",
        "1 groups not representable (Equiv)",
    ):
        assert expected in text
    assert all(p.message.startswith("record 0 (document d): ") for p in problems)
    assert len(problems) == 11


def test_orig_id_comes_from_the_document_id_when_not_read() -> None:
    docs = [Document("0017", "a"), Document("17", "b"), Document("-3", "c"), Document("x", "d")]
    records, _ = spert.to_records(docs)
    assert [r["orig_id"] for r in records] == ["0017", 17, -3, "x"]


def test_document_ids_from_orig_id_unique_else_index() -> None:
    records = [
        {"tokens": ["a"], "orig_id": 5},
        {"tokens": ["b"], "orig_id": 5},
        {"tokens": ["c"], "orig_id": "doc-3"},
        {"tokens": ["d"]},
        {"tokens": ["e"], "orig_id": ""},
        {"tokens": ["f"], "orig_id": [1]},
    ]
    docs = spert.from_records(records)
    assert [d.id for d in docs] == ["doc-0", "doc-1", "doc-3", "doc-3-2", "doc-4", "doc-5"]
    back, problems = spert.to_records(docs)
    assert back == records and problems == []


def test_unknown_keys_and_key_order_survive(tmp_path: Path) -> None:
    records = [
        {"orig_id": 1, "sentence": "x", "tokens": ["a", "b"], "relations": [],
         "entities": [{"start": 0, "end": 1, "type": "X", "score": 0.5}]},
        {"tokens": ["c"]},
        {"tokens": ["c"], "entities": [{"type": "Y", "start": 0, "end": 1}],
         "relations": [{"type": "R", "head": 0, "tail": 0, "symmetric": True}], "lang": "en"},
    ]  # fmt: skip
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(records, ensure_ascii=False))
    docs = spert.read_file(path)
    out = tmp_path / "odd_out.json"
    assert spert.write_file(docs, out) == []
    assert out.read_text() == json.dumps(records)
    docs[1].entities.append(Entity("T1", "Z", [(0, 1)]))  # a record that gains an entity
    records_out, _ = spert.to_records(docs)
    assert records_out[1] == {"tokens": ["c"], "entities": [{"type": "Z", "start": 0, "end": 1}]}


def test_unicode_output_is_ascii_escaped_like_the_shared_files(tmp_path: Path) -> None:
    records = [{"tokens": ["Zürich", "😀", "مرحبا"], "entities": [], "relations": [],
                "orig_id": 1}]  # fmt: skip
    path = tmp_path / "u.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "u_out.json"
    spert.write_file(spert.read_file(path), out)
    assert out.read_bytes().isascii()
    assert json.loads(out.read_text()) == records


def test_write_is_atomic_and_leaves_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "keep.json"
    out.write_text("previous")
    bad = Document("d", "x", relations=[Relation("R1", "r", "T1", "T2")])
    with pytest.raises(Exception, match="unknown id"):
        spert.write_file([Document("a", "a"), bad], out)
    assert out.read_text() == "previous"
    assert sorted(os.listdir(tmp_path)) == ["keep.json"]
    (tmp_path / "sub").mkdir()
    with pytest.raises(OSError):
        spert.write_corpus([Document("a", "a")], tmp_path / "sub")  # a directory
    assert sorted(os.listdir(tmp_path / "sub")) == []
