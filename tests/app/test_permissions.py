"""Who may do what: every handler of the page has an action in ``app.permissions.HANDLERS``,
and the guard in front of each one asks the account's role in the database at every call."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from app.permissions import (
    ANNOTATE,
    CURATE,
    HANDLERS,
    MANAGE,
    READ,
    ROLE_MAY,
    Actor,
    Gate,
    Refused,
    may,
    may_edit_document,
    may_see_layer,
    unclassified,
)
from db import Store
from db.models import ROLES


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Store, gr.Blocks]]:
    from app.ui import AppConfig, create_app

    store = Store.open(f"sqlite:///{tmp_path / 'p.sqlite'}")
    app, demo = create_app(
        store, AppConfig(models_dir=tmp_path / "models", auto_retrain=False, sign_in=True)
    )
    yield store, demo
    app.close()
    store.close()


def test_every_handler_of_the_page_is_classified(built) -> None:
    _, demo = built
    handlers = [bf for bf in demo.fns.values() if bf.fn is not None]
    assert len(handlers) > 20  # the page was built, with its buttons
    assert unclassified(demo) == []
    assert all(hasattr(bf.fn, "_sr_handler") for bf in handlers)  # each one is guarded


def _call(demo: gr.Blocks, module: str, name: str, username: str | None) -> None:
    """Call the guarded handler ``module.name`` as ``username`` (its inputs do not matter:
    a refusal comes before the handler runs)."""
    block_fn = next(
        bf
        for bf in demo.fns.values()
        if bf.fn is not None
        and (bf.fn._sr_handler.__module__, bf.fn._sr_handler.__name__) == (module, name)
    )
    request = gr.Request(username=username)
    fn = block_fn.fn
    n = len(inspect.signature(fn).parameters) - 1
    fn(request, *([None] * n))


def _handler(demo: gr.Blocks, module: str, name: str) -> Any:
    """The handler ``module.name`` itself, without the guard."""
    return next(
        bf.fn._sr_handler
        for bf in demo.fns.values()
        if bf.fn is not None
        and (bf.fn._sr_handler.__module__, bf.fn._sr_handler.__name__) == (module, name)
    )


def test_every_refusal_is_the_same_toast_that_stays_until_closed(
    built, monkeypatch, caplog
) -> None:
    """The guard's refusals and the screens' own (a schema change, an import, an account
    change) are one kind of toast (``refuse``), staying until closed. The guard's and
    the People tab's end the handler with a ``gr.Error`` that shows no toast of its own; the
    schema's and the import's let the handler write the details on the screen's line."""
    caplog.set_level(logging.INFO, logger="app.permissions")
    store, demo = built
    toasts: list[tuple[str, float | None]] = []

    def toast(message: str, duration: float | None = 10, visible: bool = True, title: str = ""):
        toasts.append((message, duration))

    monkeypatch.setattr(gr, "Warning", toast)
    store.add_user("mia", "Mia-pw-0001-perm")
    store.add_user("ann", "Ann-pw-0002-perm")
    said = "Only a manager may export a project; you are signed in as an annotator."
    with pytest.raises(gr.Error, match="Only a manager may export") as refused:
        _call(demo, "app.screens.exporting_tab", "do_export", "ann")
    assert not refused.value.visible and refused.value.duration is None
    assert toasts == [(said, None)]

    toasts.clear()  # a refused schema change: the toast, and the line under the form
    change = _handler(demo, "app.screens.projects_tab", "change")
    line, _, _ = change(None, "add", "entity", "Peop")
    assert line == "\u26a0 Choose a project first."
    assert toasts == [("Schema not changed: see the message under the form.", None)]

    toasts.clear()  # a refused import: the toast, and the problems under the button
    do_import = _handler(demo, "app.screens.importing_tab", "do_import")
    mia = gr.Request(username="mia")
    line, *_ = do_import(None, "auto", "", None, None, mia, progress=lambda *a, **k: None)
    assert line.startswith("\u26a0") and "choose or name a project" in line
    said = "Nothing was imported: the problems are listed under the button."
    assert toasts == [(said, None)]
    assert "refused ann (annotator): export a project" in caplog.text  # the guard's: who
    assert f": {said}" in caplog.text  # a screen's refusal is logged too

    toasts.clear()  # a screen's own line for a store refusal (refused_line): the same toast
    rename = _handler(demo, "app.screens.cleanup", "rename_project")
    line, *_ = rename(None, "x", mia)
    assert line == "\u26a0 choose a project first"
    assert toasts == [("choose a project first", None)]
    assert ": choose a project first" in caplog.text

    toasts.clear()  # an account change the rules refuse
    change_person = _handler(demo, "app.screens.people", "change_person")
    with pytest.raises(gr.Error, match="Choose a person first") as refused:
        change_person(None, "", "disable")
    assert not refused.value.visible and refused.value.duration is None
    assert toasts == [("Choose a person first.", None)]


