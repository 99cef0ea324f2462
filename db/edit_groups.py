"""The edit operations on equivalences (brat's ``*`` lines), one function each, for
``db.edit_apply``'s table.

An equivalence is a group of annotations (entities or events) of a relation type that the
schema marks ``<REL-TYPE>:symmetric-transitive`` (brat's ``Equiv``): linking two annotations
puts them in one group, merging the groups they were in, as brat does. Removing a member
leaves the others equivalent; a group left with one member is deleted.
"""

from __future__ import annotations

from sqlalchemy import select

from db import models as m
from db.edit_rules import Annotation, EditContext, argument, review_of
from db.edits import Edit
from db.rows import next_position
from db.views import EditError


def _groups(ctx: EditContext, type_: str) -> list[m.Group]:
    return list(
        ctx.s.scalars(
            select(m.Group)
            .where(m.Group.document_id == ctx.doc.id, m.Group.type == type_)
            .order_by(m.Group.position)
        )
    )


def _group(ctx: EditContext, group_id: int | None) -> m.Group:
    group = ctx.s.get(m.Group, group_id) if group_id is not None else None
    if group is None or group.document_id != ctx.doc.id:
        raise EditError(f"group {group_id} is not in document {ctx.doc.id}")
    return group


def add_equivalence(ctx: EditContext, edit: Edit) -> None:
    assert edit.type is not None
    a = argument(ctx, edit.arg1, edit.arg1_event, None)
    b = argument(ctx, edit.arg2, edit.arg2_event, None)
    lines = [r for r in ctx.schema.relation_types if r.name == edit.type]
    if not lines or not any(r.equivalence for r in lines):
        raise EditError(f"{edit.type!r} is not an equivalence (symmetric-transitive) type")
    if a is b:
        raise EditError("an annotation is equivalent to itself already")
    for x in (a, b):
        if review_of(x) == "rejected":
            raise EditError(f"{x.ann_id} was rejected; it cannot be made equivalent")
    if edit.type not in ctx.schema.allowed_relations(a.type, b.type):
        raise EditError(f"{edit.type} does not admit {a.type} and {b.type}")
    _link(ctx, edit.type, a, b)


def _link(ctx: EditContext, type_: str, a: Annotation, b: Annotation) -> None:
    having = [g for g in _groups(ctx, type_) if {a.ann_id, b.ann_id} & set(g.members)]
    for x in (a, b):
        if isinstance(x, m.Entity) and x.review == "suggested":
            ctx.changes.update(x, review="accepted", author=ctx.author, updated_at=ctx.now)
    if not having:
        group = m.Group(
            document_id=ctx.doc.id,
            position=next_position(ctx.s, m.Group, ctx.doc.id),
            type=type_,
            ann_id=None,
            members=[a.ann_id, b.ann_id],
            attributes={},
        )
        ctx.changes.add(group)
        return
    first, rest = having[0], having[1:]
    members = list(first.members)
    for g in rest:
        members += [x for x in g.members if x not in members]
    members += [x for x in (a.ann_id, b.ann_id) if x not in members]
    if members == list(first.members) and not rest:
        raise EditError(f"{a.ann_id} and {b.ann_id} are equivalent already ({type_})")
    ctx.changes.update(first, members=members)
    for g in rest:
        ctx.changes.delete(g)


def remove_member(ctx: EditContext, edit: Edit) -> None:
    group = _group(ctx, edit.group_id)
    member = argument(ctx, edit.entity_id, edit.target_event, None)
    if member.ann_id not in group.members:
        raise EditError(f"{member.ann_id} is not in group {group.id}")
    left = [x for x in group.members if x != member.ann_id]
    if len(left) < 2:
        ctx.changes.delete(group)
    else:
        ctx.changes.update(group, members=left)


def delete_group(ctx: EditContext, edit: Edit) -> None:
    ctx.changes.delete(_group(ctx, edit.group_id))
