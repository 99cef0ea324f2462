"""Hostile XML through the public doors: every attack is refused fast, naming the APF file.

The readers never expand entities, load DTDs or touch the network (``converters.ace_apf``);
these tests check that end to end: ``converters.read``/``validate``, ``db.cli.import_path`` (the
database stays as it was, on SQLite and PostgreSQL: ``backend_url``) and ``python -m converters``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import converters
from converters.errors import ConversionError
from db import Store
from db.cli import import_path

REPO = Path(__file__).resolve().parents[2]
CONVERT = [sys.executable, "-m", "converters", "convert"]
STEM = "SYNTH_ENG_20240101.0001"
DOCTYPE = '<!DOCTYPE source_file SYSTEM "apf.v5.1.1.dtd">'
MENTION = ">Jane Doe</charseq>"  # first mention text in the shared sample

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def sample(shared_data: Path) -> tuple[str, str]:
    base = shared_data / "ace-samples" / "synthetic"
    return (
        (base / f"{STEM}.apf.xml").read_text(encoding="utf-8"),
        (base / f"{STEM}.sgm").read_text(encoding="utf-8"),
    )


def _pair(directory: Path, apf: str, sgm: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{STEM}.sgm").write_text(sgm, encoding="utf-8")
    (directory / f"{STEM}.apf.xml").write_text(apf, encoding="utf-8")
    return directory


def _laughs(depth: int = 9) -> str:
    decls = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, depth + 1)
    )
    return f"<!DOCTYPE source_file [{decls}]>"


HOSTILE = {
    # (DOCTYPE replacement, text put where the first mention's text was, expected words)
    "xxe-file": (
        '<!DOCTYPE source_file [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        "&xxe;",
        "entity declarations",
    ),
    "xxe-http": (
        '<!DOCTYPE source_file [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>',
        "&xxe;",
        "entity declarations",
    ),
    "parameter-entity": (
        '<!DOCTYPE source_file [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>',
        "Jane Doe",
        "entity declarations",
    ),
    "billion-laughs": (_laughs(), "&lol9;", "entity declarations"),
    "quadratic-blowup": (
        f'<!DOCTYPE source_file [<!ENTITY a "{"x" * 50_000}">]>',
        "&a;" * 2_000,
        "entity declarations",
    ),
    "external-dtd-entities": (
        '<!DOCTYPE source_file SYSTEM "http://127.0.0.1:9/evil.dtd">',
        "&evil;",
        "cannot be resolved",
    ),
    "internal-subset": ("<!DOCTYPE source_file [<!ELEMENT x ANY>]>", "Jane Doe", "internal subset"),
}


def _hostile(sample: tuple[str, str], case: str) -> str:
    doctype, text, _ = HOSTILE[case]
    apf = sample[0].replace(DOCTYPE, doctype)
    return apf.replace(MENTION, f">{text}</charseq>", 1)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_entity_attacks_are_refused_by_read_and_validate(
    tmp_path: Path, sample: tuple[str, str], case: str
) -> None:
    corpus = _pair(tmp_path / "c", _hostile(sample, case), sample[1])
    apf = corpus / f"{STEM}.apf.xml"
    with pytest.raises(ConversionError, match=HOSTILE[case][2]) as info:
        converters.read("ace", corpus)
    assert info.value.path == str(apf) and info.value.line is not None
    problems = converters.validate("ace", corpus)
    assert problems and problems[0].path == str(apf)
    assert "root:" not in str(info.value)  # nothing of /etc/passwd came through


@pytest.mark.parametrize("case", ["xxe-file", "billion-laughs", "quadratic-blowup"])
def test_entity_attacks_leave_the_store_unchanged(
    tmp_path: Path, backend_url: str, sample: tuple[str, str], dump_db, case: str
) -> None:
    url = backend_url
    corpus = _pair(tmp_path / "c", _hostile(sample, case), sample[1])
    with Store.open(url) as store:
        store.create_project("existing")
        before = dump_db(url)
        for project in ("existing", "fresh"):
            with pytest.raises(ConversionError, match=f"{STEM}.apf.xml"):
                import_path(store, project, "ace", corpus)
    assert dump_db(url) == before


def test_processing_instructions_and_xinclude_include_nothing(
    tmp_path: Path, sample: tuple[str, str]
) -> None:
    """PIs and XInclude elements are inert: the result equals the clean sample's."""
    apf, sgm = sample
    clean = converters.read("ace", _pair(tmp_path / "clean", apf, sgm))
    tricks = apf.replace(
        DOCTYPE,
        DOCTYPE + '\n<?xml-stylesheet type="text/xsl" href="file:///etc/passwd"?>'
        '\n<?include file="/etc/passwd"?>',
    ).replace(
        "</document>",
        "<?include /etc/passwd?></document>",
    )
    assert tricks.count("<?include") == 2 and "<?xml-stylesheet" in tricks  # both put in
    assert converters.read("ace", _pair(tmp_path / "pi", tricks, sgm)) == clean
    xinclude = apf.replace(
        "<document ",
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" '
        'parse="text"/>\n<document ',
    )
    assert xinclude != apf
    assert converters.read("ace", _pair(tmp_path / "xi", xinclude, sgm)) == clean
    inside = apf.replace(
        "</document>",
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/></document>',
    )
    assert inside != apf
    with pytest.raises(ConversionError, match="unexpected element"):
        converters.read("ace", _pair(tmp_path / "xi2", inside, sgm))


