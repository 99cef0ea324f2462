"""Model suggestions: a pre-annotation run replaces a document's open model suggestions.

The store is the one place that decides which suggestions may be stored, for every caller
(pre-annotation, the relation pass, benchmarks):

- a type the project's schema does not know (entity or relation) is refused
  (``EditError``): the model and the project disagree on their vocabulary, and mapping or
  skipping names is the caller's decision, never a silent rename here;
- a relation of a known type whose argument types the schema does not admit (its
  ``Arg1:``/``Arg2:`` constraints, ``Schema.allowed_relations``) is dropped and counted
  (``EditResult.dropped``): a relation classifier scores every pair it is given, and an
  annotator could not draw such a relation either;
- a suggestion equal to an annotation the document has (a human one, an accepted or a
  rejected suggestion) is not stored again, and a relation on a rejected entity, from an
  entity to itself or already present is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from converters import document as cd
from db import models as m
from db.changes import ChangeLog
from db.document_status import NEW, PRE_ANNOTATED, move_status
from db.edit_log import bump_version, record_edit
from db.edit_rules import EditContext, delete_annotations
from db.lookups import document_by_id
from db.rows import Provenance, entity_row, fresh_ann_id, next_position, relation_row
from db.transactions import StoreBase
from db.views import ConflictError, EditError, EditResult

_Key = tuple[str, tuple[tuple[int, ...], ...]]


def _open_suggestions(s: Session, model: type[m.Entity] | type[m.Relation], doc_id: int) -> list:
    return list(
        s.scalars(
            select(model).where(
                model.document_id == doc_id, model.review == "suggested", model.source == "model"
            )
        )
    )


def _add_entities(
    ctx: EditContext, entities: Sequence[cd.Entity], by: Provenance, relations_only: bool
) -> dict[str, m.Entity]:
    """Store the new entity suggestions; every given entity's row, by the given id."""
    s, doc = ctx.s, ctx.doc
    kept: dict[_Key, m.Entity] = {
        (e.type, tuple(map(tuple, e.fragments))): e
        for e in s.scalars(select(m.Entity).where(m.Entity.document_id == doc.id))
    }
    known = {t.name for t in ctx.schema.entity_types}
    by_ref: dict[str, m.Entity] = {}
    position = next_position(s, m.Entity, doc.id)
    for e in entities:
        key = (e.type, tuple(tuple(f) for f in e.fragments))
        if key in kept:
            by_ref[e.id] = kept[key]
            continue
        if relations_only:
            raise EditError(f"entity {e.id} is not in the document (any more)")
        if e.type not in known:
            raise EditError(f"unknown entity type {e.type!r} in model output")
        for frag in e.fragments:
            if not (0 <= frag[0] < frag[1] <= len(doc.text)):
                raise EditError(f"suggested fragment {frag} is outside the text")
        stored = replace(e, id=fresh_ann_id(s, doc.id, "T"))
        row = m.Entity(**entity_row(doc.id, position, stored, by))
        position += 1
        ctx.changes.add(row)
        kept[key] = row
        by_ref[e.id] = row
    return by_ref


def _add_relations(
    ctx: EditContext, relations: Sequence[cd.Relation], by_ref: dict[str, m.Entity], by: Provenance
) -> int:
    """Store the new relation suggestions; how many the schema did not admit (dropped)."""
    s, doc_id, schema = ctx.s, ctx.doc.id, ctx.schema
    known = set(schema.relation_names())
    existing = {
        (r.type, r.arg1_id, r.arg2_id)
        for r in s.scalars(select(m.Relation).where(m.Relation.document_id == doc_id))
    }
    dropped = 0
    position = next_position(s, m.Relation, doc_id)
    for r in relations:
        a1, a2 = by_ref.get(r.arg1), by_ref.get(r.arg2)
        if a1 is None or a2 is None:
            raise EditError(f"suggested relation {r.id} refers to an unknown entity")
        if r.type not in known:
            raise EditError(f"unknown relation type {r.type!r} in model output")
        if a1.review == "rejected" or a2.review == "rejected" or a1.id == a2.id:
            continue
        if (r.type, a1.id, a2.id) in existing:
            continue
        if r.type not in schema.allowed_relations(a1.type, a2.type):
            dropped += 1
            continue
        stored = replace(
            r, id=fresh_ann_id(s, doc_id, "R"), arg1=a1.ann_id, arg2=a2.ann_id, extra_args=[]
        )
        ctx.changes.add(m.Relation(**relation_row(doc_id, position, stored, (a1.id, a2.id), by)))
        position += 1
        existing.add((r.type, a1.id, a2.id))
    return dropped


class Suggestions(StoreBase):
    """``Store.replace_suggestions``."""

    def replace_suggestions(
        self,
        doc_id: int,
        model_version_id: int | None,
        entities: Sequence[cd.Entity],
        relations: Sequence[cd.Relation] = (),
        *,
        expected_version: int | None = None,
        author: str | None = "model",
        relations_only: bool = False,
        client_id: str | None = None,
        seq: int | None = None,
    ) -> EditResult:
        """Pre-annotation: replace the document's open model suggestions with new ones.

        ``relations_only``: replace the open relation suggestions only (relation suggestions
        between entities the annotator confirmed); open entity suggestions stay, and every
        entity in ``entities`` must be one the document already has (same type and fragments).

        Human annotations, accepted and rejected suggestions are never touched; a new suggestion
        equal (type and fragments) to one of them is skipped, and a suggested relation may attach
        to such an entity. Unknown types are refused; relations whose argument types the schema
        does not admit are dropped and counted (``EditResult.dropped``; the module docstring says
        why). Ids of ``entities``/``relations`` only link them to each other; stored
        ones get fresh ids. Without ``expected_version`` the current version is used (the job
        does not hold one); it is still one undoable step that bumps the version.

        ``client_id``/``seq``: the page's operation that asked for it (the relation pass), run
        exactly once like every page edit (``StoreBase._once``): a retry after a lost answer is
        answered from the stored record (``repeated``) instead of being refused as a conflict.
        """

        def run(s: Session) -> EditResult:
            doc = document_by_id(s, doc_id)
            version = doc.version if expected_version is None else expected_version
            doc = bump_version(s, doc_id, version)
            result = EditResult(doc_id, doc.version, "replace_suggestions")
            ctx = EditContext(s, doc, ChangeLog(s), author, result)
            old_e = [] if relations_only else _open_suggestions(s, m.Entity, doc_id)
            delete_annotations(ctx, old_e, _open_suggestions(s, m.Relation, doc_id))
            by = Provenance("model", "suggested", author, ctx.now, model_version_id)
            by_ref = _add_entities(ctx, entities, by, relations_only)
            result.dropped = _add_relations(ctx, relations, by_ref, by)
            if doc.status == NEW:
                move_status(ctx.changes, doc, PRE_ANNOTATED, author, ctx.now)
            entry = record_edit(s, doc, ctx.changes, author, "replace_suggestions", client_id)
            result.history_id, result.changed = entry.id, len(ctx.changes.items)
            return result

        if client_id is not None or seq is not None:
            return self._once(doc_id, client_id, seq, run)
        if expected_version is not None:
            return self._write(run)
        for _ in range(4):  # the job holds no version: retry when a person saved in between
            try:
                return self._write(run)
            except ConflictError:
                continue
        return self._write(run)
