"""Applying one edit: a table from each operation of ``db.edits.OPS`` to the function that
does it, and ``Store.apply_edit`` / ``Store.accept_all`` around them.

Each operation function checks its edit (``db.edit_rules``), then writes through the edit's
``ChangeLog`` so the history can undo it; the version bump before it and the history entry
after it (``db.edit_log``) and exactly-once delivery (``db.transactions``) are the same for all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from converters import document as cd
from db import edit_attributes_notes as notes
from db import edit_events as events
from db import edit_groups as groups
from db import models as m
from db.changes import ChangeLog
from db.document_status import set_status, start_work
from db.edit_events import retype_event
from db.edit_log import bump_version, record_edit
from db.edit_rules import (
    EditContext,
    accept,
    accept_target,
    argument,
    check_entity_type,
    check_no_duplicate_relation,
    check_no_twin,
    check_range,
    check_relation,
    check_relation_type_offered,
    check_retype,
    delete_annotations,
    kind,
    reject_with_relations,
)
from db.edits import Edit
from db.rows import Provenance, entity_row, fresh_ann_id, next_position, relation_row
from db.transactions import StoreBase
from db.views import EditError, EditResult


def _by_hand(ctx: EditContext) -> Provenance:
    return Provenance("human", "accepted", ctx.author, ctx.now)


def add_entity(ctx: EditContext, edit: Edit) -> None:
    assert edit.type and edit.fragments
    check_entity_type(ctx, edit.type)
    for frag in edit.fragments:
        check_range(ctx.doc, frag, "fragment")
    if edit.head:
        check_range(ctx.doc, edit.head, "head")
    check_no_twin(ctx, edit.type, edit.fragments, None)
    doc_id = ctx.doc.id
    new = cd.Entity(fresh_ann_id(ctx.s, doc_id, "T"), edit.type, list(edit.fragments), edit.head)
    position = next_position(ctx.s, m.Entity, doc_id)
    ent = m.Entity(**entity_row(doc_id, position, new, _by_hand(ctx)))
    ctx.changes.add(ent)
    ctx.result.entity_id = ent.id


def change_entity(ctx: EditContext, edit: Edit) -> None:
    """Retype, resize or re-head an entity; changing a suggestion accepts it. Retyping an
    event's trigger retypes its event (the two always have one type)."""
    ent = ctx.entity(edit.entity_id)
    values: dict[str, Any] = {}
    event = ctx.s.scalar(
        select(m.Event).where(m.Event.document_id == ctx.doc.id, m.Event.trigger_ref == ent.ann_id)
    )
    if event is not None and edit.type is not None and edit.type != ent.type:
        retype_event(ctx, event, edit.type)
        ctx.s.refresh(ent)
    elif edit.type is not None and edit.type != ent.type:
        check_entity_type(ctx, edit.type)
        values["type"] = edit.type
        check_retype(ctx, ent, edit.type)
    if edit.fragments is not None:
        for frag in edit.fragments:
            check_range(ctx.doc, frag, "fragment")
        values["fragments"] = [list(f) for f in edit.fragments]
        values["start"] = min(f[0] for f in edit.fragments)
        values["end"] = max(f[1] for f in edit.fragments)
    if edit.head is not None:
        check_range(ctx.doc, edit.head, "head")
        values["head_start"], values["head_end"] = edit.head
    if "type" in values or "fragments" in values:
        fragments = values.get("fragments", ent.fragments)
        check_no_twin(ctx, values.get("type", ent.type), fragments, ent.id)
    if ent.review == "suggested":
        values["review"] = "accepted"
    if values:
        values.update(author=ctx.author, updated_at=ctx.now)
        ctx.changes.update(ent, **values)
    ctx.result.entity_id = ent.id


def delete_entity(ctx: EditContext, edit: Edit) -> None:
    delete_annotations(ctx, entities=[ctx.entity(edit.entity_id)])