@pytest.mark.filterwarnings("ignore::UserWarning")  # the toast, outside a Gradio event
def test_an_annotator_is_refused_a_managers_action_and_a_disabled_account_everything(
    built, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="app.permissions")
    store, demo = built
    store.add_user("mia", "Mia-pw-0001-perm")
    store.add_user("ann", "Ann-pw-0002-perm")
    with pytest.raises(gr.Error, match="Only a manager may export a project") as refused:
        _call(demo, "app.screens.exporting_tab", "do_export", "ann")
    assert refused.value.duration is None  # the page's toast stays until it is closed
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert said == ["refused ann (annotator): export a project"], said  # logged once
    with pytest.raises(gr.Error, match="Only a manager may change the schema"):
        _call(demo, "app.screens.projects_tab", "change", "ann")
    store.set_role("ann", "manager")  # asked at every call: takes effect at once
    try:  # the handler itself runs now (with no project it has nothing to export)
        _call(demo, "app.screens.exporting_tab", "do_export", "ann")
    except Exception as exc:
        assert "Only a manager" not in str(exc)
    store.set_disabled("ann", True)
    with pytest.raises(gr.Error, match="disabled or gone"):
        _call(demo, "app.screens.page_place", "refresh_project", "ann")


def test_gate_rules(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'g.sqlite'}") as store:
        store.add_user("mia", "Mia-pw-0001-perm")
        store.add_user("ann", "Ann-pw-0002-perm")
        gate = Gate(store, cli_managers=["ops"])
        assert gate.check("mia", MANAGE, "x").role == "manager"
        assert gate.check("ops", MANAGE, "x").role == "manager"  # --auth accounts manage
        assert gate.check("ann", READ, "x").role == "annotator"
        with pytest.raises(Refused, match="Only a manager may x"):
            gate.check("ann", MANAGE, "x")
        with pytest.raises(Refused):
            gate.check(None, READ, "x")  # signing in, but no name: nobody
        assert gate.may_edit("ann", None) == "" and gate.may_edit("ann", "ann") == ""
        assert "assigned to bob" in gate.may_edit("ann", "bob")
        assert gate.may_edit("mia", "bob") == ""
        # done by someone else (imported gold, a colleague): a manager reopens it
        assert "ask a manager to reopen" in gate.may_edit("ann", None, "done", "import")
        assert gate.may_edit("ann", None, "done", "ann") == ""  # her own: she may reopen
        assert gate.may_edit("mia", None, "done", "import") == ""
        open_gate = Gate(store, open_user="osuser")
        assert open_gate.check(None, MANAGE, "x") == open_gate.actor(None)
        assert open_gate.actor(None).name == "osuser"
    assert all(action in (READ, ANNOTATE, CURATE, MANAGE) for action, _ in HANDLERS.values())


def test_each_role_may_what_its_table_says() -> None:
    assert set(ROLE_MAY) == set(ROLES) == {"manager", "curator", "annotator"}
    actions = (READ, ANNOTATE, CURATE, MANAGE)
    allowed = {role: {a for a in actions if may(role, a)} for role in ROLES}
    assert allowed == {
        "manager": {READ, ANNOTATE, CURATE, MANAGE},
        "curator": {READ, ANNOTATE, CURATE},
        "annotator": {READ, ANNOTATE},
    }
    assert not may(None, READ) and not may("admin", READ)  # an unknown role may nothing


