"""The Documents screen's annotation layers (issue 24, ``app.screens.document_layers``), without
a browser: the "layers" column says who holds a layer of each document and its status;
"Assign to k annotators" gives a share of the listed documents without layers to k people
each, evenly, says what it did, refuses bad input without assigning anything, and never gives
a document more people on a second press; the project setting that shows annotators each
other's layers; the new controls have the element ids the browser tests use, and a manager's
actions are a manager's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.permissions import HANDLERS, MANAGE, READ
from app.screens import document_layers, documents_tab
from converters.document import Document
from converters.schema import EntityType, Schema
from db import Edit, Store

P = "team"
NAMES = [f"doc{i:02d}" for i in range(10)]


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator:
    from app.ui import AppConfig, SpanrelApp

    store.create_project(P, Schema([EntityType("Thing")]))
    store.import_documents(P, [Document(n, f"Text number {n}.") for n in NAMES])
    for name, role in (("boss", None), ("ann", None), ("bob", None), ("cy", None)):
        store.add_user(name, "A-pw-0001-docs", role=role)
    store.add_user("cur", "A-pw-0001-docs", role="curator")
    store.add_user("gone", "A-pw-0001-docs")
    store.set_disabled("gone", True)
    spanrel = SpanrelApp(store, AppConfig(models_dir=tmp_path / "models", auto_retrain=False))
    yield spanrel
    spanrel.close()


def _assign(app, project, filters, people, k, share, user: str = "boss") -> str:
    """The result line as the person reads it (the Markdown escapes taken off)."""
    msg = documents_tab.assign_k_listed(app, project, filters, people, k, share, user)
    return msg.replace("\\", "")


def _layers(app, search: str = "") -> dict[str, str]:
    frame, _ = app.documents_frame(P, "all", "", search)
    return dict(zip(frame["name"], frame["layers"], strict=True))


def test_the_layers_column_names_each_owner_and_status(app) -> None:
    store = app.store
    assert set(_layers(app).values()) == {""}
    store.assign_layers(P, ["doc01"], ["bob", "ann"])
    d1 = store.find_document(P, "doc01")
    ann = store.layer_for(d1, "ann")
    store.apply_edit(ann, Edit.set_status("done"), store.load_document(ann).version, "ann")
    shown = _layers(app)
    assert shown["doc01"] == "ann:done bob:new"
    assert {v for k, v in shown.items() if k != "doc01"} == {""}
    frame, _ = app.documents_frame(P)
    assert list(frame.columns) == documents_tab.DOC_HEADERS
    assert (
        documents_tab.DOC_HEADERS.index("layers")
        == documents_tab.DOC_HEADERS.index("status by") + 1
    )
    assert len(frame) == len(NAMES)  # the layers are not rows of their own


def test_assign_to_k_annotators_gives_a_share_evenly(app) -> None:
    store = app.store
    assert document_layers.people_choices(store) == ["ann", "bob", "cy", "cur", "boss"]
    msg = _assign(app, P, ("all", "", ""), ["ann", "bob", "cy"], 2, 50)
    shown = _layers(app)
    given = {name: cell for name, cell in shown.items() if cell}
    assert len(given) == 5  # 50 % of 10
    assert all(len(cell.split()) == 2 for cell in given.values())  # k = 2 each
    load = Counter(cell.split(":")[0] for v in given.values() for cell in v.split())
    assert sorted(load.values()) == [3, 3, 4]  # 10 layers over 3 people, evenly
    assert msg.startswith("5 of 10 listed document(s) without layers (50 %) given to 2 ")
    for name, cell in given.items():
        who = [c.split(":")[0] for c in cell.split()]
        assert f"{name} ({', '.join(who)})" in msg
        layer = store.layer_for(store.find_document(P, name), who[0])
        assert layer is not None and store.history(layer, limit=1)[0].author == "boss"
    assert f"new layers: ann {load['ann']}, bob {load['bob']}, cy {load['cy']}." in msg

    # a second press gives only the documents without layers; those with layers keep theirs
    again = _assign(app, P, ("all", "", ""), ["ann", "bob", "cy"], 2, 100)
    after = _layers(app)
    assert all(after[name] == cell for name, cell in given.items())
    assert all(len(cell.split()) == 2 for cell in after.values())
    assert again.startswith("5 of 5 listed document(s) without layers (100 %)"), again
    assert "; 5 listed document(s) already had layers, left as they were." in again
    third = _assign(app, P, ("all", "", ""), ["ann", "bob"], 1, 100)
    assert third == "Every listed document (10) already has layers: nothing assigned."
    assert _layers(app) == after


def test_assign_to_k_annotators_takes_the_listed_documents_only(app) -> None:
    msg = _assign(app, P, ("all", "", "doc0"), ["ann", "cy"], 1, 50)
    assert msg.startswith("5 of 10"), msg  # doc00..doc09: all ten match "doc0"
    msg = _assign(app, P, ("all", "", "doc03"), ["ann", "cy"], 1, 100)
    shown = _layers(app)
    assert shown["doc03"] != ""
    if msg.startswith("Every"):  # the first draw had taken doc03 already
        assert msg == "Every listed document (1) already has layers: nothing assigned."
    else:
        assert msg.startswith("1 of 1 ") and "doc03 (" in msg
    assert sum(1 for cell in shown.values() if cell) == 5 + (not msg.startswith("Every"))
    assert _assign(app, P, ("all", "", "nothing like it"), ["ann"], 1, 100) == (
        "No document is listed."
    )
    # 1 % of 10 is still one document (a share above nothing gives at least one); people
    # may also come as one comma-separated line
    app.store.create_project("q", Schema([EntityType("Thing")]))
    app.store.import_documents("q", [Document(n, "x y.") for n in NAMES])
    one = _assign(app, "q", ("all", "", ""), "ann, bob", 2, 1)
    assert one.startswith("1 of 10"), one
    assert _assign(app, None, ("all", "", ""), ["ann"], 1, 100) == "Choose a project first."


@pytest.mark.parametrize(
    ("people", "k", "share", "said"),
    [
        (["ann", "bob"], 3, 100, "3 annotators per document, but only 2 chosen"),
        ([], 1, 100, "choose the annotators first"),
        (["  ", ""], 1, 100, "choose the annotators first"),
        (["ann"], 0, 100, "between 1 and 1000"),
        (["ann", "bob"], 1.5, 100, "whole number"),
        (["ann"], None, 100, "must be a number"),
        (["ann"], 1, 150, "between 0 and 100"),
        (["ann"], 1, -1, "between 0 and 100"),
        (["a\nb"], 1, 100, "control characters"),
    ],
)
def test_assign_to_k_annotators_refuses_bad_input(app, people, k, share, said) -> None:
    msg = _assign(app, P, ("all", "", ""), people, k, share)
    assert msg.startswith("\u26a0 Not assigned: ") and said in msg, msg
    assert set(_layers(app).values()) == {""}


def test_the_project_may_show_annotators_each_others_layers(app) -> None:
    store = app.store
    assert document_layers.shows_other_layers(store, P) is False
    assert "see each other's" in document_layers.set_show_other_layers(store, P, True)
    assert document_layers.shows_other_layers(store, P) is True
    assert store.get_project(P).settings["show_other_layers"] is True
    assert "only their own" in document_layers.set_show_other_layers(store, P, False)
    assert document_layers.shows_other_layers(store, P) is False
    assert document_layers.shows_other_layers(store, None) is False


def test_the_new_controls_have_stable_ids_and_a_managers_actions(app) -> None:
    demo = app.build()
    ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
    for elem_id in (
        "layer-chooser",
        "layer-open",
        "assign-k-people",
        "assign-k",
        "assign-k-share",
        "assign-k-button",
        "assign-k-result",
        "show-other-layers",
    ):
        assert elem_id in ids, elem_id
    screen = "app.screens.documents_tab"
    assert HANDLERS[(screen, "assign_k_layers")][0] == MANAGE
    assert HANDLERS[(screen, "set_show_layers")][0] == MANAGE
    assert HANDLERS[(screen, "refresh_layer_controls")][0] == READ
    assert HANDLERS[("app.screens.annotate_tab", "show_layer")][0] == READ
    assert HANDLERS[("app.screens.annotate_tab", "choose_layer")][0] == READ
