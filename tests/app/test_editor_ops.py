"""Operation shape validation, the edit rules of the app's ``StoreBackend`` on a real database
(a SQLite file, and PostgreSQL when ``SPANREL_TEST_PG_URL`` is set) and the editor's
sequencing, exercised through the same server functions the page calls (no browser)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import gradio as gr
import pytest
from sqlalchemy import text

from app.editor.backend import EditorBackend
from app.editor.demo import CONLL04_SCHEMA, store_document, store_schema
from app.editor.editor import PAGE_CONFIG, AnnotationEditor
from app.editor.ops import OpError, validate_op
from app.editor.page_schema import RESERVED_KEYS, entity_keys, schema_dict
from app.store_backend import StoreBackend
from converters.brat import parse_conf
from db import Edit, EditError, Store
from db import edits as db_edits
from db.models import DOCUMENT_STATUSES
from tests.app.conftest import BRAT_CONF

TEXT = "Alice works for Acme in Paris."
PROJECT = "ops"


def op(
    seq: int = 1, kind: str = "add_entity", base: int = 0, doc_id: str = "d", **fields: Any
) -> dict[str, Any]:
    out = {"doc_id": doc_id, "client_id": "c1", "seq": seq, "base_version": base, "kind": kind}
    out.update(fields)
    return out


def make_backend(url: str, schema: dict[str, Any] = CONLL04_SCHEMA) -> StoreBackend:
    store = Store.open(url)
    store.create_project(PROJECT, store_schema(schema))
    return StoreBackend(store)


@pytest.fixture
def backend(backend_url: str) -> Iterator[StoreBackend]:
    be = make_backend(backend_url)
    yield be
    be.store.close()


@pytest.fixture
def docs(backend: StoreBackend) -> dict[str, str]:
    """Page ids of two stored documents, "d" (``TEXT``) and "e", in that order."""
    return {
        name: store_document(backend.store, PROJECT, {"doc_id": name, "text": body})[0]
        for name, body in (("d", TEXT), ("e", "Second."))
    }


@pytest.fixture
def editor(backend: StoreBackend, docs: dict[str, str]) -> AnnotationEditor:
    with gr.Blocks():
        return AnnotationEditor(backend, {"doc_id": docs["d"], "revision": 0})


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


def test_store_backend_is_an_editor_backend(backend, docs):
    assert isinstance(backend, EditorBackend)
    doc = backend.load(docs["d"])
    assert doc["next_id"] == docs["e"] and doc["prev_id"] is None and doc["version"] == 0
    assert [t["name"] for t in doc["schema"]["entity_types"]] == ["Peop", "Org", "Loc", "Other"]


def test_backend_rules(backend, docs):
    d, store = docs["d"], backend.store
    add = backend.apply(op(type="Peop", fragments=[[0, 5]], doc_id=d))
    assert add["ok"] and add["version"] == 1
    (t1_row,) = store.load_document(int(d)).entities
    assert (t1_row.ann_id, t1_row.type, t1_row.fragments) == ("T1", "Peop", [(0, 5)])
    assert (t1_row.source, t1_row.review) == ("human", "accepted")
    t1 = add["changes"]["entities"][0]["id"]
    assert t1 == f"e{t1_row.id}"
    t2 = backend.apply(op(2, base=1, type="Org", fragments=[[16, 20]], doc_id=d))
    t2 = t2["changes"]["entities"][0]["id"]
    bad = [
        (op(3, base=2, type="Nope", fragments=[[0, 5]]), "unknown entity type"),
        (op(3, base=2, type="Peop", fragments=[[0, 500]]), "outside the text"),
        (op(3, base=2, type="Peop", fragments=[[5, 6]]), "whitespace"),
        (op(3, base=2, type="Peop", fragments=[[0, 5]]), "exists already"),
        (
            op(3, base=2, kind="change_entity", entity_id=t2, type="Peop", fragments=[[0, 5]]),
            "exists already",
        ),
        (op(3, base=2, kind="add_relation", type="Kill", arg1=t1, arg2=t2), "is not allowed"),
        (op(3, base=1, type="Loc", fragments=[[24, 29]]), "changed elsewhere"),
        (op(3, base=2, kind="redo"), "nothing to redo"),
    ]
    for payload, message in bad:
        ack = backend.apply({**payload, "doc_id": d})
        assert not ack["ok"] and message in ack["error"], (payload, ack)
    # nothing refused reached the database
    view = store.load_document(int(d))
    assert view.version == 2 and [(e.type, e.fragments) for e in view.entities] == [
        ("Peop", [(0, 5)]),
        ("Org", [(16, 20)]),
    ]
    assert backend.apply(op(3, base=1, type="Loc", fragments=[[24, 29]], doc_id=d))["conflict"]
    rel = backend.apply(
        op(3, base=2, kind="add_relation", type="Work_For", arg1=t1, arg2=t2, doc_id=d)
    )
    assert rel["ok"] and rel["changes"]["relations"][0]["type"] == "Work_For"
    # retyping an argument into a type the relation does not allow is refused
    ack = backend.apply(op(4, base=3, kind="change_entity", entity_id=t2, type="Loc", doc_id=d))
    assert not ack["ok"] and "relation" in ack["error"]
    # deleting an entity deletes its relations; undo brings both back, redo removes again
    ack = backend.apply(op(4, base=3, kind="delete_entity", entity_id=t1, doc_id=d))
    assert ack["changes"]["deleted_entities"] == [t1]
    assert ack["changes"]["deleted_relations"] == [rel["changes"]["relations"][0]["id"]]
    ack = backend.apply(op(5, base=4, kind="undo", doc_id=d))
    assert {e["id"] for e in ack["changes"]["entities"]} == {t1}
    assert len(store.load_document(int(d)).relations) == 1
    backend.apply(op(6, base=5, kind="redo", doc_id=d))
    assert [f"e{e.id}" for e in store.load_document(int(d)).entities] == [t2]
    ack = backend.apply(op(7, base=6, kind="set_status", status="done", doc_id=d))
    assert ack["changes"]["status"] == "done"
    assert store.load_document(int(d)).status == "done"


def test_suggestions(backend):
    sugg = {"source": "model", "review": "suggested"}
    doc_id, ids = store_document(
        backend.store,
        PROJECT,
        {
            "doc_id": "s",
            "text": TEXT,
            "entities": [
                {"id": "T1", "type": "Peop", "fragments": [[0, 5]], "confidence": 0.9, **sugg},
                {"id": "T2", "type": "Org", "fragments": [[16, 20]], "confidence": 0.4, **sugg},
                {"id": "T3", "type": "Loc", "fragments": [[24, 29]], "confidence": 0.7, **sugg},
                {"id": "T4", "type": "Other", "fragments": [[6, 11]], "confidence": 0.5, **sugg},
            ],
            "relations": [
                {"id": "R1", "type": "Work_For", "arg1": "T1", "arg2": "T2", "confidence": 0.8}
                | sugg
            ],
        },
    )
    base = {"doc_id": doc_id, "client_id": "c"}

    def reviews() -> dict[str, str]:
        view = backend.store.load_document(int(doc_id))
        got = {f"e{e.id}": e.review for e in view.entities}
        got.update({f"r{r.id}": r.review for r in view.relations})
        return {given: got[page] for given, page in ids.items()}

    version = backend.load(doc_id)["version"]
    ack = backend.apply(
        {**base, "seq": 1, "base_version": version, "kind": "accept_all", "min_confidence": 0.75}
    )
    # the relation (0.8) would need T2 (0.4): a relation never pulls in an entity below the
    # threshold, so only T1 is accepted
    assert ack["ok"] and "accepted 1 " in ack["message"]
    assert reviews() == {
        "T1": "accepted",
        "T2": "suggested",
        "T3": "suggested",
        "T4": "suggested",
        "R1": "suggested",
    }
    # accepting the relation itself accepts both its arguments
    ack = backend.apply(
        {**base, "seq": 2, "base_version": version + 1, "kind": "accept", "ann_id": ids["R1"]}
    )
    assert ack["ok"], ack
    assert reviews() == {
        "T1": "accepted",
        "T2": "accepted",
        "T3": "suggested",
        "T4": "suggested",
        "R1": "accepted",
    }
    ack = backend.apply(
        {**base, "seq": 3, "base_version": version + 2, "kind": "reject", "ann_id": ids["T3"]}
    )
    assert ack["ok"] and reviews()["T3"] == "rejected"
    ack = backend.apply(
        {**base, "seq": 4, "base_version": version + 3, "kind": "accept", "ann_id": ids["T3"]}
    )
    assert not ack["ok"] and "not an open suggestion" in ack["error"]
    # an annotator's entity equal to a confirmed one is refused; equal to a rejected or an
    # open suggestion it is not (the suggestion gives way)
    add = {**base, "kind": "add_entity"}
    ack = backend.apply(
        {**add, "seq": 5, "base_version": version + 3, "type": "Peop", "fragments": [[0, 5]]}
    )
    assert not ack["ok"] and f"exists already (entity {ids['T1'][1:]})" in ack["error"]
    for n, (etype, span) in enumerate([("Loc", [24, 29]), ("Other", [6, 11])]):
        ack = backend.apply(
            {
                **add,
                "seq": 6 + n,
                "base_version": version + 3 + n,
                "type": etype,
                "fragments": [span],
            }
        )
        assert ack["ok"], ack
    human = [
        (e.type, e.fragments)
        for e in backend.store.load_document(int(doc_id)).entities
        if e.source == "human"
    ]
    assert human == [("Loc", [(24, 29)]), ("Other", [(6, 11)])]


def test_server_function_validates_and_deduplicates(editor, backend, docs):
    d = docs["d"]
    first = editor.editor_apply(op(type="Peop", fragments=[[0, 5]], doc_id=d), None)
    again = editor.editor_apply(op(type="Peop", fragments=[[0, 5]], doc_id=d), None)
    assert first["ok"] and again["ok"] and again["repeat"] and again["version"] == 1
    assert len(backend.store.load_document(int(d)).entities) == 1
    # a gap in seq is no refusal (an op refused for its shape is never recorded, so waiting for
    # it would wedge the page); an older seq than one applied is refused as out of order
    later = editor.editor_apply(op(3, base=1, type="Org", fragments=[[16, 20]], doc_id=d), None)
    assert later["ok"] and later["version"] == 2
    older = editor.editor_apply(op(2, base=2, type="Loc", fragments=[[24, 29]], doc_id=d), None)
    assert not older["ok"] and "out of order" in older["error"]
    assert len(backend.store.load_document(int(d)).entities) == 2
    bad = editor.editor_apply({"kind": "add_entity"}, None)
    assert bad == {"ok": False, "seq": None, "error": bad["error"]} and "missing" in bad["error"]
    assert editor.editor_apply(None, None)["ok"] is False
    loaded = editor.editor_load({"doc_id": d}, None)
    assert loaded["ok"] and loaded["doc"]["version"] == 2
    assert editor.editor_load({"doc_id": "missing"}, None) == {
        "ok": False,
        "error": "document not found",
    }
    assert editor.editor_load({"doc_id": 5}, None)["ok"] is False


def test_backend_exception_becomes_refusal(editor, backend, docs):
    # a database that fails under the store (its table of applied operations is gone)
    with backend.store.engine.begin() as conn:
        conn.execute(text("DROP TABLE client_op"))
    ack = editor.editor_apply(op(type="Peop", fragments=[[0, 5]], doc_id=docs["d"]), None)
    assert ack["ok"] is False and ack["seq"] == 1
    assert ack["error"].startswith("not saved (") and "client_op" in ack["error"]
    assert backend.store.load_document(int(docs["d"])).entities == []


def test_concurrent_clients_each_op_applied_once(editor, backend):
    """Four pages, each on its own document, send every operation twice at once (a retry racing
    the original): the store applies each once, in order, and answers the other as a repeat."""
    ids = [
        store_document(backend.store, PROJECT, {"doc_id": f"c{i}", "text": TEXT})[0]
        for i in range(4)
    ]
    spans = [[0, 5], [6, 11], [12, 15], [16, 20], [24, 29]]
    acks: dict[str, list[dict[str, Any]]] = {d: [] for d in ids}

    def send(d: str, sent: dict[str, Any]) -> None:
        acks[d].append(editor.editor_apply(sent, None))

    def client(d: str) -> None:
        for n, span in enumerate(spans, 1):
            sent = op(n, base=n - 1, doc_id=d, type="Other", fragments=[span])
            sent["client_id"] = f"page-{d}"
            pair = [threading.Thread(target=send, args=(d, dict(sent))) for _ in range(2)]
            for t in pair:
                t.start()
            for t in pair:
                t.join()

    threads = [threading.Thread(target=client, args=(d,)) for d in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for d in ids:
        assert len(acks[d]) == 10 and all(a["ok"] for a in acks[d]), acks[d]
        assert sum(bool(a.get("repeat")) for a in acks[d]) == len(spans)
        view = backend.store.load_document(int(d))
        assert view.version == len(spans)
        assert sorted(e.fragments[0] for e in view.entities) == [tuple(s) for s in spans]


def test_editor_config_stays_static(editor, backend):
    config = editor.get_config()
    assert "backend" not in config and "user_of" not in config
    assert "value" not in editor.html_template and "{{" not in editor.html_template
    with pytest.raises(ValueError, match="CSS length"):
        AnnotationEditor(backend, editor_height="1px;}body{")


def test_attributes_and_notes(backend_url):
    schema = {
        **CONLL04_SCHEMA,
        "attribute_types": [
            {"name": "Negated", "targets": ["<ENTITY>"], "values": []},
            {"name": "Level", "targets": ["Peop"], "values": ["low", "high"]},
        ],
    }
    be = make_backend(backend_url, schema)
    try:
        d, ids = store_document(
            be.store,
            PROJECT,
            {
                "doc_id": "d",
                "text": TEXT,
                "entities": [
                    {"id": "T1", "type": "Peop", "fragments": [[0, 5]]},
                    {"id": "T2", "type": "Org", "fragments": [[16, 20]]},
                ],
            },
        )
        t1, t2 = ids["T1"], ids["T2"]
        steps = [
            ("set_attribute", {"ann_id": t1, "name": "Negated"}),
            ("set_attribute", {"ann_id": t1, "name": "Level", "value": "high"}),
            ("set_note", {"ann_id": t1, "text": "first"}),
            ("set_note", {"ann_id": t1, "text": "second"}),
        ]
        for seq, (kind, fields) in enumerate(steps, 1):
            assert be.apply(op(seq, kind, seq - 1, doc_id=d, **fields))["ok"]
        first_t1 = be.load(d)["entities"][0]
        assert first_t1["attributes"] == [{"name": "Negated"}, {"name": "Level", "value": "high"}]
        first, second = first_t1["notes"]
        assert (first["text"], second["text"]) == ("first", "second")
        bad = [
            ("set_attribute", {"ann_id": t1, "name": "Level", "value": "max"}, "takes one of"),
            ("set_attribute", {"ann_id": t1, "name": "Negated", "value": "x"}, "takes no value"),
            ("set_attribute", {"ann_id": t1, "name": "Other"}, "unknown attribute"),
            ("set_attribute", {"ann_id": t2, "name": "Level", "value": "low"}, "does not apply"),
            ("delete_note", {"note_id": "#99"}, "not in document"),
        ]
        for kind, fields, message in bad:
            ack = be.apply(op(9, kind, 4, doc_id=d, **fields))
            assert not ack["ok"] and message in ack["error"], ack
        assert be.apply(op(9, "delete_note", 4, doc_id=d, note_id=first["id"]))["ok"]
        assert be.apply(op(10, "delete_attribute", 5, doc_id=d, ann_id=t1, name="Negated"))["ok"]
        view = be.store.load_document(int(d))
        assert [(a.target, a.type, a.value) for a in view.attributes] == [("T1", "Level", "high")]
        assert [(n.target, n.text) for n in view.notes] == [("T1", "second")]
        assert be.load(d)["entities"][0]["notes"] == [second]
        assert be.apply(op(11, "undo", 6, doc_id=d))["ok"]
        assert len(be.load(d)["entities"][0]["attributes"]) == 2
    finally:
        be.store.close()


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
    assert page["attributes"]["other"] == {"entity": ["Negated"], "relation": ["Certain"]}
    # the same schema again: the same tables, computed once
    assert schema_dict(parse_conf(BRAT_CONF), ("Imported",)) is page


def test_entity_keys_keep_the_page_commands_free():
    names = ["Zone", "Year", "Plus", "Arrow", "Org", "Other"]
    keys = entity_keys(names, [None, None, "+", ">", "o", "o"])
    assert keys == {"Zone": "o", "Year": "e", "Plus": "p", "Arrow": "a", "Org": "r", "Other": "t"}
    assert not RESERVED_KEYS & set(keys.values())
    # letters run out: digits, then nothing
    many = [f"T{i}" for i in range(12)]
    got = entity_keys(many, [None] * 12)
    assert list(got.values()) == ["t", *"123456789"] and len(got) == 10


def test_op_limits_have_one_definition(editor, docs):
    """The page's handler and the store refuse and accept the same shapes, and the page is told
    the limits it checks itself."""
    limits = editor.editor_load({"doc_id": docs["d"]}, None)["config"]["limits"]
    assert limits == {
        "max_fragments": db_edits.MAX_FRAGMENTS,
        "max_note": db_edits.MAX_NOTE,
        "max_value": db_edits.MAX_VALUE,
    }
    most = [[2 * i, 2 * i + 1] for i in range(db_edits.MAX_FRAGMENTS)]
    too_many = [*most, [500, 501]]
    assert validate_op(op(type="Peop", fragments=most))["fragments"] == most
    Edit.add_entity("Peop", [tuple(f) for f in most])
    with pytest.raises(OpError, match="fragments"):
        validate_op(op(type="Peop", fragments=too_many))
    with pytest.raises(EditError, match="fragments"):
        Edit.add_entity("Peop", [tuple(f) for f in too_many])
    for key, limit in (("value", db_edits.MAX_VALUE), ("text", db_edits.MAX_NOTE)):
        kind = "set_attribute" if key == "value" else "set_note"
        fields = {"ann_id": "e1", "name": "Level"} if key == "value" else {"ann_id": "e1"}
        assert validate_op(op(kind=kind, **fields, **{key: "x" * limit}))[key]
        with pytest.raises(OpError):
            validate_op(op(kind=kind, **fields, **{key: "x" * (limit + 1)}))


def test_page_speaks_the_store_statuses(editor, backend, docs):
    loaded = editor.editor_load({"doc_id": docs["d"]}, None)
    assert loaded["config"] == PAGE_CONFIG
    assert PAGE_CONFIG["statuses"] == list(DOCUMENT_STATUSES)
    assert {PAGE_CONFIG["done"], PAGE_CONFIG["reopened"]} <= set(DOCUMENT_STATUSES)
    assert loaded["doc"]["status"] in DOCUMENT_STATUSES
    d = docs["d"]
    ack = editor.editor_apply(op(kind="set_status", status="in-progress", doc_id=d), None)
    assert ack["ok"] and ack["changes"]["status"] == "in-progress", ack
    assert backend.store.load_document(int(d)).status == "in-progress"
    assert backend.load(d)["status"] == "in-progress"
