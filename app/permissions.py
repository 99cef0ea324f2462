"""Who may do what, enforced on the server for every action of the page.

Roles (``db.models.ROLES``): a **manager** may do everything; an **annotator** may read and
annotate the documents assigned to them or open to all (no assignee). ``HANDLERS`` names the
action of every event handler of the page; ``guard`` wraps each handler of the built
``gr.Blocks`` so that it checks the caller's role before it runs. A handler missing from the
table is treated as a manager's action (refused to annotators) and reported by
``unclassified``, which the tests require to be empty: a new button cannot slip through as
open to everyone. The editor's own calls (load, each edit) come through
``app.editor.editor``'s server functions, not through handlers: ``StoreBackend`` asks
``Gate.may_edit`` per document.

Identity: with sign-in, the account's name (``gr.Request.username``) and its role in the
database, asked at every call (a role changed or an account disabled takes effect at once);
``--auth`` accounts are managers. Without sign-in (``make run`` on loopback, or
``--insecure``) everybody is ``open_user`` (the OS user), a manager: local single-user use
stays one click.

Every refusal of the page, the guard's and the screens' own (a schema change or an import the
rules refuse, an account change), is shown by ``refuse``: one look, a toast that stays until
the person closes it (a refusal that vanished after a few seconds went unseen).
"""

from __future__ import annotations

import functools
import inspect
import logging
import typing
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import gradio as gr

from db import Store
from db.document_status import DONE
from db.models import ANNOTATOR, MANAGER

log = logging.getLogger(__name__)

READ, ANNOTATE, MANAGE = "read", "annotate", "manage"
ROLE_MAY = {MANAGER: {READ, ANNOTATE, MANAGE}, ANNOTATOR: {READ, ANNOTATE}}

#: (module, handler name) -> (action, what it does, for the refusal)
HANDLERS: dict[tuple[str, str], tuple[str, str]] = {
    ("app.screens.page_place", "on_load"): (READ, "open the page"),
    ("app.screens.page_place", "refresh_project"): (READ, "show a project"),
    ("app.screens.page_place", "refresh_tables"): (READ, "refresh the tables"),
    ("app.screens.documents_tab", "refresh_docs"): (READ, "list documents"),
    ("app.screens.documents_tab", "refresh_jobs"): (READ, "list jobs"),
    ("app.screens.documents_tab", "refresh_live"): (READ, "list documents"),
    ("app.screens.documents_tab", "open_row"): (READ, "open a document"),
    ("app.screens.annotate_tab", "open_id"): (READ, "open a document"),
    ("app.screens.annotate_tab", "open_next"): (READ, "open the next document"),
    ("app.screens.models_tab", "poll"): (READ, "follow a job"),
    ("app.screens.annotate_tab", "pre_doc"): (ANNOTATE, "pre-annotate a document"),
    ("app.screens.annotate_tab", "status_changed"): (READ, "refresh after a status change"),
    ("app.screens.annotate_tab", "set_order"): (MANAGE, "change the project's document order"),
    ("app.screens.projects_tab", "create"): (MANAGE, "create a project"),
    ("app.screens.projects_tab", "change"): (MANAGE, "change the schema"),
    ("app.screens.importing_tab", "do_import"): (MANAGE, "import documents"),
    ("app.screens.exporting_tab", "do_export"): (MANAGE, "export a project"),
    ("app.screens.documents_tab", "assign"): (MANAGE, "assign documents"),
    ("app.screens.documents_tab", "pre_all"): (MANAGE, "pre-annotate the project"),
    ("app.screens.documents_tab", "pre_listed"): (MANAGE, "pre-annotate documents"),
    ("app.screens.retrain_tab", "start_retrain"): (MANAGE, "retrain the model"),
    ("app.screens.retrain_tab", "cancel_retrain"): (MANAGE, "cancel a retraining"),
    ("app.screens.retrain_tab", "set_auto"): (MANAGE, "change automatic retraining"),
    ("app.screens.models_tab", "set_auto_retrain"): (MANAGE, "change automatic retraining"),
    ("app.screens.models_tab", "activate"): (MANAGE, "activate a model version"),
    ("app.screens.models_tab", "register"): (MANAGE, "register a model"),
    ("app.screens.models_tab", "roll_back"): (MANAGE, "roll back the model"),
    ("app.screens.models_tab", "write_data"): (MANAGE, "write training data"),
    ("app.screens.models_tab", "refresh_suggestions"): (MANAGE, "refresh all suggestions"),
    ("app.screens.people", "list_people"): (READ, "list people"),
    ("app.screens.people", "add_person"): (MANAGE, "add people"),
    ("app.screens.people", "change_person"): (MANAGE, "change people's accounts"),
    ("app.screens.cleanup", "list_trash"): (READ, "list the trash"),
    ("app.screens.cleanup", "pick_entry"): (READ, "choose a trash entry"),
    ("app.screens.cleanup", "pick_document"): (READ, "choose a document"),
    ("app.screens.cleanup", "cancel_delete"): (READ, "cancel a delete"),
    ("app.screens.cleanup", "ask_delete_project"): (MANAGE, "delete a project"),
    ("app.screens.cleanup", "delete_project"): (MANAGE, "delete a project"),
    ("app.screens.cleanup", "rename_project"): (MANAGE, "rename a project"),
    ("app.screens.cleanup", "ask_delete_document"): (MANAGE, "delete a document"),
    ("app.screens.cleanup", "delete_document"): (MANAGE, "delete a document"),
    ("app.screens.cleanup", "rename_document"): (MANAGE, "rename a document"),
    ("app.screens.cleanup", "restore_entry"): (MANAGE, "restore from the trash"),
}


