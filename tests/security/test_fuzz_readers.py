"""Fuzzing the readers with hypothesis for a fixed, derandomized budget.

Most BRAT and SpERT inputs are files written from valid documents that hold entities and
relations: reading one must give back exactly the document it was written from, and writing
what was read then reading it again must give the same document. The rest are such files
broken on purpose (a character changed, a line dropped or repeated, an offset moved, a record
field given a bad value) or arbitrary text. A reader either reads those into documents that
pass ``Document.problems() == []`` and round-trip as well, or raises ``ConversionError`` that
starts with the file and the line of the problem (for a broken SpERT record: that record, and
the line it starts on): no other exception, no hang. Each of these tests counts its inputs and
fails when too few held an entity and a relation or too few were refused, so a change to the
strategies cannot quietly leave nothing to check.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from converters import ace, brat, spert
from converters.document import Attribute, Document, Entity, Note, Relation
from converters.errors import ConversionError

pytestmark = pytest.mark.timeout(120)
FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
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


def _check(docs) -> None:
    for doc in docs:
        assert doc.problems() == []
        for ent in doc.entities:
            assert all(0 <= s < e <= len(doc.text) for s, e in ent.fragments)


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


# Most inputs must be documents read back whole with entities and relations, and some must be
# refused: below these shares a fuzz test fails rather than pass on little. (About a fifth is
# broken on purpose, but a broken file is sometimes still valid: 14-19 % were refused.)
MIN_ROUND_TRIPS_WITH_RELATIONS = 0.5
MIN_REFUSED = 0.05
# hypothesis draws small integers far more often than others (0 from integers(0, 5) about
# half the time), so kinds and counts are drawn from lists, where every item is as likely
INPUT_KINDS = ["valid"] * 7 + ["broken"] * 2 + ["arbitrary"]
CONTENT = ["entities and relations"] * 8 + ["entities only", "nothing"]
WORD = st.text(
    st.sampled_from([*"abcdeXYZ", "é", "ü", "中", "😀", "\u0301", "-", "'", ".", ","]),
    min_size=1,
    max_size=7,
)
ENTITY_TYPES = st.sampled_from(["Drug", "Effect", "Severe-effect", "Loc"])
RELATION_TYPES = st.sampled_from(["Causes", "Treats", "Located_In"])
NUMBER = re.compile(r"\d+")
EDITS = ["insert", "delete", "replace", "drop line", "repeat line", "swap lines", "number"]


def counts(draw, content: str) -> tuple[int, int]:
    """How many entities and relations a document or record of ``content`` gets."""
    entities = 0 if content == "nothing" else draw(st.sampled_from(range(1, 6)))
    relations = draw(st.sampled_from(range(1, 4))) if content == "entities and relations" else 0
    return entities, relations


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


def mutate(draw, text: str, alphabet: st.SearchStrategy[str]) -> str:
    """``text`` with one to three edits: a character inserted, deleted or replaced, a line
    dropped, repeated or swapped with the next, or a number moved."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(EDITS))
        k = draw(st.integers(0, len(lines) - 1))
        line = lines[k]
        at = draw(st.integers(0, len(line)))
        if op == "insert":
            lines[k] = line[:at] + draw(alphabet) + line[at:]
        elif op == "delete":
            lines[k] = line[:at] + line[at + 1 :]
        elif op == "replace":
            lines[k] = line[:at] + draw(alphabet) + line[at + 1 :]
        elif op == "drop line" and len(lines) > 1:
            del lines[k]
        elif op == "repeat line":
            lines.insert(k, line)
        elif op == "swap lines" and k + 1 < len(lines):
            lines[k], lines[k + 1] = lines[k + 1], line
        elif op == "number" and (numbers := list(NUMBER.finditer(line))):
            m = draw(st.sampled_from(numbers))
            value = int(m.group()) + draw(st.sampled_from([-2, -1, 1, 2, 1000]))
            lines[k] = line[: m.start()] + str(value) + line[m.end() :]
    return "\n".join(lines)


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


@pytest.fixture(scope="module")
def ace_sample(shared_data: Path) -> tuple[str, str]:
    base = shared_data / "ace-samples" / "synthetic"
    stem = "SYNTH_ENG_20240101.0001"
    return (
        (base / f"{stem}.apf.xml").read_text(encoding="utf-8"),
        (base / f"{stem}.sgm").read_text(encoding="utf-8"),
    )


