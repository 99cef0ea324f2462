"""Hostile text through BRAT files -> ``db.cli.import_path`` -> ``export_path`` -> BRAT reader.

Offsets are Python ``str`` indices (code points), as brat counts them: every entity's text must
equal ``text[start:end]`` before and after the round trip, and the exported files must be the
imported bytes. Markup is data: it is stored and written back byte for byte, never escaped.
Whatever reaches the store is checked on SQLite and on PostgreSQL (``backend_url``): their text
types differ (PostgreSQL's refuses NUL, which SQLite keeps), the promises must not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import converters
from converters.errors import ConversionError
from db import Store
from db.cli import export_path, import_path

pytestmark = pytest.mark.timeout(60)

# name -> (text, substrings to annotate)
TEXTS = {
    "crlf": ("Aspirin\r\ncauses\r\nrash.\r\n", ["Aspirin", "rash"]),
    "lone-cr": ("Aspirin\rcauses\rrash.", ["causes", "rash"]),
    "combining": ("Cafe\u0301 au lait; n\u0303o e\u0308", ["Cafe\u0301", "n\u0303o e\u0308"]),
    "emoji-zwj-flags": (
        "Family \U0001f468\u200d\U0001f469\u200d\U0001f467 in \U0001f1eb\U0001f1f7"
        " likes \U0001f48a!",
        ["\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f1eb\U0001f1f7", "\U0001f48a"],
    ),
    "rtl-bidi": (
        "\u202eevil\u202c \u05e9\u05dc\u05d5\u05dd \u2067\u0645\u0631\u062d\u0628\u0627\u2069 end",
        ["\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627", "\u202eevil\u202c"],
    ),
    "bom": ("\ufeffAspirin at the start.", ["Aspirin", "\ufeffAspirin"]),
    "html": (
        'Take <img src=x onerror=alert(1)> and <script>alert("x")</script> &amp; &lt;b&gt;',
        ["<img src=x onerror=alert(1)>", '<script>alert("x")</script>', "&amp; &lt;b&gt;"],
    ),
}
HTML = "<img src=x onerror=alert(1)>"


def _ann(text: str, parts: list[str], doc_type: str = "Thing") -> str:
    lines, pos = [], 0
    for i, part in enumerate(parts, start=1):
        start = text.index(part)
        lines.append(f"T{i}\t{doc_type} {start} {start + len(part)}\t{part}")
        pos = start
    del pos
    lines.append(f"#1\tAnnotatorNotes T1\tnote {HTML} \u202e<b>x</b>")
    return "".join(line + "\n" for line in lines)


def _round_trip(tmp_path: Path, url: str, name: str, text: str, ann: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / f"{name}.txt").write_bytes(text.encode("utf-8"))
    (src / f"{name}.ann").write_bytes(ann.encode("utf-8"))
    with Store.open(url) as store:
        import_path(store, "p", "brat", src)
    with Store.open(url) as store:  # a fresh connection reads what was committed
        export_path(store, "p", "brat", tmp_path / "out")
    return src


@pytest.mark.parametrize("case", sorted(TEXTS))
def test_offsets_stay_exact_through_store_and_back(
    tmp_path: Path, backend_url: str, case: str
) -> None:
    text, parts = TEXTS[case]
    ann = _ann(text, parts)
    src = _round_trip(tmp_path, backend_url, case, text, ann)
    (doc,) = converters.read("brat", src)
    assert doc.text == text  # BOM, CR and bidi controls are characters like any other
    for ent, part in zip(doc.entities, parts, strict=True):
        (s, e) = ent.fragments[0]
        assert doc.text[s:e] == part
    out = tmp_path / "out"
    assert (out / f"{case}.txt").read_bytes() == text.encode("utf-8")
    assert (out / f"{case}.ann").read_bytes() == ann.encode("utf-8")
    assert converters.read("brat", out) == [doc]


def test_bom_is_one_character_as_in_brat(tmp_path: Path) -> None:
    """brat reads .txt as UTF-8 without stripping a BOM, so U+FEFF is offset 0."""
    src = tmp_path / "c"
    src.mkdir()
    (src / "d.txt").write_bytes(b"\xef\xbb\xbfAspirin")
    (src / "d.ann").write_bytes(b"T1\tDrug 1 8\tAspirin\n")
    (doc,) = converters.read("brat", src)
    assert doc.text[0] == "\ufeff" and doc.span_text(doc.entities[0]) == "Aspirin"
    (src / "d.ann").write_bytes(b"T1\tDrug 0 7\tAspirin\n")  # offsets of a BOM-stripping tool
    with pytest.raises(ConversionError, match=r"d\.ann:1"):
        converters.read("brat", src)


def test_markup_in_types_notes_and_file_names_is_kept_literally(
    tmp_path: Path, backend_url: str
) -> None:
    name = "&lt;" + HTML  # no '/' (that would make a folder)
    text = f"Report {HTML} here."
    start = text.index(HTML)
    ann = (
        f"T1\t<script>alert(1)</script> {start} {start + len(HTML)}\t{HTML}\n"
        f"#1\tAnnotatorNotes T1\t{HTML}\"'&amp;\n"
    )
    _round_trip(tmp_path, backend_url, name, text, ann)
    out = tmp_path / "out"
    assert (out / f"{name}.txt").read_bytes() == text.encode("utf-8")
    assert (out / f"{name}.ann").read_bytes() == ann.encode("utf-8")
    (doc,) = converters.read("brat", out)
    assert doc.id == name and doc.entities[0].type == "<script>alert(1)</script>"
    assert doc.notes[0].text == f"{HTML}\"'&amp;"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"caf\xe9", "not valid UTF-8"),
        (b"\xed\xa0\x80 surrogate", "not valid UTF-8"),  # an encoded lone surrogate
        (b"ok \xf4\x90\x80\x80", "not valid UTF-8"),  # past U+10FFFF
        (b"bad\x00text", "NUL"),
    ],
    ids=["latin1", "surrogate", "too-big", "nul"],
)
def test_unstorable_text_is_refused_naming_the_file(
    tmp_path: Path, backend_url: str, dump_db, data: bytes, words: str
) -> None:
    src = tmp_path / "c"
    src.mkdir()
    (src / "good.txt").write_text("fine", encoding="utf-8")
    (src / "bad.txt").write_bytes(data)
    url = backend_url
    with Store.open(url) as store:
        before = dump_db(url)
        with pytest.raises(ConversionError, match=words) as info:
            import_path(store, "p", "brat", src)
    assert "bad" in str(info.value)
    assert dump_db(url) == before


def test_spert_lone_surrogate_is_refused(tmp_path: Path, backend_url: str, dump_db) -> None:
    """JSON escapes can spell a lone surrogate; it used to reach the store and fail there with
    a UnicodeEncodeError (and in every writer)."""
    path = tmp_path / "d.json"
    path.write_text('[{"tokens": ["a"], "entities": [{"type": "X\\ud800", "start": 0, "end": 1}]}]')
    url = backend_url
    with Store.open(url) as store:
        before = dump_db(url)
        with pytest.raises(ConversionError, match=r"d\.json.*lone surrogate"):
            import_path(store, "p", "spert", path)
    assert dump_db(url) == before
    ok = tmp_path / "ok.json"
    ok.write_text(
        '[{"tokens": ["\\ud83d\\udc8a"], "entities": [{"type": "X", "start": 0, "end": 1}]}]'
    )
    (doc,) = converters.read("spert", ok)
    assert doc.text == "\U0001f48a" and doc.entities[0].fragments == [(0, 1)]
