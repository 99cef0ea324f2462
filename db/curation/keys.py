"""What curation compares: an annotation reduced to its key, and one layer read as keys.

Two annotators' entities are "the same annotation" when they have the same type and the same
extent (the *set* of their fragments: the order fragments were drawn in is not content), and
two relations when they have the same type and the same arguments, each argument compared by
its entity key, direction kept. These are ``db.agreement``'s exact keys, so what curation calls
agreed is what the agreement figures count as matched (except that agreement compares a
symmetric relation type's arguments as an unordered pair and relations on event triggers).

A key is a small frozen dataclass (``EntitySpec``, ``RelationSpec``) rather than a row id:
layers are separate documents whose ids mean nothing to each other, and the spec carries all a
curated document needs to recreate the annotation. ``spec.key`` is its canonical string, the
handle the page sends back when the curator picks a variant.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from converters.document import Document, Entity, Fragment, Relation

Extent = tuple[Fragment, ...]
"""An entity's fragments, sorted: the character ranges it covers, as a set."""

#: the kinds of annotation curation aligns, in the order a disagreement list shows them
ENTITY, RELATION = "entity", "relation"
#: the longest quoted text a label shows before it is shortened with an ellipsis
LABEL_TEXT = 40


@dataclass(frozen=True, order=True)
class EntitySpec:
    """An entity as curation compares it: its type and its extent."""

    type: str
    fragments: Extent

    @property
    def kind(self) -> str:
        return ENTITY

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return max(e for _, e in self.fragments)

    @property
    def key(self) -> str:
        """The canonical string of this annotation (stable, unambiguous, JSON inside)."""
        return f"{ENTITY}:{json.dumps(self._plain(), separators=(',', ':'))}"

    def _plain(self) -> list[object]:
        return [self.type, [list(f) for f in self.fragments]]

    def overlaps(self, other: EntitySpec) -> bool:
        """Whether any fragment of one shares a character with any fragment of the other."""
        return any(s1 < e2 and s2 < e1 for s1, e1 in self.fragments for s2, e2 in other.fragments)


@dataclass(frozen=True, order=True)
class RelationSpec:
    """A relation as curation compares it: its type, its two arguments (direction kept) and
    its extra ``(role, argument)`` pairs (ACE), sorted."""

    type: str
    arg1: EntitySpec
    arg2: EntitySpec
    extra: tuple[tuple[str, EntitySpec], ...] = ()

    @property
    def kind(self) -> str:
        return RELATION

    @property
    def start(self) -> int:
        return min(a.start for a in self.arguments)

    @property
    def end(self) -> int:
        return max(a.end for a in self.arguments)

    @property
    def arguments(self) -> tuple[EntitySpec, ...]:
        """Every entity the relation needs: both arguments, then the extra ones."""
        return (self.arg1, self.arg2, *(spec for _, spec in self.extra))

    @property
    def pair(self) -> tuple[Extent, Extent]:
        """The two arguments' extents as an unordered pair: the position of a relation, where
        two annotators' relations are alternatives to each other (types and direction aside)."""
        a, b = self.arg1.fragments, self.arg2.fragments
        return (a, b) if a <= b else (b, a)

    @property
    def key(self) -> str:
        plain = [
            self.type,
            self.arg1._plain(),
            self.arg2._plain(),
            [[role, spec._plain()] for role, spec in self.extra],
        ]
        return f"{RELATION}:{json.dumps(plain, separators=(',', ':'))}"


Spec = EntitySpec | RelationSpec


def entity_spec(entity: Entity) -> EntitySpec:
    return EntitySpec(entity.type, tuple(sorted(entity.fragments)))


@dataclass
class Reading:
    """One document (a layer or the curated one) as the keys curation compares.

    ``entities``: the entity keys, event triggers left out (they belong to their events, which
    curation does not align). ``relations``: the relation keys whose arguments are all such
    entities; ``skipped`` counts the others (an argument that is an event or a trigger).
    ``text``: the document text (labels quote it).
    """

    text: str
    entities: set[EntitySpec] = field(default_factory=set)
    relations: set[RelationSpec] = field(default_factory=set)
    skipped: int = 0


def read(doc: Document) -> Reading:
    """The keys of ``doc``'s annotations; a key held twice counts once (the store refuses a
    second confirmed twin anyway)."""
    triggers = {ev.trigger for ev in doc.events}
    specs = {e.id: entity_spec(e) for e in doc.entities if e.id not in triggers}
    reading = Reading(doc.text, set(specs.values()))
    for rel in doc.relations:
        spec = relation_spec(rel, specs)
        if spec is None:
            reading.skipped += 1
        else:
            reading.relations.add(spec)
    return reading


def relation_spec(rel: Relation, entities: Mapping[str, EntitySpec]) -> RelationSpec | None:
    """``rel``'s key, its arguments looked up by annotation id in ``entities``; ``None`` when
    an argument is not one of them (an event, a trigger: such a relation is not aligned)."""
    refs = [rel.arg1, rel.arg2, *(ref for _, ref in rel.extra_args)]
    if any(ref not in entities for ref in refs):
        return None
    extra = tuple(sorted((role, entities[ref]) for role, ref in rel.extra_args))
    return RelationSpec(rel.type, entities[rel.arg1], entities[rel.arg2], extra)


def _quoted(text: str, spec: EntitySpec) -> str:
    """The entity's text (fragments joined by one space, as brat shows them), shortened."""
    words = " ".join(text[s:e] for s, e in spec.fragments)
    words = " ".join(words.split())  # a line break inside an entity is one space in a label
    return words if len(words) <= LABEL_TEXT else words[: LABEL_TEXT - 1] + "…"


def label(spec: Spec, text: str) -> str:
    """A short human label: ``PER "John Smith"``, ``Work_For(John Smith → IBM)``, with extra
    arguments as ``; Role: text`` inside the parentheses."""
    if isinstance(spec, EntitySpec):
        return f'{spec.type} "{_quoted(text, spec)}"'
    extra = "".join(f"; {role}: {_quoted(text, arg)}" for role, arg in spec.extra)
    return f"{spec.type}({_quoted(text, spec.arg1)} → {_quoted(text, spec.arg2)}{extra})"


def relations_on(relations: Iterable[RelationSpec], entities: set[EntitySpec]) -> set[RelationSpec]:
    """The relations that use any of ``entities`` as an argument (what goes with them when the
    entities are removed, as the editor deletes an entity's relations with it)."""
    return {r for r in relations if entities.intersection(r.arguments)}
