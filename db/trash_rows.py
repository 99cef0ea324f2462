"""Which rows a document's or a project's delete takes, counted, copied and put back.

The one list of tables (``DOCUMENT_TABLES``, ``PROJECT_TABLES``) and the one condition per
table (``rows_of``) serve the count the confirmation shows, the copy the trash keeps, the
delete and the restore, so the four cannot disagree about what goes. ``db.trash`` holds the
rules of when a delete, restore or purge may happen.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from converters import document as cd
from converters import schema as cs
from db import models as m
from db.changes import json_value, row_values
from db.lookups import curated, is_trigger, project_named
from db.project_schema import merge_schema
from db.rows import annotations, to_entity, to_relation
from db.trash_views import DeletionSummary
from db.views import NotFoundError

#: what a document's delete takes, parents first: a restore inserts in this order, a delete
#: removes in the reverse order
DOCUMENT_TABLES: tuple[type[m.Base], ...] = (
    m.Document,
    m.Entity,
    m.Relation,
    m.Event,
    m.Attribute,
    m.Normalization,
    m.Note,
    m.Group,
    m.History,
    m.ClientOp,
)
#: what a project's delete takes (its jobs: only finished ones, ``db.trash`` refuses others)
PROJECT_TABLES: tuple[type[m.Base], ...] = (
    m.Project,
    m.EntityType,
    m.RelationType,
    m.ModelVersion,
    m.Job,
    *DOCUMENT_TABLES,
)

Payload = dict[str, list[dict[str, Any]]]


def rows_of(model: type[m.Base], project_id: int, doc_id: int | None) -> ColumnElement[bool]:
    """SQL: the rows of ``model`` that deleting the document ``doc_id`` (or, without one, the
    project) takes."""
    if model is m.Project:
        return m.Project.id == project_id
    if model is m.Document:
        if doc_id:  # a document goes with its layers
            return or_(m.Document.id == doc_id, m.Document.layer_of == doc_id)
        return m.Document.project_id == project_id
    if model in DOCUMENT_TABLES:
        col = model.__table__.c.document_id
        if doc_id is not None:
            return col.in_(select(m.Document.id).where(rows_of(m.Document, project_id, doc_id)))
        return col.in_(select(m.Document.id).where(m.Document.project_id == project_id))
    return model.__table__.c.project_id == project_id


def locate(
    s: Session, project: str, document: str | None, *, lock: bool = True
) -> tuple[m.Project, m.Document | None]:
    """The project (and document). With ``lock`` their rows stay locked until the transaction
    ends, so no edit changes what is being counted or copied (every edit first updates its
    document's row)."""
    p = project_named(s, project)
    if lock:
        s.execute(select(m.Project.id).where(m.Project.id == p.id).with_for_update())
    docs = select(m.Document).where(m.Document.project_id == p.id)
    if document is None:
        if lock:
            s.execute(select(m.Document.id).where(m.Document.project_id == p.id).with_for_update())
        return p, None
    docs = docs.where(m.Document.name == document, curated())
    doc = s.scalar(docs.with_for_update() if lock else docs)
    if doc is None:
        raise NotFoundError(f"no document {document!r} in project {project!r}")
    return p, doc


def summarize(s: Session, project: m.Project, doc: m.Document | None) -> DeletionSummary:
    """What deleting ``doc`` (or, without one, ``project``) takes, counted as the Documents
    table counts (accepted annotations, a trigger with its event; suggestions apart)."""

    def count(model: type[m.Base], *where: Any) -> int:
        cond = rows_of(model, project.id, doc.id if doc else None)
        return s.scalar(select(func.count()).select_from(model).where(cond, *where)) or 0

    accepted = count(m.Entity, m.Entity.review == "accepted")
    triggers = count(m.Entity, m.Entity.review == "accepted", is_trigger())
    return DeletionSummary(
        kind="document" if doc else "project",
        project=project.name,
        name=doc.name if doc else project.name,
        project_id=project.id,
        documents=count(m.Document, curated()),  # a layer goes with its document
        entities=accepted - triggers,
        relations=count(m.Relation, m.Relation.review == "accepted"),
        events=count(m.Event),
        suggestions=count(m.Entity, m.Entity.review == "suggested")
        + count(m.Relation, m.Relation.review == "suggested"),
        history=count(m.History),
        model_versions=0 if doc else count(m.ModelVersion),
    )


def summary_json(summary: DeletionSummary) -> dict[str, Any]:
    return dict(summary.__dict__)


def summary_of(row: m.Trash) -> DeletionSummary:
    known = DeletionSummary.__dataclass_fields__
    return DeletionSummary(**{k: v for k, v in (row.summary or {}).items() if k in known})


def take_rows(s: Session, project_id: int, doc_id: int | None) -> Payload:
    """Copy the rows the delete takes (whole, ids included, as JSON) and delete them."""
    tables = DOCUMENT_TABLES if doc_id is not None else PROJECT_TABLES
    payload: Payload = {}
    for model in tables:
        table = model.__table__
        q = select(table).where(rows_of(model, project_id, doc_id)).order_by(table.c.id)
        payload[table.name] = [
            {k: json_value(v) for k, v in row.items()} for row in s.execute(q).mappings()
        ]
    for model in reversed(tables):
        s.execute(
            delete(model).where(rows_of(model, project_id, doc_id)),
            execution_options={"synchronize_session": False},
        )
    return payload


def put_back(s: Session, payload: Payload) -> None:
    """Insert the rows a delete took, with their ids, parents first."""
    for model in PROJECT_TABLES:
        rows = payload.get(model.__tablename__) or []
        if rows:
            table = model.__table__
            s.execute(insert(table), [row_values(table, r) for r in rows])


def types_back(s: Session, project: m.Project, doc_id: int) -> tuple[list[str], list[str]]:
    """Add the types a restored document uses and its project lacks (the schema changed while
    it was in the trash), as an import adds them: the page and the trainer need them."""
    ids = [doc_id, *s.scalars(select(m.Document.id).where(m.Document.layer_of == doc_id))]
    ents, rels, extras = annotations(s, ids)
    found = []
    for one in ids:  # the document and its layers
        doc = s.get(m.Document, one)
        assert doc is not None
        out = cd.Document(
            doc.name,
            doc.text,
            [to_entity(e) for e in ents[one]],
            [to_relation(r) for r in rels[one]],
        )
        for key, by_doc in extras.items():
            setattr(out, key, list(by_doc[one]))
        found.append(out)
    return merge_schema(s, project, cs.infer_schema(found), update_existing=False)
