"""Fuzzing the readers with hypothesis for a fixed, derandomized budget.

Whatever the input, a reader either returns documents that pass ``Document.problems() == []``
(with every entity inside the text) or raises ``ConversionError``: no other exception, no hang.
Inputs are mutations of real sample lines/files, so the fuzzer gets past the first checks.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converters import ace, brat, brat_conf, spert
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


@FUZZ
@given(ann=st.one_of(mutated_lines(), st.text(max_size=200)), text=st.sampled_from([TEXT, "", "é"]))
def test_brat_parse_ann(ann: str, text: str) -> None:
    with contextlib.suppress(ConversionError):
        _check([brat.parse_ann(text, ann, "d")])


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
        brat_conf.parse_conf(conf)


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


@st.composite
def spert_records(draw):
    tokens = draw(st.lists(st.text(min_size=1, max_size=4), max_size=5))

    def field(options):
        return draw(st.one_of(st.sampled_from(options), JSON_VALUES))

    entities = [
        {"type": field(["Drug", "Effect"]), "start": field([0, 1, 2]), "end": field([1, 2, 3])}
        for _ in range(draw(st.integers(0, 3)))
    ]
    relations = [
        {"type": field(["Causes"]), "head": field([0, 1]), "tail": field([0, 1])}
        for _ in range(draw(st.integers(0, 2)))
    ]
    record = {"tokens": tokens, "entities": entities, "relations": relations}
    if draw(st.booleans()):
        record["orig_id"] = draw(JSON_VALUES)
    if draw(st.booleans()):
        del record[draw(st.sampled_from(list(record)))]
    return record


@FUZZ
@given(
    records=st.one_of(st.lists(spert_records(), max_size=3), JSON_VALUES),
    raw=st.sampled_from([None, "[" * 5000, '[{"tokens": [' + "1" * 5000 + "]}]", "[1,]"]),
)
def test_spert_reader(tmp_path_factory, records, raw: str | None) -> None:
    path = tmp_path_factory.mktemp("spert") / "d.json"
    text = raw if raw is not None and isinstance(records, list) and not records else None
    path.write_bytes(
        (text if text is not None else json.dumps(records)).encode("utf-8", "surrogatepass")
    )
    with contextlib.suppress(ConversionError):
        _check(spert.read_file(path))
    assert isinstance(spert.validate(path), list)