ACE_TOKENS = ['START="', 'END="', 'ID="', 'REFID="', "<charseq", "</extent>", "&amp;", "<TEXT>"]


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_ace_reader(tmp_path_factory, ace_sample: tuple[str, str], data) -> None:
    apf, sgm = ace_sample
    for _ in range(data.draw(st.integers(1, 4))):
        target = data.draw(st.sampled_from(["apf", "sgm"]))
        doc = apf if target == "apf" else sgm
        op = data.draw(st.sampled_from(["number", "delete", "duplicate", "insert", "token"]))
        if op == "token":
            token = data.draw(st.sampled_from(ACE_TOKENS))
            at = doc.find(token, data.draw(st.integers(0, len(doc))))
            if at < 0:
                continue
            value = data.draw(st.sampled_from(["-1", "0", "99999", "x", "", "1e3", "٣"]))
            doc = doc[: at + len(token)] + value + doc[at + len(token) :]
        else:
            at = data.draw(st.integers(0, len(doc)))
            size = data.draw(st.integers(1, 40))
            if op == "delete":
                doc = doc[:at] + doc[at + size :]
            elif op == "duplicate":
                doc = doc[:at] + doc[at : at + size] + doc[at:]
            elif op == "insert":
                doc = doc[:at] + data.draw(st.text(max_size=10)) + doc[at:]
            else:
                doc = doc[:at] + str(data.draw(st.integers(-5, 400))) + doc[at:]
        apf, sgm = (doc, sgm) if target == "apf" else (apf, doc)
    folder = tmp_path_factory.mktemp("ace")
    (folder / "d.apf.xml").write_bytes(apf.encode("utf-8", "surrogatepass"))
    (folder / "d.sgm").write_bytes(sgm.encode("utf-8", "surrogatepass"))
    with contextlib.suppress(ConversionError):
        _check(ace.read_corpus(folder))
    assert isinstance(ace.validate(folder), list)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 6) | st.floats() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


SPERT_TOKEN = st.text(
    st.sampled_from([*"abXY", "é", "中", "😀", "\u0301", ".", ",", "-", '"', "\\"]),
    min_size=1,
    max_size=5,
)


@st.composite
def spert_valid_records(draw) -> list[dict[str, Any]]:
    """One to three valid SpERT records, most with entities and relations between them."""
    records = []
    for _ in range(draw(st.integers(1, 3))):
        tokens = draw(st.lists(SPERT_TOKEN, min_size=1, max_size=8))
        n = len(tokens)
        n_entities, n_relations = counts(draw, draw(st.sampled_from(CONTENT)))
        entities = []
        for _ in range(n_entities):
            start = draw(st.integers(0, n - 1))
            end = draw(st.integers(start + 1, n))
            entities.append({"type": draw(ENTITY_TYPES), "start": start, "end": end})
        relations = []
        if entities:
            index = st.sampled_from(range(len(entities)))
            for _ in range(n_relations):
                rel = {"type": draw(RELATION_TYPES), "head": draw(index), "tail": draw(index)}
                relations.append(rel)
        record: dict[str, Any] = {"tokens": tokens, "entities": entities, "relations": relations}
        if draw(st.booleans()):
            record["orig_id"] = draw(st.integers(0, 3) | st.text(max_size=3))
        records.append(record)
    return records


RECORD_BREAKS = [
    "end past the tokens",
    "empty range",
    "start not an integer",
    "empty type",
    "head out of range",
    "token with a space",
    "empty token",
    "no tokens",
    "entities not a list",
    "not an object",
]
HOSTILE_JSON = ["[" * 5000, '[{"tokens": [' + "1" * 5000 + "]}]", "[1,]"]