def _put_relation(ctx: EditContext, edit: Edit, rel: m.Relation | None) -> None:
    """Add a relation (``rel`` None) or change ``rel``; its suggested arguments are accepted."""
    a1 = argument(ctx, edit.arg1, edit.arg1_event, rel.arg1_ref if rel else None)
    a2 = argument(ctx, edit.arg2, edit.arg2_event, rel.arg2_ref if rel else None)
    type_ = edit.type or (rel.type if rel else "")
    if rel is None or type_ != rel.type:
        check_relation_type_offered(ctx, type_)
        if any(r.equivalence for r in ctx.schema.relation_types if r.name == type_):
            raise EditError(f"{type_} is an equivalence: link the two (add_equivalence)")
    check_relation(ctx, type_, a1, a2)
    check_no_duplicate_relation(ctx, type_, a1, a2, rel.id if rel else None)
    accept(ctx, a1)
    accept(ctx, a2)
    if rel is None:
        doc_id = ctx.doc.id
        new = cd.Relation(fresh_ann_id(ctx.s, doc_id, "R"), type_, a1.ann_id, a2.ann_id)
        position = next_position(ctx.s, m.Relation, doc_id)
        ids = tuple(a.id if isinstance(a, m.Entity) else None for a in (a1, a2))
        row = m.Relation(**relation_row(doc_id, position, new, ids, _by_hand(ctx)))
        ctx.changes.add(row)
        ctx.result.relation_id = row.id
        return
    values: dict[str, Any] = {
        "type": type_,
        "arg1_id": a1.id if isinstance(a1, m.Entity) else None,
        "arg2_id": a2.id if isinstance(a2, m.Entity) else None,
        "arg1_ref": a1.ann_id,
        "arg2_ref": a2.ann_id,
    }
    if rel.review == "suggested":
        values["review"] = "accepted"
    if any(getattr(rel, k) != v for k, v in values.items()):
        values.update(author=ctx.author, updated_at=ctx.now)
        ctx.changes.update(rel, **values)
    ctx.result.relation_id = rel.id


def add_relation(ctx: EditContext, edit: Edit) -> None:
    _put_relation(ctx, edit, None)


def change_relation(ctx: EditContext, edit: Edit) -> None:
    _put_relation(ctx, edit, ctx.relation(edit.relation_id))


def delete_relation(ctx: EditContext, edit: Edit) -> None:
    delete_annotations(ctx, relations=[ctx.relation(edit.relation_id)])


def _open_suggestion(ctx: EditContext, edit: Edit) -> m.Entity | m.Relation:
    row: m.Entity | m.Relation
    if edit.entity_id is not None:
        row = ctx.entity(edit.entity_id)
        ctx.result.entity_id = row.id
    else:
        row = ctx.relation(edit.relation_id)
        ctx.result.relation_id = row.id
    if row.review != "suggested":
        raise EditError(f"{kind(row)} {row.id} is not an open suggestion (it is {row.review})")
    return row


def accept_suggestion(ctx: EditContext, edit: Edit) -> None:
    accept_target(ctx, _open_suggestion(ctx, edit))


def reject_suggestion(ctx: EditContext, edit: Edit) -> None:
    reject_with_relations(ctx, _open_suggestion(ctx, edit))


def set_document_field(ctx: EditContext, edit: Edit) -> None:
    """``set_assignee``, ``set_split``: the document's own columns (``set_status`` is
    ``db.document_status``'s: it records who moved the status)."""
    field = edit.op.removeprefix("set_")
    ctx.changes.update(ctx.doc, **{field: getattr(edit, field)})


