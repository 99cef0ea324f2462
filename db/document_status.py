"""What moves a document's status, and who moved it: the one home of the status rules.

The statuses themselves are ``db.models.DOCUMENT_STATUSES``; this module says how a document
goes from one to another, for every caller (the page, ``python -m db``, the jobs), because all
of them write through the store:

- **import**: ``new``, ``pre-annotated`` (model suggestions) or the status the importer chose;
  ``auto`` (the Import screen's and the CLI's default) is ``done`` when the documents hold
  annotations, because an annotated upload is nearly always finished gold that the model
  should learn from (``import_status``). ``status_by`` is ``"import"``.
- **pre-annotation** moves ``new`` to ``pre-annotated`` (``db.suggestions``).
- **the first human edit or review** (adding, changing or deleting an annotation, accepting or
  rejecting a suggestion, *Accept all*) moves ``new`` or ``pre-annotated`` to
  ``in-progress``, in the same transaction as the edit (``start_work``). Assigning, setting
  the split and setting the status are not annotation work and move nothing by themselves.
- **by hand** (``set_status``): *Mark done* sets ``done``; *Reopen* sets ``in-progress``
  (``REOPENED``). Nothing else ever leaves or enters ``done``: editing a done document keeps
  it done until someone reopens it.

Every change of the status also sets ``status_by`` (the person, ``"import"``, or the
pre-annotation's author) and ``status_at``.

**Undo.** The status columns travel in the edit's own recorded changes (``ChangeLog`` keeps
the document columns an edit changed), so undoing the edit that moved the status moves it
back, ``status_by`` and ``status_at`` included, and redo moves it forward again. That is
deliberate: after an undo the annotations are exactly what they were before the edit, so a
document whose only human edit was undone really is untouched again (``new`` or
``pre-annotated`` is the truth, and the manager's table must not claim work that is gone);
and undoing *Mark done* is how a mis-click is taken back, with the previous mover named
again. One mechanism (the recorded rows) serves every case, with no second rule that could
disagree with the history.

Undo and redo per page (``db.edit_log.selective_replay``) are the one exception, because other
pages' edits may be in force around the one undone (``status_for_replay``): undoing a page's
first edit leaves the document in progress when another page has edited it since (that work
is still there, and would have moved the status itself), and a redo does not move back a
status that someone else's edit or hand has moved on meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from converters.document import ANNOTATION_KINDS, AnnotationCounts, Document
from db import models as m
from db.changes import ChangeLog, snapshot
from db.edit_rules import EditContext
from db.edits import Edit
from db.views import StoreError

#: the statuses (spelled once, in ``db.models`` for the column), by name: code outside the
#: models compares and sets statuses through these, never through literals of its own
DOCUMENT_STATUSES = m.DOCUMENT_STATUSES
NEW, PRE_ANNOTATED, IN_PROGRESS, DONE = DOCUMENT_STATUSES
#: what *Reopen* sets on a done document
REOPENED = IN_PROGRESS
#: statuses that the first human edit or review moves to ``in-progress``
UNTOUCHED = (NEW, PRE_ANNOTATED)
#: edits that are not annotation work: they never move the status by themselves
NOT_WORK = ("set_status", "set_assignee", "set_split")
#: ``status_by`` of a status an import set
BY_IMPORT = "import"
#: the import choice "done when the documents hold annotations"
AUTO = "auto"
#: what an importer may ask for (the Import screen and ``python -m db import --status``)
IMPORT_CHOICES = (AUTO, *DOCUMENT_STATUSES)


def move_status(
    changes: ChangeLog, doc: m.Document, status: str, by: str | None, at: datetime
) -> None:
    """Set ``doc``'s status with who and when, recorded in ``changes`` (so undo reverts it);
    nothing when it already has that status."""
    if doc.status != status:
        changes.update(doc, status=status, status_by=by, status_at=at)


def set_status(ctx: EditContext, edit: Edit) -> None:
    """``set_status``: *Mark done*, *Reopen*, or any status a person sets by hand."""
    assert edit.status is not None
    move_status(ctx.changes, ctx.doc, edit.status, ctx.author, ctx.now)


def start_work(ctx: EditContext, op: str) -> None:
    """After a human edit or review ``op`` that changed something: a ``new`` or
    ``pre-annotated`` document is now ``in-progress`` (by the edit's author)."""
    if op not in NOT_WORK and ctx.doc.status in UNTOUCHED:
        move_status(ctx.changes, ctx.doc, IN_PROGRESS, ctx.author, ctx.now)


def _is_work(op: str) -> bool:
    return op not in NOT_WORK and op != "replace_suggestions"


def status_for_replay(s: Session, entry: m.History, undo: bool) -> list[dict[str, Any]]:
    """``entry``'s recorded changes as a page's undo or redo replays them: its move to
    ``in-progress`` (``start_work``) is left out of an undo when a later edit of the document
    is still in force, and out of a redo when the status has moved on since (from a status
    before work, the redo moves it from there)."""
    changes = list(entry.changes)
    started = [
        i
        for i, c in enumerate(changes)
        if c["t"] == "document"
        and (c["b"] or {}).get("status") in UNTOUCHED
        and (c["a"] or {}).get("status") == IN_PROGRESS
    ]
    if not started or not _is_work(entry.op):
        return changes
    i, change = started[0], changes[started[0]]
    if undo:
        later = s.scalars(
            select(m.History.op).where(
                m.History.document_id == entry.document_id,
                m.History.id > entry.id,
                m.History.action == "edit",
                m.History.state == "done",
            )
        )
        if any(_is_work(op) for op in later):
            del changes[i]
        return changes
    doc = s.get(m.Document, entry.document_id)
    assert doc is not None
    if doc.status in UNTOUCHED:
        changes[i] = {**change, "b": snapshot(doc, list(change["b"]))}
    else:
        del changes[i]
    return changes


def holds_annotations(documents: Sequence[Document]) -> bool:
    """Whether any of ``documents`` holds an annotation of any kind."""
    counts = AnnotationCounts.of(list(documents))
    return any(getattr(counts, kind) for kind in ANNOTATION_KINDS)


def import_status(choice: str | None, source: str, documents: Sequence[Document]) -> str:
    """The status imported ``documents`` get.

    ``choice`` None: ``pre-annotated`` for model suggestions, else ``new``. ``auto``: the
    same, except that documents that hold annotations (any of them, the upload as a whole:
    a gold corpus keeps its sentences without annotations as gold too) and are not model
    suggestions are ``done``. A status of ``DOCUMENT_STATUSES`` is taken as given.
    """
    if choice is not None and choice not in IMPORT_CHOICES:
        raise StoreError(
            f"status {choice!r} is not one of {', '.join(IMPORT_CHOICES)}: "
            "choose a document status, or auto (done when the files hold annotations)"
        )
    default = PRE_ANNOTATED if source == "model" else NEW
    if choice is None:
        return default
    if choice == AUTO:
        return DONE if default == NEW and holds_annotations(documents) else default
    return choice
