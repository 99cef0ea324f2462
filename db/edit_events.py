"""The edit operations on events, one function each, for ``db.edit_apply``'s table.

An event is brat's ``E`` line: a trigger (a text-bound annotation typed with the event type)
and arguments, each a role and an entity or another event. What the project's ``[events]``
allow is asked of ``converters.schema.Schema`` (``event_slot``, ``admits``, and
``EventArgument.admits_count`` for cardinalities), so the page, the store and the exported
``annotation.conf`` agree. A repeated role is numbered as brat writes it (``Theme``,
``Theme2``...). An event may lack a mandatory argument while it is being built (brat too lets
an annotator save it and marks it); what is refused is an argument the schema does not admit.
"""

from __future__ import annotations

from sqlalchemy import select

from converters import document as cd
from converters import schema as cs
from db import models as m
from db.edit_rules import Annotation, EditContext, check_range, check_retype, delete_annotations
from db.edits import Edit
from db.rows import Provenance, entity_row, fresh_ann_id, next_position
from db.views import EditError


def event_type(ctx: EditContext, name: str) -> cs.EventType:
    """The project's event type ``name`` (one that can be annotated)."""
    for ev in ctx.schema.event_types:
        if ev.name == name:
            if not ev.selectable:
                raise EditError(f"event type {name!r} only groups other types; pick a subtype")
            if ev.hidden:
                raise EditError(f"event type {name!r} is hidden in this project (Projects screen)")
            return ev
    raise EditError(f"unknown event type {name!r}")


def trigger_of(ctx: EditContext, ev: m.Event) -> m.Entity | None:
    return ctx.s.scalar(
        select(m.Entity).where(
            m.Entity.document_id == ctx.doc.id, m.Entity.ann_id == ev.trigger_ref
        )
    )


def _slot(ctx: EditContext, ev_type: str, role: str) -> cs.EventArgument:
    slot = ctx.schema.event_slot(ev_type, role)
    if slot is None:
        declared = next((e for e in ctx.schema.event_types if e.name == ev_type), None)
        roles = ", ".join(a.role for a in declared.arguments) if declared else ""
        raise EditError(f"event type {ev_type} has no role {role!r} (it has: {roles or 'none'})")
    return slot


def _check_argument(ctx: EditContext, ev_type: str, role: str, target: Annotation) -> str:
    """The slot name ``role`` fills, if it admits ``target``'s type."""
    slot = _slot(ctx, ev_type, role)
    if slot.types and not ctx.schema.admits(slot.types, target.type):
        raise EditError(
            f"role {slot.role} of {ev_type} takes {', '.join(slot.types)}, not {target.type}"
        )
    return slot.role


def _numbered(taken: list[str], base: str) -> str:
    """``base`` or its next free numbered repeat (``Theme2``), as brat numbers them."""
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def _fills(ev: m.Event, base: str, schema: cs.Schema) -> int:
    return sum(
        1 for r, _ in ev.arguments if (s := schema.event_slot(ev.type, r)) and s.role == base
    )


def add_event(ctx: EditContext, edit: Edit) -> None:
    """A trigger span typed with the event type, and the event on it (no arguments yet)."""
    assert edit.type and edit.fragments
    event_type(ctx, edit.type)
    for frag in edit.fragments:
        check_range(ctx.doc, frag, "fragment")
    doc_id = ctx.doc.id
    trigger = cd.Entity(fresh_ann_id(ctx.s, doc_id, "T"), edit.type, list(edit.fragments))
    by = Provenance("human", "accepted", ctx.author, ctx.now)
    row = m.Entity(**entity_row(doc_id, next_position(ctx.s, m.Entity, doc_id), trigger, by))
    ctx.changes.add(row)
    ev = m.Event(
        document_id=doc_id,
        position=next_position(ctx.s, m.Event, doc_id),
        ann_id=fresh_ann_id(ctx.s, doc_id, "E"),
        type=edit.type,
        trigger_ref=trigger.id,
        arguments=[],
        meta={},
    )
    ctx.changes.add(ev)
    ctx.result.event_id = ev.id
    ctx.result.entity_id = row.id


