"""Fuzzing the BRAT reader and the annotation.conf parser with hypothesis (a fixed,
derandomized budget; the contract is in reader_fuzzing.py). BRAT files come from annotators and
other tools, so ``.ann`` text written from generated documents (overlapping, nested and
discontinuous entities, relations, attributes, notes), broken on purpose or arbitrary must be
read back exactly or refused with its line; a known pathological id stays refused quickly; and
annotation.conf edited at random never raises anything but ``ConversionError``.
"""

from __future__ import annotations

import contextlib
from collections import Counter

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from converters import brat
from converters.document import Attribute, Document, Entity, Note, Relation
from converters.errors import ConversionError
from tests.security.reader_fuzzing import (
    CONTENT,
    ENTITY_TYPES,
    FUZZ,
    INPUT_KINDS,
    MIN_REFUSED,
    MIN_ROUND_TRIPS_WITH_RELATIONS,
    RELATION_TYPES,
    counts,
    mutate,
)
from tests.security.reader_fuzzing import check_documents as _check

pytestmark = pytest.mark.timeout(120)
REGRESSIONS = [
    ("T" + "1" * 20_000 + ":\tX 0 1\ta\n", "quadratic id regex"),
]

TEXT = "Aspirin causes rash in 2 patients.\n"
ANN_LINES = [
    "T1\tDrug 0 7\tAspirin",
    "T2\tEffect 15 19\trash",
    "T3\tEffect 0 7;15 19\tAspirin rash",
    "R1\tCauses Arg1:T1 Arg2:T2",
    "E1\tCause:T1 Theme:T2",
    "A1\tNegated T2",
    "M2\tSpeculation T2",
    "A3\tLevel T1 High",
    "N1\tReference T1 Wikipedia:123\tAspirin",
    "#1\tAnnotatorNotes T1\tsome note",
    "*\tEquiv T1 T2",
]
ALPHABET = st.sampled_from(list("\t \n\r:;0123456789TREAMN#*-_x\u00e9\U0001f48a\x00\ufeff"))
WORD = st.text(
    st.sampled_from([*"abcdeXYZ", "é", "ü", "中", "😀", "\u0301", "-", "'", ".", ","]),
    min_size=1,
    max_size=7,
)


@st.composite
def mutated_lines(draw) -> str:
    lines = draw(st.lists(st.sampled_from(ANN_LINES), max_size=8))
    out = []
    for line in lines:
        chars = list(line)
        for _ in range(draw(st.integers(0, 3))):
            op = draw(st.sampled_from(["insert", "delete", "replace"]))
            at = draw(st.integers(0, len(chars)))
            if op == "insert":
                chars.insert(at, draw(ALPHABET))
            elif chars and at < len(chars):
                if op == "delete":
                    del chars[at]
                else:
                    chars[at] = draw(ALPHABET)
        out.append("".join(chars))
    return "\n".join(out) + draw(st.sampled_from(["", "\n", "\r\n"]))


@st.composite
def brat_documents(draw) -> Document:
    """A document BRAT can hold: entities (overlapping, nested, discontinuous) on one or more
    lines of text, relations between them, now and then an attribute and a note."""
    words = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
    lines = draw(st.lists(words, min_size=1, max_size=3))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    segments, pos = [], 0
    for line in lines:  # fragments never cross a line break: BRAT cannot hold that
        segments.append((pos, pos + len(line)))
        pos += len(line) + len(newline)

    def fragment() -> tuple[int, int]:
        s, e = draw(st.sampled_from(segments))
        a = draw(st.integers(s, e - 1))
        return a, draw(st.integers(a + 1, e))

    n_entities, n_relations = counts(draw, draw(st.sampled_from(CONTENT)))
    entities = []
    for k in range(n_entities):
        fragments = [fragment() for _ in range(draw(st.integers(1, 2)))]
        entities.append(Entity(f"T{k + 1}", draw(ENTITY_TYPES), fragments))
    relations, attributes, notes = [], [], []
    if entities:
        pick = st.sampled_from([e.id for e in entities])
        for k in range(n_relations):
            relations.append(Relation(f"R{k + 1}", draw(RELATION_TYPES), draw(pick), draw(pick)))
        if draw(st.booleans()):
            attributes.append(Attribute("A1", "Negated", draw(pick)))
        if draw(st.booleans()):
            notes.append(Note("#1", "AnnotatorNotes", draw(pick), draw(WORD)))
    return Document("d", text, entities, relations, attributes=attributes, notes=notes)


