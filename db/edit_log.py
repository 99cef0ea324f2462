"""A document's version counter and history: every edit's bump and record, undo and redo.

- **Versions**: every edit first runs
  ``UPDATE document SET version = version + 1 WHERE id = ? AND version = <expected>``: zero
  rows means someone saved in between and ``ConflictError`` is raised before anything is
  written. On PostgreSQL the same UPDATE takes the row lock, so concurrent edits of one
  document queue and the loser sees the new version.
- **Undo/redo belong to the page that made the edit.** Each history entry records the page's
  ``client_id``; the page's undo reverts its own newest edit, never another page's or person's
  (two tabs of one person are two pages). A new edit from a page drops that page's redo stack
  only. Since other pages may have edited in between, an undo (or redo) is *selective*: it is
  refused, naming who changed what, when a row it would restore has been changed since, when
  restoring it would take rows of other edits with it (a relation another page drew to the
  entity being removed), or when it would leave a reference dangling. Callers without a page
  (``client_id=None``: the CLI, tests) get the document's linear undo over every edit.
  Undo and redo bump the version too and replay the exact rows recorded by
  ``db.changes.ChangeLog``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import models as m
from db.changes import ChangeLog, replay, snapshot
from db.document_status import status_for_replay
from db.lookups import document_by_id
from db.rows import annotations, history_row
from db.transactions import StoreBase
from db.views import ConflictError, EditError, EditResult, HistoryEntry, NotFoundError

_ALL_REVIEWS = set(m.REVIEW_STATES)


def bump_version(s: Session, doc_id: int, expected: int) -> m.Document:
    """The document, its version moved from ``expected`` to the next (``ConflictError`` if
    someone saved in between)."""
    res = s.execute(
        update(m.Document)
        .where(m.Document.id == doc_id, m.Document.version == expected)
        .values(version=m.Document.version + 1, updated_at=m.utcnow())
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:
        current = s.scalar(select(m.Document.version).where(m.Document.id == doc_id))
        if current is None:
            raise NotFoundError(f"no document with id {doc_id}")
        raise ConflictError(doc_id, expected, current)
    doc = document_by_id(s, doc_id)
    s.refresh(doc)
    return doc


def record_edit(
    s: Session,
    doc: m.Document,
    changes: ChangeLog,
    author: str | None,
    op: str,
    client_id: str | None = None,
) -> m.History:
    """Close an edit: drop this page's redo stack and write the history entry undo replays."""
    _drop_redo(s, doc.id, client_id)
    entry = m.History(
        **history_row(
            doc.id,
            author,
            "edit",
            op,
            changes.items,
            (doc.version - 1, doc.version),
            state="done",
            client_id=client_id,
        )
    )
    s.add(entry)
    s.flush()
    return entry


def _drop_redo(s: Session, doc_id: int, client_id: str | None) -> None:
    q = update(m.History).where(m.History.document_id == doc_id, m.History.state == "undone")
    if client_id is not None:
        q = q.where(m.History.client_id == client_id)
    s.execute(q.values(state="dropped").execution_options(synchronize_session=False))


def _label(change: dict[str, Any]) -> str:
    row = change["a"] or change["b"] or {}
    name = row.get("ann_id") or f"#{change['id']}"
    return f"{change['t']} {name}" if change["t"] != "document" else "the document's status"


def _changed_since(s: Session, entry: m.History, changes: list[dict[str, Any]], undo: bool) -> str:
    """Why replaying ``changes`` would overwrite someone's later work ('' when it would not)."""
    side = "a" if undo else "b"
    for change in changes:
        model = m.ANNOTATION_TABLES[change["t"]]
        expected = change[side]
        row = s.get(model, change["id"])
        if expected is None:
            same = row is None
        else:
            same = row is not None and snapshot(row, list(expected)) == expected
        if not same:
            who = _who_changed(s, entry, change)
            return f"{_label(change)} was changed since{who}"
    return ""


def _who_changed(s: Session, entry: m.History, change: dict[str, Any]) -> str:
    """`` by NAME``: the author of the newest later entry that wrote this row (an undo or
    redo counts as its author's write of the rows of the entry it replayed)."""
    later = s.scalars(
        select(m.History)
        .where(m.History.document_id == entry.document_id, m.History.id > entry.id)
        .order_by(m.History.id.desc())
    )
    key = (change["t"], change["id"])
    for h in later:
        rows = h.changes
        if h.target_id is not None and not rows:
            target = s.get(m.History, h.target_id)
            rows = target.changes if target is not None else []
        if any((c["t"], c["id"]) == key for c in rows):
            return f" by {h.author}" if h.author else ""
    return ""


