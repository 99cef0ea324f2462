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

from app.permissions import HANDLERS, MANAGE, READ, Gate, Refused, unclassified
from db import Store


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
    assert all(action in (READ, MANAGE, "annotate") for action, _ in HANDLERS.values())
