"""Documents that never saw ACE (BRAT/SpERT-like) -> DTD-valid APF, losses reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from converters import ace
from converters.ace.sgm_text import strip_tags
from converters.document import Attribute, Document, Entity, Event, Group, Note, Relation

TEXT = "Dr. Smith & <Jones> treat diabetes type 2 at Mercy Hospital in Boston & Rome."


def _span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def brat_like() -> Document:
    t = TEXT
    smith, jones = _span(t, "Dr. Smith"), _span(t, "<Jones>")
    diabetes = _span(t, "diabetes")
    type2 = _span(t, "type 2")
    hospital, mercy = _span(t, "Mercy Hospital"), _span(t, "Mercy")
    boston, rome = _span(t, "Boston"), _span(t, "Rome")
    return Document(
        id="brat_doc",
        text=t,
        entities=[
            Entity("T1", "PER", [smith]),
            Entity("T2", "PER", [jones], confidence=0.75),
            Entity("T3", "Disease", [diabetes, type2]),  # discontinuous, non-ACE type
            Entity("T4", "FAC", [hospital]),
            Entity("T5", "ORG", [mercy]),  # nested inside T4
            Entity("T6", "GPE", [(hospital[0], boston[1])]),  # overlaps T4 and T7
            Entity("T7", "GPE", [boston], head=(boston[0], boston[0] + 3)),
            Entity("T8", "GPE", [rome]),
            Entity("T9", "Treat", [_span(t, "treat")]),  # an event trigger
        ],
        relations=[
            Relation("R1", "Treats", "T1", "T3"),  # non-ACE relation type
            Relation("R2", "PHYS", "T4", "T7"),
            Relation("R3", "ORG-AFF", "T2", "T5", confidence=0.5),
        ],
        events=[Event("E1", "Treat", "T9", [("Agent", "T1"), ("Theme", "T3")])],
        attributes=[Attribute("A1", "Negated", "T3")],
        notes=[Note("#1", "AnnotatorNotes", "T1", "a note")],
        groups=[Group("Equiv", ["T7", "T6"])],
    )


@pytest.fixture(scope="module")
def dtd(shared_data: Path) -> etree.DTD:
    return etree.DTD(str(shared_data / "ace-samples" / "dtd" / "apf.v5.1.1.dtd"))


def test_brat_like_document_writes_valid_ace_with_warnings(tmp_path: Path, dtd) -> None:
    doc = brat_like()
    warnings = ace.write_corpus([doc], tmp_path)
    apf = tmp_path / "brat_doc.apf.xml"
    tree = etree.parse(str(apf))
    assert dtd.validate(tree), dtd.error_log
    # the .sgm escapes & < > and the charseqs count the escaped characters
    sgm = (tmp_path / "brat_doc.sgm").read_text(encoding="utf-8")
    assert "Smith &amp; &lt;Jones&gt;" in sgm
    raw = strip_tags(sgm)
    for seq in tree.iter("charseq"):
        assert seq.text == raw[int(seq.get("START")) : int(seq.get("END")) + 1]
    jones = tree.find(".//entity_mention[@ID='T2']/extent/charseq")
    assert jones.text == "&lt;Jones&gt;"
    # coreference group T6+T7 became one ACE entity, others one entity per mention
    entities = tree.findall(".//entity")
    assert sorted(len(e.findall("entity_mention")) for e in entities) == [1] * 6 + [2]
    assert all(w.path == str(apf) for w in warnings)
    text = "\n".join(w.message for w in warnings)
    for expected in (
        "T3:Disease",  # non-ACE entity type
        "discontinuous",
        "R1:Treats",  # non-ACE relation type
        "confidences",
        "events whose type is not an ACE",
        "attributes not representable",
        "notes not representable",
        "SUBTYPE",
        "CLASS",
        "mention TYPE",
    ):
        assert expected in text, expected


def test_brat_like_document_reads_back_with_same_spans_types_relations(tmp_path: Path) -> None:
    doc = brat_like()
    ace.write_corpus([doc], tmp_path)
    (back,) = ace.read_corpus(tmp_path)
    assert back.id == doc.id and back.text == doc.text
    written = {e.id: e for e in doc.entities if e.id != "T9"}  # T9's event was not written
    got = {e.id: e for e in back.entities}
    assert set(got) == set(written)
    for ident, ent in written.items():
        assert got[ident].type == ent.type, ident
        assert got[ident].fragments == ent.fragments, ident
        assert got[ident].head == ent.head, ident
        assert got[ident].confidence == ent.confidence, ident
    rels = {r.id: (r.type, r.arg1, r.arg2, r.confidence) for r in back.relations}
    assert rels == {r.id: (r.type, r.arg1, r.arg2, r.confidence) for r in doc.relations}
    coref = [g for g in back.groups if g.type == "ace-entity" and len(g.members) == 2]
    assert [sorted(g.members) for g in coref] == [["T6", "T7"]]


def test_ids_that_are_not_xml_names_are_renamed_and_reported(tmp_path: Path, dtd) -> None:
    doc = Document(
        "spert_0",
        "Alice works for Acme .",
        entities=[Entity("0", "Peop", [(0, 5)]), Entity("1", "Org", [(16, 20)])],
        relations=[Relation("0-1", "Work_For", "0", "1")],
    )
    warnings = ace.write_corpus([doc], tmp_path)
    assert dtd.validate(etree.parse(str(tmp_path / "spert_0.apf.xml")))
    assert any("renamed" in w.message for w in warnings)
    (back,) = ace.read_corpus(tmp_path)
    assert [(e.type, e.fragments) for e in back.entities] == [
        ("Peop", [(0, 5)]),
        ("Org", [(16, 20)]),
    ]
    assert [(r.type, back.entity(r.arg1).type) for r in back.relations] == [("Work_For", "Peop")]


def test_ace_event_written_from_plain_event_uses_defaults(tmp_path: Path, dtd) -> None:
    text = "Acme hired Bob in 2019."
    doc = Document(
        "ev",
        text,
        entities=[
            Entity("T1", "ORG", [(0, 4)]),
            Entity("T2", "PER", [(11, 14)]),
            Entity("T3", "TIMEX2", [(18, 22)]),
            Entity("T4", "Start-Position", [(5, 10)]),
        ],
        events=[Event("E1", "Start-Position", "T4", [("Entity", "T1"), ("Person", "T2")])],
    )
    warnings = ace.write_corpus([doc], tmp_path)
    tree = etree.parse(str(tmp_path / "ev.apf.xml"))
    assert dtd.validate(tree), dtd.error_log
    event = tree.find(".//event")
    assert (event.get("TYPE"), event.get("SUBTYPE")) == ("Personnel", "Start-Position")
    assert any("MODALITY" in w.message for w in warnings)
    (back,) = ace.read_corpus(tmp_path)
    (ev,) = back.events
    assert ev.type == "Personnel.Start-Position"
    assert back.span_text(back.entity(ev.trigger)) == "hired"
    assert ev.arguments == [("Entity", "T1"), ("Person", "T2")]
    assert back.entity("T3").type == "TIMEX2"


def test_changed_text_regenerates_sgm_with_warning(shared_data: Path, tmp_path: Path) -> None:
    (doc,) = ace.read_corpus(shared_data / "ace-samples" / "synthetic")
    doc.text = doc.text.replace("Jane Doe", "Jane Roe")
    warnings = ace.write_corpus([doc], tmp_path)
    assert any("markup lost" in w.message for w in warnings)
    (back,) = ace.read_corpus(tmp_path)
    assert back.text == doc.text
    assert [(e.id, e.fragments) for e in back.entities] == [
        (e.id, e.fragments) for e in doc.entities
    ]


def test_self_equivalence_group_does_not_duplicate_ids(tmp_path: Path, dtd) -> None:
    # BRAT data has "*\tEquiv T63 T63" (BioNLP-ST 2011 ID); ACE ids must stay unique
    doc = Document(
        "eq",
        "IL-2 and IL-2R",
        entities=[Entity("T1", "Protein", [(0, 4)]), Entity("T2", "Protein", [(9, 14)])],
        groups=[Group("Equiv", ["T1", "T1"]), Group("Equiv", ["T1", "T2"])],
    )
    warnings = ace.write_corpus([doc], tmp_path)
    assert dtd.validate(etree.parse(str(tmp_path / "eq.apf.xml"))), dtd.error_log
    assert any("several coreference groups" in w.message for w in warnings)
    (back,) = ace.read_corpus(tmp_path)
    assert [(e.id, e.type, e.fragments) for e in back.entities] == [
        (e.id, e.type, e.fragments) for e in doc.entities
    ]
