"""The plain document model every format reader and writer speaks.

One small set of dataclasses, modelled on spaCy's ``Doc``/``Span``: character offsets into
``Document.text`` everywhere (Python ``str`` indices, END exclusive), so a span's text is always
``text[start:end]``. Nothing here knows about files, the database or torch; readers in
``converters.brat``, ``converters.ace`` and ``converters.spert`` build these objects and writers
turn them back into files.

Annotations reference each other by string id (``"T1"``, ``"R3"``...). Ids are preserved from
the source format wherever it has them, so a read -> write round trip reproduces them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Fragment = tuple[int, int]
"""A contiguous character range ``(start, end)`` of the document text, END exclusive."""


@dataclass
class Entity:
    """A typed text-bound annotation (BRAT ``T`` line, ACE entity mention, SpERT entity).

    ``fragments`` holds one range for a contiguous span and several for a discontinuous one
    (BRAT ``T1 Disease 0 5;10 15``), in the order the source gave them. ``head`` is the
    syntactic head range where the format knows one (ACE), else ``None``.
    """

    id: str
    type: str
    fragments: list[Fragment]
    head: Fragment | None = None
    confidence: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return min(s for s, _ in self.fragments)

    @property
    def end(self) -> int:
        return max(e for _, e in self.fragments)

    @property
    def is_discontinuous(self) -> bool:
        return len(self.fragments) > 1


@dataclass
class Relation:
    """A typed binary relation between two annotations (usually entities) by id.

    ``arg1_role``/``arg2_role`` keep BRAT's role names (``Arg1``/``Arg2`` almost always);
    ``extra_args`` keeps further ``(role, id)`` arguments that formats such as ACE carry
    (``Time-Within``...), so they are not lost on the way through.
    """

    id: str
    type: str
    arg1: str
    arg2: str
    arg1_role: str = "Arg1"
    arg2_role: str = "Arg2"
    extra_args: list[tuple[str, str]] = field(default_factory=list)
    confidence: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Event:
    """A BRAT ``E`` line: a trigger (an entity id) and ``(role, id)`` arguments in order."""

    id: str
    type: str
    trigger: str
    arguments: list[tuple[str, str]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Attribute:
    """A BRAT ``A`` (or old-style ``M``) line: a named flag or value on another annotation.

    ``value`` is ``None`` for a binary attribute (present = true).
    """

    id: str
    type: str
    target: str
    value: str | None = None


@dataclass
class Normalization:
    """A BRAT ``N`` line: links ``target`` to ``ref_db:ref_id`` in an external resource."""

    id: str
    type: str
    target: str
    ref_db: str
    ref_id: str
    text: str = ""


@dataclass
class Note:
    """A free-text note on an annotation (BRAT ``#`` line, type usually ``AnnotatorNotes``)."""

    id: str
    type: str
    target: str
    text: str


@dataclass
class Group:
    """An equivalence or coreference group of annotation ids.

    BRAT ``*\tEquiv T1 T2`` lines have no id of their own (``id`` is ``None``); an ACE entity
    is a group of its mentions with an id and ``TYPE``/``SUBTYPE``/``CLASS`` in ``attributes``.
    """

    type: str
    members: list[str]
    id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Document:
    """A text with its annotations. ``id`` is the document's name (file stem for BRAT/ACE)."""

    id: str
    text: str
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    normalizations: list[Normalization] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def span_text(self, entity: Entity) -> str:
        """The entity's text: its fragments' slices joined by one space (BRAT's convention)."""
        return " ".join(self.text[s:e] for s, e in entity.fragments)

    def entity(self, entity_id: str) -> Entity:
        for ent in self.entities:
            if ent.id == entity_id:
                return ent
        raise KeyError(f"{self.id}: no entity with id {entity_id!r}")

    def annotation_ids(self) -> set[str]:
        """Every id another annotation may point at (entities, relations, events, ...)."""
        ids: set[str] = set()
        for items in (
            self.entities,
            self.relations,
            self.events,
            self.attributes,
            self.normalizations,
            self.notes,
        ):
            ids.update(item.id for item in items)
        ids.update(g.id for g in self.groups if g.id is not None)
        return ids

    def problems(self) -> list[str]:
        """Structural problems: offsets outside the text, empty fragments, dangling ids.

        The store calls it before saving: the one check of a document on its way in. Readers
        refuse such input themselves, at the line or offset that causes it (their tests assert
        ``problems() == []`` on whatever they return, fuzzed input included); writers call it
        to report what they cannot write.
        """
        found: list[str] = []
        n = len(self.text)
        seen: set[str] = set()
        for ann in (*self.entities, *self.relations, *self.events):
            if ann.id in seen:
                found.append(f"duplicate id {ann.id}")
            seen.add(ann.id)
        for ent in self.entities:
            if not ent.fragments:
                found.append(f"entity {ent.id} has no fragment")
            ranges = list(ent.fragments) + ([ent.head] if ent.head else [])
            for s, e in ranges:
                if not (0 <= s < e <= n):
                    found.append(
                        f"entity {ent.id} range {s}-{e} is outside the text (length {n})"
                        if not (0 <= s <= n and 0 <= e <= n)
                        else f"entity {ent.id} range {s}-{e} is empty or reversed"
                    )
        ids = self.annotation_ids()
        for rel in self.relations:
            args = [(rel.arg1_role, rel.arg1), (rel.arg2_role, rel.arg2), *rel.extra_args]
            for role, ref in args:
                if ref not in ids:
                    found.append(f"relation {rel.id} {role} refers to unknown id {ref}")
        for ev in self.events:
            for role, ref in [("trigger", ev.trigger), *ev.arguments]:
                if ref not in ids:
                    found.append(f"event {ev.id} {role} refers to unknown id {ref}")
        for item in (*self.attributes, *self.normalizations, *self.notes):
            if item.target not in ids:
                found.append(f"{item.id} refers to unknown id {item.target}")
        for group in self.groups:
            for ref in group.members:
                if ref not in ids:
                    found.append(f"group {group.id or group.type} refers to unknown id {ref}")
        return found


#: the kinds of annotation a document holds, in the order reports list them
ANNOTATION_KINDS = (
    "entities",
    "relations",
    "events",
    "attributes",
    "normalizations",
    "notes",
    "equivalences",
)


@dataclass
class AnnotationCounts:
    """How many annotations of each kind a set of documents holds: what an import report
    lists per file and in total. ``entities`` are the text-bound annotations that are not an
    event's trigger (a trigger is part of its event); ``equivalences`` are groups (BRAT ``*``
    lines, ACE coreference groups). ``not_drawn``: annotations kept and exported as they came
    but that the editor cannot draw (a relation whose argument is a relation, or with more than
    two arguments): what an import report calls not representable in the page."""

    documents: int = 0
    entities: int = 0
    relations: int = 0
    events: int = 0
    attributes: int = 0
    normalizations: int = 0
    notes: int = 0
    equivalences: int = 0
    not_drawn: int = 0

    @classmethod
    def of(cls, documents: list[Document]) -> AnnotationCounts:
        total = cls()
        for doc in documents:
            triggers = {ev.trigger for ev in doc.events}
            relation_ids = {r.id for r in doc.relations}
            not_drawn = sum(
                1 for r in doc.relations if r.extra_args or {r.arg1, r.arg2} & relation_ids
            )
            total += cls(
                1,
                sum(1 for e in doc.entities if e.id not in triggers),
                len(doc.relations),
                len(doc.events),
                len(doc.attributes),
                len(doc.normalizations),
                len(doc.notes),
                len(doc.groups),
                not_drawn,
            )
        return total

    def __add__(self, other: AnnotationCounts) -> AnnotationCounts:
        return AnnotationCounts(
            *(
                getattr(self, f) + getattr(other, f)
                for f in ("documents", *ANNOTATION_KINDS, "not_drawn")
            )
        )

    def phrase(self) -> str:
        """``"3 entities, 1 event"``: the kinds present, for a sentence."""
        singular = {"entities": "entity", "equivalences": "equivalence"}
        parts = []
        for kind in ANNOTATION_KINDS:
            n = getattr(self, kind)
            if n:
                word = kind if n != 1 else singular.get(kind, kind[:-1])
                parts.append(f"{n} {word}")
        return ", ".join(parts) or "no annotations"
