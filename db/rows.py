"""One builder per kind of annotation row, both ways: converter object -> row values, row ->
converter object or view.

An import, an edit and a model suggestion all write entities and relations, and three code
paths writing the same columns drift apart (a column added to a table would be filled by one
and forgotten by another). Here each kind of row is built once: a writer describes *what* it
adds as a ``converters.document`` object, with ``Provenance`` saying who added it, and gets the
column values to insert (in bulk) or to hand to the ORM class (one row, with a history entry).
The way back, rows to documents (export) and to views (the page), is here for the same reason.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, union_all
from sqlalchemy.orm import Session

from converters import document as cd
from db import models as m
from db.lookups import curated
from db.views import EntityView, RelationView

_ID_NUM = re.compile(r"^([A-Za-z#]+)(\d+)$")
#: every table whose rows carry a BRAT-style annotation id (``T3``, ``R1``, ``#2``...)
_ANN_ID_MODELS = (m.Entity, m.Relation, m.Event, m.Attribute, m.Normalization, m.Note, m.Group)


@dataclass(frozen=True)
class Provenance:
    """Who or what added entities and relations, and their review state: shared by every row
    one write adds (an import, one edit, one model run)."""

    source: str  # m.SOURCES
    review: str  # accepted, or suggested for model output
    author: str | None
    at: datetime
    model_version_id: int | None = None

    def columns(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "model_version_id": self.model_version_id,
            "review": self.review,
            "author": self.author,
            "created_at": self.at,
            "updated_at": self.at,
        }


# -- converter objects -> row values ---------------------------------------------------------


def entity_row(doc_id: int, position: int, e: cd.Entity, by: Provenance) -> dict[str, Any]:
    """``e.id`` is the stored annotation id."""
    return {
        "document_id": doc_id,
        "ann_id": e.id,
        "position": position,
        "type": e.type,
        "fragments": [list(f) for f in e.fragments],
        "start": e.start,
        "end": e.end,
        "head_start": e.head[0] if e.head else None,
        "head_end": e.head[1] if e.head else None,
        "confidence": e.confidence,
        "meta": dict(e.metadata),
        **by.columns(),
    }


def relation_row(
    doc_id: int,
    position: int,
    r: cd.Relation,
    arg_ids: tuple[int | None, int | None],
    by: Provenance,
) -> dict[str, Any]:
    """``r.arg1``/``r.arg2`` are the stored annotation ids of the arguments, ``arg_ids`` their
    entity row ids (``None`` for an argument that is not an entity, e.g. a BRAT event)."""
    return {
        "document_id": doc_id,
        "ann_id": r.id,
        "position": position,
        "type": r.type,
        "arg1_id": arg_ids[0],
        "arg2_id": arg_ids[1],
        "arg1_ref": r.arg1,
        "arg2_ref": r.arg2,
        "arg1_role": r.arg1_role,
        "arg2_role": r.arg2_role,
        "extra_args": [list(a) for a in r.extra_args],
        "confidence": r.confidence,
        "meta": dict(r.metadata),
        **by.columns(),
    }


_Child = cd.Event | cd.Attribute | cd.Normalization | cd.Note | cd.Group


def _child_row(doc_id: int, position: int, x: _Child, **columns: Any) -> dict[str, Any]:
    """The columns every event, attribute, normalization, note and group row has, and
    ``columns``: the kind's own."""
    return {"document_id": doc_id, "position": position, "ann_id": x.id, "type": x.type, **columns}


def attribute_row(doc_id: int, position: int, a: cd.Attribute) -> dict[str, Any]:
    return _child_row(doc_id, position, a, target_ref=a.target, value=a.value)


def note_row(doc_id: int, position: int, n: cd.Note) -> dict[str, Any]:
    return _child_row(doc_id, position, n, target_ref=n.target, text=n.text)


def _event_row(doc_id: int, position: int, ev: cd.Event) -> dict[str, Any]:
    arguments = [list(a) for a in ev.arguments]
    return _child_row(
        doc_id, position, ev, trigger_ref=ev.trigger, arguments=arguments, meta=dict(ev.metadata)
    )


def _normalization_row(doc_id: int, position: int, n: cd.Normalization) -> dict[str, Any]:
    return _child_row(
        doc_id, position, n, target_ref=n.target, ref_db=n.ref_db, ref_id=n.ref_id, text=n.text
    )


def _group_row(doc_id: int, position: int, g: cd.Group) -> dict[str, Any]:
    return _child_row(doc_id, position, g, members=list(g.members), attributes=dict(g.attributes))


def extra_rows(
    doc: cd.Document, doc_id: int, out: dict[type[m.Base], list[dict[str, Any]]]
) -> None:
    """Rows of the document's events, attributes, normalizations, notes and groups (kept as
    imported: only attributes and notes are edited afterwards)."""
    kinds: tuple[tuple[type[m.Base], Sequence[Any], Callable[..., dict[str, Any]]], ...] = (
        (m.Event, doc.events, _event_row),
        (m.Attribute, doc.attributes, attribute_row),
        (m.Normalization, doc.normalizations, _normalization_row),
        (m.Note, doc.notes, note_row),
        (m.Group, doc.groups, _group_row),
    )
    for model, items, build in kinds:
        for i, x in enumerate(items):
            out[model].append(build(doc_id, i, x))


