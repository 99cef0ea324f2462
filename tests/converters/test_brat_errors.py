"""Bad BRAT input: one test per kind, each error naming the file (and line where there is one),
and the quirks real corpora contain that must be tolerated."""

from __future__ import annotations

from pathlib import Path

import pytest

from converters import brat
from converters.errors import ConversionError

TEXT = "Barack Obama visited Paris.\n"


def _pair(directory: Path, name: str, text: str | bytes, ann: str | bytes | None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    txt = directory / f"{name}.txt"
    txt.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    if ann is not None:
        (directory / f"{name}.ann").write_bytes(
            ann.encode("utf-8") if isinstance(ann, str) else ann
        )
    return txt


def _error(tmp_path: Path, ann: str, text: str = TEXT) -> ConversionError:
    _pair(tmp_path, "doc", text, ann)
    with pytest.raises(ConversionError) as info:
        brat.read_corpus(tmp_path)
    return info.value


GOOD = "T1\tPerson 0 12\tBarack Obama\nT2\tGPE 21 26\tParis\n"


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("T3 Person 0 6 Barack", "expected ID<TAB>ANNOTATION"),
        ("T3 Person 0 6\tBarack", "space instead of a tab"),
        ("T3\tPerson 0 x\tBarack", "malformed text-bound line"),
        ("T3\tPerson 6 0\tBarack", "empty or reversed span"),
        ("R1\tLocated Arg1:T1", "malformed relation line"),
        ("E1\tTravel T1", "malformed event line"),
        ("A1\tNegation", "malformed attribute line"),
        ("M1\tNegation T1 yes", "malformed attribute line"),
        ("N1\tReference T1 Wikipedia534366\tBarack Obama", "malformed normalization line"),
        ("#1\tAnnotatorNotes\tfree text", "malformed note line"),
        ("*\tEquiv", "malformed equivalence line"),
        ("X1\tSomething T1", "unknown annotation kind"),
        ("T 1\tPerson 0 6\tBarack", "malformed id"),
        ("R1\tLocated Arg1:T1 Arg2:T2\tjunk", "unexpected text after the annotation"),
        ("T1\tPerson 0 6\tBarack", "duplicate id T1 (first on line 1)"),
        ("T3\tPerson 0 6", "no text column"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str, needle: str) -> None:
    err = _error(tmp_path, GOOD + line + "\n")
    assert err.path == str(tmp_path / "doc.ann")
    assert err.line == 3
    assert needle in str(err)
    assert str(err).startswith(f"{tmp_path / 'doc.ann'}:3: ")


def test_unknown_argument_id(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD + "R1\tLocated Arg1:T1 Arg2:T9\n")
    assert (err.line, err.path) == (3, str(tmp_path / "doc.ann"))
    assert "Arg2 refers to unknown id T9" in str(err)


@pytest.mark.parametrize(
    "line",
    [
        "E1\tTravel:T7 Theme:T1",
        "E1\tTravel:T2 Theme:E5",
        "A1\tNegation T8",
        "#1\tAnnotatorNotes R4\tnote",
        "N1\tReference T5 Wikipedia:1\tx",
        "*\tEquiv T1 T6",
    ],
)
def test_unknown_ids_in_every_kind(tmp_path: Path, line: str) -> None:
    err = _error(tmp_path, GOOD + line + "\n")
    assert err.line == 3 and "unknown id" in str(err)


def test_event_trigger_must_be_text_bound(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD + "E1\tTravel:T1\nE2\tTravel:E1\n")
    assert err.line == 4 and "not a text-bound" in str(err)


def test_offsets_past_the_text(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD + "T3\tGPE 21 40\tParis.\n")
    assert err.line == 3
    assert "offset 40 is past the end of the text (length 28)" in str(err)


def test_text_mismatch_names_file_and_line(tmp_path: Path) -> None:
    err = _error(tmp_path, "T1\tPerson 0 12\tBarack Obama\nT2\tGPE 20 25\tParis\n")
    assert str(err).startswith(f"{tmp_path / 'doc.ann'}:2: T2: text 'Paris' does not match")
    assert "' Pari'" in str(err)


def test_discontinuous_text_uses_one_space(tmp_path: Path) -> None:
    _pair(tmp_path, "ok", TEXT, "T1\tPerson 0 6;21 26\tBarack Paris\n")
    [doc] = brat.read_corpus(tmp_path)
    assert doc.entities[0].fragments == [(0, 6), (21, 26)]
    err = _error(tmp_path / "bad", "T1\tPerson 0 6;21 26\tBarackParis\n")
    assert err.line == 1 and "does not match" in str(err)


def test_invalid_utf8_in_txt_names_the_file(tmp_path: Path) -> None:
    _pair(tmp_path, "doc", b"caf\xe9 au lait\n", "")
    with pytest.raises(ConversionError) as info:
        brat.read_corpus(tmp_path)
    assert info.value.path == str(tmp_path / "doc.txt")
    assert info.value.offset == 3 and "not valid UTF-8" in str(info.value)


def test_invalid_utf8_in_ann_names_the_file(tmp_path: Path) -> None:
    _pair(tmp_path, "doc", TEXT, b"T1\tPerson 0 6\tBarack\n#1\tAnnotatorNotes T1\t\xff\n")
    with pytest.raises(ConversionError) as info:
        brat.read_corpus(tmp_path)
    assert info.value.path == str(tmp_path / "doc.ann")
    assert "not valid UTF-8" in str(info.value)


def test_ann_without_txt_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "orphan.ann").write_text("T1\tPerson 0 6\tBarack\n", encoding="utf-8")
    _pair(tmp_path, "fine", TEXT, GOOD)
    with pytest.raises(ConversionError) as info:
        brat.read_corpus(tmp_path)
    assert info.value.path == str(tmp_path / "orphan.ann")
    assert "no partner text file orphan.txt" in str(info.value)
    with pytest.raises(ConversionError, match="text file not found"):
        brat.read_document(tmp_path / "orphan.txt", tmp_path / "orphan.ann")