class Refused(Exception):
    """An action the caller's role does not allow (the message is meant for them)."""


@typing.overload
def refuse(message: str, *, stop: typing.Literal[True] = ...) -> typing.NoReturn: ...
@typing.overload
def refuse(message: str, *, stop: typing.Literal[False]) -> None: ...


#: who the running page handler acts for (set by ``guard``), for the log line of a refusal
CALLER: ContextVar[str | None] = ContextVar("spanrel_caller", default=None)


def refuse(message: str, *, stop: bool = True, logged: bool = False) -> None:
    """Tell the person that the page refused what they asked, the same way for every
    refusal: a warning toast that stays until they close it, and a line in the server's log
    at INFO (``logged``: the caller wrote a more precise one already).

    ``stop`` (the guard, and handlers with nothing else to show): the handler ends here, by a
    ``gr.Error`` (so the event fails, for an API client too) whose own toast is hidden: the
    one above says it, and a second, red one would make two looks again. ``stop=False``: only
    the toast; the handler goes on to return its outputs, for screens that also write the
    refusal's details on a line of their own (under the schema form, under the Import
    button), which must be updated too."""
    if not logged:
        log.info("refused %s: %s", CALLER.get() or "(unknown)", message)
    gr.Warning(message, duration=None)
    if stop:
        raise gr.Error(message, duration=None, visible=False) from None


@dataclass(frozen=True)
class Actor:
    name: str
    role: str


class Gate:
    """Answers "who is this and may they do that?" for the page and the editor."""

    def __init__(
        self, store: Store, *, open_user: str | None = None, cli_managers: Iterable[str] = ()
    ) -> None:
        # open_user: no sign-in at all (loopback or --insecure); everyone is this manager
        self.store, self.open_user = store, open_user
        self.cli_managers = set(cli_managers)

    def actor(self, username: str | None) -> Actor | None:
        """The caller; None for a signed-in name without an active account."""
        if self.open_user is not None:
            return Actor(username or self.open_user, MANAGER)
        if username is None:
            return None
        if username in self.cli_managers:
            return Actor(username, MANAGER)
        role = self.store.role_of(username)
        return Actor(username, role) if role else None

    def check(self, username: str | None, action: str, what: str) -> Actor:
        """The caller, if their role allows ``action``; else ``Refused`` (logged)."""
        who = self.actor(username)
        if who is None:
            log.info("refused %r: %s (no active account)", username, what)
            raise Refused(f"Your account is disabled or gone: you may not {what}.")
        if action not in ROLE_MAY.get(who.role, set()):
            log.info("refused %s (%s): %s", who.name, who.role, what)
            raise Refused(f"Only a manager may {what}; you are signed in as an {who.role}.")
        return who

    def may_edit(
        self,
        username: str | None,
        assignee: str | None,
        status: str | None = None,
        status_by: str | None = None,
    ) -> str:
        """Why ``username`` may not edit a document ('' if they may): managers edit every
        document; annotators those assigned to them or open to all, except a done one that
        someone else finished (imported gold, a colleague's work): a manager reopens it."""
        who = self.actor(username)
        if who is None:
            return "your account is disabled or gone"
        if who.role == MANAGER:
            return ""
        if assignee not in (None, "", who.name):
            return f"this document is assigned to {assignee}; ask a manager to reassign it"
        if status == DONE and status_by != who.name:
            return "this document is done; ask a manager to reopen it"
        return ""


