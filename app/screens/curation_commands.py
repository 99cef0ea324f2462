"""The Curation tab's writes: the curator's commands, the project-wide merge and the policy.

Kept apart from the drawing modules because everything here changes the store, each change
one edit checked against the version the curator saw and against the editor's permission rule.

- **Commands** (``parse_command``, ``run_command``): what ``app/screens/curation.js`` sends for
  a pick, "none", "merge agreed" or "undo": each one edit of the curated document through the
  store (``Store.resolve``, ``Store.merge_agreed``, ``Store.undo``), made against the version
  the curator saw; a stale one is refused with who changed the document since, and the view
  is drawn again. Every command carries the page's identity (an undo takes back that page's
  choices only), names a curated document (never a layer: a layer is its owner's) and passes
  the editor's own permission rule (``app.permissions.may_edit_document``, through
  ``Gate.may_edit_view``) before anything is written (``command_refusal``).
- **Merge across the project** (``merge_project``): ``Store.merge_agreed`` on every document
  with layers that has something to merge, each one edit; one that is refused (changed
  meanwhile, not the caller's to edit) is reported and the others go on.
- **The policy** (``policy_of``, ``set_policy``): the store's reading (``Store
  .curation_policy``) and check (``db.curation.check_policy``); what each policy means is
  ``db.curation.POLICY_MEANINGS``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from db import ConflictError, Store, StoreError
from db.curation import (
    DEFAULT_POLICY,
    POLICY_MEANINGS,
    POLICY_SETTING,
    CurationError,
    check_policy,
    merge_edit,
    resolution,
)
from db.views import DocumentView
from db.wording import plural

#: op names of the commands the page sends
PICK, NONE, MERGE, UNDO = "pick", "none", "merge", "undo"
OPS = (PICK, NONE, MERGE, UNDO)

_CLIENT = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Command:
    """One choice sent by the page: ``op`` (``OPS``) on document ``doc`` as the curator saw
    it (``version``); ``id``/``variant`` for a pick; ``client``/``seq``: the page's identity
    and the command's number (exactly once; undo takes back this page's choices only), which
    every command must carry (``parse_command``, ``command_refusal``)."""

    op: str
    doc: int
    version: int
    id: str = ""
    variant: str = ""
    client: str | None = None
    seq: int | None = None


def parse_command(text: str | None) -> Command:
    """The page's command (JSON); ``ValueError`` naming what is wrong with it."""
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError:
        raise ValueError("not a curation command") from None
    if not isinstance(data, dict):
        raise ValueError("not a curation command")
    op = data.get("op")
    if op not in OPS:
        raise ValueError(f"unknown curation command {op!r}")
    doc, version = data.get("doc"), data.get("version")
    if not isinstance(doc, int) or isinstance(doc, bool) or doc < 1:
        raise ValueError("the command names no document")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError("the command carries no version")
    ident, variant = data.get("id", ""), data.get("variant", "")
    if not isinstance(ident, str) or not isinstance(variant, str):
        raise ValueError("a disagreement id and a variant are text")
    if op in (PICK, NONE) and not ident:
        raise ValueError("the command names no disagreement")
    if op == PICK and not variant:
        raise ValueError("the command names no variant")
    client, seq = data.get("client"), data.get("seq")
    if client is None or seq is None:
        raise ValueError("the command carries no page identity (client and seq)")
    if not (
        isinstance(client, str)
        and _CLIENT.fullmatch(client)
        and isinstance(seq, int)
        and not isinstance(seq, bool)
        and seq >= 1
    ):
        raise ValueError("the command's page identity is malformed")
    return Command(op, doc, version, ident, variant, client, seq)


@dataclass(frozen=True)
class Outcome:
    """What a command did: the message for the page's line, and ``refusal`` (a reason to
    show as a refusal toast) when the store refused it."""

    message: str
    refusal: str = ""


def conflict_message(store: Store, doc_id: int, expected: int, current: int) -> str:
    """A stale view: who changed the curated document since (from its history)."""
    who: list[str] = []
    for entry in store.history(doc_id, limit=50):
        if entry.version_after <= expected:
            break
        said = f"{entry.author or 'someone'} ({entry.op.replace('_', ' ')})"
        if said not in who:
            who.append(said)
    by = f" by {', '.join(reversed(who))}" if who else ""
    return (
        f"The curated document changed{by} since this view was drawn (version {expected}, "
        f"now {current}): nothing was saved. The view is drawn again with that change; "
        "choose again."
    )


def _preview(store: Store, cmd: Command) -> str:
    """What ``cmd`` will do, as the curator's line says it (``+ PER "John"; - ORG "IBM"``),
    from the view as it is now (the store realigns and checks again as it writes)."""
    try:
        cur = store.curation(cmd.doc).curation
        if cmd.op == MERGE:
            edit = merge_edit(cur)
        else:
            edit = resolution(cur, cmd.id, cmd.variant if cmd.op == PICK else None)
    except (StoreError, CurationError):
        return ""
    return "; ".join(edit.describe())


#: why a person may not edit a document ('' if they may): the editor's rule, for the caller
#: (``app.permissions.Gate.may_edit_view``)
MayEdit = Callable[[DocumentView], str]