def retype_event(ctx: EditContext, ev: m.Event, new_type: str) -> None:
    """Give ``ev`` (and its trigger) another event type that admits its arguments."""
    event_type(ctx, new_type)
    for role, ref in ev.arguments:
        target = ctx.by_ref(ref)
        if target is not None:
            _check_argument(ctx, new_type, role, target)
    check_retype(ctx, ev, new_type)
    trigger = trigger_of(ctx, ev)
    if trigger is not None:
        sharing = ctx.s.scalar(
            select(m.Event.id).where(
                m.Event.document_id == ctx.doc.id,
                m.Event.trigger_ref == ev.trigger_ref,
                m.Event.id != ev.id,
            )
        )
        if sharing is not None:
            raise EditError(f"the trigger of event {ev.id} is also event {sharing}'s")
        ctx.changes.update(trigger, type=new_type, author=ctx.author, updated_at=ctx.now)
    ctx.changes.update(ev, type=new_type)
    ctx.result.event_id = ev.id


def change_event(ctx: EditContext, edit: Edit) -> None:
    assert edit.type is not None
    ev = ctx.event(edit.event_id)
    if edit.type == ev.type:
        raise EditError(f"event {ev.id} is a {ev.type} already")
    retype_event(ctx, ev, edit.type)


def delete_event(ctx: EditContext, edit: Edit) -> None:
    """The event, its trigger (unless another event has it), the relations on it; events that
    have it as an argument lose that argument (``edit_rules.delete_annotations``)."""
    ev = ctx.event(edit.event_id)
    delete_annotations(ctx, events=[ev])
    ctx.result.event_id = ev.id


def add_argument(ctx: EditContext, edit: Edit) -> None:
    assert edit.role is not None
    ev = ctx.event(edit.event_id)
    target: Annotation
    if edit.entity_id is not None:
        target = ctx.entity(edit.entity_id)
        if target.review == "rejected":
            raise EditError(f"entity {target.id} was rejected; an event cannot use it")
    else:
        target = ctx.event(edit.target_event)
        if target.id == ev.id:
            raise EditError("an event cannot be its own argument")
    if target.ann_id == ev.trigger_ref:
        raise EditError("an event's trigger cannot be its argument")
    base = _check_argument(ctx, ev.type, edit.role, target)
    if any(ref == target.ann_id and _slot(ctx, ev.type, r).role == base for r, ref in ev.arguments):
        raise EditError(f"{target.ann_id} is the {base} of event {ev.id} already")
    slot = _slot(ctx, ev.type, base)
    if not slot.admits_count(_fills(ev, base, ctx.schema) + 1):
        raise EditError(f"{ev.type} takes one {base} ({base}{slot.cardinality}); change it instead")
    if isinstance(target, m.Entity) and target.review == "suggested":
        ctx.changes.update(target, review="accepted", author=ctx.author, updated_at=ctx.now)
    role = _numbered([r for r, _ in ev.arguments], base)
    ctx.changes.update(ev, arguments=[*ev.arguments, [role, target.ann_id]])
    ctx.result.event_id = ev.id


def _argument(ev: m.Event, role: str) -> int:
    for i, (r, _) in enumerate(ev.arguments):
        if r == role:
            return i
    raise EditError(f"event {ev.id} has no argument {role!r}")


def change_argument(ctx: EditContext, edit: Edit) -> None:
    """Give an argument another role (numbered again if that role is taken)."""
    assert edit.role is not None and edit.new_role is not None
    ev = ctx.event(edit.event_id)
    i = _argument(ev, edit.role)
    target = ctx.by_ref(ev.arguments[i][1])
    if target is None:
        raise EditError(f"argument {edit.role} of event {ev.id} points at nothing")
    base = _check_argument(ctx, ev.type, edit.new_role, target)
    if base == _slot(ctx, ev.type, edit.role).role:
        raise EditError(f"argument {edit.role} of event {ev.id} is a {base} already")
    slot = _slot(ctx, ev.type, base)
    if not slot.admits_count(_fills(ev, base, ctx.schema) + 1):
        raise EditError(f"{ev.type} takes one {base} ({base}{slot.cardinality})")
    others = [r for j, (r, _) in enumerate(ev.arguments) if j != i]
    args = [list(a) for a in ev.arguments]
    args[i] = [_numbered(others, base), args[i][1]]
    ctx.changes.update(ev, arguments=args)
    ctx.result.event_id = ev.id


def delete_argument(ctx: EditContext, edit: Edit) -> None:
    assert edit.role is not None
    ev = ctx.event(edit.event_id)
    i = _argument(ev, edit.role)
    ctx.changes.update(ev, arguments=[a for j, a in enumerate(ev.arguments) if j != i])
    ctx.result.event_id = ev.id