def break_record(draw, record: dict[str, Any]) -> Any:
    """``record`` made invalid in one way SpERT readers meet in practice (it may be a new
    value: a record that is not an object at all)."""
    n = len(record["tokens"])
    if not record["entities"]:
        record["entities"].append({"type": "Drug", "start": 0, "end": n})
    entity = draw(st.sampled_from(record["entities"]))
    how = draw(st.sampled_from(RECORD_BREAKS))
    event(f"spert: broken record, {how}")
    if how == "end past the tokens":
        entity["end"] = n + draw(st.integers(1, 3))
    elif how == "empty range":
        entity["end"] = entity["start"]
    elif how == "start not an integer":
        entity["start"] = draw(st.sampled_from(["0", 0.5, True, None]))
    elif how == "empty type":
        entity["type"] = ""
    elif how == "head out of range":
        head = len(record["entities"]) + draw(st.integers(0, 2))
        record["relations"].append({"type": "Causes", "head": head, "tail": 0})
    elif how == "token with a space":
        record["tokens"][draw(st.integers(0, n - 1))] = "a b"
    elif how == "empty token":
        record["tokens"][draw(st.integers(0, n - 1))] = ""
    elif how == "no tokens":
        del record["tokens"]
    elif how == "entities not a list":
        record["entities"] = {"0": entity}
    else:
        return [record]
    return record


def one_record_a_line(records: list[Any]) -> str:
    """The list with record ``k`` on line ``k + 2``, so an error's line names the record."""
    return "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]"


JSON_ALPHABET = st.sampled_from([*'{}[],:"0123456789-. ae\\', "\u00e9", "\ud800", "\n"])


@st.composite
def spert_inputs(draw) -> tuple[str | None, list[dict[str, Any]], int | None]:
    """(file text, the valid records it was made from, index of the record broken on purpose).

    The text is the records written with ``json.dumps`` defaults (as SpERT's own files are), a
    record broken on purpose, the text broken by edits, or arbitrary JSON; ``None`` for text
    means the records exactly as written by ``json.dumps``.
    """
    records = draw(spert_valid_records())
    kind = draw(st.sampled_from(INPUT_KINDS))
    if kind == "valid":
        return None, records, None
    if kind == "arbitrary":
        value = draw(st.one_of(JSON_VALUES, st.lists(JSON_VALUES, max_size=3)))
        return draw(st.sampled_from([json.dumps(value), *HOSTILE_JSON])), records, None
    if draw(st.booleans()):
        return mutate(draw, json.dumps(records, indent=1), JSON_ALPHABET), records, None
    broken = [json.loads(json.dumps(r)) for r in records]
    k = draw(st.integers(0, len(broken) - 1))
    broken[k] = break_record(draw, broken[k])
    return one_record_a_line(broken), records, k


def test_spert_reader_fuzz(tmp_path_factory: pytest.TempPathFactory) -> None:
    seen: Counter[str] = Counter()

    @FUZZ
    @given(case=spert_inputs())
    def run(case: tuple[str | None, list[dict[str, Any]], int | None]) -> None:
        text, records, broken = case
        seen["inputs"] += 1
        if any(r["entities"] and r["relations"] for r in records):
            seen["from records with entities and relations"] += 1
        folder = tmp_path_factory.mktemp("spert")
        path = folder / "d.json"
        written = json.dumps(records)
        path.write_bytes((written if text is None else text).encode("utf-8", "surrogatepass"))
        try:
            docs = spert.read_file(path)
        except ConversionError as err:
            assert err.path == str(path)
            assert str(err).startswith(str(path))
            if broken is not None:
                assert err.line == broken + 2
                assert err.problem.message.startswith(f"record {broken}")
                assert str(err).startswith(f"{path}:{broken + 2}: record {broken}")
            else:
                assert err.line is not None or err.offset is not None or "top level" in str(err)
            assert spert.validate(path) == err.problems
            seen["refused"] += 1
            event("spert: refused")
            return
        assert broken is None, "a record broken on purpose was read"
        _check(docs)
        assert spert.validate(path) == []
        out = folder / "out.json"
        assert spert.write_file(docs, out) == []
        if text is None:
            assert out.read_text(encoding="utf-8") == written
        assert spert.read_file(out) == docs
        if any(d.entities and d.relations for d in docs):
            seen["round trips with entities and relations"] += 1
            event("spert: round trip with entities and relations")

    run()
    assert seen["inputs"] >= 250
    with_relations = seen["round trips with entities and relations"] / seen["inputs"]
    assert with_relations >= MIN_ROUND_TRIPS_WITH_RELATIONS, seen
    assert seen["refused"] / seen["inputs"] >= MIN_REFUSED, seen