def test_a_curator_curates_and_annotates_but_does_not_manage(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'c.sqlite'}") as store:
        store.add_user("mia", "Mia-pw-0001-perm")
        store.add_user("cur", "Cur-pw-0003-perm", role="curator")
        store.add_user("ann", "Ann-pw-0002-perm")
        gate = Gate(store)
        for action in (READ, ANNOTATE, CURATE):
            assert gate.check("cur", action, "x").role == "curator"
        assert gate.check("mia", CURATE, "curate").role == "manager"
        said = "Only a manager or a curator may curate; you are signed in as an annotator."
        with pytest.raises(Refused) as refused:
            gate.check("ann", CURATE, "curate")
        assert str(refused.value) == said
        said = "Only a manager may export a project; you are signed in as a curator."
        with pytest.raises(Refused) as refused:
            gate.check("cur", MANAGE, "export a project")
        assert str(refused.value) == said
        store.set_role("cur", "annotator")  # asked at every call: takes effect at once
        with pytest.raises(Refused, match="you are signed in as an annotator"):
            gate.check("cur", CURATE, "curate")


@pytest.mark.filterwarnings("ignore::UserWarning")  # the toast, outside a Gradio event
def test_the_guard_refuses_a_curator_a_managers_action_and_lets_them_read(built) -> None:
    store, demo = built
    store.add_user("mia", "Mia-pw-0001-perm")
    store.add_user("cur", "Cur-pw-0003-perm", role="curator")
    with pytest.raises(gr.Error, match=r"Only a manager may export a project; .* a curator"):
        _call(demo, "app.screens.exporting_tab", "do_export", "cur")
    with pytest.raises(gr.Error, match="Only a manager may add people"):
        _call(demo, "app.screens.people", "add_person", "cur")
    _call(demo, "app.screens.people", "list_people", "cur")  # a reader's handler runs


MIA, CUR, ANN, BOB = (
    Actor("mia", "manager"),
    Actor("cur", "curator"),
    Actor("ann", "annotator"),
    Actor("bob", "annotator"),
)


@pytest.mark.parametrize(
    ("actor", "owner", "open_layers", "sees"),
    [
        (ANN, "", False, True),  # the curated document: everyone who reads
        (ANN, "ann", False, True),  # her own layer
        (ANN, "bob", False, False),  # not a colleague's, until the project opens them
        (ANN, "bob", True, True),
        (CUR, "bob", False, True),  # a curator sees every layer
        (CUR, "cur", False, True),
        (MIA, "bob", False, True),
        (Actor("eve", "admin"), "", False, False),  # an unknown role sees nothing
    ],
)
def test_who_sees_which_layer(actor: Actor, owner: str, open_layers: bool, sees: bool) -> None:
    assert may_see_layer(actor, owner, open_layers=open_layers) is sees


LAYERED = {"layer_owners": ("ann", "cur")}  # a curated document annotated in two layers
DONE_BY_IMPORT = {"status": "done", "status_by": "import"}


@pytest.mark.parametrize(
    ("actor", "row", "refusal"),
    [
        # a document without layers: the rules of before for annotators
        (ANN, {}, ""),
        (ANN, {"assignee": "bob"}, "assigned to bob"),
        (ANN, DONE_BY_IMPORT, "ask a manager to reopen"),
        # a curator edits every curated document, whoever has it and whatever its status
        (CUR, {"assignee": "bob"}, ""),
        (CUR, DONE_BY_IMPORT, ""),
        (CUR, LAYERED, ""),
        (CUR, {**LAYERED, **DONE_BY_IMPORT, "assignee": "bob"}, ""),
        (MIA, {**LAYERED, **DONE_BY_IMPORT, "assignee": "bob"}, ""),
        # a document in layers: an annotator edits her own layer, not the curated document
        (ANN, LAYERED, "this is the curated document: annotate your own layer"),
        (BOB, LAYERED, "annotated in layers (by ann, cur); only a manager or a curator edits"),
        (ANN, {"layer_owner": "ann"}, ""),
        (ANN, {"layer_owner": "ann", "assignee": "bob"}, ""),  # her layer is hers
        (ANN, {"layer_owner": "ann", **DONE_BY_IMPORT}, "layer of this document is done"),
        (ANN, {"layer_owner": "ann", "status": "done", "status_by": "ann"}, ""),
        # nobody but a manager edits another person's layer, a curator included
        (ANN, {"layer_owner": "bob"}, "this is bob's layer of the document: only they edit it"),
        (CUR, {"layer_owner": "bob"}, "this is bob's layer"),
        (CUR, {"layer_owner": "cur"}, ""),  # a curator's own layer (she annotates too)
        (MIA, {"layer_owner": "bob"}, ""),
        (MIA, {"layer_owner": "bob", **DONE_BY_IMPORT}, ""),
        (Actor("eve", "admin"), {}, "an admin may not edit documents"),
    ],
)
def test_who_edits_which_document_row(actor: Actor, row: dict[str, Any], refusal: str) -> None:
    said = may_edit_document(actor, **row)
    if refusal:
        assert refusal in said, said
    else:
        assert said == "", said


