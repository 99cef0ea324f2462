"""A page after a reload of its tab, and the toolbar's "next", through the app's ``StoreBackend``
and the editor's server functions on a real database (no browser: the page's side is
tests/js/identity.test.js, tests/js/trail.test.js and test_editor_browser.py).

A reloaded page keeps its client id (so its undo reaches what it did before the reload) and
numbers its operations on from where it was: the store answers a ``(client_id, seq)`` it has
recorded from that record, so numbering from 1 again would have new edits answered as repeats.
"""

from __future__ import annotations

from collections.abc import Iterator

import gradio as gr
import pytest

from app import ordering
from app.editor.demo import store_document
from app.editor.editor import AnnotationEditor
from app.store_backend import StoreBackend
from db import Edit
from tests.app.store_ops import PROJECT, make_backend, op, store_two_documents


@pytest.fixture
def backend(backend_url: str) -> Iterator[StoreBackend]:
    """The app's backend on this test's own empty database (these tests read exact versions
    and the project's whole list of documents)."""
    be = make_backend(backend_url)
    yield be
    be.store.close()


def test_a_reloaded_page_goes_on_under_its_client_id(backend):
    d = store_two_documents(backend)["d"]  # "Alice works for Acme in Paris."
    store = backend.store

    def add(seq, base, etype, start, end, client="c1"):
        sent = op(seq, base=base, type=etype, fragments=[[start, end]], doc_id=d)
        return backend.apply({**sent, "client_id": client})

    def types():
        return sorted(e.type for e in store.load_document(int(d)).entities)

    # page c1 before the reload: two edits; another page's edit after them
    assert add(1, 0, "Peop", 0, 5)["ok"] and add(2, 1, "Org", 16, 20)["ok"]
    assert add(1, 2, "Loc", 24, 29, client="c2")["ok"]
    # after the reload: the same client id, the next number; applied, not answered
    after = add(3, 3, "Other", 6, 11)
    assert after["ok"] and not after.get("repeat") and after["version"] == 4
    assert types() == ["Loc", "Org", "Other", "Peop"]
    # what numbering from 1 again would do: the first edit's record comes back, nothing applied
    again = add(1, 4, "Other", 12, 15)
    assert again["ok"] and again["repeat"] and again["version"] == 4
    assert types() == ["Loc", "Org", "Other", "Peop"]
    # undo twice: the page's edit after the reload, then its last one before it; c2's stays
    first = backend.apply(op(4, kind="undo", base=4, doc_id=d))
    second = backend.apply(op(5, kind="undo", base=first["version"], doc_id=d))
    assert first["ok"] and second["ok"] and not second.get("repeat")
    assert types() == ["Loc", "Peop"]


def test_next_is_the_persons_next_document_to_do(backend):
    store = backend.store
    ids = {
        name: store_document(store, PROJECT, {"doc_id": name, "text": f"Text of {name}."})[0]
        for name in ("d1", "d2", "d3", "d4", "d5", "d6")
    }
    db = {name: int(page_id) for name, page_id in ids.items()}

    def edit(name, change):
        store.apply_edit(db[name], change, store.load_document(db[name]).version, "mgr")

    edit("d4", Edit.set_assignee("ann"))
    edit("d6", Edit.set_assignee("ann"))
    edit("d5", Edit.set_assignee("bob"))
    edit("d2", Edit.set_status("done"))
    # ann's list: her own unfinished ones, then those open to all; bob's d5 and done d2 are out
    assert ordering.to_do(store, PROJECT, "ann") == [db[n] for n in ("d4", "d6", "d1", "d3")]
    assert ordering.next_to_do(store, PROJECT, "ann") == db["d4"]  # the Annotate tab's pick
    person = {"name": "ann"}  # who the editor's calls come from
    with gr.Blocks():
        ed = AnnotationEditor(backend, {"doc_id": ids["d1"]}, user_of=lambda r: person["name"])

    def step(name):
        res = ed.editor_load({"doc_id": ids[name], "step": "next"}, None)
        if not res["ok"]:
            return res
        return next(n for n, i in ids.items() if i == res["doc"]["doc_id"])

    # along the list, round to its start after the last
    assert [step(n) for n in ("d4", "d6", "d1", "d3")] == ["d6", "d1", "d3", "d4"]
    # from outside it (finished, someone else's): its first
    assert step("d2") == "d4" and step("d5") == "d4"
    # bob's list is his d5, then the open ones
    person["name"] = "bob"
    assert step("d3") == "d5"
    person["name"] = "ann"
    # least confident first: within each part of the list
    store.set_uncertainty({db["d6"]: 0.9, db["d3"]: 0.7, db["d1"]: 0.2})
    ordering.set_order(store, PROJECT, ordering.UNCERTAINTY)
    assert ordering.to_do(store, PROJECT, "ann") == [db[n] for n in ("d6", "d4", "d3", "d1")]
    assert [step(n) for n in ("d6", "d4", "d3", "d1")] == ["d4", "d3", "d1", "d6"]
    assert step("d2") == "d6"
    # the list changes under the page: asked when pressed
    for name in ("d1", "d3", "d6"):
        edit(name, Edit.set_status("done"))
    assert step("d4") == {"ok": False, "none_left": True, "error": "nothing left to do"}
    assert step("d1") == "d4"
    assert ed.editor_load({"doc_id": ids["d1"], "step": "back"}, None)["ok"] is False
    assert ed.editor_load({"doc_id": "999999", "step": "next"}, None) == {
        "ok": False,
        "error": "document not found",
    }
