"""Fuzzing the SpERT reader with hypothesis (a fixed, derandomized budget; the contract is in
reader_fuzzing.py). SpERT files are JSON lists of token records from training pipelines, so
records written from generated valid ones must round-trip byte for byte; a record broken on
purpose must be refused naming that record and its line; edited or arbitrary JSON (hostile
nesting included) is read into valid documents or refused, and ``validate`` reports exactly the
problems the reader raised.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from converters import spert
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