def test_txt_without_ann_and_empty_ann_are_unannotated_documents(tmp_path: Path) -> None:
    _pair(tmp_path, "a", TEXT, None)
    _pair(tmp_path, "b", TEXT, "")
    _pair(tmp_path, "c", TEXT, "\n\n  \n")
    docs = brat.read_corpus(tmp_path)
    assert [d.id for d in docs] == ["a", "b", "c"]
    assert all(d.text == TEXT and not d.annotation_ids() for d in docs)
    assert brat.validate(tmp_path) == []


def test_trailing_tabs_and_spaces_are_tolerated(tmp_path: Path) -> None:
    ann = (
        "T1\tPerson 0 12\tBarack Obama \t\n"
        "T2\tGPE 21 26 \tParis\n"
        "R1\tLocated Arg1:T1 Arg2:T2\t\n"
        "E1\tTravel:T2 \n"
        "A1\tNegation E1  \n"
        "#1\tAnnotatorNotes T1\tC0030605  \n"
        "*\tEquiv T1 T2 \t\n"
    )
    _pair(tmp_path, "doc", TEXT, ann)
    [doc] = brat.read_corpus(tmp_path)
    assert doc.entities[0].fragments == [(0, 12)]
    assert doc.notes[0].text == "C0030605"
    assert doc.events[0].arguments == [] and doc.attributes[0].value is None
    assert doc.groups[0].members == ["T1", "T2"]


def test_text_that_ends_in_spaces_is_kept_exact(tmp_path: Path) -> None:
    """A span may end in whitespace; the text column is cut at the span's length, as in brat."""
    _pair(tmp_path, "doc", "ab  cd\n", "T1\tX 0 4\tab  \n")
    [doc] = brat.read_corpus(tmp_path)
    assert doc.entities[0].fragments == [(0, 4)]
    assert brat.format_ann(doc) == "T1\tX 0 4\tab  \n"


def test_crlf_ann_is_tolerated(tmp_path: Path) -> None:
    _pair(tmp_path, "doc", TEXT, GOOD.replace("\n", "\r\n") + "#1\tAnnotatorNotes T1\tnote\r\n")
    [doc] = brat.read_corpus(tmp_path)
    assert [e.id for e in doc.entities] == ["T1", "T2"] and doc.notes[0].text == "note"


def test_crlf_txt_offsets_count_the_carriage_return(tmp_path: Path) -> None:
    text = "Barack Obama\r\nvisited Paris.\r\n"
    _pair(tmp_path, "doc", text, "T1\tPerson 0 12\tBarack Obama\nT2\tGPE 22 27\tParis\n")
    [doc] = brat.read_corpus(tmp_path)
    assert doc.text == text and doc.metadata == {}
    brat.write_corpus([doc], tmp_path / "out")
    assert (tmp_path / "out" / "doc.txt").read_bytes() == text.encode()


def test_crlf_txt_annotated_by_brat_1_3_is_read_with_lf_offsets(tmp_path: Path) -> None:
    """brat 1.3 (Python 2, universal newlines) counted CRLF as one character."""
    text = "Barack Obama\r\nvisited Paris.\r\n"
    _pair(tmp_path, "doc", text, "T1\tPerson 0 12\tBarack Obama\nT2\tGPE 21 26\tParis\n")
    [doc] = brat.read_corpus(tmp_path)
    assert doc.text == "Barack Obama\nvisited Paris.\n"
    assert doc.metadata == {"brat": {"txt_newline": "\r\n"}}
    assert brat.write_corpus([doc], tmp_path / "out") == []
    assert (tmp_path / "out" / "doc.txt").read_bytes() == text.encode()
    assert (tmp_path / "out" / "doc.ann").read_text() == (tmp_path / "doc.ann").read_text()


def test_validate_lists_every_problem_with_file_and_line(tmp_path: Path) -> None:
    _pair(tmp_path, "a", TEXT, GOOD + "R1\tLocated Arg1:T1 Arg2:T9\nT3\tGPE 20 25\tParis\n")
    _pair(tmp_path / "sub", "b", TEXT, "bogus line\nT1\tPerson 0 99\tBarack\n")
    _pair(tmp_path, "c", b"\xff\n", "")
    (tmp_path / "d.ann").write_text("", encoding="utf-8")
    (tmp_path / "annotation.conf").write_text("[entities]\n  Orphan\n", encoding="utf-8")
    problems = brat.validate(tmp_path)
    where = [(Path(p.path).name, p.line) for p in problems]
    assert where == [
        ("a.ann", 4),  # a line's own problem first, then the reference on line 3
        ("a.ann", 3),
        ("c.txt", None),
        ("d.ann", None),
        ("b.ann", 1),
        ("b.ann", 2),
        ("annotation.conf", 2),
    ]
    assert all(str(p).startswith(p.path) for p in problems)
    with pytest.raises(ConversionError) as info:
        brat.read_corpus(tmp_path)
    assert len(info.value.problems) == 6  # read_corpus does not look at annotation.conf


def test_parse_ann_raises_with_all_problems() -> None:
    with pytest.raises(ConversionError) as info:
        brat.parse_ann(TEXT, "T1\tPerson 0 5\tBarack\nR1\tX Arg1:T1 Arg2:T2\n", "d", "d.ann")
    assert [(p.path, p.line) for p in info.value.problems] == [("d.ann", 1), ("d.ann", 2)]


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        brat.read_corpus(tmp_path / "nowhere")
