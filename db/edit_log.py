"""A document's version counter and history: every edit's bump and record, undo and redo.

- **Versions**: every edit first runs
  ``UPDATE document SET version = version + 1 WHERE id = ? AND version = <expected>``: zero
  rows means someone saved in between and ``ConflictError`` is raised before anything is
  written. On PostgreSQL the same UPDATE takes the row lock, so concurrent edits of one
  document queue and the loser sees the new version.
- **Undo/redo** are linear per document and shared by all users of the document (as the
  version counter is); a new edit drops the redo stack. Undo and redo bump the version too and
  replay the exact rows recorded by ``db.changes.ChangeLog``.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import models as m
from db.changes import ChangeLog, replay
from db.lookups import document_by_id
from db.rows import history_row
from db.transactions import StoreBase
from db.views import ConflictError, EditError, EditResult, HistoryEntry, NotFoundError


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
    s: Session, doc: m.Document, changes: ChangeLog, author: str | None, op: str
) -> m.History:
    """Close an edit: drop the redo stack and write the history entry undo will replay."""
    _drop_redo(s, doc.id)
    entry = m.History(
        **history_row(
            doc.id, author, "edit", op, changes.items, (doc.version - 1, doc.version), state="done"
        )
    )
    s.add(entry)
    s.flush()
    return entry


def _drop_redo(s: Session, doc_id: int) -> None:
    s.execute(
        update(m.History)
        .where(m.History.document_id == doc_id, m.History.state == "undone")
        .values(state="dropped")
        .execution_options(synchronize_session=False)
    )


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
        """Revert the newest edit of the document that is not undone yet."""
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
        """Re-apply the most recently undone edit (none after a new edit)."""
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
            entry = s.scalar(
                q.order_by(m.History.id.desc() if undo else m.History.id.asc()).limit(1)
            )
            if entry is None:
                raise EditError("nothing to undo" if undo else "nothing to redo")
            changes = list(entry.changes)
            entry.state = "undone" if undo else "done"
            s.flush()
            replay(s, changes, undo=undo)
            doc = document_by_id(s, doc_id)
            action = "undo" if undo else "redo"
            versions = (doc.version - 1, doc.version)
            record = m.History(
                **history_row(
                    doc_id, author, action, entry.op, [], versions, state=action, target_id=entry.id
                )
            )
            s.add(record)
            s.flush()
            return EditResult(doc_id, doc.version, action, record.id, changed=len(changes))

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