#: every operation of ``db.edits.OPS`` and the function that applies it
OPERATIONS: dict[str, Callable[[EditContext, Edit], None]] = {
    "add_entity": add_entity,
    "change_entity": change_entity,
    "delete_entity": delete_entity,
    "add_relation": add_relation,
    "change_relation": change_relation,
    "delete_relation": delete_relation,
    "accept": accept_suggestion,
    "reject": reject_suggestion,
    "set_status": set_status,
    "set_assignee": set_document_field,
    "set_split": set_document_field,
    "set_attribute": notes.set_attribute,
    "delete_attribute": notes.delete_attribute,
    "set_note": notes.set_note,
    "delete_note": notes.delete_note,
    "add_event": events.add_event,
    "change_event": events.change_event,
    "delete_event": events.delete_event,
    "add_argument": events.add_argument,
    "change_argument": events.change_argument,
    "delete_argument": events.delete_argument,
    "add_equivalence": groups.add_equivalence,
    "remove_member": groups.remove_member,
    "delete_group": groups.delete_group,
}


class Edits(StoreBase):
    """``Store.apply_edit`` and ``Store.accept_all``."""

    def apply_edit(
        self,
        doc_id: int,
        edit: Edit | dict[str, Any],
        expected_version: int,
        author: str | None,
        *,
        client_id: str | None = None,
        seq: int | None = None,
    ) -> EditResult:
        """Apply one edit if the document is still at ``expected_version``.

        Raises ``ConflictError`` (stale version), ``EditError`` (invalid edit; the reason says
        why) or ``NotFoundError``; nothing is written in those cases. With ``client_id`` and
        ``seq`` a repeat of an applied op returns its stored result (``repeated=True``).
        """
        if not isinstance(edit, Edit):
            edit = Edit.from_dict(edit)

        def run(s: Session) -> EditResult:
            doc = bump_version(s, doc_id, expected_version)
            ctx = EditContext(
                s, doc, ChangeLog(s), author, EditResult(doc_id, doc.version, edit.op)
            )
            OPERATIONS[edit.op](ctx, edit)
            if not ctx.changes.items:
                raise EditError(f"{edit.op} changes nothing")
            start_work(ctx, edit.op)  # a first human edit or review: in progress
            ctx.result.history_id = record_edit(s, doc, ctx.changes, author, edit.op, client_id).id
            ctx.result.changed = len(ctx.changes.items)
            return ctx.result

        return self._once(doc_id, client_id, seq, run)

    def accept_all(
        self,
        doc_id: int,
        min_confidence: float,
        expected_version: int,
        author: str | None,
        *,
        client_id: str | None = None,
        seq: int | None = None,
        min_relation_confidence: float | None = None,
    ) -> EditResult:
        """Accept every open suggestion with confidence >= ``min_confidence`` (no confidence
        counts as 0): entities first, then relations whose arguments are then accepted (a
        relation never pulls in an entity below the threshold). ``min_relation_confidence``:
        another threshold for relations (their confidences are calibrated apart). One undoable
        step; ``client_id``/``seq`` as in ``apply_edit``."""
        rel_min = min_confidence if min_relation_confidence is None else min_relation_confidence

        def run(s: Session) -> EditResult:
            doc = bump_version(s, doc_id, expected_version)
            result = EditResult(doc_id, doc.version, "accept_all")
            ctx = EditContext(s, doc, ChangeLog(s), author, result)
            for model in (m.Entity, m.Relation):
                for row in s.scalars(
                    select(model)
                    .where(model.document_id == doc_id, model.review == "suggested")
                    .order_by(model.position)
                ):
                    floor = rel_min if model is m.Relation else min_confidence
                    if (row.confidence or 0.0) < floor:
                        continue
                    if isinstance(row, m.Relation):
                        args = [
                            s.get(m.Entity, a) for a in (row.arg1_id, row.arg2_id) if a is not None
                        ]
                        if any(a is None or a.review != "accepted" for a in args):
                            continue
                    accept(ctx, row)
            if not ctx.changes.items:
                raise EditError(f"no open suggestion has confidence >= {min_confidence}")
            result.changed = len(ctx.changes.items)  # the suggestions it accepted
            start_work(ctx, "accept_all")
            result.history_id = record_edit(s, doc, ctx.changes, author, "accept_all", client_id).id
            return result

        return self._once(doc_id, client_id, seq, run)
