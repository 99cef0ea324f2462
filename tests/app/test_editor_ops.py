"""Operation shape validation, the in-memory backend's rules and the editor's sequencing,
exercised through the same server functions the page calls (no browser)."""

from __future__ import annotations

import threading

import gradio as gr
import pytest

from app.editor.backend import EditorBackend, MemoryBackend
from app.editor.demo import CONLL04_SCHEMA
from app.editor.editor import AnnotationEditor, OpSequencer
from app.editor.ops import OpError, validate_op

TEXT = "Alice works for Acme in Paris."


def op(seq=1, kind="add_entity", base=0, **fields):
    out = {"doc_id": "d", "client_id": "c1", "seq": seq, "base_version": base, "kind": kind}
    out.update(fields)
    return out


@pytest.fixture
def backend():
    be = MemoryBackend(CONLL04_SCHEMA)
    be.add_document("d", TEXT)
    be.add_document("e", "Second.")
    return be


@pytest.fixture
def editor(backend):
    with gr.Blocks():
        return AnnotationEditor(backend, {"doc_id": "d", "revision": 0})


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
        (op(kind="add_relation", type="Kill", arg1="T1", arg2="T1"), "two different"),
        (op(kind="accept_all", min_confidence=1.5), "between 0 and 1"),
        (op(kind="accept_all", min_confidence=float("nan")), "between 0 and 1"),
        (op(kind="set_status", status="Done!"), "status"),
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


def test_memory_backend_is_an_editor_backend(backend):
    assert isinstance(backend, EditorBackend)
    doc = backend.load("d")
    assert doc["next_id"] == "e" and doc["prev_id"] is None and doc["version"] == 0


def test_backend_rules(backend):
    add = backend.apply(op(type="Peop", fragments=[[0, 5]]))
    assert add["ok"] and add["version"] == 1 and add["changes"]["entities"][0]["id"] == "T1"
    backend.apply(op(2, base=1, type="Org", fragments=[[16, 20]]))
    bad = [
        (op(3, base=2, type="Nope", fragments=[[0, 5]]), "not in the schema"),
        (op(3, base=2, type="Peop", fragments=[[0, 500]]), "outside the text"),
        (op(3, base=2, type="Peop", fragments=[[5, 6]]), "whitespace"),
        (op(3, base=2, type="Peop", fragments=[[0, 5]]), "exists already"),
        (op(3, base=2, kind="add_relation", type="Kill", arg1="T1", arg2="T2"), "does not allow"),
        (op(3, base=1, type="Loc", fragments=[[24, 29]]), "changed elsewhere"),
        (op(3, base=2, kind="redo"), "nothing to redo"),
    ]
    for payload, message in bad:
        ack = backend.apply(payload)
        assert not ack["ok"] and message in ack["error"], (payload, ack)
    assert backend.apply(op(3, base=1, type="Loc", fragments=[[24, 29]]))["conflict"]
    rel = backend.apply(op(3, base=2, kind="add_relation", type="Work_For", arg1="T1", arg2="T2"))
    assert rel["ok"] and rel["changes"]["relations"][0]["type"] == "Work_For"
    # retyping an argument into a type the relation does not allow is refused
    ack = backend.apply(op(4, base=3, kind="change_entity", entity_id="T2", type="Loc"))
    assert not ack["ok"] and "relation" in ack["error"]
    # deleting an entity deletes its relations; undo brings both back, redo removes again
    ack = backend.apply(op(4, base=3, kind="delete_entity", entity_id="T1"))
    assert ack["changes"]["deleted_entities"] == ["T1"]
    assert ack["changes"]["deleted_relations"] == [rel["changes"]["relations"][0]["id"]]
    ack = backend.apply(op(5, base=4, kind="undo"))
    assert {e["id"] for e in ack["changes"]["entities"]} == {"T1"}
    assert len(backend.load("d")["relations"]) == 1
    backend.apply(op(6, base=5, kind="redo"))
    assert [e["id"] for e in backend.load("d")["entities"]] == ["T2"]
    ack = backend.apply(op(7, base=6, kind="set_status", status="done"))
    assert ack["changes"]["status"] == "done" and backend.load("d")["status"] == "done"


def test_suggestions(backend):
    sugg = {"source": "model", "review": "suggested"}
    backend.add_document(
        "s",
        TEXT,
        entities=[
            {"id": "T1", "type": "Peop", "fragments": [[0, 5]], "confidence": 0.9, **sugg},
            {"id": "T2", "type": "Org", "fragments": [[16, 20]], "confidence": 0.4, **sugg},
            {"id": "T3", "type": "Loc", "fragments": [[24, 29]], "confidence": 0.7, **sugg},
        ],
        relations=[
            {"id": "R1", "type": "Work_For", "arg1": "T1", "arg2": "T2", "confidence": 0.8, **sugg}
        ],
    )
    base = {"doc_id": "s", "client_id": "c"}
    ack = backend.apply(
        {**base, "seq": 1, "base_version": 0, "kind": "accept_all", "min_confidence": 0.75}
    )
    assert ack["ok"] and "accepted 2" in ack["message"]
    reviews = {e["id"]: e["review"] for e in backend.load("s")["entities"]}
    # the relation was accepted, so were both its arguments (T2 despite 0.4)
    assert reviews == {"T1": "accepted", "T2": "accepted", "T3": "suggested"}
    ack = backend.apply({**base, "seq": 2, "base_version": 1, "kind": "reject", "ann_id": "T3"})
    assert ack["ok"]
    ack = backend.apply({**base, "seq": 3, "base_version": 2, "kind": "accept", "ann_id": "T3"})
    assert not ack["ok"] and "not a pending suggestion" in ack["error"]


