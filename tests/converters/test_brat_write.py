"""Writing BRAT: what cannot be represented is reported, ids are kept or renamed consistently,
and a failed export leaves nothing half written."""

from __future__ import annotations

from pathlib import Path

import pytest

from converters import brat
from converters.document import (
    Attribute,
    Document,
    Entity,
    Event,
    Group,
    Normalization,
    Note,
    Relation,
)
from converters.errors import ConversionError
from converters.schema import EntityType, RelationType, Schema

TEXT = "Barack Obama\nvisited Paris.\n"


def _doc(doc_id: str = "d") -> Document:
    return Document(
        doc_id,
        TEXT,
        entities=[Entity("T1", "Person", [(0, 12)]), Entity("T2", "GPE", [(21, 26)])],
        relations=[Relation("R1", "Located", "T1", "T2")],
        events=[Event("E1", "Travel", "T2", [("Agent", "T1")])],
        attributes=[Attribute("A1", "Negation", "E1"), Attribute("A2", "Conf", "E1", "High")],
        normalizations=[Normalization("N1", "Reference", "T1", "Wikipedia", "534366", "Obama")],
        notes=[Note("#1", "AnnotatorNotes", "T1", "the president")],
        groups=[Group("Equiv", ["T1", "T2"])],
    )


def test_format_ann_default_order_and_line_shapes() -> None:
    assert brat.format_ann(_doc()) == (
        "T1\tPerson 0 12\tBarack Obama\n"
        "T2\tGPE 21 26\tParis\n"
        "R1\tLocated Arg1:T1 Arg2:T2\n"
        "E1\tTravel:T2 Agent:T1\n"
        "*\tEquiv T1 T2\n"
        "A1\tNegation E1\n"
        "A2\tConf E1 High\n"
        "N1\tReference T1 Wikipedia:534366\tObama\n"
        "#1\tAnnotatorNotes T1\tthe president\n"
    )


def test_kept_line_order_survives_edits() -> None:
    doc = brat.parse_ann(
        TEXT, "T2\tGPE 21 26\tParis\nA1\tNegation T2\nT1\tPerson 0 6\tBarack\n", "d"
    )
    assert doc.metadata["brat"]["order"] == ["T2", "A1", "T1"]
    doc.entities.append(Entity("T3", "Person", [(7, 12)]))
    doc.attributes.clear()
    assert brat.format_ann(doc).splitlines() == [
        "T2\tGPE 21 26\tParis",
        "T1\tPerson 0 6\tBarack",
        "T3\tPerson 7 12\tObama",
    ]


def test_span_over_a_line_break_becomes_discontinuous_like_brat(tmp_path: Path) -> None:
    doc = Document("d", TEXT, entities=[Entity("T1", "Event", [(7, 20)])])
    problems = brat.write_corpus([doc], tmp_path / "out")
    assert len(problems) == 1 and "spans a line break" in problems[0].message
    ann = (tmp_path / "out" / "d.ann").read_text(encoding="utf-8")
    assert ann == "T1\tEvent 7 12;13 20\tObama visited\n"
    [back] = brat.read_corpus(tmp_path / "out")
    assert back.entities[0].fragments == [(7, 12), (13, 20)]
    only_break = Document("d", TEXT, entities=[Entity("T1", "X", [(12, 13)])])
    with pytest.raises(ConversionError, match="only line breaks"):
        brat.format_ann(only_break)


def test_foreign_ids_are_renamed_consistently() -> None:
    doc = Document(
        "d",
        TEXT,
        entities=[Entity("e1", "Person", [(0, 12)]), Entity("T1", "GPE", [(21, 26)])],
        relations=[Relation("rel-7", "Located", "e1", "T1")],
        attributes=[Attribute("M1", "Conf", "e1", "High")],
    )
    text, problems = brat.format_ann_with_problems(doc)
    assert text == (
        "T2\tPerson 0 12\tBarack Obama\n"
        "T1\tGPE 21 26\tParis\n"
        "R1\tLocated Arg1:T2 Arg2:T1\n"
        "A1\tConf T2 High\n"
    )
    assert [p.message for p in problems] == ["ids renamed to BRAT ids: e1->T2, rel-7->R1, M1->A1"]
    assert brat.parse_ann(TEXT, text, "d").relations[0].arg1 == "T2"


