"""The editor's sequencing, through the same server functions the page calls (no browser), over
the app's ``StoreBackend`` on a real database. The page retries and several pages edit at once,
so each operation must be validated and applied exactly once, in order, even when a retry races
the original; a failing database becomes a refusal rather than an error; the component's config
stays free of the backend; the op limits have one definition shared by page and store; and the
page speaks the store's document statuses.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import gradio as gr
import pytest
from sqlalchemy import text

from app.editor.demo import store_document
from app.editor.editor import PAGE_CONFIG, AnnotationEditor
from app.editor.ops import OpError, validate_op
from app.store_backend import StoreBackend
from db import Edit, EditError
from db import edits as db_edits
from db.models import DOCUMENT_STATUSES
from tests.app.store_ops import PROJECT, TEXT, make_backend, op, store_two_documents


@pytest.fixture
def backend(backend_url: str) -> Iterator[StoreBackend]:
    """The app's backend on this test's own empty database, with the CoNLL04 project (not the
    module-wide one of conftest.py: one of these tests drops a table under the store)."""
    be = make_backend(backend_url)
    yield be
    be.store.close()


@pytest.fixture
def docs(backend: StoreBackend) -> dict[str, str]:
    """Page ids of two stored documents, "d" (``TEXT``) and "e", in that order."""
    return store_two_documents(backend)


@pytest.fixture
def editor(backend: StoreBackend, docs: dict[str, str]) -> AnnotationEditor:
    with gr.Blocks():
        return AnnotationEditor(backend, {"doc_id": docs["d"], "revision": 0})


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