def test_server_function_validates_and_deduplicates(editor, backend):
    first = editor.editor_apply(op(type="Peop", fragments=[[0, 5]]), None)
    again = editor.editor_apply(op(type="Peop", fragments=[[0, 5]]), None)
    assert first["ok"] and again["ok"] and again["repeat"] and again["version"] == 1
    assert len(backend.load("d")["entities"]) == 1
    gap = editor.editor_apply(op(3, base=1, type="Org", fragments=[[16, 20]]), None)
    assert not gap["ok"] and gap["expected"] == 2
    bad = editor.editor_apply({"kind": "add_entity"}, None)
    assert bad == {"ok": False, "seq": None, "error": bad["error"]} and "missing" in bad["error"]
    assert editor.editor_apply(None, None)["ok"] is False
    loaded = editor.editor_load({"doc_id": "d"}, None)
    assert loaded["ok"] and loaded["doc"]["version"] == 1
    assert editor.editor_load({"doc_id": "missing"}, None) == {
        "ok": False,
        "error": "document not found",
    }
    assert editor.editor_load({"doc_id": 5}, None)["ok"] is False


def test_backend_exception_becomes_refusal():
    class Broken(MemoryBackend):
        def apply(self, op, user=None):
            raise RuntimeError("disk full")

    be = Broken(CONLL04_SCHEMA)
    be.add_document("d", TEXT)
    with gr.Blocks():
        ed = AnnotationEditor(be, {"doc_id": "d", "revision": 0})
    ack = ed.editor_apply(op(type="Peop", fragments=[[0, 5]]), None)
    assert ack == {"ok": False, "seq": 1, "error": "not saved (disk full)"}


def test_sequencer_applies_concurrent_clients_once_each(backend):
    seq = OpSequencer()
    applied = []

    def apply(o):
        applied.append((o["client_id"], o["seq"]))
        return {"ok": True, "seq": o["seq"]}

    def client(name):
        for n in range(1, 21):
            for _ in range(2):  # every op sent twice
                seq.run({"doc_id": "d", "client_id": name, "seq": n}, apply)

    threads = [threading.Thread(target=client, args=(f"c{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(applied) == 80
    for i in range(4):
        assert [s for c, s in applied if c == f"c{i}"] == list(range(1, 21))


def test_editor_config_stays_static(editor):
    config = editor.get_config()
    assert "backend" not in config and "user_of" not in config
    assert "value" not in editor.html_template and "{{" not in editor.html_template
    with pytest.raises(ValueError, match="CSS length"):
        AnnotationEditor(MemoryBackend(CONLL04_SCHEMA), editor_height="1px;}body{")


def test_memory_backend_attributes_and_notes():
    schema = {
        **CONLL04_SCHEMA,
        "attribute_types": [
            {"name": "Negated", "targets": ["<ENTITY>"], "values": []},
            {"name": "Level", "targets": ["Peop"], "values": ["low", "high"]},
        ],
    }
    be = MemoryBackend(schema)
    be.add_document("d", TEXT, entities=[{"id": "T1", "type": "Peop", "fragments": [[0, 5]]}])
    steps = [
        ("set_attribute", {"ann_id": "T1", "name": "Negated"}),
        ("set_attribute", {"ann_id": "T1", "name": "Level", "value": "high"}),
        ("set_note", {"ann_id": "T1", "text": "first"}),
        ("set_note", {"ann_id": "T1", "text": "second"}),
    ]
    for seq, (kind, fields) in enumerate(steps, 1):
        assert be.apply(op(seq, kind, seq - 1, **fields))["ok"]
    t1 = be.load("d")["entities"][0]
    assert t1["attributes"] == [{"name": "Negated"}, {"name": "Level", "value": "high"}]
    first, second = t1["notes"]
    assert (first["text"], second["text"]) == ("first", "second")
    bad = [
        ("set_attribute", {"ann_id": "T1", "name": "Level", "value": "max"}, "not a value"),
        ("set_attribute", {"ann_id": "T1", "name": "Negated", "value": "x"}, "not a value"),
        ("set_attribute", {"ann_id": "T1", "name": "Other"}, "does not apply"),
        ("delete_note", {"note_id": "#99"}, "no note"),
    ]
    for kind, fields, message in bad:
        ack = be.apply(op(9, kind, 4, **fields))
        assert not ack["ok"] and message in ack["error"], ack
    assert be.apply(op(9, "delete_note", 4, note_id=first["id"]))["ok"]
    assert be.apply(op(10, "delete_attribute", 5, ann_id="T1", name="Negated"))["ok"]
    t1 = be.load("d")["entities"][0]
    assert t1["attributes"] == [{"name": "Level", "value": "high"}] and t1["notes"] == [second]
    assert be.apply(op(11, "undo", 6))["ok"]
    assert len(be.load("d")["entities"][0]["attributes"]) == 2
