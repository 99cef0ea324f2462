"""Reading documents: the project's document list (filtered, paged, with annotation counts),
one document with every annotation, and the per-document values retraining sets (split,
uncertainty) without editing the annotations.

Reads are one read transaction each; the two writes here are not edits of the annotations
(no version bump, no history), which is why they are not in ``db.edit_apply``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import models as m
from db.document_status import DONE
from db.lookups import curated, document_by_id, is_trigger, project_named
from db.rows import annotations, entity_view, relation_view
from db.transactions import StoreBase
from db.views import DocumentSummary, DocumentView, NotFoundError, StoreError


class DocumentQueries(StoreBase):
    """``Store``'s document reads (and the split and uncertainty settings)."""

    def list_documents(
        self,
        project: str,
        *,
        status: str | None = None,
        split: str | None = None,
        assignee: str | None = None,
        text_contains: str | None = None,
        name_contains: str | None = None,
        order: str = "position",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[DocumentSummary]:
        """Documents of ``project`` with annotation counts (``entities``/``relations`` count
        accepted ones, an event's trigger with its event in ``events``; ``suggestions`` open
        model suggestions), filtered and paged.

        ``order``: ``position`` (import order), ``name``, ``updated`` (newest first), ``status``.
        """
        orders = {
            "position": (m.Document.position,),
            "name": (m.Document.name,),
            "updated": (m.Document.updated_at.desc(), m.Document.id.desc()),
            "status": (m.Document.status, m.Document.position),
        }
        if order not in orders:
            raise StoreError(f"order must be one of {', '.join(orders)}")

        def counts(model: type[m.Base], review: str) -> Any:
            return (
                select(model.document_id, func.count().label("n"))
                .where(model.review == review)
                .group_by(model.document_id)
                .subquery()
            )

        def run(s: Session) -> list[DocumentSummary]:
            p = project_named(s, project)
            ents, rels = counts(m.Entity, "accepted"), counts(m.Relation, "accepted")
            # open suggestions of both kinds, as the Projects table and a delete's
            # confirmation count them
            sugg = counts(m.Entity, "suggested")
            rel_sugg = counts(m.Relation, "suggested")
            events = (
                select(m.Event.document_id, func.count().label("n"))
                .group_by(m.Event.document_id)
                .subquery()
            )
            # an event's trigger is counted with its event, not as an entity (as the page
            # draws it and the import report counts it)
            triggers = (
                select(m.Entity.document_id, func.count().label("n"))
                .where(
                    m.Entity.review == "accepted",
                    is_trigger(),
                )
                .group_by(m.Entity.document_id)
                .subquery()
            )
            D = m.Document
            q = (
                select(
                    D.id,
                    D.name,
                    D.status,
                    D.assignee,
                    D.split,
                    D.version,
                    D.sha256,
                    func.length(D.text),
                    func.coalesce(ents.c.n, 0) - func.coalesce(triggers.c.n, 0),
                    func.coalesce(rels.c.n, 0),
                    func.coalesce(sugg.c.n, 0) + func.coalesce(rel_sugg.c.n, 0),
                    D.updated_at,
                    func.coalesce(events.c.n, 0),
                    D.status_by,
                    D.status_at,
                )
                .outerjoin(ents, ents.c.document_id == D.id)
                .outerjoin(rels, rels.c.document_id == D.id)
                .outerjoin(sugg, sugg.c.document_id == D.id)
                .outerjoin(rel_sugg, rel_sugg.c.document_id == D.id)
                .outerjoin(events, events.c.document_id == D.id)
                .outerjoin(triggers, triggers.c.document_id == D.id)
                .where(D.project_id == p.id, curated())
            )
            if status is not None:
                q = q.where(D.status == status)
            if split is not None:
                q = q.where(D.split == split)
            if assignee is not None:
                q = q.where(D.assignee == assignee)
            if text_contains:
                q = q.where(D.text.contains(text_contains, autoescape=True))
            if name_contains:
                q = q.where(D.name.contains(name_contains, autoescape=True))
            q = q.order_by(*orders[order]).offset(offset)
            if limit is not None:
                q = q.limit(limit)
            return [DocumentSummary(row[0], project, *row[1:]) for row in s.execute(q)]

        return self._read(run)

    def find_document(self, project: str, name: str) -> int:
        """The database id of the document called ``name`` in ``project``."""

        def run(s: Session) -> int:
            p = project_named(s, project)
            doc_id = s.scalar(
                select(m.Document.id).where(
                    m.Document.project_id == p.id, m.Document.name == name, curated()
                )
            )
            if doc_id is None:
                raise NotFoundError(f"no document {name!r} in project {project!r}")
            return doc_id

        return self._read(run)

    def assign_splits(self, splits: dict[int, str]) -> int:
        """Set the split of documents whose split is still ``unassigned``; how many changed.

        Used by retraining to fix each document's dev/train membership once, so that dev scores
        of successive model versions stay comparable. A split already set (by an import or by
        hand) is never overwritten. Not an edit of the annotations: no version bump, no history.
        """
        for split in splits.values():
            if split not in m.SPLITS:
                raise StoreError(f"split must be one of {', '.join(m.SPLITS)}")

        def run(s: Session) -> int:
            changed = 0
            for doc_id, split in splits.items():
                result = s.execute(
                    update(m.Document)
                    .where(m.Document.id == doc_id, m.Document.split == "unassigned")
                    .values(split=split)
                    .execution_options(synchronize_session=False)
                )
                changed += result.rowcount or 0
            return changed

        return self._write(run)

    def set_uncertainty(self, values: dict[int, float | None]) -> None:
        """Store each document's model uncertainty (``None`` clears it); not an edit."""

        def run(s: Session) -> None:
            for doc_id, value in values.items():
                s.execute(
                    update(m.Document)
                    .where(m.Document.id == doc_id)
                    .values(uncertainty=None if value is None else float(value))
                    .execution_options(synchronize_session=False)
                )

        self._write(run)

    def uncertainty_order(self, project: str) -> list[tuple[int, float | None]]:
        """``(id, uncertainty)`` of the project's documents not yet ``done``: least confident
        first, documents no model has scored after them, ties in document order."""

        def run(s: Session) -> list[tuple[int, float | None]]:
            p = project_named(s, project)
            D = m.Document
            q = (
                select(D.id, D.uncertainty)
                .where(D.project_id == p.id, D.status != DONE, curated())
                .order_by(D.uncertainty.is_(None), D.uncertainty.desc(), D.position)
            )
            return [(row[0], row[1]) for row in s.execute(q)]

        return self._read(run)

    def load_document(self, doc_id: int) -> DocumentView:
        """The document with every annotation (database ids included), in source order."""

        def run(s: Session) -> DocumentView:
            doc = document_by_id(s, doc_id)
            project = s.get(m.Project, doc.project_id)
            assert project is not None
            ents, rels, extras = annotations(s, [doc.id])
            own = (
                "id",
                "name",
                "text",
                "status",
                "assignee",
                "split",
                "version",
                "sha256",
                "status_by",
                "layer_owner",
                "layer_of",
            )
            # a curated document's layers, by owner (a layer has none of its own)
            owners = s.scalars(
                select(m.Document.layer_owner)
                .where(m.Document.layer_of == doc.id)
                .order_by(m.Document.layer_owner)
            )
            return DocumentView(
                **{column: getattr(doc, column) for column in own},
                layer_owners=tuple(owners),
                project=project.name,
                metadata=dict(doc.meta or {}),
                entities=[entity_view(e) for e in ents[doc.id]],
                relations=[relation_view(r) for r in rels[doc.id]],
                **{k: v[doc.id] for k, v in extras.items()},
                event_ids=dict(
                    s.execute(
                        select(m.Event.ann_id, m.Event.id).where(m.Event.document_id == doc.id)
                    ).all()
                ),
                group_ids=list(  # the order ``annotations`` gives the groups
                    s.scalars(
                        select(m.Group.id)
                        .where(m.Group.document_id == doc.id)
                        .order_by(m.Group.position, m.Group.id)
                    )
                ),
            )

        return self._read(run)