def command_refusal(store: Store, cmd: Command, may_edit: MayEdit) -> str:
    """Why ``cmd`` may not be applied ('' if it may): it carries no page identity (an undo
    without one would take back the document's newest edit, whoever made it), its document is
    not a curated document (a layer is its owner's to edit, never the curation's), or the
    editor's permission rule (``may_edit``) refuses the caller that document."""
    if cmd.client is None or cmd.seq is None:
        return "the command carries no page identity"
    try:
        view = store.load_document(cmd.doc)
    except StoreError:
        return f"there is no document {cmd.doc}"
    if view.layer_of is not None:
        return (
            f"document {view.id} is {view.layer_owner}'s layer of document {view.layer_of}: "
            "curation changes the curated document only"
        )
    return may_edit(view)


def run_command(store: Store, cmd: Command, author: str | None, may_edit: MayEdit) -> Outcome:
    """Apply ``cmd`` to the curated document (one edit; see the module docstring), once
    ``command_refusal`` finds nothing against it; ``may_edit``: the editor's permission rule
    for the caller."""
    refusal = command_refusal(store, cmd, may_edit)
    if refusal:
        text = f"Not saved: {refusal}."
        return Outcome(text, text)
    once = {"client_id": cmd.client, "seq": cmd.seq}
    try:
        if cmd.op == UNDO:
            store.undo(cmd.doc, author, cmd.version, **once)
            return Outcome("Undid this page's last choice.")
        said = _preview(store, cmd)
        if cmd.op == MERGE:
            store.merge_agreed(cmd.doc, cmd.version, author, **once)
            return Outcome(f"Merged what the layers agree on: {said}.")
        variant = cmd.variant if cmd.op == PICK else None
        store.resolve(cmd.doc, cmd.id, variant, cmd.version, author, **once)
        if variant is None:
            return Outcome(f"None of them{': ' + said if said else ''}.")
        return Outcome(f"Chose: {said}.")
    except ConflictError as exc:
        text = conflict_message(store, cmd.doc, exc.expected_version, exc.current_version)
        return Outcome(text, text)
    except StoreError as exc:  # EditError included: meant for the curator
        text = f"Not saved: {exc}"
        return Outcome(text, text)


def policy_of(store: Store, project: str | None) -> str:
    """The project's curation policy (``Store.curation_policy``; the store's default without a
    project)."""
    return store.curation_policy(project) if project else DEFAULT_POLICY


def set_policy(store: Store, project: str | None, policy: str) -> str:
    """Set the project's curation policy (``check_policy``: ``CurationError``, a
    ``ValueError``, naming the policies); the line that says so, in ``POLICY_MEANINGS``' words."""
    if not project:
        return "Choose a project first."
    check_policy(policy)
    store.update_project_settings(project, {POLICY_SETTING: policy})
    return (
        f"Curation policy: **{policy}**: merging agreed annotations adds {POLICY_MEANINGS[policy]}."
    )


@dataclass
class ProjectMerge:
    """What "merge agreed in every document" did: ``annotations`` added to ``documents``
    curated documents; ``nothing``: documents with layers that had nothing to merge;
    ``refused``: one line per document not merged and why (a conflict, the permission rule)."""

    annotations: int = 0
    documents: int = 0
    nothing: int = 0
    refused: list[str] = field(default_factory=list)

    def line(self) -> str:
        out = (
            f"Merged {plural(self.annotations, 'annotation')} into "
            f"{plural(self.documents, 'document')}"
        )
        if self.nothing:
            out += f"; {plural(self.nothing, 'document')} had nothing to merge"
        if self.refused:
            out += f". Not merged: {'; '.join(self.refused)}"
        return out + "."


def merge_project(
    store: Store, project: str, author: str | None, may_edit: MayEdit
) -> ProjectMerge:
    """``Store.merge_agreed`` on every document of ``project`` that has layers and something
    the project's policy agrees on that its curated document lacks (the others are counted,
    not touched): one edit per document, each against the version just read. A document the
    store or the permission rule refuses (it changed meanwhile, the caller may not edit it)
    is reported and the others go on."""
    out = ProjectMerge()
    ids = dict.fromkeys(row.document_id for row in store.project_layers(project))
    for doc_id in ids:
        try:
            view = store.curation(doc_id)
        except StoreError as exc:  # deleted meanwhile
            out.refused.append(f"document {doc_id} ({exc})")
            continue
        edit = merge_edit(view.curation)
        if edit.empty:
            out.nothing += 1
            continue
        try:
            refusal = may_edit(store.load_document(doc_id))
            if refusal:
                out.refused.append(f"{view.name} ({refusal})")
                continue
            store.merge_agreed(doc_id, view.version, author)
        except ConflictError as exc:
            out.refused.append(
                f"{view.name} (changed meanwhile: version {exc.expected_version}, now "
                f"{exc.current_version}; merge again)"
            )
            continue
        except StoreError as exc:
            out.refused.append(f"{view.name} ({exc})")
            continue
        out.documents += 1
        out.annotations += len(edit.add_entities) + len(edit.add_relations)
    return out