def _request_index(fn: Callable[..., Any]) -> tuple[inspect.Signature, bool]:
    """The signature the wrapper shows Gradio (with a ``gr.Request`` argument, so Gradio
    passes the caller), and whether the wrapper added that argument (the handler did not ask
    for one). An added one goes first: Gradio fills special arguments only up to a ``*args``."""
    sig = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn)
    except (NameError, TypeError):
        hints = {}
    for p in sig.parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        if hints.get(p.name) in (gr.Request, typing.Optional[gr.Request]):  # noqa: UP045
            return sig, False
    extra = inspect.Parameter("_sr_request", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sig.replace(parameters=[extra, *sig.parameters.values()]), True


def _guarded(fn: Callable[..., Any], gate: Gate, action: str, what: str) -> Callable[..., Any]:
    sig, added = _request_index(fn)

    def allowed(args: tuple[Any, ...]) -> tuple[Any, ...]:
        at = next((i for i, a in enumerate(args) if isinstance(a, gr.Request)), None)
        request = args[at] if at is not None else None
        username = getattr(request, "username", None)
        # each Gradio event runs in a context of its own (a task, or a copy in a worker thread)
        CALLER.set(username or gate.open_user)
        try:
            gate.check(username, action, what)
        except Refused as exc:
            refuse(str(exc), logged=True)
        return args[:at] + args[at + 1 :] if added and at is not None else args

    if inspect.isasyncgenfunction(fn):

        async def wrapper(*args: Any) -> Any:
            async for item in fn(*allowed(args)):
                yield item

    elif inspect.iscoroutinefunction(fn):

        async def wrapper(*args: Any) -> Any:
            return await fn(*allowed(args))

    elif inspect.isgeneratorfunction(fn):

        def wrapper(*args: Any) -> Any:
            yield from fn(*allowed(args))

    else:

        def wrapper(*args: Any) -> Any:
            return fn(*allowed(args))

    functools.update_wrapper(wrapper, fn)
    del wrapper.__wrapped__  # Gradio must see the signature below, not the handler's
    wrapper.__signature__ = sig  # type: ignore[attr-defined]
    try:
        hints = typing.get_type_hints(fn)
    except (NameError, TypeError):
        hints = {}
    wrapper.__annotations__ = {**hints, **({"_sr_request": gr.Request} if added else {})}
    return wrapper


def _key(fn: Callable[..., Any]) -> tuple[str, str]:
    return (getattr(fn, "__module__", ""), getattr(fn, "__name__", ""))


def unclassified(demo: gr.Blocks) -> list[tuple[str, str]]:
    """Handlers of ``demo`` that ``HANDLERS`` does not name (treated as managers' actions)."""
    seen = {_key(getattr(bf.fn, "_sr_handler", bf.fn)) for bf in demo.fns.values() if bf.fn}
    return sorted(k for k in seen if k not in HANDLERS)


def guard(demo: gr.Blocks, gate: Gate) -> None:
    """Put the role check in front of every handler of ``demo`` (read-only ones included:
    a disabled account reads nothing either)."""
    for block_fn in demo.fns.values():
        fn = block_fn.fn
        if fn is None or hasattr(fn, "_sr_handler"):
            continue
        action, what = HANDLERS.get(_key(fn), (MANAGE, f"do this ({_key(fn)[1]})"))
        if _key(fn) not in HANDLERS:
            log.error("handler %s.%s has no entry in app.permissions.HANDLERS", *_key(fn))
        wrapped = _guarded(fn, gate, action, what)
        wrapped._sr_handler = fn  # type: ignore[attr-defined]
        block_fn.fn = wrapped