def history_row(
    doc_id: int,
    author: str | None,
    action: str,
    op: str,
    changes: list[dict[str, Any]],
    versions: tuple[int, int],
    *,
    state: str,
    target_id: int | None = None,
    at: datetime | None = None,
    client_id: str | None = None,
) -> dict[str, Any]:
    """One entry of a document's history; ``versions``: the version before and after."""
    return {
        "document_id": doc_id,
        "author": author,
        "created_at": at or m.utcnow(),
        "action": action,
        "op": op,
        "changes": changes,
        "version_before": versions[0],
        "version_after": versions[1],
        "state": state,
        "target_id": target_id,
        "client_id": client_id,
    }


def insert_returning(s: Session, model: type[m.Base], rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in bulk; their new ids, in the order given."""
    if not rows:
        return []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(s.execute(stmt, rows).scalars())


def fresh_ann_id(s: Session, doc_id: int, prefix: str) -> str:
    """A new id like ``T12`` not used by any annotation of the document."""
    parts = [select(model.ann_id).where(model.document_id == doc_id) for model in _ANN_ID_MODELS]
    used = {x for x in s.scalars(union_all(*parts)) if x is not None}
    top = 0
    for x in used:
        match = _ID_NUM.match(x)
        if match and match.group(1) == prefix:
            top = max(top, int(match.group(2)))
    n = top + 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def next_position(s: Session, model: type[m.Base], doc_id: int) -> int:
    """The position after the document's last row of ``model`` (new rows go last)."""
    top = s.scalar(select(func.max(model.position)).where(model.document_id == doc_id))
    return 0 if top is None else top + 1


# -- rows -> converter objects and views ----------------------------------------------------


def _head(e: m.Entity) -> tuple[int, int] | None:
    return (e.head_start, e.head_end) if e.head_start is not None else None  # type: ignore[return-value]


def to_entity(e: m.Entity) -> cd.Entity:
    return cd.Entity(
        e.ann_id,
        e.type,
        [(f[0], f[1]) for f in e.fragments],
        _head(e),
        e.confidence,
        dict(e.meta or {}),
    )


def to_relation(r: m.Relation) -> cd.Relation:
    return cd.Relation(
        r.ann_id,
        r.type,
        r.arg1_ref,
        r.arg2_ref,
        r.arg1_role,
        r.arg2_role,
        [(a[0], a[1]) for a in r.extra_args],
        r.confidence,
        dict(r.meta or {}),
    )


def _review_columns(row: m.Entity | m.Relation) -> dict[str, Any]:
    return {
        "source": row.source,
        "model_version_id": row.model_version_id,
        "confidence": row.confidence,
        "review": row.review,
        "author": row.author,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "metadata": dict(row.meta or {}),
    }


def entity_view(e: m.Entity) -> EntityView:
    return EntityView(
        id=e.id,
        ann_id=e.ann_id,
        type=e.type,
        fragments=[(f[0], f[1]) for f in e.fragments],
        head=_head(e),
        **_review_columns(e),
    )


def relation_view(r: m.Relation) -> RelationView:
    return RelationView(
        id=r.id,
        ann_id=r.ann_id,
        type=r.type,
        arg1=r.arg1_id,
        arg2=r.arg2_id,
        arg1_ref=r.arg1_ref,
        arg2_ref=r.arg2_ref,
        arg1_role=r.arg1_role,
        arg2_role=r.arg2_role,
        extra_args=[(a[0], a[1]) for a in r.extra_args],
        **_review_columns(r),
    )


def _extra_objects(rows: dict[type[m.Base], dict[int, list]]) -> dict[str, dict[int, list]]:
    """Events, attributes, normalizations, notes and groups as converter objects, by document
    (the names are ``DocumentView``'s and ``cd.Document``'s fields)."""
    convert: dict[str, tuple[type[m.Base], Any]] = {
        "events": (
            m.Event,
            lambda e: cd.Event(
                e.ann_id,
                e.type,
                e.trigger_ref,
                [(a[0], a[1]) for a in e.arguments],
                dict(e.meta or {}),
            ),
        ),
        "attributes": (
            m.Attribute,
            lambda a: cd.Attribute(a.ann_id, a.type, a.target_ref, a.value),
        ),
        "normalizations": (
            m.Normalization,
            lambda n: cd.Normalization(n.ann_id, n.type, n.target_ref, n.ref_db, n.ref_id, n.text),
        ),
        "notes": (m.Note, lambda n: cd.Note(n.ann_id, n.type, n.target_ref, n.text)),
        "groups": (
            m.Group,
            lambda g: cd.Group(g.type, list(g.members), g.ann_id, dict(g.attributes or {})),
        ),
    }
    return {
        name: defaultdict(list, {k: [fn(x) for x in v] for k, v in rows[model].items()})
        for name, (model, fn) in convert.items()
    }


def annotations(
    s: Session, doc_ids: list[int] | None, project_id: int | None = None
) -> tuple[dict[int, list[m.Entity]], dict[int, list[m.Relation]], dict[str, dict[int, list]]]:
    """Every annotation of the documents (or of a whole project), grouped by document, in
    source order: entity and relation rows, and the rest as converter objects."""

    def rows(model: type[m.Base]) -> dict[int, list]:
        q = select(model)
        if doc_ids is not None:
            q = q.where(model.document_id.in_(doc_ids))
        else:
            q = q.join(m.Document, m.Document.id == model.document_id).where(
                m.Document.project_id == project_id,
                curated(),
            )
        grouped: dict[int, list] = defaultdict(list)
        for row in s.scalars(q.order_by(model.document_id, model.position, model.id)):
            grouped[row.document_id].append(row)
        return grouped

    extras = _extra_objects(
        {model: rows(model) for model in (m.Event, m.Attribute, m.Normalization, m.Note, m.Group)}
    )
    return rows(m.Entity), rows(m.Relation), extras
