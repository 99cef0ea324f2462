"""A schema widened until it admits every annotation of a set of documents.

A schema written beside data must admit that data: brat refuses an ``annotation.conf`` whose
``.ann`` files use undeclared types, and flags arguments, roles or attribute values that the
conf does not allow. A project's schema can lag behind its documents (a conf-less corpus whose
events or equivalences were never declared, gold imported before the constraints were
narrowed), so every writer of a conf asks ``admitting`` for the schema to write, and gets back
what it had to add, to tell the user.

The semantics are brat's (``converters.schema.Schema`` implements them once): a type named in a
constraint admits its subtypes; ``<ANY>``, ``<ENTITY>``, ``<EVENT>``, ``<RELATION>`` are the class
macros; an empty constraint admits anything; an event role's trailing digits (``Theme2``) number
repeats of the declared role (``Theme``), whose cardinality (``""`` exactly one, ``?``, ``*``,
``+``) bounds how many an event has. Text-bound annotations that are event triggers have an
event type and are declared under ``[events]``, not ``[entities]``.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable

from converters.document import Document
from converters.schema import (
    AttributeType,
    EntityType,
    EventArgument,
    EventType,
    RelationType,
    Schema,
)

#: the option brat requires on a relation type used by ``*`` (equivalence) lines
EQUIVALENCE_OPTION = ("<REL-TYPE>", "symmetric-transitive")


def _admits_count(cardinality: str, count: int) -> bool:
    return EventArgument("", [], cardinality).admits_count(count)


def _widened_cardinality(cardinality: str, counts: Iterable[int]) -> str:
    """The narrowest of the four brat cardinalities that admits every count seen and what
    ``cardinality`` admitted (a bounded ``{n-m}`` that fails becomes one of the four)."""
    counts = list(counts)
    if all(_admits_count(cardinality, c) for c in counts):
        return cardinality
    none = any(c == 0 for c in counts) or _admits_count(cardinality, 0)
    many = any(c > 1 for c in counts) or _admits_count(cardinality, 2)
    return {(False, False): "", (True, False): "?", (True, True): "*", (False, True): "+"}[
        (none, many)
    ]


class _Widener:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.added: list[str] = []
        self.events_seen: Counter[str] = Counter()  # events of each type widened so far

    def note(self, message: str) -> None:
        if message not in self.added:
            self.added.append(message)

    # -- types ---------------------------------------------------------------------------
    def entity(self, name: str) -> None:
        if name not in self.schema.entity_names():
            self.schema.entity_types.append(EntityType(name))
            self.note(f"entity type {name}")

    def event(self, name: str) -> EventType:
        for ev in self.schema.event_types:
            if ev.name == name:
                return ev
        ev = EventType(name)
        self.schema.event_types.append(ev)
        self.note(f"event type {name}")
        return ev

    def constraint(self, types: list[str], type_name: str, what: str) -> None:
        """Add ``type_name`` to a non-empty constraint that does not admit it."""
        if types and not self.schema.admits(types, type_name):
            types.append(type_name)
            self.note(f"{what} admits {type_name}")

    # -- annotations -----------------------------------------------------------------------
    def relation(self, name: str, roles: tuple[str, str], a1: str, a2: str) -> None:
        lines = [r for r in self.schema.relation_types if r.name == name]
        if not lines:
            self.schema.relation_types.append(RelationType(name, [a1], [a2], *roles))
            self.note(f"relation type {name} ({a1} -> {a2})")
            return
        if any(
            self.schema.admits(r.arg1_types, a1) and self.schema.admits(r.arg2_types, a2)
            for r in lines
        ):
            return
        first = lines[0]
        self.constraint(first.arg1_types, a1, f"relation {name} {first.arg1_role}")
        self.constraint(first.arg2_types, a2, f"relation {name} {first.arg2_role}")

    def equivalence(self, name: str, member_types: list[str]) -> None:
        for t in member_types:
            self.relation(name, ("Arg1", "Arg2"), t, t)
        key, value = EQUIVALENCE_OPTION
        for rel in self.schema.relation_types:
            if rel.name == name and key not in rel.options:
                rel.options[key] = value
                self.note(f"relation {name} is {value} (equivalence lines use it)")

    def event_roles(self, ev: EventType, uses: list[tuple[str, str]]) -> None:
        """``uses``: (role as written, argument type) of one event."""
        declared = {a.role: a for a in ev.arguments}
        counts: Counter[str] = Counter()
        for role, arg_type in uses:
            base = role if role in declared else role.rstrip("0123456789") or role
            slot = declared.get(base)
            if slot is None:
                # events of this type seen before had none of it
                slot = EventArgument(base, [arg_type], "?" if self.events_seen[ev.name] else "")
                ev.arguments.append(slot)
                declared[base] = slot
                self.note(f"event {ev.name} role {base}")
            self.constraint(slot.types, arg_type, f"event {ev.name} role {base}")
            counts[base] += 1
        self.events_seen[ev.name] += 1
        for slot in ev.arguments:
            widened = _widened_cardinality(slot.cardinality, [counts[slot.role]])
            if widened != slot.cardinality:
                self.note(f"event {ev.name} role {slot.role}{slot.cardinality} -> {widened}")
                slot.cardinality = widened

    def attribute(self, name: str, kind: str, target_type: str, value: str | None) -> None:
        found = next((a for a in self.schema.attribute_types if a.name == name), None)
        target = "<RELATION>" if kind == "relation" else target_type
        if found is None:
            found = AttributeType(name, [target], [value] if value is not None else [])
            self.schema.attribute_types.append(found)
            self.note(f"attribute {name}")
            return
        if not any(a.name == name for a in self.schema.attributes_for(kind, target_type)):
            found.targets.append(target)
            self.note(f"attribute {name} applies to {target}")
        if value is not None and found.values and value not in found.values:
            found.values.append(value)
            self.note(f"attribute {name} value {value}")


def admitting(
    schema: Schema | None, documents: Iterable[Document], *, all_groups: bool = True
) -> tuple[Schema, list[str]]:
    """A copy of ``schema`` (an empty one for ``None``) widened to admit every annotation in
    ``documents``, and what was added, one phrase each (empty when it admitted them already).

    Groups are written as brat equivalence (``*``) lines, so each group type needs a
    symmetric-transitive relation type; without ``all_groups`` only the groups that came from
    such lines (no id) count, not ACE's coreference groups, which a schema for annotating
    need not offer as relation types.

    Only widens: types, argument types, roles, cardinalities, attribute targets and values
    are added, never removed, so a schema that already admits the data comes back equal.
    """
    w = _Widener(copy.deepcopy(schema) if schema is not None else Schema())
    for doc in documents:
        triggers = {ev.trigger for ev in doc.events}
        kinds: dict[str, tuple[str, str]] = {}  # id -> (kind, type)
        for ent in doc.entities:
            kinds[ent.id] = ("event" if ent.id in triggers else "entity", ent.type)
        for ev in doc.events:
            kinds[ev.id] = ("event", ev.type)
        for rel in doc.relations:
            kinds[rel.id] = ("relation", rel.type)
        event_names = {ev.type for ev in doc.events} | {e.name for e in w.schema.event_types}
        for ent in doc.entities:
            if ent.id in triggers or ent.type in event_names:
                w.event(ent.type)
            else:
                w.entity(ent.type)
        for ev in doc.events:
            uses = [(role, kinds[ref][1]) for role, ref in ev.arguments if ref in kinds]
            w.event_roles(w.event(ev.type), uses)
        for rel in doc.relations:
            if rel.arg1 in kinds and rel.arg2 in kinds:
                roles = (rel.arg1_role, rel.arg2_role)
                w.relation(rel.type, roles, kinds[rel.arg1][1], kinds[rel.arg2][1])
        for group in doc.groups:
            if not all_groups and group.id is not None:
                continue
            types = list(dict.fromkeys(kinds[m][1] for m in group.members if m in kinds))
            w.equivalence(group.type, types)
        for att in doc.attributes:
            if att.target in kinds:
                kind, target_type = kinds[att.target]
                w.attribute(att.type, kind, target_type, att.value)
    return w.schema, w.added
