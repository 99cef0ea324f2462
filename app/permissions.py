"""Who may do what, enforced on the server for every action of the page.

Roles (``db.models.ROLES``): a **manager** may do everything; a **curator** may curate (merge
the annotators' layers of a document into its curated document, edit any curated document) and
see every layer, and annotates like an annotator; an **annotator** may read and annotate the
documents assigned to them or open to all (no assignee), and of a document annotated in layers
only their own layer, never another person's. All of it is decided here, once: ``ROLE_MAY``
(which role may do which action), ``may_see_layer`` (whose layers a person sees) and
``may_edit_document`` (which document rows a person edits), which ``Gate`` applies to the
caller of the page and the editor. ``HANDLERS`` names the
action of every event handler of the page; ``guard`` wraps each handler of the built
``gr.Blocks`` so that it checks the caller's role before it runs. A handler missing from the
table is treated as a manager's action (refused to annotators) and reported by
``unclassified``, which the tests require to be empty: a new button cannot slip through as
open to everyone. The editor's own calls (load, each edit) come through
``app.editor.editor``'s server functions, not through handlers: ``StoreBackend`` asks
``Gate.may_see`` per document it loads and ``Gate.may_edit`` per edit.

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
from db.models import ANNOTATOR, CURATOR, MANAGER, ROLES
from db.views import DocumentView
from db.wording import a_or_an

log = logging.getLogger(__name__)

READ, ANNOTATE, CURATE, MANAGE = "read", "annotate", "curate", "manage"
#: which role may do which action (a role missing here, or none, may do nothing)
ROLE_MAY: dict[str, frozenset[str]] = {
    MANAGER: frozenset({READ, ANNOTATE, CURATE, MANAGE}),
    CURATOR: frozenset({READ, ANNOTATE, CURATE}),
    ANNOTATOR: frozenset({READ, ANNOTATE}),
}

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
    ("app.screens.annotate_tab", "show_layer"): (READ, "show which layer is open"),
    ("app.screens.annotate_tab", "choose_layer"): (READ, "open a layer of a document"),
    ("app.screens.documents_tab", "refresh_layer_controls"): (READ, "list the annotators"),
    ("app.screens.models_tab", "poll"): (READ, "follow a job"),
    ("app.screens.annotate_tab", "pre_doc"): (ANNOTATE, "pre-annotate a document"),
    ("app.screens.annotate_tab", "status_changed"): (READ, "refresh after a status change"),
    ("app.screens.annotate_tab", "set_order"): (MANAGE, "change the project's document order"),
    ("app.screens.projects_tab", "create"): (MANAGE, "create a project"),
    ("app.screens.projects_tab", "change"): (MANAGE, "change the schema"),
    ("app.screens.importing_tab", "do_import"): (MANAGE, "import documents"),
    ("app.screens.exporting_tab", "do_export"): (MANAGE, "export a project"),
    ("app.screens.exporting_tab", "refresh_layers"): (READ, "list the annotators"),
    ("app.screens.documents_tab", "assign"): (MANAGE, "assign documents"),
    ("app.screens.documents_tab", "assign_k_layers"): (MANAGE, "assign documents to annotators"),
    ("app.screens.documents_tab", "set_show_layers"): (MANAGE, "change who sees which layers"),
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
    # the Curation tab: everything it shows or changes is curating (all layers are shown)
    ("app.screens.curation_tab", "show_tab"): (READ, "open the page"),
    ("app.screens.curation_tab", "follow_project"): (READ, "show a project"),
    ("app.screens.curation_tab", "show_curation"): (CURATE, "see the curation"),
    ("app.screens.curation_tab", "refresh_agreement"): (CURATE, "see the agreement"),
    ("app.screens.curation_tab", "refresh_documents"): (CURATE, "list the documents to curate"),
    ("app.screens.curation_tab", "open_row"): (CURATE, "curate a document"),
    ("app.screens.curation_tab", "show_id"): (CURATE, "curate a document"),
    ("app.screens.curation_tab", "set_policy"): (CURATE, "change the curation policy"),
    ("app.screens.curation_tab", "command"): (CURATE, "curate a document"),
    ("app.screens.curation_tab", "merge_everywhere"): (CURATE, "merge agreed annotations"),
    ("app.screens.curation_tab", "patch_row"): (CURATE, "list the documents to curate"),
}


def may(role: str | None, action: str) -> bool:
    """Whether ``role`` may do ``action`` (``ROLE_MAY``)."""
    return action in ROLE_MAY.get(role or "", frozenset())


def roles_that_may(action: str) -> str:
    """Who may do ``action``, for a refusal: "a manager", "a manager or a curator"."""
    named = [a_or_an(role) for role in ROLES if may(role, action)] or ["nobody"]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} or {named[-1]}"


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


def may_see_layer(actor: Actor, owner: str, *, open_layers: bool = False) -> bool:
    """Whether ``actor`` may see ``owner``'s annotation layer of a document (``''``: the
    curated document itself, which everyone who reads sees). Their own layer, always;
    anyone's, for whoever may curate (managers, curators); an annotator sees a colleague's
    only where the project lets annotators see each other's layers (``open_layers``)."""
    if not may(actor.role, READ):
        return False
    if owner in ("", actor.name) or may(actor.role, CURATE):
        return True
    return open_layers


