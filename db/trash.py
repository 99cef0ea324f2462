"""Deleting documents and projects into the trash, restoring them, purging old entries, and
renaming documents and projects.

Rules (each written once, here):

- **A delete keeps everything.** The rows that go (the document, its annotations of every kind,
  its history and its page operations; for a project also its types, model versions and
  finished jobs) are copied whole, ids included, into one ``trash`` row in the same
  transaction that deletes them: a crash leaves either both or neither. Ids are never handed
  out again (migrations 0005 and 0007 on SQLite, sequences on PostgreSQL), so a restore puts
  back exactly what was there: the same ids, versions and history, and undo works as before.
- **What goes is said first**: ``what_goes`` counts it for the confirmation; the counts are
  kept with the entry (``DeletionSummary``) for the Trash list.
- **A project with a queued or running job is not deleted** (the job would write into rows
  that are gone); the refusal names the job. Model files stay on disk until the entry is
  purged, so a restored project's models still load.
- **A restore never overwrites.** A document goes back into its own project (by id, so a
  renamed project is still found); a project or document whose name is taken again is refused
  unless a new name is given (``new_name``, the restore's "as" name). Types its annotations use
  that the schema lost meanwhile are added back, as an import adds them.
- **Purge** removes entries older than the retention (``RETENTION_DAYS``, 30 by default; the
  app purges at start, ``python -m db purge`` whenever asked) and then the model folders of
  purged projects that no other model version uses.
- **Renames** check the name rule (``db.names``) and that the name is free; they are not
  edits of a document (no version bump, no history entry an undo could take back).

Deletes, restores, purges and renames are logged at INFO with who did them.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from db import models as m
from db.lookups import curated, project_named
from db.names import document_name_problem, project_name_problem
from db.transactions import StoreBase
from db.trash_rows import (
    locate,
    put_back,
    summarize,
    summary_json,
    summary_of,
    take_rows,
    types_back,
)
from db.trash_views import DeletionSummary, PurgeResult, RestoreResult, TrashEntry
from db.views import NotFoundError, StoreError

log = logging.getLogger(__name__)

#: how long a deleted document or project stays restorable (days) unless purged sooner
RETENTION_DAYS = 30


def _entry_view(row: m.Trash, summary: DeletionSummary, retention_days: float) -> TrashEntry:
    return TrashEntry(
        row.id,
        row.kind,
        summary.project,
        row.name,
        summary,
        row.deleted_by,
        row.deleted_at,
        row.deleted_at + timedelta(days=retention_days),
    )


def _delete(
    s: Session, project: str, document: str | None, by: str | None, retention_days: float
) -> TrashEntry:
    p, doc = locate(s, project, document)
    if doc is None:
        busy = s.execute(
            select(m.Job.id, m.Job.kind, m.Job.state)
            .where(m.Job.project_id == p.id, m.Job.state.in_(("queued", "running")))
            .order_by(m.Job.id)
            .limit(1)
        ).first()
        if busy is not None:
            raise StoreError(
                f"project {project!r} has a {busy.kind} job (job {busy.id}) {busy.state}: "
                "wait until it ends or cancel it, then delete the project; nothing was deleted"
            )
    summary = summarize(s, p, doc)
    row = m.Trash(
        kind=summary.kind,
        project=p.name,
        name=summary.name,
        summary=summary_json(summary),
        payload=take_rows(s, p.id, doc.id if doc is not None else None),
        deleted_by=by,
        deleted_at=m.utcnow(),
    )
    s.add(row)
    s.flush()
    return _entry_view(row, summary, retention_days)


def _restore(s: Session, entry_id: int, new_name: str | None) -> RestoreResult:
    row = s.get(m.Trash, entry_id)
    if row is None:
        raise NotFoundError(f"no trash entry {entry_id}")
    payload = dict(row.payload)
    kind_rows = [dict(r) for r in payload[row.kind]]
    payload[row.kind] = kind_rows
    own = kind_rows[0]
    name = own["name"] if new_name is None else new_name
    problem = (document_name_problem if row.kind == "document" else project_name_problem)(name)
    if problem is not None:
        raise StoreError(problem)
    again = "rename that one, or restore this one under another name"
    if row.kind == "project":
        if s.scalar(select(m.Project.id).where(m.Project.name == name)) is not None:
            raise StoreError(f"a project named {name!r} exists again: {again}")
        own["name"] = name
        put_back(s, payload)
        result = RestoreResult("project", name, name, own["id"])
    else:
        project = s.get(m.Project, own["project_id"])
        if project is None:
            deleted = any(
                summary_of(t).project_id == own["project_id"]
                for t in s.scalars(
                    select(m.Trash).options(defer(m.Trash.payload)).where(m.Trash.kind == "project")
                )
            )
            raise StoreError(
                f"project {row.project!r}, which document {row.name!r} was in, is gone"
                + ("; restore the project from the Trash first" if deleted else "")
            )
        taken = select(m.Document.id).where(
            m.Document.project_id == project.id, m.Document.name == name, curated()
        )
        if s.scalar(taken) is not None:
            raise StoreError(
                f"project {project.name!r} has a document named {name!r} again: {again}"
            )
        for document in kind_rows:  # the document and its layers share its name
            document["name"] = name
        put_back(s, payload)
        added_e, added_r = types_back(s, project, own["id"])
        result = RestoreResult("document", project.name, name, own["id"], added_e, added_r)
    s.delete(row)
    s.flush()
    return result


def _model_paths(payloads: Iterable[dict[str, Any]]) -> set[str]:
    return {str(mv["path"]) for p in payloads for mv in p.get("model_version") or []}


def _remove_folders(paths: set[str], result: PurgeResult) -> None:
    """Remove the model folders (after the purge's transaction: a failure leaves files, never
    a trash entry whose models are gone)."""
    for path in sorted(paths):
        folder = Path(path)
        if not folder.exists():
            continue
        try:
            if folder.is_symlink() or not folder.is_dir():
                folder.unlink()
            else:
                shutil.rmtree(folder)
            result.removed.append(path)
        except OSError as exc:
            log.warning("could not remove the model folder %s of a purged project: %s", path, exc)
            result.failed.append(path)


class TrashBin(StoreBase):
    """``Store``'s deletes, trash, restores, purges and renames."""

    def what_goes(self, project: str, document: str | None = None) -> DeletionSummary:
        """What deleting ``document`` of ``project`` (or, without one, the project) would
        take: the counts the confirmation shows."""

        return self._read(lambda s: summarize(s, *locate(s, project, document, lock=False)))

    def delete_document(
        self, project: str, name: str, *, by: str | None, retention_days: float = RETENTION_DAYS
    ) -> TrashEntry:
        """Move the document, with everything of it, into the trash (one transaction)."""
        entry = self._write(lambda s: _delete(s, project, name, by, retention_days))
        log.info(
            "document %r of project %r deleted by %s (trash entry %d: %s)",
            name,
            project,
            by,
            entry.id,
            entry.summary.phrase(),
        )
        return entry

    def delete_project(
        self, project: str, *, by: str | None, retention_days: float = RETENTION_DAYS
    ) -> TrashEntry:
        """Move the project, its documents, types, model versions and finished jobs into the
        trash (one transaction); refused while a job of the project is queued or running."""
        entry = self._write(lambda s: _delete(s, project, None, by, retention_days))
        log.info(
            "project %r deleted by %s (trash entry %d: %s)",
            project,
            by,
            entry.id,
            entry.summary.phrase(),
        )
        return entry

    def list_trash(self, *, retention_days: float = RETENTION_DAYS) -> list[TrashEntry]:
        """The trash, newest first; a document's project under its name of today when it
        still exists (it may have been renamed since)."""

        def run(s: Session) -> list[TrashEntry]:
            rows = s.scalars(
                select(m.Trash)
                .options(defer(m.Trash.payload))  # the rows kept stay unread
                .order_by(m.Trash.deleted_at.desc(), m.Trash.id.desc())
            ).all()
            names = {pid: name for pid, name in s.execute(select(m.Project.id, m.Project.name))}
            out = []
            for row in rows:
                summary = summary_of(row)
                if row.kind == "document":
                    summary.project = names.get(summary.project_id, row.project)
                out.append(_entry_view(row, summary, retention_days))
            return out

        return self._read(run)

    def restore(
        self, entry_id: int, *, by: str | None, new_name: str | None = None
    ) -> RestoreResult:
        """Put a trash entry back exactly as it was (``new_name``: under another name)."""
        try:
            result = self._write(lambda s: _restore(s, entry_id, new_name))
        except IntegrityError as exc:  # a row added meanwhile took the name
            log.info("restoring trash entry %d refused by the database: %s", entry_id, exc.orig)
            raise StoreError(
                f"trash entry {entry_id} could not be restored: something with the same name "
                "or id was added meanwhile; nothing was restored (try a new name)"
            ) from exc
        log.info(
            "%s %r of project %r restored by %s from trash entry %d",
            result.kind,
            result.name,
            result.project,
            by,
            entry_id,
        )
        return result

    def purge_trash(
        self,
        *,
        older_than_days: float = RETENTION_DAYS,
        entry_ids: Sequence[int] | None = None,
        by: str | None = None,
        now: datetime | None = None,
    ) -> PurgeResult:
        """Remove for good the entries deleted more than ``older_than_days`` ago (or, with
        ``entry_ids``, those entries whatever their age), then the model folders of purged
        projects that no model version still uses."""
        cutoff = (now or m.utcnow()) - timedelta(days=older_than_days)

        def run(s: Session) -> tuple[PurgeResult, set[str]]:
            which = m.Trash.deleted_at < cutoff if entry_ids is None else m.Trash.id.in_(entry_ids)
            rows = s.scalars(select(m.Trash).where(which).order_by(m.Trash.id)).all()
            if entry_ids is not None:
                missing = sorted(set(entry_ids) - {r.id for r in rows})
                if missing:
                    raise NotFoundError(f"no trash entry {', '.join(map(str, missing))}")
            result = PurgeResult(entries=[r.id for r in rows])
            paths = _model_paths(r.payload for r in rows if r.kind == "project")
            for row in rows:
                s.delete(row)
            s.flush()
            if paths:
                used = set(s.scalars(select(m.ModelVersion.path)))
                others = s.scalars(select(m.Trash.payload).where(m.Trash.kind == "project"))
                used |= _model_paths(others)
                result.kept = sorted(paths & used)
                paths -= used
            return result, paths

        result, paths = self._write(run)
        _remove_folders(paths, result)
        if result.entries:
            log.info(
                "trash entries %s purged by %s (%d model folder(s) removed)",
                result.entries,
                by or "the retention",
                len(result.removed),
            )
        return result

    def rename_document(self, project: str, name: str, new_name: str, *, by: str | None) -> int:
        """Rename a document of ``project``; its database id (which stays)."""

        def run(s: Session) -> int:
            p, doc = locate(s, project, name)
            assert doc is not None
            _check_new_name(document_name_problem(new_name), name, new_name, "document")
            taken = select(m.Document.id).where(
                m.Document.project_id == p.id, m.Document.name == new_name, curated()
            )
            if s.scalar(taken) is not None:
                raise StoreError(f"project {project!r} already has a document named {new_name!r}")
            doc.name = new_name
            s.execute(  # its layers share its name
                update(m.Document)
                .where(m.Document.layer_of == doc.id)
                .values(name=new_name)
                .execution_options(synchronize_session=False)
            )
            s.flush()
            return doc.id

        doc_id = self._write(run)
        log.info("document %r of project %r renamed %r by %s", name, project, new_name, by)
        return doc_id

    def rename_project(self, name: str, new_name: str, *, by: str | None) -> int:
        """Rename a project; its database id (which stays)."""

        def run(s: Session) -> int:
            p = project_named(s, name)
            _check_new_name(project_name_problem(new_name), name, new_name, "project")
            if s.scalar(select(m.Project.id).where(m.Project.name == new_name)) is not None:
                raise StoreError(f"a project named {new_name!r} already exists")
            p.name = new_name
            s.flush()
            return p.id

        pid = self._write(run)
        log.info("project %r renamed %r by %s", name, new_name, by)
        return pid


def _check_new_name(problem: str | None, old: str, new: str, kind: str) -> None:
    if problem is not None:
        raise StoreError(problem)
    if new == old:
        raise StoreError(f"the {kind} is already named {new!r}")
