"""Bad ACE input: every case is a ConversionError naming the file (and line or offset)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from converters import ace
from converters.errors import ConversionError

SGM = "<DOC>\n<TEXT>\nAlice met Bob.\n</TEXT>\n</DOC>\n"
# tag-stripped: "\n\nAlice met Bob.\n\n\n" -> Alice = 2..6, Bob = 12..14
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
DOCTYPE = '<!DOCTYPE source_file SYSTEM "apf.v5.1.1.dtd">\n'


def body(mention_text: str = "Alice", start: int = 2, end: int = 6, extra: str = "") -> str:
    return (
        '<source_file URI="d.sgm" TYPE="text">\n'
        '<document DOCID="d">\n'
        '<entity ID="E1" TYPE="PER" SUBTYPE="Individual" CLASS="SPC">\n'
        '<entity_mention ID="E1-1" TYPE="NAM">\n'
        f'<extent><charseq START="{start}" END="{end}">{mention_text}</charseq></extent>\n'
        f'<head><charseq START="{start}" END="{end}">{mention_text}</charseq></head>\n'
        "</entity_mention>\n</entity>\n"
        '<entity ID="E2" TYPE="PER" SUBTYPE="Individual" CLASS="SPC">\n'
        '<entity_mention ID="E2-1" TYPE="NAM">\n'
        '<extent><charseq START="12" END="14">Bob</charseq></extent>\n'
        '<head><charseq START="12" END="14">Bob</charseq></head>\n'
        "</entity_mention>\n</entity>\n"
        f"{extra}"
        "</document>\n</source_file>\n"
    )


def write_pair(directory: Path, apf: str | bytes, sgm: str | bytes = SGM) -> Path:
    apf_path = directory / "d.apf.xml"
    for path, content in ((directory / "d.sgm", sgm), (apf_path, apf)):
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return apf_path


def read_error(directory: Path) -> ConversionError:
    with pytest.raises(ConversionError) as info:
        ace.read_corpus(directory)
    # validate() reports the same problem instead of raising
    problems = ace.validate(directory)
    assert problems and problems[0].path == info.value.path
    return info.value


def test_good_pair_reads(tmp_path: Path) -> None:
    write_pair(tmp_path, HEADER + DOCTYPE + body())
    (doc,) = ace.read_corpus(tmp_path)
    assert [doc.span_text(e) for e in doc.entities] == ["Alice", "Bob"]


def test_xxe_is_refused(tmp_path: Path) -> None:
    apf = write_pair(
        tmp_path,
        HEADER
        + '<!DOCTYPE source_file [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + body("&xxe;"),
    )
    err = read_error(tmp_path)
    assert err.path == str(apf) and err.line == 2
    assert "entity declarations" in str(err)


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    decls = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    apf = write_pair(tmp_path, HEADER + f"<!DOCTYPE source_file [{decls}]>\n" + body("&lol9;"))
    started = time.perf_counter()
    err = read_error(tmp_path)
    assert time.perf_counter() - started < 2
    assert err.path == str(apf) and "entity" in str(err).lower()


def test_quadratic_blowup_is_refused(tmp_path: Path) -> None:
    big = "x" * 50_000
    apf = write_pair(
        tmp_path,
        HEADER + f'<!DOCTYPE source_file [<!ENTITY a "{big}">]>\n' + body("&a;" * 1000),
    )
    err = read_error(tmp_path)
    assert err.path == str(apf) and err.line == 2


def test_internal_subset_without_entities_is_refused(tmp_path: Path) -> None:
    write_pair(tmp_path, HEADER + "<!DOCTYPE source_file [<!ELEMENT x ANY>]>\n" + body())
    assert "internal subset" in str(read_error(tmp_path))


def test_undeclared_entity_reference_is_refused(tmp_path: Path) -> None:
    apf = write_pair(tmp_path, HEADER + DOCTYPE + body("&xxe;"))
    err = read_error(tmp_path)
    assert err.path == str(apf) and err.line == 7 and "&xxe;" in str(err)


def test_malformed_xml_names_file_and_line(tmp_path: Path) -> None:
    text = (
        HEADER
        + DOCTYPE
        + body().replace(
            '</entity_mention>\n</entity>\n<entity ID="E2"', '</entity>\n<entity ID="E2"', 1
        )
    )
    apf = write_pair(tmp_path, text)
    err = read_error(tmp_path)
    assert err.path == str(apf)
    assert err.line is not None and err.line >= 9
    assert "malformed XML" in str(err)


def test_charseq_text_mismatch_names_file_and_offset(tmp_path: Path) -> None:
    apf = write_pair(tmp_path, HEADER + DOCTYPE + body("Alize"))
    err = read_error(tmp_path)
    assert (err.path, err.offset, err.line) == (str(apf), 2, 7)
    assert "'Alize'" in str(err) and "'Alice'" in str(err)


def test_offsets_past_the_text(tmp_path: Path) -> None:
    apf = write_pair(tmp_path, HEADER + DOCTYPE + body("Alice", 200, 204))
    err = read_error(tmp_path)
    assert (err.path, err.offset) == (str(apf), 200)
    assert "outside" in str(err)


@pytest.mark.parametrize("missing", ["d.sgm", "d.apf.xml"])
def test_missing_partner(tmp_path: Path, missing: str) -> None:
    write_pair(tmp_path, HEADER + DOCTYPE + body())
    (tmp_path / missing).unlink()
    err = read_error(tmp_path)
    present = "d.apf.xml" if missing == "d.sgm" else "d.sgm"
    assert err.path == str(tmp_path / present)
    assert missing in str(err)


@pytest.mark.parametrize("which", ["sgm", "apf"])
def test_invalid_utf8(tmp_path: Path, which: str) -> None:
    apf = HEADER + DOCTYPE + body()
    if which == "sgm":
        write_pair(tmp_path, apf, SGM.encode().replace(b"Bob", b"B\xffb"))
    else:
        write_pair(tmp_path, apf.encode().replace(b'URI="d.sgm"', b'URI="d\xff.sgm"'))
    err = read_error(tmp_path)
    assert err.path == str(tmp_path / f"d.{'sgm' if which == 'sgm' else 'apf.xml'}")
    assert "UTF-8" in str(err) and err.offset is not None


def test_mention_argument_with_unknown_id(tmp_path: Path) -> None:
    relation = (
        '<relation ID="R1" TYPE="PER-SOC">\n'
        '<relation_argument REFID="E1" ROLE="Arg-1"/>\n'
        '<relation_argument REFID="E2" ROLE="Arg-2"/>\n'
        '<relation_mention ID="R1-1"><extent><charseq START="2" END="14">Alice met Bob'
        "</charseq></extent>\n"
        '<relation_mention_argument REFID="E1-1" ROLE="Arg-1"/>\n'
        '<relation_mention_argument REFID="E9-1" ROLE="Arg-2"/>\n'
        "</relation_mention></relation>\n"
    )
    apf = write_pair(tmp_path, HEADER + DOCTYPE + body(extra=relation))
    err = read_error(tmp_path)
    assert err.path == str(apf) and err.line == 22 and "E9-1" in str(err)


def test_relation_argument_with_unknown_entity(tmp_path: Path) -> None:
    relation = (
        '<relation ID="R1" TYPE="PER-SOC">\n'
        '<relation_argument REFID="E1" ROLE="Arg-1"/>\n'
        '<relation_argument REFID="NOPE" ROLE="Arg-2"/>\n'
        "</relation>\n"
    )
    apf = write_pair(tmp_path, HEADER + DOCTYPE + body(extra=relation))
    err = read_error(tmp_path)
    assert err.path == str(apf) and err.line == 19 and "NOPE" in str(err)


def test_duplicate_id(tmp_path: Path) -> None:
    apf = write_pair(tmp_path, HEADER + DOCTYPE + body().replace('"E2-1"', '"E1-1"'))
    err = read_error(tmp_path)
    assert err.path == str(apf) and err.line == 12 and "duplicate" in str(err)


def test_failed_write_leaves_nothing(tmp_path: Path, shared_data: Path) -> None:
    (good,) = ace.read_corpus(shared_data / "ace-samples" / "synthetic")
    bad = ace.read_corpus(shared_data / "ace-samples" / "synthetic")[0]
    bad.id = "../escape"
    out = tmp_path / "out"
    with pytest.raises(ConversionError):
        ace.write_corpus([good, bad], out)
    assert not out.exists() or not any(out.iterdir())


def _with_instruction(payload: str, where: str = "entity_mention") -> str:
    """``body()`` with a ``<?spanrel?>`` instruction in the first ``<where>``, plus a relation."""
    relation = (
        '<relation ID="R1" TYPE="PER-SOC" SUBTYPE="Business">\n'
        '<relation_mention ID="R1-1">\n'
        f"{'<?spanrel ' + payload + '?>' if where == 'relation_mention' else ''}\n"
        '<extent><charseq START="2" END="14">Alice met Bob</charseq></extent>\n'
        '<relation_mention_argument REFID="E1-1" ROLE="Arg-1">'
        '<extent><charseq START="2" END="6">Alice</charseq></extent>'
        "</relation_mention_argument>\n"
        '<relation_mention_argument REFID="E2-1" ROLE="Arg-2">'
        '<extent><charseq START="12" END="14">Bob</charseq></extent>'
        "</relation_mention_argument>\n"
        "</relation_mention>\n</relation>\n"
    )
    text = body(extra=relation)
    if where == "entity_mention":
        text = text.replace(
            '<entity_mention ID="E1-1" TYPE="NAM">\n',
            f'<entity_mention ID="E1-1" TYPE="NAM">\n<?spanrel {payload}?>\n',
            1,
        )
    return HEADER + DOCTYPE + text


def _line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def test_spanrel_instruction_refusals_name_the_line(tmp_path: Path) -> None:
    """What the reader's own checks refuse in spanrel's instruction (no later guard exists):
    a head outside the text, an extra relation argument naming no annotation."""
    write_pair(tmp_path, _with_instruction('{"head": [2, 6]}'))
    (doc,) = ace.read_corpus(tmp_path)
    assert doc.entities[0].head == (2, 6) and doc.problems() == []

    write_pair(tmp_path, _with_instruction('{"head": [2, 999]}'))
    err = read_error(tmp_path)
    assert "head is not null or a [start, end] span inside the text" in str(err)
    assert err.line == _line_of(_with_instruction("{}"), '<entity_mention ID="E1-1"')

    write_pair(
        tmp_path, _with_instruction('{"extra_args": [["Witness", "E2-1"]]}', "relation_mention")
    )
    (doc,) = ace.read_corpus(tmp_path)
    assert doc.relations[0].extra_args == [("Witness", "E2-1")] and doc.problems() == []

    write_pair(
        tmp_path, _with_instruction('{"extra_args": [["Witness", "E9"]]}', "relation_mention")
    )
    err = read_error(tmp_path)
    assert "<?spanrel?> extra argument 'E9' is not the ID of any annotation" in str(err)
    assert err.line == _line_of(
        _with_instruction("{}", "relation_mention"), '<relation_mention ID="R1-1"'
    )
