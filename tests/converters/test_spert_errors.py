"""Bad SpERT input: a ConversionError naming the file, the line and the record / item."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from converters import ConversionError, spert

GOOD = {
    "tokens": ["John", "works", "for", "IBM", "."],
    "entities": [{"type": "Peop", "start": 0, "end": 1}, {"type": "Org", "start": 3, "end": 4}],
    "relations": [{"type": "Work_For", "head": 0, "tail": 1}],
    "orig_id": 7,
}


def write_json(tmp_path: Path, value: object, name: str = "bad.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value, indent=1))
    return path


def read_error(path: Path) -> ConversionError:
    with pytest.raises(ConversionError) as info:
        spert.read_file(path)
    assert info.value.path == str(path)
    problems = spert.validate(path)
    assert problems and problems[0] == info.value.problems[0]
    return info.value


def test_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"tokens": ["a"],\n   "entities": [}\n]')
    err = read_error(path)
    assert err.line == 3 and "column 17" in str(err) and "not valid JSON" in str(err)


def test_missing_comma_between_records(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[{"tokens": ["a"]}\n{"tokens": ["b"]}]')
    err = read_error(path)
    assert err.line == 2 and "Expecting ','" in str(err)


def test_trailing_data(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[{"tokens": ["a"]}] []')
    assert "Extra data" in str(read_error(path))


@pytest.mark.parametrize(("value", "kind"), [({"tokens": []}, "object"), (3, "number")])
def test_top_level_not_a_list(tmp_path: Path, value: object, kind: str) -> None:
    err = read_error(write_json(tmp_path, value))
    assert f"top level is a JSON {kind}" in str(err)


def test_invalid_utf8_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'[{"tokens": ["caf\xe9"]}]')
    err = read_error(path)
    assert "UTF-8" in str(err) and err.offset == 17


def test_record_without_tokens_names_record_and_line(tmp_path: Path) -> None:
    err = read_error(write_json(tmp_path, [GOOD, {"entities": [], "orig_id": 9}]))
    assert "record 1 (orig_id 9): has no 'tokens'" in str(err)
    assert err.line is not None and err.line > 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (3, 3, "token range 3-3 is empty"),
        (4, 2, "token range 4-2"),
        (4, 6, "outside the 5 tokens"),
        (-1, 1, "token range -1-1"),
        (0, "1", "must be integers"),
        (0, True, "must be integers"),
        (0, 1.0, "must be integers"),
    ],
)
def test_bad_entity_range_names_record_and_entity(
    tmp_path: Path, start: object, end: object, message: str
) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["entities"].append({"type": "Loc", "start": start, "end": end})
    err = read_error(write_json(tmp_path, [GOOD, GOOD | {"orig_id": 8}, bad | {"orig_id": 9}]))
    assert "record 2 (orig_id 9), entity 2:" in str(err) and message in str(err)


@pytest.mark.parametrize("ref", [2, -1, "0", None])
def test_relation_index_out_of_range(tmp_path: Path, ref: object) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["relations"].append({"type": "Kill", "head": 0, "tail": ref})
    err = read_error(write_json(tmp_path, [bad]))
    assert "record 0 (orig_id 7), relation 1: tail" in str(err)
    assert "not an index into the 2 entities" in str(err)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (3, "token 1: is not a string"),
        (None, "token 1: is not a string"),
        ("", "token 1: is empty"),
        ("New York", "token 1: contains whitespace"),
        ("a\tb", "token 1: contains whitespace"),
        ("x\u00a0y", "token 1: contains whitespace"),
        ("\ud800", "token 1: contains a lone surrogate"),
    ],
)
def test_bad_tokens(tmp_path: Path, token: object, message: str) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["tokens"][1] = token
    err = read_error(write_json(tmp_path, [bad]))
    assert message in str(err)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ([1, 2], "record 0: is a JSON list, expected an object"),
        ({"tokens": "abc"}, "'tokens' is not a list"),
        ({"tokens": ["a"], "entities": {}}, "'entities' is not a list"),
        ({"tokens": ["a"], "relations": 3}, "'relations' is not a list"),
        ({"tokens": ["a"], "entities": [{"type": "X", "start": 0}]}, "entity 0: has no 'end'"),
        ({"tokens": ["a"], "entities": [{"type": "", "start": 0, "end": 1}]}, "type ''"),
        ({"tokens": ["a"], "entities": ["x"]}, "entity 0: is not an object"),
        ({"tokens": ["a"], "relations": [{"type": "R", "head": 0}]}, "has no 'tail'"),
    ],
)
def test_malformed_records(tmp_path: Path, record: object, message: str) -> None:
    assert message in str(read_error(write_json(tmp_path, [record])))


def test_duplicate_key_is_refused_and_other_records_still_checked(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        '[{"tokens": ["a"], "tokens": ["b"]},\n'
        ' {"tokens": ["a"], "entities": [{"type": "X", "start": 0, "end": 2}]}]'
    )
    err = read_error(path)
    assert "record 0: duplicate key 'tokens'" in str(err)
    assert len(err.problems) == 2
    assert err.problems[1].line == 2 and "record 1, entity 0" in err.problems[1].message


def test_validate_collects_every_problem_and_never_raises(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["tokens"][0] = ""
    bad["entities"][1]["end"] = 99
    bad["relations"][0]["head"] = 5
    problems = spert.validate(write_json(tmp_path, [GOOD, bad]))
    assert len(problems) == 3
    assert all(p.path.endswith("bad.json") and p.line is not None for p in problems)
    assert spert.validate(tmp_path / "missing.json")[0].message == "no such file"
    (tmp_path / "x.json").write_text("{")
    assert "not valid JSON" in spert.validate(tmp_path / "x.json")[0].message


def test_from_records_names_the_given_path() -> None:
    with pytest.raises(ConversionError, match=r"^api: record 0: has no 'tokens'"):
        spert.from_records([{}], path="api")
    with pytest.raises(ConversionError, match="expected a list"):
        spert.from_records({"tokens": []})  # type: ignore[arg-type]


def test_bad_types_files(tmp_path: Path) -> None:
    cases = {
        "a_types.json": "[]",
        "b_types.json": '{"entities": []}',
        "c_types.json": '{"relations": {"R": {"symmetric": "no"}}}',
        "d_types.json": '{"entities": {"X": 1}}',
        "e_types.json": '{"entities": {}, "entities": {}}',
        "f_types.json": "{",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ConversionError) as info:
            spert.read_types(tmp_path / name)
        assert info.value.path == str(tmp_path / name)


def test_documents_breaking_the_model_are_refused_before_writing(tmp_path: Path) -> None:
    from converters import Document, Entity

    doc = Document("d", "short", entities=[Entity("T1", "X", [(0, 50)])])
    out = tmp_path / "out.json"
    with pytest.raises(ConversionError, match="document d: entity T1 range 0-50"):
        spert.write_file([doc], out)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("start", False, "entity 0: start False and end 1 must be integers"),
        ("end", True, "entity 0: start 0 and end True must be integers"),
    ],
)
def test_boolean_entity_offsets_are_refused(
    tmp_path: Path, key: str, value: bool, message: str
) -> None:
    record = {"tokens": ["a", "b"], "entities": [{"type": "X", "start": 0, "end": 1}]}
    record["entities"][0][key] = value
    assert message in str(read_error(write_json(tmp_path, [record])))
    with pytest.raises(ConversionError, match=message):
        spert.from_records([record])


@pytest.mark.parametrize("role", ["head", "tail"])
def test_boolean_relation_argument_is_refused(tmp_path: Path, role: str) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["relations"][0][role] = False
    err = read_error(write_json(tmp_path, [bad]))
    assert f"relation 0: {role} False is not an index into the 2 entities" in str(err)


def test_self_relation_is_accepted(tmp_path: Path) -> None:
    record = json.loads(json.dumps(GOOD))
    record["relations"] = [{"type": "Self", "head": 1, "tail": 1}]
    path = write_json(tmp_path, [record], name="self.json")
    assert spert.validate(path) == []
    [doc] = spert.read_file(path)
    [rel] = doc.relations
    assert (rel.type, rel.arg1, rel.arg2) == ("Self", "T2", "T2")
    [back], problems = spert.to_records([doc])
    assert problems == [] and back["relations"] == record["relations"]


def test_types_in_memory_match_the_file_reader(tmp_path: Path) -> None:
    data = {
        "entities": {"Peop": {"short": "P", "verbose": "People"}, "Org": {}},
        "relations": {"Kill": {"short": "K", "verbose": "Kill", "symmetric": True}},
    }
    path = write_json(tmp_path, data, name="x_types.json")
    schema = spert.from_types_dict(data)
    assert schema == spert.read_types(path)
    assert [t.name for t in schema.entity_types] == ["Peop", "Org"]
    assert schema.entity_types[0].options == {"short": "P", "verbose": "People"}
    assert schema.relation_types[0].options["symmetric"] == "true"
    types, problems = spert.types_dict(schema)
    assert problems == [] and types["relations"] == data["relations"]
    with pytest.raises(ConversionError, match=r"^api: relations 'R': 'symmetric' is not a boolean"):
        spert.from_types_dict({"relations": {"R": {"symmetric": 1}}}, path="api")
    with pytest.raises(ConversionError, match="a types file is a JSON object"):
        spert.from_types_dict([])
