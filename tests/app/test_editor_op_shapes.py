"""What the editor checks before any database is involved. The page's operations arrive as
untrusted JSON, and the page draws from schema tables it is sent, so: ``validate_op`` refuses
every malformed payload with a reason and normalises fragment order, and the page schema's
tables (allowed relations, attributes per type) are exactly what the schema answers, with type
keys that leave the page's own command keys free.
"""

from __future__ import annotations

import pytest

from app.editor.ops import OpError, validate_op
from app.editor.page_schema import RESERVED_KEYS, entity_keys, schema_dict
from converters.brat import parse_conf
from tests.app.conftest import BRAT_CONF
from tests.app.store_ops import op


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("x", "JSON object"),
        (op(kind="drop_table"), "unknown operation kind"),
        (op(type="Peop"), "missing field"),
        (op(type="Peop", fragments=[[0, 5]], extra=1), "unexpected field"),
        (op(seq=0, type="Peop", fragments=[[0, 5]]), "seq"),
        (op(seq=True, type="Peop", fragments=[[0, 5]]), "seq"),
        (op(type="Peop", fragments=[[5, 5]]), "empty or reversed"),
        (op(type="Peop", fragments=[[0, 5.0]]), "end must be an integer"),
        (op(type="Peop", fragments=[[0, 5], [3, 8]]), "overlap"),
        (op(type="Peop", fragments=[[0, 5]] * 40), "fragments"),
        (op(type="", fragments=[[0, 5]]), "type"),
        (op(type="a\nb", fragments=[[0, 5]]), "control"),
        ({**op(type="Peop", fragments=[[0, 5]]), "client_id": "<x>"}, "client_id"),
        (op(kind="change_entity", entity_id="T1"), "new type or new fragments"),
        (op(kind="accept_all", min_confidence=1.5), "between 0 and 1"),
        (op(kind="accept_all", min_confidence=float("nan")), "between 0 and 1"),
        (op(kind="set_status", status="Done!"), "status"),
        (op(kind="set_status", status="in_progress"), "status must be one of"),
        (op(kind="set_attribute", ann_id="T1"), "missing field"),
        (op(kind="set_attribute", ann_id="T1", name="Neg", value="a\nb"), "control"),
        (op(kind="set_attribute", ann_id="T1", name="Neg", value=3), "value"),
        (op(kind="set_note", ann_id="T1", text="two\nlines"), "line breaks"),
        (op(kind="set_note", ann_id="T1", text="   "), "non-blank"),
        (op(kind="set_note", ann_id="T1", text="x" * 10_001), "at most"),
        (op(kind="delete_note", note_id="#1", text="x"), "unexpected field"),
    ],
)
def test_validate_op_refuses_bad_shapes(payload, message):
    with pytest.raises(OpError, match=message):
        validate_op(payload)


def test_validate_op_normalises():
    got = validate_op(op(type="Peop", fragments=[[10, 12], [0, 5]]))
    assert got["fragments"] == [[0, 5], [10, 12]]


def test_page_schema_tables_are_the_schema_answers():
    schema = parse_conf(BRAT_CONF)
    page = schema_dict(schema, ("Imported",))
    assert [t["name"] for t in page["entity_types"]] == ["Person", "Company", "Place"]
    assert page["allowed_relations"]["Person"]["Company"] == ["Works_for", "Any_link"]
    types = ["Person", "Company", "Place", "Imported"]
    for head in types:
        for tail in types:
            want = schema.allowed_relations(head, tail)
            assert page["allowed_relations"].get(head, {}).get(tail, []) == want, (head, tail)
    for name in types:
        want = [a.name for a in schema.attributes_for("entity", name)]
        assert page["attributes"]["entity"][name] == want
    assert page["attributes"]["entity"]["Person"] == ["Negated", "Level"]
    assert page["attributes"]["relation"]["Any_link"] == ["Certain"]
    assert page["attributes"]["other"] == {
        "entity": ["Negated"],
        "relation": ["Certain"],
        "event": [],
    }
    # the same schema again: the same tables, computed once
    assert schema_dict(parse_conf(BRAT_CONF), ("Imported",)) is page


def test_entity_keys_keep_the_page_commands_free():
    names = ["Zone", "Year", "Plus", "Arrow", "Org", "Other"]
    keys = entity_keys(names, [None, None, "+", ">", "o", "o"])
    # a set key (Org's "o") wins over a default; a reserved or taken one falls back to a letter
    assert keys == {"Zone": "n", "Year": "e", "Plus": "p", "Arrow": "a", "Org": "o", "Other": "t"}
    assert not RESERVED_KEYS & set(keys.values())
    # letters run out: digits, then nothing
    many = [f"T{i}" for i in range(12)]
    got = entity_keys(many, [None] * 12)
    assert list(got.values()) == ["t", *"123456789"] and len(got) == 10


EVENT_CONF = """[entities]
Protein
Entity
[relations]
Cause_of Arg1:Protein, Arg2:<EVENT>
[events]
Phosphorylation Theme:Protein, Site?:Entity
Regulation Theme:<EVENT>|Protein, Cause?:Protein
[attributes]
Negation Arg:<EVENT>
"""


def test_page_schema_tables_for_events():
    """Event types reach the page with keys and roles, the roles each argument type may fill,
    relations that take an event, and attributes on events: the schema's answers."""
    page = schema_dict(parse_conf(EVENT_CONF))
    assert [t["name"] for t in page["event_types"]] == ["Phosphorylation", "Regulation"]
    assert all(t["key"] for t in page["event_types"])  # free letters, after the entities'
    assert page["event_types"][0]["roles"] == [
        {"role": "Theme", "types": ["Protein"], "cardinality": ""},
        {"role": "Site", "types": ["Entity"], "cardinality": "?"},
    ]
    assert page["roles"]["Phosphorylation"] == {"Protein": ["Theme"], "Entity": ["Site"]}
    assert page["roles"]["Regulation"] == {
        "Protein": ["Theme", "Cause"],
        "Phosphorylation": ["Theme"],
        "Regulation": ["Theme"],
    }
    assert page["allowed_relations"]["Protein"] == {
        "Phosphorylation": ["Cause_of"],
        "Regulation": ["Cause_of"],
    }
    assert page["attributes"]["event"] == {
        "Phosphorylation": ["Negation"],
        "Regulation": ["Negation"],
    }
    assert page["attributes"]["entity"]["Protein"] == []
