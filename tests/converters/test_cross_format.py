"""Documents crossing formats lose nothing, and the ``python -m converters`` CLI works on disk."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import converters
from converters import Document, Entity, Relation
from converters.cli import main
from tests.cli_runs import run_main

REPO = Path(__file__).resolve().parents[2]


def _process(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m converters ...`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "converters", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The same command line run by ``converters.cli.main`` in this process
    (tests/cli_runs.py)."""
    return run_main(main, *args)


@pytest.mark.parametrize(
    "name",
    [
        "conll04/conll04_train.json",
        "conll04/conll04_dev.json",
        "conll04/conll04_test.json",
        "ade/ade_split_0_test.json",
    ],
)
def test_spert_to_brat_to_spert_is_identical(shared_data: Path, tmp_path: Path, name: str) -> None:
    src = shared_data / name
    documents = converters.read("spert", src)
    assert converters.write("brat", documents, tmp_path / "brat") == []
    back = converters.read("brat", tmp_path / "brat")
    # BRAT keeps no tokens: the text (tokens joined by spaces) re-splits on whitespace exactly.
    out = tmp_path / "back.json"
    warnings = converters.write("spert", back, out, tokenizer="whitespace")
    assert warnings == []

    # A directory of pairs has no document order: compare as multisets of records.
    def canon(records: list[dict]) -> list[str]:
        return sorted(json.dumps(r, sort_keys=True) for r in records)

    assert canon(json.loads(out.read_text())) == canon(json.loads(src.read_text()))


def test_brat_to_spert_keeps_entities_and_relations(tmp_path: Path) -> None:
    text = "Obama, the president, lives in Washington D.C. today."
    doc = Document(
        "news/1",
        text,
        entities=[
            Entity("T1", "Peop", [(0, 5)]),
            Entity("T2", "Loc", [(31, 46)]),
            Entity("T3", "Loc", [(42, 46)]),  # nested in T2
        ],
        relations=[Relation("R1", "Live_In", "T1", "T2")],
    )
    out = tmp_path / "x.json"
    assert converters.write("spert", [doc], out) == []
    (back,) = converters.read("spert", out)
    spans = sorted((back.span_text(e), e.type) for e in back.entities)
    assert spans == [("D.C.", "Loc"), ("Obama", "Peop"), ("Washington D.C.", "Loc")]
    (rel,) = back.relations
    assert (back.span_text(back.entity(rel.arg1)), back.span_text(back.entity(rel.arg2))) == (
        "Obama",
        "Washington D.C.",
    )


def test_cli_convert_brat_to_ace_and_back(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "brat-samples/brat-example-data/tutorials/news"
    result = _cli("convert", "--from", "brat", "--to", "ace", str(src), str(tmp_path / "ace"))
    assert result.returncode == 0, result.stderr
    assert "converted" in result.stdout
    originals = {d.id: d for d in converters.read("brat", src)}
    written = converters.read("ace", tmp_path / "ace")
    assert sorted(d.id for d in written) == sorted(originals)
    assert any(originals[d.id].events for d in written)  # the warning below is checked
    for doc in written:
        orig = originals[doc.id]
        assert doc.text == orig.text
        # Events of non-ACE types cannot be written (with a warning); all else comes back.
        triggers = {ev.trigger for ev in orig.events}
        # (ACE lists mentions entity by entity, so coreferent mentions move together.)
        assert sorted((e.id, e.type, e.fragments) for e in doc.entities) == sorted(
            (e.id, e.type, e.fragments) for e in orig.entities if e.id not in triggers
        )
        assert sorted((r.id, r.type, r.arg1, r.arg2) for r in doc.relations) == sorted(
            (r.id, r.type, r.arg1, r.arg2) for r in orig.relations
        )
        if orig.events:
            assert f"{doc.id}" in result.stderr and "warning:" in result.stderr


def test_cli_convert_reports_loss_as_warnings(tmp_path: Path) -> None:
    doc = Document("d", "ab cd ef", entities=[Entity("T1", "X", [(0, 2), (6, 8)])])
    converters.write("brat", [doc], tmp_path / "in")
    out = tmp_path / "out.json"
    result = _cli("convert", "--from", "brat", "--to", "spert", str(tmp_path / "in"), str(out))
    assert result.returncode == 0
    assert "warning:" in result.stderr and "T1" in result.stderr
    strict = _cli(
        "convert", "--strict", "--from", "brat", "--to", "spert", str(tmp_path / "in"), str(out)
    )
    assert strict.returncode == 1


def test_cli_convert_bad_input_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("hello world")
    (src / "a.ann").write_text("T1\tX 0 5\thello\n")
    (src / "b.txt").write_text("hello world")
    (src / "b.ann").write_text("T1\tX 0 5\tHELLO\n")
    out = tmp_path / "out"
    # in a process of its own: the ``-m`` entry and the exit status of the process
    result = _process("convert", "--from", "brat", "--to", "brat", str(src), str(out))
    assert result.returncode == 1
    assert "b.ann:1" in result.stderr
    assert not out.exists()


def test_cli_validate_lists_problems_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello world")
    (tmp_path / "a.ann").write_text(
        "T1\tX 0 5\thello\nT2\tX 6 11\tWORLD\nR1\tRel Arg1:T1 Arg2:T9\n"
    )
    result = _cli("validate", "--format", "brat", str(tmp_path))
    assert result.returncode == 1
    assert "a.ann:2" in result.stdout
    assert "T9" in result.stdout
    good = _cli("validate", "--format", "spert", str(REPO / "tests/converters/_absent.json"))
    assert good.returncode == 1


def test_cli_validate_clean_input_exits_0(shared_data: Path) -> None:
    result = _cli("validate", "--format", "spert", str(shared_data / "conll04/conll04_dev.json"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ace_validate_uses_the_shipped_dtd(tmp_path: Path) -> None:
    doc = Document("d1", "Ann met Bob.", entities=[Entity("T1", "PER", [(0, 3)])])
    converters.write("ace", [doc], tmp_path)
    assert not (tmp_path / "apf.v5.1.1.dtd").exists()
    assert converters.validate("ace", tmp_path) == []
    apf = tmp_path / "d1.apf.xml"
    apf.write_text(apf.read_text().replace('CLASS="SPC"', 'CLASS="BOGUS"'))
    problems = converters.validate("ace", tmp_path)
    assert problems and all(p.path.endswith("d1.apf.xml") for p in problems)


def test_spert_schema_to_brat_conf_reads_back(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "ade/ade_split_0_test.json"
    documents = converters.read("spert", src)
    schema = converters.read_schema("spert", src)
    assert schema is not None
    warnings = converters.write("brat", documents, tmp_path, schema=schema)
    # SpERT's short/verbose names have no place in annotation.conf: reported, not written.
    assert warnings and all("annotation.conf" in w.path for w in warnings)
    back = converters.read_schema("brat", tmp_path)
    assert back is not None
    assert back.entity_names() == schema.entity_names()
    # a SpERT types file has no argument constraints: any entity type is allowed
    assert [(r.name, r.arg1_types, r.arg2_types) for r in back.relation_types] == [
        ("Adverse-Effect", [], [])
    ]
    assert converters.validate("brat", tmp_path) == []
