"""ACE -> ACE on real files: offsets, text, attributes and relations survive exactly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree

from converters import ace
from converters.ace.sgm_text import SgmText, strip_tags

STEM = "SYNTH_ENG_20240101.0001"


@pytest.fixture(scope="module")
def sample_dir(shared_data: Path) -> Path:
    return shared_data / "ace-samples" / "synthetic"


@pytest.fixture(scope="module")
def dtd(shared_data: Path) -> etree.DTD:
    return etree.DTD(str(shared_data / "ace-samples" / "dtd" / "apf.v5.1.1.dtd"))


def _charseqs(apf: Path) -> list[etree._Element]:
    return etree.parse(str(apf)).getroot().findall(".//charseq")


def _mentions(apf: Path) -> dict[str, tuple]:
    """Every mention-like element by ID: attributes and all its charseqs (offsets + text)."""
    root = etree.parse(str(apf)).getroot()
    found = {}
    for el in root.iter(
        "entity_mention", "value_mention", "timex2_mention", "relation_mention", "event_mention"
    ):
        seqs = tuple((c.get("START"), c.get("END"), c.text) for c in el.iter("charseq"))
        args = tuple(
            (a.get("ROLE"), a.get("REFID"))
            for a in el
            if a.tag in ("relation_mention_argument", "event_mention_argument")
        )
        found[el.get("ID")] = (dict(el.attrib), seqs, args)
    return found


def _parents(apf: Path) -> dict[str, tuple]:
    root = etree.parse(str(apf)).getroot()
    found = {}
    for el in root.find("document"):
        args = tuple(
            (a.get("ROLE"), a.get("REFID"))
            for a in el
            if a.tag in ("relation_argument", "event_argument")
        )
        names = tuple((n.get("NAME"), n[0].get("START"), n[0].get("END")) for n in el.iter("name"))
        found[el.get("ID")] = (el.tag, dict(el.attrib), args, names)
    return found


def test_read_maps_mentions_entities_relations_events(sample_dir: Path) -> None:
    (doc,) = ace.read_corpus(sample_dir)
    assert doc.id == STEM
    jane = doc.entity(f"{STEM}-E1-2")
    assert jane.type == "PER"
    assert doc.span_text(jane) == "chief engineer of Acme Robotics"
    assert doc.text[slice(*jane.head)] == "engineer"
    assert jane.metadata["ace"]["subtype"] == "Individual"
    assert jane.metadata["ace"]["attrs"]["TYPE"] == "NOM"
    e1 = next(g for g in doc.groups if g.id == f"{STEM}-E1")
    assert e1.type == "ace-entity"
    assert e1.attributes["TYPE"] == "PER" and e1.attributes["CLASS"] == "SPC"
    assert len(e1.members) == 5
    rel = next(r for r in doc.relations if r.id == f"{STEM}-R1-1")
    assert (rel.type, rel.arg1, rel.arg2) == ("ORG-AFF", f"{STEM}-E1-2", f"{STEM}-E2-2")
    assert rel.metadata["ace"]["subtype"] == "Employment"
    r1 = next(g for g in doc.groups if g.id == f"{STEM}-R1")
    assert r1.attributes["MODALITY"] == "Asserted"
    assert r1.attributes["arguments"] == [["Arg-1", f"{STEM}-E1"], ["Arg-2", f"{STEM}-E2"]]
    timex = doc.entity(f"{STEM}-T2-1")
    assert (timex.type, doc.span_text(timex)) == ("TIMEX2", "2019")
    (event,) = doc.events
    assert event.type == "Personnel.Start-Position"
    assert doc.span_text(doc.entity(event.trigger)) == "hired"
    assert ("Time-Within", f"{STEM}-T2-1") in event.arguments
    assert doc.problems() == []


def test_ace_to_ace_is_exact_and_dtd_valid(sample_dir: Path, tmp_path: Path, dtd) -> None:
    docs = ace.read_corpus(sample_dir)
    warnings = ace.write_corpus(docs, tmp_path)
    assert warnings == []
    out_sgm, out_apf = tmp_path / f"{STEM}.sgm", tmp_path / f"{STEM}.apf.xml"
    assert out_sgm.read_bytes() == (sample_dir / f"{STEM}.sgm").read_bytes()
    assert dtd.validate(etree.parse(str(out_apf))), dtd.error_log
    original = sample_dir / f"{STEM}.apf.xml"
    assert _mentions(out_apf) == _mentions(original)
    assert _parents(out_apf) == _parents(original)
    assert len(_charseqs(out_apf)) == len(_charseqs(original)) == 58
    # and once more through the model: identical documents
    (again,) = ace.read_corpus(tmp_path)
    (first,) = docs
    assert again.text == first.text
    assert again.entities == first.entities
    assert again.relations == first.relations
    assert again.events == first.events
    assert again.groups == first.groups


def test_every_written_charseq_is_the_raw_stripped_slice(sample_dir: Path, tmp_path: Path):
    ace.write_corpus(ace.read_corpus(sample_dir), tmp_path)
    raw = strip_tags((tmp_path / f"{STEM}.sgm").read_text(encoding="utf-8"))
    for seq in _charseqs(tmp_path / f"{STEM}.apf.xml"):
        start, end = int(seq.get("START")), int(seq.get("END"))
        assert seq.text == raw[start : end + 1]


def test_validate_reports_nothing_for_good_data_and_dtd_errors(sample_dir: Path, tmp_path):
    assert ace.validate(sample_dir) == []
    shutil.copytree(sample_dir, tmp_path / "data")
    apf = tmp_path / "data" / f"{STEM}.apf.xml"
    # valid XML, valid references, but CLASS="XYZ" is not in the DTD's enumeration
    apf.write_text(apf.read_text().replace('CLASS="SPC"', 'CLASS="XYZ"', 1))
    problems = ace.validate(tmp_path / "data")
    assert problems and all(p.path == str(apf) for p in problems)
    assert any("CLASS" in p.message and p.line == 5 for p in problems)


AMP_SGM = (
    "<DOC>\n<DOCID> AMP1 </DOCID>\n<TEXT>\n"
    "AT&amp;T bought R&lt;D Labs &amp; more in Texas.\n"
    "</TEXT>\n</DOC>\n"
)


def _amp_pair(directory: Path) -> tuple[Path, Path, SgmText]:
    src = SgmText.parse(AMP_SGM)
    raw = src.raw

    def seq(needle: str) -> str:
        start = raw.index(needle)
        end = start + len(needle) - 1
        text = needle.replace("&", "&amp;").replace("<", "&lt;")
        return f'<charseq START="{start}" END="{end}">{text}</charseq>'

    def mention(mid: str, needle: str, head: str | None = None) -> str:
        return (
            f'<entity_mention ID="{mid}" TYPE="NAM"><extent>{seq(needle)}</extent>'
            f"<head>{seq(head or needle)}</head></entity_mention>"
        )

    apf = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE source_file SYSTEM "apf.v5.1.1.dtd">\n'
        '<source_file URI="AMP1.sgm" TYPE="text">\n<document DOCID="AMP1">\n'
        '<entity ID="E1" TYPE="ORG" SUBTYPE="Commercial" CLASS="SPC">'
        + mention("E1-1", "AT&amp;T")
        + '</entity>\n<entity ID="E2" TYPE="ORG" SUBTYPE="Commercial" CLASS="SPC">'
        + mention("E2-1", "R&lt;D Labs &amp; more", "R&lt;D Labs")
        + '</entity>\n<entity ID="E3" TYPE="GPE" SUBTYPE="State-or-Province" CLASS="SPC">'
        + mention("E3-1", "Texas")
        + "</entity>\n"
        '<relation ID="R1" TYPE="PHYS" SUBTYPE="Located">'
        '<relation_argument REFID="E2" ROLE="Arg-1"/><relation_argument REFID="E3" ROLE="Arg-2"/>'
        f'<relation_mention ID="R1-1"><extent>{seq("R&lt;D Labs &amp; more in Texas")}</extent>'
        '<relation_mention_argument REFID="E2-1" ROLE="Arg-1"/>'
        '<relation_mention_argument REFID="E3-1" ROLE="Arg-2"/>'
        "</relation_mention></relation>\n"
        "</document>\n</source_file>\n"
    )
    sgm_path, apf_path = directory / "AMP1.sgm", directory / "AMP1.apf.xml"
    sgm_path.write_text(AMP_SGM, encoding="utf-8")
    apf_path.write_text(apf, encoding="utf-8")
    return sgm_path, apf_path, src


def test_character_references_are_decoded_and_offsets_map_both_ways(tmp_path: Path, dtd):
    src_dir = tmp_path / "in"
    src_dir.mkdir()
    _sgm, apf_path, src = _amp_pair(src_dir)
    doc = ace.read_document(src_dir / "AMP1.sgm", apf_path)
    assert "AT&T bought R<D Labs & more" in doc.text
    assert "&amp;" not in doc.text
    att = doc.entity("E1-1")
    assert doc.span_text(att) == "AT&T"
    lab = doc.entity("E2-1")
    assert doc.span_text(lab) == "R<D Labs & more"
    assert doc.text[slice(*lab.head)] == "R<D Labs"
    # the offset maps agree with the raw charseqs and invert each other at boundaries
    raw_start = src.raw.index("AT&amp;T")
    assert src.text_to_raw(att.start) == raw_start
    assert src.span_to_charseq(att.start, att.end) == (raw_start, raw_start + len("AT&amp;T") - 1)
    assert src.raw_to_text(raw_start) == att.start
    assert src.raw_to_text(raw_start + 3) == att.start + 2  # inside "&amp;" -> the "&"
    assert not src.is_raw_boundary(raw_start + 3)
    for i in range(len(src.text) + 1):
        assert src.raw_to_text(src.text_to_raw(i)) == i

    out = tmp_path / "out"
    assert ace.write_corpus([doc], out) == []
    assert (out / "AMP1.sgm").read_bytes() == AMP_SGM.encode()
    assert dtd.validate(etree.parse(str(out / "AMP1.apf.xml"))), dtd.error_log
    assert _mentions(out / "AMP1.apf.xml") == _mentions(apf_path)
    raw = strip_tags(AMP_SGM)
    for seq in _charseqs(out / "AMP1.apf.xml"):
        assert seq.text == raw[int(seq.get("START")) : int(seq.get("END")) + 1]
    (again,) = ace.read_corpus(out)
    assert again.entities == doc.entities and again.relations == doc.relations


def test_decoded_charseq_text_is_accepted_and_offsets_inside_references_survive(tmp_path):
    src = SgmText.parse(AMP_SGM)
    start = src.raw.index("&amp;T")
    # START points into the middle of "&amp;" (the "m"): inexact in decoded text, kept raw
    apf = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<source_file URI="X.sgm" TYPE="text">'
        '<document DOCID="X"><entity ID="E1" TYPE="ORG" SUBTYPE="Commercial" CLASS="SPC">'
        '<entity_mention ID="E1-1" TYPE="NAM">'
        f'<extent><charseq START="{start - 2}" END="{start + 5}">AT&amp;T</charseq></extent>'
        f'<head><charseq START="{start + 2}" END="{start + 5}">mp;T</charseq></head>'
        "</entity_mention></entity></document></source_file>\n"
    )
    (tmp_path / "X.sgm").write_text(AMP_SGM)
    (tmp_path / "X.apf.xml").write_text(apf)
    (doc,) = ace.read_corpus(tmp_path)
    ent = doc.entity("E1-1")
    assert doc.span_text(ent) == "AT&T"  # decoded form of the charseq text is accepted
    assert doc.text[slice(*ent.head)] == "&T"
    out = tmp_path / "out"
    ace.write_corpus([doc], out)
    head = etree.parse(str(out / "X.apf.xml")).find(".//head/charseq")
    assert (int(head.get("START")), int(head.get("END"))) == (start + 2, start + 5)
