"""The annotation schema: which entity, relation, event and attribute types a project has.

Read from BRAT's ``annotation.conf`` (``converters.brat``) or inferred from data
(``infer_schema``); the store keeps it per project and the editor offers only what it allows.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from converters.document import Document

#: brat's event argument cardinalities -> (admits none, admits several)
_CARDINALITY = {"": (False, False), "?": (True, False), "*": (True, True), "+": (False, True)}
_BOUNDS = re.compile(r"\{(\d+)(?:-(\d+))?\}")


@dataclass
class EntityType:
    """An entity type; ``parent`` places it in BRAT's indentation hierarchy.

    ``selectable`` is false for BRAT's ``!Name`` grouping types that only structure the
    hierarchy and cannot be annotated. ``options`` keeps format-specific names (SpERT's
    ``short``/``verbose``) so they survive a round trip.
    """

    name: str
    parent: str | None = None
    selectable: bool = True
    color: str | None = None
    shortcut: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    #: not offered for new annotations (a project setting; existing ones stay and are shown)
    hidden: bool = False


@dataclass
class RelationType:
    """A relation type with the entity types allowed as each argument (empty = any).

    ``options`` keeps BRAT's ``<REL-TYPE>:symmetric-transitive`` / ``<OVERLAP>:...`` settings.
    """

    name: str
    arg1_types: list[str] = field(default_factory=list)
    arg2_types: list[str] = field(default_factory=list)
    arg1_role: str = "Arg1"
    arg2_role: str = "Arg2"
    parent: str | None = None
    selectable: bool = True
    options: dict[str, str] = field(default_factory=dict)
    color: str | None = None
    shortcut: str | None = None
    hidden: bool = False

    @property
    def equivalence(self) -> bool:
        """brat's ``<REL-TYPE>:symmetric-transitive``: its instances are groups (``*`` lines)
        rather than pairs."""
        value = str(self.options.get("<REL-TYPE>", ""))
        return "symmetric" in value and "transitive" in value

    @property
    def symmetric(self) -> bool:
        """Arguments in either order mean the same: a SpERT types file's ``"symmetric": true``
        (kept as ``options["symmetric"] == "true"``) or BRAT's ``<REL-TYPE>:symmetric...``."""
        if self.options.get("symmetric") == "true":
            return True
        return any("symmetric" in str(v) for k, v in self.options.items() if k != "symmetric")


@dataclass
class EventArgument:
    """One argument slot of an event type: role, allowed types, cardinality (``?``, ``*``,
    ``+``, ``{2}``... or ``""`` for exactly one)."""

    role: str
    types: list[str] = field(default_factory=list)
    cardinality: str = ""

    def admits_count(self, count: int) -> bool:
        """Whether an event may have ``count`` arguments in this slot (brat: ``""`` exactly
        one, ``?`` at most one, ``*`` any number, ``+`` at least one, ``{n}``/``{n-m}``)."""
        if self.cardinality in _CARDINALITY:
            none_ok, many_ok = _CARDINALITY[self.cardinality]
            return (count > 0 or none_ok) and (count <= 1 or many_ok)
        bounds = _BOUNDS.fullmatch(self.cardinality)
        if bounds is None:
            return False
        low = int(bounds.group(1))
        return low <= count <= int(bounds.group(2) or low)


@dataclass
class EventType:
    """An event type: its argument slots, its place in the ``[events]`` hierarchy, the colour
    its triggers are drawn in (``visual.conf``'s ``bgColor``) and its key."""

    name: str
    arguments: list[EventArgument] = field(default_factory=list)
    parent: str | None = None
    selectable: bool = True
    color: str | None = None
    hidden: bool = False
    shortcut: str | None = None  # ``kb_shortcuts.conf``


@dataclass
class AttributeType:
    """An attribute: which annotation types it applies to, and its values (none = binary)."""

    name: str
    targets: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    hidden: bool = False