@st.composite
def brat_inputs(draw) -> tuple[str, str, Document]:
    """(text, ann, doc): the ``.ann`` is ``doc`` written out, broken on purpose, or any text."""
    doc = draw(brat_documents())
    ann = brat.format_ann(doc)
    kind = draw(st.sampled_from(INPUT_KINDS))
    if kind == "broken":
        ann = mutate(draw, ann, ALPHABET)
    elif kind == "arbitrary":
        ann = draw(st.one_of(mutated_lines(), st.text(max_size=200)))
    return doc.text, ann, doc


def test_brat_reader_fuzz(tmp_path_factory: pytest.TempPathFactory) -> None:
    seen: Counter[str] = Counter()

    @FUZZ
    @given(case=brat_inputs())
    def run(case: tuple[str, str, Document]) -> None:
        text, ann, doc = case
        seen["inputs"] += 1
        if doc.entities and doc.relations:
            seen["from a document with entities and relations"] += 1
        try:
            back = brat.parse_ann(text, ann, "d", "d.ann")
        except ConversionError as err:
            assert err.path == "d.ann"
            assert err.line is not None and 1 <= err.line <= ann.count("\n") + 1
            assert str(err).startswith(f"d.ann:{err.line}: ")
            seen["refused"] += 1
            event("brat: refused")
            return
        _check([back])
        if ann == brat.format_ann(doc):
            assert back == doc
            folder = tmp_path_factory.mktemp("brat")
            assert brat.write_document(doc, folder) == []
            assert brat.read_document(folder / "d.txt") == doc
        else:  # an edit the reader accepts: what it read must still round-trip
            assert brat.parse_ann(back.text, brat.format_ann(back), "d", "d.ann") == back
        if back.entities and back.relations:
            seen["round trips with entities and relations"] += 1
            event("brat: round trip with entities and relations")

    run()
    assert seen["inputs"] >= 250
    with_relations = seen["round trips with entities and relations"] / seen["inputs"]
    assert with_relations >= MIN_ROUND_TRIPS_WITH_RELATIONS, seen
    assert seen["refused"] / seen["inputs"] >= MIN_REFUSED, seen


@pytest.mark.parametrize(("ann", "why"), REGRESSIONS)
def test_brat_regressions(ann: str, why: str) -> None:
    with pytest.raises(ConversionError, match="malformed id"):
        brat.parse_ann(TEXT, ann, "d")


CONF = """[entities]
Drug
Effect
\tSevere-effect
[relations]
<ENT>=Drug|Effect
Causes\tArg1:Drug, Arg2:<ENT>
<OVERLAP>\tArg1:Drug, Arg2:Effect, <OVL-TYPE>:contain
[events]
Cause\tTheme:Effect, Agent?:Drug
[attributes]
Negated\tArg:<EVENT>|Effect
Level\tArg:Drug, Value:Low|High
"""


@FUZZ
@given(
    data=st.data(),
    edits=st.lists(st.tuples(st.integers(0, len(CONF)), st.text(max_size=5)), max_size=6),
)
def test_annotation_conf_parser(data, edits: list[tuple[int, str]]) -> None:
    conf = CONF
    for at, insert in edits:
        cut = data.draw(st.integers(0, 3))
        conf = conf[:at] + insert + conf[at + cut :]
    with contextlib.suppress(ConversionError):
        brat.parse_conf(conf)
