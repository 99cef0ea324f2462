"""Changes a team makes to a project's schema, as pure functions over ``Schema``.

``apply_change`` returns the changed copy (or raises ``SchemaChangeError`` saying why not);
``not_admitted`` lists the annotations a narrowed schema would no longer admit, so the store
can refuse the change and name them. The store applies the change, renames annotations with a
renamed type and keeps the result; the Projects screen and the editor only send changes.

Actions (``SchemaChange.action``):

- ``add``: a new type of ``kind`` (entity, relation, event, attribute) called ``name``; a
  relation or event admits any argument until constrained; an attribute's ``values`` (none:
  present or absent);
- ``rename``: ``name`` becomes ``value`` everywhere in the schema (constraints, parents,
  attribute targets); the store renames the annotations;
- ``color`` / ``key``: the type's colour / its one-character shortcut (``value``; empty clears);
- ``hide`` / ``show``: whether the type is offered for new annotations;
- ``arguments``: a relation's argument types (``arg1``, ``arg2``; empty admits any);
- ``allow_pair``: a relation also admits ``arg1`` -> ``arg2`` (the types given);
- ``allow_any``: a relation admits any two entities or events (brat's ``<ENTITY>|<EVENT>``);
- ``role``: an event role's argument types and cardinality (``role``, ``types``,
  ``cardinality``); ``remove_role`` removes a role.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from converters.document import Document
from converters.schema import (
    AttributeType,
    EntityType,
    EventArgument,
    EventType,
    RelationType,
    Schema,
)

ACTIONS = (
    "add",
    "rename",
    "color",
    "key",
    "hide",
    "show",
    "arguments",
    "allow_pair",
    "allow_any",
    "role",
    "remove_role",
)
KINDS = ("entity", "relation", "event", "attribute")
CARDINALITIES = ("", "?", "*", "+")
#: what a type name may be: one token of an ``.ann`` line and of ``annotation.conf``
_NAME = re.compile(r"[^\s|,:=<>!#*]+")
_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?|[a-zA-Z]{3,24}")
#: what "allow any two" sets each argument to: brat's macros for any entity and any event
ANY_ARGUMENT = ("<ENTITY>", "<EVENT>")


class SchemaChangeError(ValueError):
    """A change that cannot be made; the message says why, cause first."""


@dataclass(frozen=True)
class SchemaChange:
    action: str
    kind: str
    name: str
    value: str | None = None
    arg1: tuple[str, ...] = ()
    arg2: tuple[str, ...] = ()
    role: str | None = None
    types: tuple[str, ...] = ()
    cardinality: str = ""
    values: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise SchemaChangeError(f"unknown schema change {self.action!r}")
        if self.kind not in KINDS:
            raise SchemaChangeError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")


def _types_of(schema: Schema, kind: str) -> list[Any]:
    return {
        "entity": schema.entity_types,
        "relation": schema.relation_types,
        "event": schema.event_types,
        "attribute": schema.attribute_types,
    }[kind]


def _named(schema: Schema, kind: str, name: str) -> list[Any]:
    found = [t for t in _types_of(schema, kind) if t.name == name]
    if not found:
        raise SchemaChangeError(f"the project has no {kind} type {name!r}")
    return found


def _check_name(schema: Schema, kind: str, name: str | None) -> str:
    if not name or not _NAME.fullmatch(name):
        raise SchemaChangeError(
            f"{name!r} cannot name a type: use letters, digits, '_', '-' or '.', no spaces"
        )
    # entity and event types are both text spans: one name space; relations and attributes
    # have their own
    spans = ("entity", "event")
    clash = spans if kind in spans else (kind,)
    for other in clash:
        if any(t.name == name for t in _types_of(schema, other)):
            raise SchemaChangeError(f"{name!r} is already a {other} type of the project")
    return name


def _known_types(schema: Schema, types: Iterable[str]) -> list[str]:
    names = {t.name for t in [*schema.entity_types, *schema.event_types]}
    out = []
    for t in types:
        t = t.strip()
        if not t:
            continue
        if t not in names and t not in ("<ENTITY>", "<EVENT>", "<ANY>"):
            raise SchemaChangeError(f"{t!r} is not an entity or event type of the project")
        out.append(t)
    return list(dict.fromkeys(out))


def _rename_in(types: list[str], old: str, new: str) -> list[str]:
    return [new if t == old else t for t in types]


def _rename(schema: Schema, kind: str, old: str, new: str) -> None:
    for t in _named(schema, kind, old):
        t.name = new
    if kind in ("entity", "event"):
        for t in [*schema.entity_types, *schema.event_types]:
            if t.parent == old:
                t.parent = new
        for rel in schema.relation_types:
            rel.arg1_types = _rename_in(rel.arg1_types, old, new)
            rel.arg2_types = _rename_in(rel.arg2_types, old, new)
        for ev in schema.event_types:
            for arg in ev.arguments:
                arg.types = _rename_in(arg.types, old, new)
    if kind != "attribute":
        for att in schema.attribute_types:
            att.targets = _rename_in(att.targets, old, new)
    if kind == "relation":
        for rel in schema.relation_types:
            if rel.parent == old:
                rel.parent = new


def apply_change(schema: Schema, change: SchemaChange) -> Schema:
    """A copy of ``schema`` with ``change`` made."""
    out = copy.deepcopy(schema)
    kind, name, action = change.kind, change.name, change.action
    if action == "add":
        _check_name(out, kind, name)
        new: Any = {
            "entity": lambda: EntityType(name),
            "relation": lambda: RelationType(name),
            "event": lambda: EventType(name),
            "attribute": lambda: AttributeType(name, [], [v for v in change.values if v]),
        }[kind]()
        _types_of(out, kind).append(new)
        return out
    found = _named(out, kind, name)
    if action == "rename":
        _rename(out, kind, name, _check_name(out, kind, change.value))
    elif action == "color":
        value = (change.value or "").strip() or None
        if value is not None and not _COLOR.fullmatch(value):
            raise SchemaChangeError(f"{value!r} is not a colour (#rrggbb or a colour name)")
        if kind == "attribute":
            raise SchemaChangeError("attributes have no colour")
        for t in found:
            t.color = value
    elif action == "key":
        value = (change.value or "").strip() or None
        if kind == "attribute":
            raise SchemaChangeError("attributes take no key")
        if value is not None and len(value) != 1:
            raise SchemaChangeError(f"a key is one character, not {value!r}")
        keyed = [*out.entity_types, *out.event_types, *out.relation_types]
        taken = [t.name for t in keyed if t.shortcut == value]
        if value is not None and any(n != name for n in taken):
            raise SchemaChangeError(f"key {value!r} is {taken[0]}'s already")
        for t in found:
            t.shortcut = value
    elif action in ("hide", "show"):
        for t in found:
            t.hidden = action == "hide"
    elif action in ("arguments", "allow_pair", "allow_any"):
        if kind != "relation":
            raise SchemaChangeError(f"{action} applies to relation types, not {kind} types")
        first, rest = found[0], found[1:]
        if action == "arguments":
            first.arg1_types = _known_types(out, change.arg1)
            first.arg2_types = _known_types(out, change.arg2)
            out.relation_types = [r for r in out.relation_types if r not in rest]
        elif action == "allow_any":
            # any entity and any event: what the type admitted before stays admitted
            first.arg1_types, first.arg2_types = list(ANY_ARGUMENT), list(ANY_ARGUMENT)
            out.relation_types = [r for r in out.relation_types if r not in rest]
        else:
            a1, a2 = _known_types(out, change.arg1), _known_types(out, change.arg2)
            if len(a1) != 1 or len(a2) != 1:
                raise SchemaChangeError("allow_pair takes one type for each argument")
            if not out.admits(first.arg1_types, a1[0]) or not out.admits(first.arg2_types, a2[0]):
                roles = (first.arg1_role, first.arg2_role)
                out.relation_types.append(RelationType(name, a1, a2, *roles))
    elif action in ("role", "remove_role"):
        if kind != "event":
            raise SchemaChangeError(f"{action} applies to event types, not {kind} types")
        if not change.role or not _NAME.fullmatch(change.role):
            raise SchemaChangeError(f"{change.role!r} cannot name a role")
        ev = found[0]
        slots = [a for a in ev.arguments if a.role != change.role]
        if action == "role":
            if change.cardinality not in CARDINALITIES:
                raise SchemaChangeError(
                    f"cardinality must be one of {', '.join(repr(c) for c in CARDINALITIES)}"
                )
            slot = EventArgument(change.role, _known_types(out, change.types), change.cardinality)
            at = next((i for i, a in enumerate(ev.arguments) if a.role == change.role), None)
            slots.insert(len(slots) if at is None else at, slot)
        ev.arguments = slots
    return out


def not_admitted(schema: Schema, documents: Iterable[Document], change: SchemaChange) -> list[str]:
    """The annotations ``schema`` (already changed) does not admit that ``change`` is about:
    the relations of a relation type with new argument types, the arguments of an event type
    with a changed role. ``document: annotation (why)`` each, in document order."""
    out: list[str] = []
    for doc in documents:
        types = {e.id: e.type for e in doc.entities}
        types.update({ev.id: ev.type for ev in doc.events})
        if change.kind == "relation":  # a relation's constraints changed in any way
            for rel in doc.relations:
                a1, a2 = types.get(rel.arg1), types.get(rel.arg2)
                admitted = a1 and a2 and rel.type in schema.allowed_relations(a1, a2)
                if rel.type == change.name and a1 and a2 and not admitted:
                    out.append(f"{doc.id}: {rel.id} ({a1} -> {a2})")
        if change.kind == "event" and change.action in ("role", "remove_role"):
            for ev in doc.events:
                if ev.type != change.name:
                    continue
                counts: dict[str, int] = {}
                for role, ref in ev.arguments:
                    slot = schema.event_slot(ev.type, role)
                    arg_type = types.get(ref, "")
                    if slot is None:
                        out.append(f"{doc.id}: {ev.id} {role} (no such role)")
                    elif slot.types and not schema.admits(slot.types, arg_type):
                        out.append(f"{doc.id}: {ev.id} {role} ({arg_type})")
                    else:
                        counts[slot.role] = counts.get(slot.role, 0) + 1
                for role, n in counts.items():
                    slot = schema.event_slot(ev.type, role)
                    if slot is not None and n > 1 and not slot.admits_count(n):
                        out.append(f"{doc.id}: {ev.id} has {n} {role}")
    return out