@dataclass
class Schema:
    entity_types: list[EntityType] = field(default_factory=list)
    relation_types: list[RelationType] = field(default_factory=list)
    event_types: list[EventType] = field(default_factory=list)
    attribute_types: list[AttributeType] = field(default_factory=list)

    def entity_names(self) -> list[str]:
        return [t.name for t in self.entity_types]

    def relation_names(self) -> list[str]:
        return [t.name for t in self.relation_types]

    def ancestors(self, entity_type: str) -> list[str]:
        """The type itself and its parents up the hierarchy, nearest first."""
        parents = {t.name: t.parent for t in self.entity_types}
        chain = [entity_type]
        while parents.get(chain[-1]) and parents[chain[-1]] not in chain:
            chain.append(parents[chain[-1]])  # type: ignore[arg-type]
        return chain

    def event_ancestors(self, event_type: str) -> list[str]:
        """An event type and its parents up the ``[events]`` hierarchy, nearest first."""
        parents = {t.name: t.parent for t in self.event_types}
        chain = [event_type]
        while parents.get(chain[-1]) and parents[chain[-1]] not in chain:
            chain.append(parents[chain[-1]])  # type: ignore[arg-type]
        return chain

    def allowed_relations(self, arg1_type: str, arg2_type: str) -> list[str]:
        """Relation types whose argument constraints admit these two types, each name once.

        A constraint naming a parent type admits its subtypes, as in BRAT; ``<ANY>`` admits
        everything, ``<ENTITY>`` any entity type and ``<EVENT>`` any event type.
        """
        allowed: dict[str, None] = {}
        for rel in self.relation_types:
            if (
                rel.selectable
                and self._admits(rel.arg1_types, arg1_type)
                and self._admits(rel.arg2_types, arg2_type)
            ):
                allowed.setdefault(rel.name)
        return list(allowed)

    def attributes_for(self, kind: str, type_name: str) -> list[AttributeType]:
        """Attribute types that may be set on an annotation of ``kind`` (``"entity"``,
        ``"relation"`` or ``"event"``) and type ``type_name``.

        As in BRAT's ``Arg:`` constraint: a type name (or one of its parents), ``<ANY>``, or
        the class macros ``<ENTITY>``, ``<RELATION>``, ``<EVENT>``; no constraint admits all.
        """
        macro = {"entity": "<ENTITY>", "relation": "<RELATION>", "event": "<EVENT>"}[kind]
        names = set(self.ancestors(type_name)) if kind == "entity" else {type_name}
        return [
            a
            for a in self.attribute_types
            if not a.targets or {"<ANY>", macro} & set(a.targets) or names & set(a.targets)
        ]

    def event_slot(self, event_type: str, role: str) -> EventArgument | None:
        """The argument slot of ``event_type`` that ``role`` fills: the role as declared, or a
        numbered repeat of it (``Theme2`` fills ``Theme``), as brat reads event lines."""
        for ev in self.event_types:
            if ev.name == event_type:
                slots = {a.role: a for a in ev.arguments}
                return slots.get(role) or slots.get(role.rstrip("0123456789"))
        return None

    def admits(self, constraint: list[str], type_name: str) -> bool:
        """Whether an argument constraint (a list of types and macros) admits ``type_name``."""
        return self._admits(constraint, type_name)

    def _admits(self, constraint: list[str], type_name: str) -> bool:
        if not constraint or "<ANY>" in constraint:
            return True
        events = {t.name for t in self.event_types}
        # a trigger's type is an event type: its parents are in the event hierarchy
        lineage = self.event_ancestors(type_name) if type_name in events else None
        if set(lineage or self.ancestors(type_name)) & set(constraint):
            return True
        if "<EVENT>" in constraint and type_name in events:
            return True
        return "<ENTITY>" in constraint and type_name not in events


def undeclared_types(
    documents: Iterable[Any], entity_names: Iterable[str], relation_names: Iterable[str]
) -> dict[tuple[str, str], int]:
    """``(kind, type) -> uses`` for each type used but not declared, in order of first use.

    ``documents``: anything with ``entities`` and ``relations`` that have a ``type`` (the
    shared ``Document`` and the model's ``Doc`` alike). The one home of the rule "data may use
    only the types its types file declares", asked by the SpERT validator (data file against
    its sibling types file) and by the trainer (training data against the project's types).
    """
    known = {"entity": set(entity_names), "relation": set(relation_names)}
    unknown: dict[tuple[str, str], int] = {}
    for doc in documents:
        for kind, items in (("entity", doc.entities), ("relation", doc.relations)):
            for item in items:
                if item.type not in known[kind]:
                    key = (kind, item.type)
                    unknown[key] = unknown.get(key, 0) + 1
    return unknown


def undeclared_message(kind: str, name: str, count: int, where: str) -> str:
    """How an undeclared type is reported, the same from every caller."""
    return f"{kind} type {name!r} ({count} use{'s' if count != 1 else ''}) is not in {where}"


def merge_schemas(base: Schema | None, others: Iterable[Schema]) -> Schema | None:
    """One schema for a BRAT tree whose collections each have an ``annotation.conf``.

    ``base`` (the tree's own conf) wins; each of ``others`` in turn adds the entity, event and
    attribute types it names that are not there yet, and the relation lines (name and argument
    types) that differ from every line there, since BRAT reads a repeated relation name as one
    more allowed argument combination. An attribute type defined twice gets the union of its
    targets and values. A shortcut key already taken is dropped from the later type.
    ``None`` when there is no schema at all.
    """
    others = list(others)
    if base is None and not others:
        return None
    out = copy.deepcopy(base) if base is not None else Schema()
    for other in others:
        keys = {t.shortcut for t in [*out.entity_types, *out.relation_types] if t.shortcut}
        names = {t.name for t in out.entity_types}
        for t in other.entity_types:
            if t.name not in names:
                names.add(t.name)
                out.entity_types.append(_without_taken_key(t, keys))
        lines = {(r.name, tuple(r.arg1_types), tuple(r.arg2_types)) for r in out.relation_types}
        for r in other.relation_types:
            line = (r.name, tuple(r.arg1_types), tuple(r.arg2_types))
            if line not in lines:
                lines.add(line)
                out.relation_types.append(_without_taken_key(r, keys))
        events = {t.name for t in out.event_types}
        out.event_types += [copy.deepcopy(t) for t in other.event_types if t.name not in events]
        attrs = {a.name: a for a in out.attribute_types}
        for a in other.attribute_types:
            if a.name not in attrs:
                attrs[a.name] = copy.deepcopy(a)
                out.attribute_types.append(attrs[a.name])
            else:
                have = attrs[a.name]
                have.targets += [x for x in a.targets if x not in have.targets]
                have.values += [x for x in a.values if x not in have.values]
    return out


def _without_taken_key(t: EntityType | RelationType, keys: set[str]) -> EntityType | RelationType:
    t = copy.deepcopy(t)
    if t.shortcut in keys:
        t.shortcut = None
    elif t.shortcut:
        keys.add(t.shortcut)
    return t


def infer_schema(documents: list[Document]) -> Schema:
    """A schema that admits exactly what the documents use, argument types included.

    Used when data arrives without an ``annotation.conf`` (SpERT JSON, plain BRAT folders,
    ACE). It is ``schema_admission.admitting`` from nothing: the one rule of what a schema
    must declare for a set of documents (brat equivalences included, ACE's coreference groups
    not). Types keep their order of first appearance.
    """
    from converters.schema_admission import admitting  # built on this module's types

    return admitting(None, documents, all_groups=False)[0]
