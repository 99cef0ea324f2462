"""SpERT round trips on the shared CoNLL04 and ADE files: the written JSON equals the input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from converters import read, read_schema, spert, validate, write

FILES = [
    "conll04/conll04_train.json",
    "conll04/conll04_dev.json",
    "conll04/conll04_test.json",
    "ade/ade_split_0_train.json",
    "ade/ade_split_0_test.json",
]


@pytest.mark.parametrize("name", FILES)
def test_spert_to_spert_is_byte_identical(shared_data: Path, tmp_path: Path, name: str) -> None:
    source = shared_data / name
    documents = spert.read_file(source)
    out = tmp_path / "out.json"
    assert spert.write_file(documents, out) == []
    assert out.read_bytes() == source.read_bytes()


@pytest.mark.parametrize("name", FILES)
def test_spert_document_spert_without_kept_tokens(shared_data: Path, name: str) -> None:
    """Documents that lost their token offsets (e.g. came back from the store or BRAT as text
    and character offsets) still give the same records: every entity and relation, same order,
    orig_id preserved; the whitespace tokenizer gives back the original tokens exactly."""
    source = shared_data / name
    original = json.loads(source.read_text())
    documents = spert.read_file(source)
    for doc in documents:
        del doc.metadata["tokens"]
        doc.metadata.pop("orig_id")
    records, problems = spert.to_records(documents, tokenizer="whitespace")
    assert problems == []
    assert records == original
    # the default word tokenizer may split more (``said.``), but entities keep their text
    records, problems = spert.to_records(documents)
    assert problems == []
    for rec, orig in zip(records, original, strict=True):
        assert rec["orig_id"] == orig["orig_id"]
        assert rec["relations"] == orig["relations"]
        assert [e["type"] for e in rec["entities"]] == [e["type"] for e in orig["entities"]]
        for got, want in zip(rec["entities"], orig["entities"], strict=True):
            got_text = "".join(rec["tokens"][got["start"] : got["end"]])
            assert got_text == "".join(orig["tokens"][want["start"] : want["end"]])


def test_reader_builds_documents_as_documented(shared_data: Path) -> None:
    documents = spert.read_file(shared_data / "conll04" / "conll04_train.json")
    assert len(documents) == 922
    assert sum(len(d.entities) for d in documents) == 3377
    assert sum(len(d.relations) for d in documents) == 1283
    doc = documents[0]
    assert doc.id == "3255" and doc.metadata["orig_id"] == 3255
    assert doc.text.startswith("Newspaper ` Explains ' U.S. Interests")
    assert [doc.text[s:e] for s, e in doc.metadata["tokens"]][:5] == [
        "Newspaper", "`", "Explains", "'", "U.S.",
    ]  # fmt: skip
    assert [(e.id, e.type, doc.span_text(e)) for e in doc.entities][:3] == [
        ("T1", "Loc", "U.S."),
        ("T2", "Loc", "Havana"),
        ("T3", "Org", "Radio Reloj Network"),
    ]
    rel = doc.relations[0]
    assert (rel.id, rel.type, rel.arg1, rel.arg2) == ("R1", "OrgBased_In", "T3", "T2")
    assert all(d.problems() == [] for d in documents)


def test_dispatch_and_validate(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "ade" / "ade_split_0_test.json"
    assert validate("spert", source) == []
    documents = read("spert", source)
    schema = read_schema("spert", source)
    assert schema is not None and schema.entity_names() == ["Adverse-Effect", "Drug"]
    out = tmp_path / "fold0.json"
    assert write("spert", documents, out, schema=schema) == []
    assert out.read_bytes() == source.read_bytes()
    written_types = json.loads((tmp_path / "fold0_types.json").read_text())
    original_types = json.loads((shared_data / "ade" / "ade_types.json").read_text())
    assert written_types["relations"] == original_types["relations"]
    assert list(written_types["entities"]) == list(original_types["entities"])
    assert spert.read_schema(out) == schema


def test_read_schema_finds_the_sibling_types_file(shared_data: Path, tmp_path: Path) -> None:
    conll = shared_data / "conll04"
    for name in ("conll04_train.json", "conll04_train_dev.json", "conll04_types.json"):
        schema = spert.read_schema(conll / name)
        assert schema is not None
        assert schema.entity_names() == ["Loc", "Org", "Peop", "Other"]
    assert spert.read_schema(tmp_path / "lonely_train.json") is None


def test_types_round_trip(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "conll04" / "conll04_types.json"
    schema = spert.read_types(source)
    work = next(r for r in schema.relation_types if r.name == "Work_For")
    assert work.options == {"short": "Work", "verbose": "Work for", "symmetric": "false"}
    out = tmp_path / "x_types.json"
    assert spert.write_types(schema, out) == []
    got, want = json.loads(out.read_text()), json.loads(source.read_text())
    # the shared file's verbose names differ from the type names (Peop is "People")
    assert want["entities"]["Peop"] == {"short": "Peop", "verbose": "People"}
    assert got == want


def test_validate_reports_types_missing_from_the_types_file(tmp_path: Path) -> None:
    data = tmp_path / "mini_train.json"
    data.write_text(
        json.dumps(
            [{"tokens": ["a", "b"], "entities": [{"type": "X", "start": 0, "end": 1}],
              "relations": [{"type": "R", "head": 0, "tail": 0}]}]
        )
    )  # fmt: skip
    (tmp_path / "mini_types.json").write_text(
        json.dumps({"entities": {"Y": {"short": "Y", "verbose": "Y"}}, "relations": {}})
    )
    messages = [p.message for p in validate("spert", data)]
    assert any("entity type 'X'" in m and "mini_types.json" in m for m in messages)
    assert any("relation type 'R'" in m for m in messages)
    assert len(spert.read_file(data)) == 1  # reading does not depend on the types file