def test_very_deep_nesting_is_refused(tmp_path: Path, sample: tuple[str, str]) -> None:
    apf, sgm = sample
    deep = apf.replace("</document>", "<x>" * 100_000 + "</x>" * 100_000 + "</document>")
    corpus = _pair(tmp_path / "c", deep, sgm)
    with pytest.raises(ConversionError, match="depth") as info:
        converters.read("ace", corpus)
    assert info.value.path.endswith(".apf.xml")
    assert converters.validate("ace", corpus)


def test_hostile_dtd_next_to_the_data_is_not_loaded(
    tmp_path: Path, sample: tuple[str, str]
) -> None:
    """validate() uses an apf.v5.1.1.dtd found beside the data: one that declares entities is
    refused, a broken one is a problem (it used to raise lxml's DTDParseError)."""
    apf, sgm = sample
    corpus = _pair(tmp_path / "c", apf, sgm)
    (corpus / "apf.v5.1.1.dtd").write_text(
        '<!ENTITY % x SYSTEM "file:///etc/passwd"> %x;', encoding="utf-8"
    )
    assert any("declares entities" in p.message for p in converters.validate("ace", corpus))
    (corpus / "apf.v5.1.1.dtd").write_text("<!ELEMENT broken", encoding="utf-8")
    problems = converters.validate("ace", corpus)
    assert any("cannot be parsed" in p.message for p in problems)
    assert converters.read("ace", corpus)  # reading never loads a DTD


def test_unclosed_tags_in_sgm_are_linear(tmp_path: Path, sample: tuple[str, str]) -> None:
    """Regression: '<' * n without '>' made tag stripping quadratic (20k: 0.4 s, 1 MB: minutes)."""
    apf, _ = sample
    corpus = _pair(tmp_path / "c", apf, "<" * 2_000_000)
    with pytest.raises(ConversionError, match=r"does not match the \.sgm text"):
        converters.read("ace", corpus)


def test_cli_refuses_xxe_and_writes_nothing(tmp_path: Path, sample: tuple[str, str]) -> None:
    corpus = _pair(tmp_path / "c", _hostile(sample, "xxe-file"), sample[1])
    out = tmp_path / "out"
    proc = subprocess.run(
        [*CONVERT, "--from", "ace", "--to", "brat", str(corpus), str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert f"{STEM}.apf.xml" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_clean_sample_still_imports(
    tmp_path: Path, backend_url: str, sample: tuple[str, str]
) -> None:
    corpus = _pair(tmp_path / "c", *sample)
    with Store.open(backend_url) as store:
        assert import_path(store, "p", "ace", corpus).documents == 1
