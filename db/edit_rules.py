"""What an edit may do, and what it entails: the checks every edit of a document passes
(besides the shape checks of ``db.edits.Edit``) and the rules that carry one change to others.

- **Checks**: offsets within the text; types the project's schema knows (a type that only
  groups others is not picked); relations the schema allows between their arguments' types,
  never from an entity to itself or on a rejected one; no second confirmed entity of the same
  type and fragments, no second relation of the same type between the same entities;
  attributes as the project's ``[attributes]`` define them.
- **Review states**: imported and human annotations are ``accepted``; model output is
  ``suggested``. Changing a suggestion accepts it; accepting a relation accepts its suggested
  arguments; adding a relation on a suggested entity accepts the entity; rejecting an entity
  rejects the relations on it. Rejected rows are kept (never exported) so that a later
  pre-annotation does not suggest the same thing again.
- **Deleting** an entity deletes its relations and the attributes, notes and normalizations on
  them, and removes it from groups; deleting an event's trigger deletes the event (as in brat),
  and an entity that is an event's argument leaves that event's arguments. Deleting an event
  deletes the relations on it and removes it from other events' arguments. All of it is in the
  history, so undo restores it.
- **Events** have no review state: the model does not suggest them (imported and human ones
  are simply there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from converters import schema as cs
from db import models as m
from db.changes import ChangeLog
from db.edits import Edit
from db.project_schema import load_schema
from db.views import EditError, EditResult, PairNotAllowed, RoleNotAllowed

Annotation = m.Entity | m.Relation | m.Event


def kind(row: Annotation) -> str:
    if isinstance(row, m.Event):
        return "event"
    return "entity" if isinstance(row, m.Entity) else "relation"


def review_of(row: Annotation) -> str:
    """An entity's or relation's review state; events are always accepted."""
    return "accepted" if isinstance(row, m.Event) else row.review


@dataclass
class EditContext:
    """One change of a document in progress: where it writes, who makes it, the schema it is
    checked against (read once per change) and the answer it builds."""

    s: Session
    doc: m.Document
    changes: ChangeLog
    author: str | None
    result: EditResult
    now: datetime = field(default_factory=m.utcnow)

    @cached_property
    def schema(self) -> cs.Schema:
        project = self.s.get(m.Project, self.doc.project_id)
        assert project is not None
        return load_schema(self.s, project)

    def entity(self, entity_id: int | None) -> m.Entity:
        ent = self.s.get(m.Entity, entity_id) if entity_id is not None else None
        if ent is None or ent.document_id != self.doc.id:
            raise EditError(f"entity {entity_id} is not in document {self.doc.id}")
        return ent

    def relation(self, relation_id: int | None) -> m.Relation:
        rel = self.s.get(m.Relation, relation_id) if relation_id is not None else None
        if rel is None or rel.document_id != self.doc.id:
            raise EditError(f"relation {relation_id} is not in document {self.doc.id}")
        return rel

    def event(self, event_id: int | None) -> m.Event:
        ev = self.s.get(m.Event, event_id) if event_id is not None else None
        if ev is None or ev.document_id != self.doc.id:
            raise EditError(f"event {event_id} is not in document {self.doc.id}")
        return ev

    def by_ref(self, ref: str) -> Annotation | None:
        """The entity, event or relation with annotation id ``ref`` in this document."""
        for model in (m.Entity, m.Event, m.Relation):
            row = self.s.scalar(
                select(model).where(model.document_id == self.doc.id, model.ann_id == ref)
            )
            if row is not None:
                return row
        return None

    def target(self, edit: Edit) -> Annotation:
        """The entity, relation or event an attribute or note edit is about (not a rejected
        one)."""
        row: Annotation
        if edit.entity_id is not None:
            row = self.entity(edit.entity_id)
        elif edit.event_id is not None:
            row = self.event(edit.event_id)
        else:
            row = self.relation(edit.relation_id)
        if review_of(row) == "rejected":
            raise EditError(f"{kind(row)} {row.id} was rejected; restore it before editing it")
        return row


def argument(
    ctx: EditContext, entity_id: int | None, event_id: int | None, ref: str | None
) -> Annotation:
    """A relation argument: the entity or event the edit names, else the one ``ref`` (the
    relation's current argument) is."""
    if entity_id is not None:
        return ctx.entity(entity_id)
    if event_id is not None:
        return ctx.event(event_id)
    found = ctx.by_ref(ref) if ref is not None else None
    if found is None or isinstance(found, m.Relation):
        raise EditError(f"relation argument {ref!r} is not an entity or event of this document")
    return found


# -- checks ---------------------------------------------------------------------------------


def check_range(doc: m.Document, rng: tuple[int, int], what: str) -> None:
    start, end = rng
    if end > len(doc.text):
        raise EditError(f"{what} {start}-{end} is outside the text (length {len(doc.text)})")


def check_entity_type(ctx: EditContext, type_: str) -> None:
    known = {t.name: t for t in ctx.schema.entity_types}
    if type_ not in known:
        raise EditError(f"unknown entity type {type_!r}")
    if not known[type_].selectable:
        raise EditError(f"entity type {type_!r} only groups other types; pick a subtype")
    if known[type_].hidden:
        raise EditError(f"entity type {type_!r} is hidden in this project (Projects screen)")


def check_relation_type_offered(ctx: EditContext, type_: str) -> None:
    """A new relation, or a relation given another type, needs a type the project offers."""
    if any(t.name == type_ and t.hidden for t in ctx.schema.relation_types):
        raise EditError(f"relation type {type_!r} is hidden in this project (Projects screen)")


def check_relation(ctx: EditContext, type_: str, a1: Annotation, a2: Annotation) -> None:
    if type_ not in ctx.schema.relation_names():
        raise EditError(f"unknown relation type {type_!r}")
    if a1 is a2:
        raise EditError("a relation needs two different entities (self relation refused)")
    for a in (a1, a2):
        if review_of(a) == "rejected":
            raise EditError(f"entity {a.id} was rejected; a relation cannot use it")
    if type_ not in ctx.schema.allowed_relations(a1.type, a2.type):
        raise EditError(f"relation type {type_!r} is not allowed from {a1.type} to {a2.type}")


def check_retype(ctx: EditContext, ent: Annotation, new_type: str) -> None:
    """The relations on ``ent`` (an entity or event; not rejected relations) and the event
    arguments it fills must stay allowed with its new type."""
    for rel in ctx.s.scalars(
        select(m.Relation).where(
            m.Relation.document_id == ctx.doc.id,
            (m.Relation.arg1_ref == ent.ann_id) | (m.Relation.arg2_ref == ent.ann_id),
            m.Relation.review != "rejected",
        )
    ):
        types = []
        for ref in (rel.arg1_ref, rel.arg2_ref):
            other = ctx.by_ref(ref) if ref != ent.ann_id else None
            types.append(new_type if ref == ent.ann_id else other.type if other else "")
        a1, a2 = types
        if rel.type not in ctx.schema.allowed_relations(a1, a2):
            raise PairNotAllowed(
                f"relation {rel.id} ({rel.type}) would not be allowed from {a1} to "
                f"{a2}; change or delete it first, or allow that pair",
                rel.type,
                a1,
                a2,
            )
    for ev in ctx.s.scalars(select(m.Event).where(m.Event.document_id == ctx.doc.id)):
        for role, ref in ev.arguments:
            slot = ctx.schema.event_slot(ev.type, role) if ref == ent.ann_id else None
            if slot is not None and slot.types and not ctx.schema.admits(slot.types, new_type):
                raise RoleNotAllowed(
                    f"it is the {role} of event {ev.id} ({ev.type}), which takes "
                    f"{', '.join(slot.types)}; change that argument first, or allow it",
                    ev.type,
                    slot.role,
                    new_type,
                )


def check_no_twin(
    ctx: EditContext, type_: str, fragments: Sequence[Sequence[int]], skip: int | None
) -> None:
    """Refuse a second confirmed entity with the same type and fragments: it would be one
    annotation twice (INCEpTION refuses it unless a layer allows stacking; relations have
    the same rule, ``check_no_duplicate_relation``). An open suggestion gives way to the
    annotator's own entity, and a rejected one is gone, so neither blocks the edit."""
    key = sorted((int(a), int(b)) for a, b in fragments)
    for other in ctx.s.scalars(
        select(m.Entity).where(
            m.Entity.document_id == ctx.doc.id,
            m.Entity.type == type_,
            m.Entity.start == key[0][0],
            m.Entity.end == max(b for _, b in key),
            m.Entity.review.not_in(("suggested", "rejected")),
            m.Entity.id != (skip if skip is not None else -1),
        )
    ):
        if sorted((int(a), int(b)) for a, b in other.fragments) == key:
            raise EditError(f"the same {type_} entity exists already (entity {other.id})")


def check_no_duplicate_relation(
    ctx: EditContext, type_: str, a1: Annotation, a2: Annotation, skip: int | None
) -> None:
    duplicate = ctx.s.scalar(
        select(m.Relation.id).where(
            m.Relation.document_id == ctx.doc.id,
            m.Relation.type == type_,
            m.Relation.arg1_ref == a1.ann_id,
            m.Relation.arg2_ref == a2.ann_id,
            m.Relation.review != "rejected",
            m.Relation.id != (skip if skip is not None else -1),
        )
    )
    if duplicate is not None:
        raise EditError(
            f"relation {type_} from {kind(a1)} {a1.id} to {kind(a2)} {a2.id} already exists "
            f"(relation {duplicate})"
        )


def check_attribute(
    ctx: EditContext, target: Annotation, name: str | None, value: str | None
) -> cs.AttributeType:
    """The attribute type ``name`` if the project lets it be set to ``value`` on ``target``."""
    known = {a.name: a for a in ctx.schema.attribute_types}
    att = known.get(name or "")
    if att is None:
        raise EditError(f"unknown attribute {name!r} (the project defines none such)")
    if att.hidden:
        raise EditError(f"attribute {att.name!r} is hidden in this project (Projects screen)")
    if att not in ctx.schema.attributes_for(kind(target), target.type):
        raise EditError(
            f"attribute {att.name!r} does not apply to {kind(target)} type {target.type}"
        )
    if att.values and value not in att.values:
        raise EditError(
            f"attribute {att.name!r} takes one of {', '.join(att.values)}; got {value!r}"
        )
    if not att.values and value is not None:
        raise EditError(f"attribute {att.name!r} is present or absent; it takes no value")
    return att


# -- consequences ---------------------------------------------------------------------------


def accept(ctx: EditContext, row: Annotation) -> None:
    """Accept ``row`` if it is an open suggestion."""
    if review_of(row) == "suggested":
        ctx.changes.update(row, review="accepted", author=ctx.author, updated_at=m.utcnow())


def accept_target(ctx: EditContext, row: Annotation) -> None:
    """Accept a suggestion (a relation together with its arguments, none of them rejected)."""
    if isinstance(row, m.Relation) and row.review == "suggested":
        for arg_id in (row.arg1_id, row.arg2_id):
            if arg_id is not None:
                arg = ctx.entity(arg_id)
                if arg.review == "rejected":
                    raise EditError(f"relation {row.id} uses rejected entity {arg.id}")
                accept(ctx, arg)
    accept(ctx, row)


def reject_with_relations(ctx: EditContext, row: m.Entity | m.Relation) -> None:
    """Reject ``row``; an entity takes the relations on it along."""
    ctx.changes.update(row, review="rejected", author=ctx.author, updated_at=ctx.now)
    if isinstance(row, m.Entity):
        for rel in ctx.s.scalars(
            select(m.Relation).where(
                (m.Relation.arg1_id == row.id) | (m.Relation.arg2_id == row.id),
                m.Relation.review != "rejected",
            )
        ):
            ctx.changes.update(rel, review="rejected", author=ctx.author, updated_at=ctx.now)


def delete_annotations(
    ctx: EditContext,
    entities: Sequence[m.Entity] = (),
    relations: Sequence[m.Relation] = (),
    events: Sequence[m.Event] = (),
) -> None:
    """Delete annotations with everything that depends on them, children first.

    An event whose trigger goes goes too, and a deleted event's trigger goes unless another
    event keeps it; events that keep living lose the arguments that point at what goes;
    relations on anything that goes go; attributes, notes and normalizations on them go;
    groups lose them as members.
    """
    s, doc, changes = ctx.s, ctx.doc, ctx.changes
    gone_ents = {e.id: e for e in entities}
    doc_events = list(
        s.scalars(select(m.Event).where(m.Event.document_id == doc.id).order_by(m.Event.position))
    )
    gone_events = {ev.id: ev for ev in events}
    ent_refs = {e.ann_id for e in gone_ents.values()}
    for ev in doc_events:
        if ev.trigger_ref in ent_refs:
            gone_events[ev.id] = ev
    kept_triggers = {ev.trigger_ref for ev in doc_events if ev.id not in gone_events}
    for ev in list(gone_events.values()):
        if ev.trigger_ref not in kept_triggers and ev.trigger_ref not in ent_refs:
            trigger = s.scalar(
                select(m.Entity).where(
                    m.Entity.document_id == doc.id, m.Entity.ann_id == ev.trigger_ref
                )
            )
            if trigger is not None:
                gone_ents[trigger.id] = trigger
                ent_refs.add(trigger.ann_id)
    gone_refs = ent_refs | {ev.ann_id for ev in gone_events.values()}
    for ev in doc_events:
        if ev.id not in gone_events and any(ref in gone_refs for _, ref in ev.arguments):
            changes.update(ev, arguments=[a for a in ev.arguments if a[1] not in gone_refs])
    rels = {r.id: r for r in relations}
    for r in s.scalars(select(m.Relation).where(m.Relation.document_id == doc.id)):
        if r.id in rels:
            continue
        if r.arg1_ref in gone_refs or r.arg2_ref in gone_refs:
            rels[r.id] = r
        elif {a[1] for a in r.extra_args} & gone_refs:
            changes.update(
                r,
                extra_args=[a for a in r.extra_args if a[1] not in gone_refs],
                updated_at=m.utcnow(),
            )
    refs = gone_refs | {r.ann_id for r in rels.values()}
    for model in (m.Attribute, m.Normalization, m.Note):
        for row in s.scalars(
            select(model).where(model.document_id == doc.id, model.target_ref.in_(refs))
        ):
            changes.delete(row)
    for g in s.scalars(select(m.Group).where(m.Group.document_id == doc.id)):
        if set(g.members) & refs:
            members = [x for x in g.members if x not in refs]
            if members:
                changes.update(g, members=members)
            else:
                changes.delete(g)
    for r in rels.values():
        changes.delete(r)
    for ev in gone_events.values():
        changes.delete(ev)
    for e in gone_ents.values():
        changes.delete(e)
