"""Finding a row by the handle a caller holds (a project's name, a document's id).

Every part of the store looks rows up through these, so a missing one is always the same
``NotFoundError`` with a message meant for a person. They sit apart from ``db.projects`` so
that the schema, import and query modules can use them without importing each other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models as m
from db.views import NotFoundError


def project_named(s: Session, name: str) -> m.Project:
    project = s.scalar(select(m.Project).where(m.Project.name == name))
    if project is None:
        raise NotFoundError(f"no project named {name!r}")
    return project


def document_by_id(s: Session, doc_id: int) -> m.Document:
    doc = s.get(m.Document, doc_id)
    if doc is None:
        raise NotFoundError(f"no document with id {doc_id}")
    return doc


def curated() -> Any:
    """SQL: the ``m.Document`` row in the query is a document of the project, not a person's
    layer of one (``db.layers``): the filter of every listing, count, export and name lookup."""
    return m.Document.layer_of.is_(None)


def is_trigger() -> Any:
    """SQL: the ``m.Entity`` row in the query is an event's trigger (the event on it exists).
    The page, the tables and the import report count a trigger with its event."""
    return (
        select(m.Event.id)
        .where(
            m.Event.document_id == m.Entity.document_id,
            m.Event.trigger_ref == m.Entity.ann_id,
        )
        .exists()
    )