def may_edit_document(
    actor: Actor,
    *,
    assignee: str | None = None,
    status: str | None = None,
    status_by: str | None = None,
    layer_owner: str = "",
    layer_owners: Iterable[str] = (),
) -> str:
    """Why ``actor`` may not edit a document row ('' if they may).

    ``layer_owner``: whose annotation layer the row is (``''``: the curated document);
    ``layer_owners``: for a curated document, the people who have a layer of it (empty: a
    document not annotated in layers). Managers edit every row. Nobody else edits another
    person's layer (a curator sees it, ``may_see_layer``, and takes from it into the curated
    document). A person edits their own layer unless someone else marked it done. A curator
    edits every curated document (curating is editing it). An annotator edits a curated
    document only when it has no layers, and then the documents assigned to them or open to
    all (no assignee), except a done one that someone else finished (imported gold, a
    colleague's work): a manager reopens it."""
    if not may(actor.role, ANNOTATE):
        return f"{a_or_an(actor.role)} may not edit documents"
    if may(actor.role, MANAGE):
        return ""
    if layer_owner:
        if layer_owner != actor.name:
            return f"this is {layer_owner}'s layer of the document: only they edit it"
        if status == DONE and status_by != actor.name:
            return "your layer of this document is done; ask a manager to reopen it"
        return ""
    if may(actor.role, CURATE):
        return ""
    owners = sorted(set(layer_owners))
    if actor.name in owners:
        return "this is the curated document: annotate your own layer of it"
    if owners:
        return (
            f"this document is annotated in layers (by {', '.join(owners)}); only "
            f"{roles_that_may(CURATE)} edits the curated document"
        )
    if assignee not in (None, "", actor.name):
        return f"this document is assigned to {assignee}; ask a manager to reassign it"
    if status == DONE and status_by != actor.name:
        return "this document is done; ask a manager to reopen it"
    return ""


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
        if not may(who.role, action):
            log.info("refused %s (%s): %s", who.name, who.role, what)
            raise Refused(
                f"Only {roles_that_may(action)} may {what}; "
                f"you are signed in as {a_or_an(who.role)}."
            )
        return who

    def may_edit(
        self,
        username: str | None,
        assignee: str | None,
        status: str | None = None,
        status_by: str | None = None,
        *,
        layer_owner: str = "",
        layer_owners: Iterable[str] = (),
    ) -> str:
        """Why ``username`` may not edit a document row ('' if they may):
        ``may_edit_document``'s rules for the caller."""
        who = self.actor(username)
        if who is None:
            return "your account is disabled or gone"
        return may_edit_document(
            who,
            assignee=assignee,
            status=status,
            status_by=status_by,
            layer_owner=layer_owner,
            layer_owners=layer_owners,
        )

    def may_edit_view(self, username: str | None, view: DocumentView) -> str:
        """``may_edit`` for a loaded document (its assignee, status and layer)."""
        return self.may_edit(
            username,
            view.assignee,
            view.status,
            view.status_by,
            layer_owner=view.layer_owner,
            layer_owners=view.layer_owners,
        )

    def may_see(self, username: str | None, layer_owner: str, *, open_layers: bool = False) -> str:
        """Why ``username`` may not see ``layer_owner``'s layer of a document ('' if they may;
        ``''`` as the owner: the curated document): ``may_see_layer`` for the caller."""
        who = self.actor(username)
        if who is None:
            return "your account is disabled or gone"
        if not may_see_layer(who, layer_owner, open_layers=open_layers):
            return f"this is {layer_owner}'s layer of the document; you may see only your own"
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