def test_what_brat_cannot_hold_is_reported() -> None:
    doc = _doc()
    doc.entities[0].head = (7, 12)
    doc.entities[0].confidence = 0.9
    doc.entities[1].type = "Geo political"
    doc.relations[0].extra_args = [("Time-Within", "T2")]
    doc.groups.append(Group("Coref", ["T1"], id="G1", attributes={"TYPE": "PER"}))
    doc.notes[0].text = "two\nlines"
    _, problems = brat.format_ann_with_problems(doc)
    messages = "\n".join(p.message for p in problems)
    for needle in (
        "entity type 'Geo political' written as 'Geo_political'",
        "extra arguments Time-Within:T2 dropped",
        "group G1: id/attributes dropped",
        "#1: line breaks",
        "1 entity head span(s) dropped",
        "1 confidence score(s) dropped",
    ):
        assert needle in messages
    assert all(p.path == "d.ann" for p in problems)


def test_unwritable_documents_raise_before_anything_is_written(tmp_path: Path) -> None:
    good = _doc("good")
    dangling = _doc("bad")
    dangling.relations.append(Relation("R2", "Located", "T1", "T99"))
    out = tmp_path / "out"
    with pytest.raises(ConversionError, match="T99"):
        brat.write_corpus([good, dangling], out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary folder left behind
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    for bad_id in ("", "../up", "a//b", ".hidden", "a\\b"):
        with pytest.raises(ConversionError, match="document id"):
            brat.write_corpus([_doc(bad_id)], out)
    with pytest.raises(ConversionError, match="same files"):
        brat.write_corpus([_doc("x"), _doc("X")], out)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_write_into_existing_folder_and_subfolders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "other.txt").write_text("untouched", encoding="utf-8")
    docs = [_doc("a"), _doc("sub/dir/b")]
    assert brat.write_corpus(docs, out) == []
    assert (out / "other.txt").read_text(encoding="utf-8") == "untouched"
    back = {d.id: d for d in brat.read_corpus(out)}
    assert back["a"] == docs[0] and back["sub/dir/b"] == docs[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_write_document_writes_exact_bytes(tmp_path: Path) -> None:
    doc = _doc("sub/x")
    doc.text = "Barack Obama\r\nvisited Paris.\r\n"
    doc.entities[1].fragments = [(22, 27)]
    assert brat.write_document(doc, tmp_path) == []
    assert (tmp_path / "sub" / "x.txt").read_bytes() == doc.text.encode("utf-8")
    assert brat.read_document(tmp_path / "sub" / "x.txt", doc_id="sub/x") == doc
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["x.ann", "x.txt"]


def test_schema_is_written_and_read_back(tmp_path: Path) -> None:
    schema = Schema(
        entity_types=[
            EntityType("Person", color="#ffccaa", shortcut="P"),
            EntityType("GPE", color="#7fa2ff"),
        ],
        relation_types=[RelationType("Located", ["Person"], ["GPE"], color="blue", shortcut="L")],
    )
    plain = _doc()  # what this schema admits: the two entities and the relation
    plain.events, plain.attributes, plain.groups = [], [], []
    assert brat.write_corpus([plain], tmp_path / "out", schema=schema) == []
    assert brat.read_schema(tmp_path / "out") == schema
    assert brat.read_schema(tmp_path / "out" / "annotation.conf") == schema
    assert brat.read_schema(tmp_path) is None
    odd = Schema(entity_types=[EntityType("Adverse effect")])
    problems = brat.write_corpus([plain], tmp_path / "odd", schema=odd)
    assert [Path(p.path).name for p in problems] == ["annotation.conf"] * 2
    assert "also declares: entity type Person" in problems[0].message  # widened to the data