def test_the_editor_applies_the_layer_rules(backend_url: str) -> None:
    """Through the editor's backend on a real database: a document with two layers (ann's and
    cur's). Someone else's layer is "not found" to an annotator and opens for a curator;
    edits go where the rules say, and a refused one leaves the database as it was."""
    from app.editor.demo import store_document
    from app.store_backend import StoreBackend
    from db import models as m
    from tests.app.store_ops import PROJECT, TEXT, make_backend, op

    backend = make_backend(backend_url)
    store = backend.store
    try:
        for name, role in (("mia", None), ("cur", "curator"), ("ann", None), ("bob", None)):
            store.add_user(name, "A-pw-0001-perm", role=role)
        doc, _ = store_document(store, PROJECT, {"doc_id": "d", "text": TEXT})
        curated = int(doc)

        def add_layers(s: Any) -> dict[str, int]:
            row = s.get(m.Document, curated)
            layers = {}
            for owner in ("ann", "cur"):
                layer = m.Document(
                    project_id=row.project_id,
                    name=row.name,
                    position=row.position,
                    text=row.text,
                    sha256=row.sha256,
                    assignee=owner,
                    layer_of=row.id,
                    layer_owner=owner,
                )
                s.add(layer)
                s.flush()
                layers[owner] = layer.id
            return layers

        layers = {k: str(v) for k, v in store._write(add_layers).items()}
        be = StoreBackend(store, gate=Gate(store))
        page = be.load(doc, "bob")  # bob has no layer of it: the curated document
        assert (page["layer_owner"], page["layer_of"], page["layer_owners"]) == (
            "",
            None,
            ["ann", "cur"],
        )
        mine = be.load(layers["ann"], "ann")
        assert (mine["layer_owner"], mine["layer_of"], mine["layer_owners"]) == (
            "ann",
            curated,
            [],
        )
        with pytest.raises(KeyError):  # cur's layer, to an annotator: not there
            be.load(layers["cur"], "ann")
        with pytest.raises(KeyError):
            be.load(layers["cur"], "bob")
        assert be.load(layers["ann"], "cur")["layer_owner"] == "ann"  # a curator sees all
        assert be.load(layers["cur"], "mia")["layer_owner"] == "cur"

        def add(user: str, doc_id: str, seq: int) -> dict[str, Any]:
            base = store.load_document(int(doc_id)).version
            payload = op(seq, base=base, type="Peop", fragments=[[0, 5]], doc_id=doc_id)
            return be.apply({**payload, "client_id": f"c-{user}-{doc_id}"}, user)

        refused = add("ann", layers["cur"], 1)  # someone else's layer
        assert not refused["ok"] and "cur's layer" in refused["error"], refused
        refused = add("cur", layers["ann"], 1)  # a curator sees it, but does not edit it
        assert not refused["ok"] and "ann's layer" in refused["error"], refused
        refused = add("ann", doc, 2)  # the curated document of a document in layers
        assert not refused["ok"] and "annotate your own layer" in refused["error"], refused
        refused = add("bob", doc, 1)
        assert not refused["ok"] and "only a manager or a curator" in refused["error"]
        assert [store.load_document(int(i)).entities for i in (doc, *layers.values())] == [
            [],
            [],
            [],
        ]  # nothing refused reached the database
        assert add("ann", layers["ann"], 3)["ok"]  # her own layer
        assert add("cur", doc, 2)["ok"]  # the curator curates
        assert add("mia", layers["cur"], 1)["ok"]  # a manager edits any layer
        assert [len(store.load_document(int(i)).entities) for i in (doc, *layers.values())] == [
            1,
            1,
            1,
        ]
    finally:
        store.close()