def _row_counts(s: Session, doc_id: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    for name, model in m.ANNOTATION_TABLES.items():
        if model is not m.Document:
            counts[name] = s.scalar(
                select(func.count()).select_from(model).where(model.document_id == doc_id)
            )
    return counts


def _dangling(s: Session, doc: m.Document) -> list[str]:
    from db.document_export import to_document

    ents, rels, extras = annotations(s, [doc.id])
    plain = to_document(
        doc, ents[doc.id], rels[doc.id], {k: v[doc.id] for k, v in extras.items()}, _ALL_REVIEWS
    )
    return plain.problems()


def selective_replay(s: Session, entry: m.History, undo: bool) -> None:
    """Replay ``entry`` (undo or redo) over whatever other pages did since, or refuse."""
    what = "undo" if undo else "redo"
    changes = status_for_replay(s, entry, undo)  # a status others' work keeps is left as is
    clash = _changed_since(s, entry, changes, undo)
    if clash:
        raise EditError(f"cannot {what} {entry.op}: {clash}")
    before = _row_counts(s, entry.document_id)
    replay(s, changes, undo=undo)
    side, other = ("b", "a") if undo else ("a", "b")
    expected = Counter(before)
    for change in changes:
        if change["t"] != "document":
            expected[change["t"]] += (change[side] is not None) - (change[other] is not None)
    after = _row_counts(s, entry.document_id)
    if after != expected:
        gone = [t for t in after if after[t] < expected[t]]
        raise EditError(
            f"cannot {what} {entry.op}: it would also remove {', '.join(gone)} added since "
            "by another edit (undo or delete that first)"
        )
    problems = _dangling(s, document_by_id(s, entry.document_id))
    if problems:
        raise EditError(f"cannot {what} {entry.op}: it would leave {problems[0]}")


class EditLog(StoreBase):
    """``Store``'s undo, redo and history."""

    def undo(
        self,
        doc_id: int,
        author: str | None,
        expected_version: int,
        *,
        client_id: str | None = None,
        seq: int | None = None,
    ) -> EditResult:
        """Revert the newest edit of this page (``client_id``) that is not undone yet; without
        a page, the newest edit of the document."""
        return self._undo_redo(doc_id, author, expected_version, True, client_id, seq)

    def redo(
        self,
        doc_id: int,
        author: str | None,
        expected_version: int,
        *,
        client_id: str | None = None,
        seq: int | None = None,
    ) -> EditResult:
        """Re-apply the most recently undone edit of this page (none after its next edit)."""
        return self._undo_redo(doc_id, author, expected_version, False, client_id, seq)

    def _undo_redo(
        self,
        doc_id: int,
        author: str | None,
        expected_version: int,
        undo: bool,
        client_id: str | None,
        seq: int | None,
    ) -> EditResult:
        def run(s: Session) -> EditResult:
            doc = bump_version(s, doc_id, expected_version)
            q = select(m.History).where(
                m.History.document_id == doc_id,
                m.History.action == "edit",
                m.History.state == ("done" if undo else "undone"),
            )
            if client_id is not None:
                q = q.where(m.History.client_id == client_id)
                if author is not None:
                    # the page's identity outlives a sign-in in its tab: another person signed
                    # in there must not take back the first one's edits
                    q = q.where(m.History.author == author)
            # a page's undone edits are always the newest of its edits (its next edit drops
            # them), so the one to redo is the oldest of them: the most recently undone
            order = m.History.id.desc() if undo else m.History.id.asc()
            entry = s.scalar(q.order_by(order).limit(1))
            if entry is None:
                raise EditError("nothing to undo" if undo else "nothing to redo")
            entry.state = "undone" if undo else "done"
            s.flush()
            if client_id is None:
                replay(s, list(entry.changes), undo=undo)
            else:
                selective_replay(s, entry, undo)
            doc = document_by_id(s, doc_id)
            action = "undo" if undo else "redo"
            versions = (doc.version - 1, doc.version)
            record = m.History(
                **history_row(
                    doc_id,
                    author,
                    action,
                    entry.op,
                    [],
                    versions,
                    state=action,
                    target_id=entry.id,
                    client_id=client_id,
                )
            )
            s.add(record)
            s.flush()
            return EditResult(doc_id, doc.version, action, record.id, changed=len(entry.changes))

        return self._once(doc_id, client_id, seq, run)

    def history(self, doc_id: int, limit: int = 100) -> list[HistoryEntry]:
        """The document's audit trail, newest first."""

        def run(s: Session) -> list[HistoryEntry]:
            rows = s.scalars(
                select(m.History)
                .where(m.History.document_id == doc_id)
                .order_by(m.History.id.desc())
                .limit(limit)
            )
            return [
                HistoryEntry(
                    h.id,
                    h.document_id,
                    h.author,
                    h.created_at,
                    h.action,
                    h.op,
                    h.state,
                    h.version_before,
                    h.version_after,
                    h.target_id,
                    list(h.changes),
                )
                for h in rows
            ]

        return self._read(run)
