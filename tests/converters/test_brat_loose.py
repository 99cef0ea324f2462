"""Loose BRAT files picked together, and every problem of a file listed cause first.

An upload box hands each file over from its own folder, so ``read_loose`` gathers them into one
and reads it as a BRAT folder: ``doc1.txt`` pairs with ``doc1.ann`` there and nowhere else. A
malformed line must be reported before what it breaks (an unknown id on another line), in the
same order whether the problems come from an import or from ``python -m converters validate``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from converters import brat
from converters.cli import main as converters_cli
from converters.errors import ConversionError
from converters.upload import loose_brat_files, read_loose

TEXT = "Barack Obama visited Paris.\n"
ANN = "T1\tPerson 0 12\tBarack Obama\nT2\tGPE 21 26\tParis\nR1\tVisit Arg1:T1 Arg2:T2\n"
# line 4 has a space where the tab after the id belongs; line 2 refers to the id it would define
BROKEN = "T1\tPerson 0 12\tBarack Obama\nR1\tVisit Arg1:T1 Arg2:T3\nT2\tGPE 21 26\tParis\n" + (
    "T3 GPE 21 26\tParis\n"
)
CONF = "[entities]\nPerson\nGPE\n[relations]\nVisit Arg1:Person, Arg2:GPE\n[events]\n[attributes]\n"


def _upload(tmp: Path, name: str, content: str) -> Path:
    """A file as an upload box keeps it: alone in a folder of its own."""
    folder = tmp / f"upload-{len(list(tmp.iterdir())) if tmp.exists() else 0}"
    folder.mkdir(parents=True)
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def _problems(files: list[Path]) -> list[str]:
    with pytest.raises(ConversionError) as info:
        read_loose(files)
    return [str(p) for p in info.value.problems]


def test_a_malformed_line_comes_before_what_it_breaks(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "doc.ann").write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConversionError) as info:
        brat.read_corpus(tmp_path)
    ann = tmp_path / "doc.ann"
    assert [str(p) for p in info.value.problems] == [
        f"{ann}:4: malformed id 'T3 GPE 21 26' (a space instead of a tab after the id?)",
        f"{ann}:2: R1: Arg2 refers to unknown id T3 (its line 4 could not be read)",
    ]
    assert str(info.value).startswith(f"{ann}:4: malformed id")  # the message leads with it
    # the validator lists the very same problems in the same order
    assert brat.validate(tmp_path) == info.value.problems


def test_the_validator_cli_prints_the_same_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "doc.ann").write_text(BROKEN, encoding="utf-8")
    assert converters_cli(["validate", "--format", "brat", str(tmp_path)]) == 1
    printed = [line.replace(f"{tmp_path}/", "") for line in capsys.readouterr().out.splitlines()]
    up = tmp_path / "up"
    loose = _problems([_upload(up, "doc.txt", TEXT), _upload(up, "doc.ann", BROKEN)])
    assert len(printed) == 2 and printed == loose


def test_an_unknown_id_that_no_line_defines_says_no_more(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "doc.ann").write_text(
        "T1\tPerson 0 12\tBarack Obama\nR1\tVisit Arg1:T1 Arg2:T9\n", encoding="utf-8"
    )
    [problem] = brat.validate(tmp_path)
    assert problem.line == 2 and problem.message == "R1: Arg2 refers to unknown id T9"


def test_loose_pairs_are_paired_by_name(tmp_path: Path) -> None:
    # each .ann fits its own .txt only: read against the other, its text column would not match
    files = [
        _upload(tmp_path, "doc2.ann", ANN.replace("Paris", "PARIS").replace("GPE", "Person")),
        _upload(tmp_path, "doc1.txt", TEXT),
        _upload(tmp_path, "annotation.conf", CONF),
        _upload(tmp_path, "doc1.ann", ANN),
        _upload(tmp_path, "doc2.txt", TEXT.replace("Paris", "PARIS")),
    ]
    assert loose_brat_files(files) == files
    documents, schema, report = read_loose(files)
    by_id = {d.id: d for d in documents}
    assert sorted(by_id) == ["doc1", "doc2"]
    assert [e.type for e in by_id["doc1"].entities] == ["Person", "GPE"]
    assert [e.type for e in by_id["doc2"].entities] == ["Person", "Person"]
    assert by_id["doc2"].text.endswith("PARIS.\n")
    assert [r.type for r in by_id["doc1"].relations] == ["Visit"]
    assert schema is not None and [t.name for t in schema.entity_types] == ["Person", "GPE"]
    assert (report.format, report.documents, report.counts.entities) == ("brat", 2, 4)
    assert report.file == "doc1.txt + doc1.ann + doc2.txt + doc2.ann and 1 more"


def test_plain_texts_alone_are_not_a_brat_collection(tmp_path: Path) -> None:
    texts = [_upload(tmp_path, "a.txt", TEXT), _upload(tmp_path, "b.txt", TEXT)]
    assert loose_brat_files(texts) == []
    other = _upload(tmp_path, "c.json", "[]")
    ann = _upload(tmp_path, "a.ann", "")
    assert loose_brat_files([*texts, other, ann]) == [*texts, ann]


def test_a_lone_ann_and_a_lone_txt_are_named(tmp_path: Path) -> None:
    files = [
        _upload(tmp_path, "doc1.txt", TEXT),
        _upload(tmp_path, "doc1.ann", ANN),
        _upload(tmp_path, "doc2.ann", ANN),
        _upload(tmp_path, "doc3.txt", TEXT),
    ]
    assert _problems(files) == [
        "doc2.ann: no partner text file doc2.txt",
        "doc3.txt: no partner annotation file doc3.ann (the other texts came with theirs; "
        "give an empty .ann for a text without annotations)",
    ]


def test_every_problem_of_every_file_with_its_own_name(tmp_path: Path) -> None:
    files = [
        _upload(tmp_path, "a.txt", TEXT),
        _upload(tmp_path, "a.ann", BROKEN),
        _upload(tmp_path, "b.txt", TEXT),
        _upload(tmp_path, "b.ann", "T1\tPerson 0 12\tBarack Obama\nE1\tTravel:T1 Dest:T7\n"),
    ]
    assert _problems(files) == [
        "a.ann:4: malformed id 'T3 GPE 21 26' (a space instead of a tab after the id?)",
        "a.ann:2: R1: Arg2 refers to unknown id T3 (its line 4 could not be read)",
        "b.ann:2: E1: Dest refers to unknown id T7",
    ]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["d.txt", "d.ann", "d.ann"], "d.ann: two uploaded files have this name"),
        ([".d.txt", "d.ann"], ".d.txt: BRAT skips files whose name starts with '.'"),
        (["d.txt", "d.ann", "my.conf"], "my.conf: not a BRAT conf file"),
        (["annotation.conf"], "annotation.conf: no .txt/.ann files came with this configuration"),
    ],
)
def test_names_the_folder_would_lose_are_refused(
    tmp_path: Path, names: list[str], expected: str
) -> None:
    files = [_upload(tmp_path, n, CONF if n.endswith(".conf") else TEXT) for n in names]
    problems = _problems(files)
    assert len(problems) == 1 and problems[0].startswith(expected)


def test_nothing_stays_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    good = [_upload(tmp_path / "in", "d.txt", TEXT), _upload(tmp_path / "in", "d.ann", ANN)]
    assert read_loose(good)[2].documents == 1
    _problems([_upload(tmp_path / "in", "e.txt", TEXT), _upload(tmp_path / "in", "e.ann", BROKEN)])
    assert list(scratch.iterdir()) == []
