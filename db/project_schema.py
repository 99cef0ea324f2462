"""A project's types (entity, relation, event, attribute) as stored, and the display defaults.

Entity and relation types are rows (``entity_type``, ``relation_type``) in display order;
event and attribute types are kept whole in ``project.extra_schema``. ``merge_schema`` is the
one writer (project creation, schema edits and imports all go through it) and ``load_schema``
the one reader, so a schema read back is the schema written.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from converters import schema as cs
from db import models as m
from db.lookups import project_named
from db.transactions import StoreBase
from db.views import StoreError

# 30 colours, each at least 25 CIELAB units (Delta E 1976) from every other: the Okabe-Ito
# colours, then the candidate farthest from all chosen so far (tests/db: the distances). Text
# spans (entity and event types) take them in one sequence, relation arcs in another.
PALETTE = (
    "#56B4E9",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#0072B2",
    "#F0E442",
    "#1919E6",
    "#19E619",
    "#E619CA",
    "#EDD3AB",
    "#E61950",
    "#9675F0",
    "#A9E481",
    "#A3F5EA",
    "#F08675",
    "#19E679",
    "#D22D85",
    "#A1E619",
    "#902DD2",
    "#B8ABED",
    "#BF8440",
    "#E61919",
    "#F075DF",
    "#1950E6",
    "#E6B3BD",
    "#75F0B7",
    "#CCC566",
    "#1979E6",
    "#40B7BF",
)


def fill_defaults(schema: cs.Schema) -> cs.Schema:
    """Give every entity, event and relation type a colour: the palette's next colour that
    no type of its sequence has yet (text spans, i.e. entity and event types, share one
    sequence; relation arcs have their own), so types are told apart up to 30 of each.

    Shortcut keys are left as stored: the default key of a type is the page's to choose
    (``app.editor.page_schema.type_keys``, which also knows the keys the page reserves), so
    there is one rule and the key shown is the key that works.
    """
    sequences: list[list[Any]] = [
        [*schema.entity_types, *schema.event_types],
        list(schema.relation_types),
    ]
    for types in sequences:
        taken = {str(t.color).lower() for t in types if t.color}
        free = [c for c in PALETTE if c.lower() not in taken] or list(PALETTE)
        by_name: dict[str, str] = {t.name: t.color for t in types if t.color}
        for t in types:  # brat repeats a relation name per argument combination: one colour
            if not t.color:
                if t.name not in by_name:
                    by_name[t.name] = free[len(by_name) % len(free)]
                t.color = by_name[t.name]
    return schema


def _type_values(t: cs.EntityType | cs.RelationType) -> dict[str, Any]:
    """The stored columns of a type besides its name, position, colour and shortcut."""
    values: dict[str, Any] = {
        "parent": t.parent,
        "selectable": t.selectable,
        # "hidden" is a project setting kept beside the format's options (no column of its own)
        "options": {**t.options, **({HIDDEN: "true"} if t.hidden else {})},
    }
    if isinstance(t, cs.RelationType):
        values.update(
            arg1_types=list(t.arg1_types),
            arg2_types=list(t.arg2_types),
            arg1_role=t.arg1_role,
            arg2_role=t.arg2_role,
        )
    return values


def _merge_types(
    s: Session,
    project: m.Project,
    model: type[m.EntityType] | type[m.RelationType],
    types: Sequence[cs.EntityType | cs.RelationType],
    update_existing: bool,
) -> list[str]:
    """Merge one kind of type rows; the names of the types added."""
    added: list[str] = []
    # BRAT lets one relation name appear on several lines with different argument types
    # (``Equiv Arg1:Protein...`` and ``Equiv Arg1:Entity...``): the k-th line of a name
    # matches the k-th stored row of that name.
    rows: dict[str, list[Any]] = defaultdict(list)
    for r in s.scalars(
        select(model).where(model.project_id == project.id).order_by(model.position)
    ):
        rows[r.name].append(r)
    position = sum(len(v) for v in rows.values())
    seen: Counter[str] = Counter()
    for t in types:
        seen[t.name] += 1
        same = rows[t.name]
        values = _type_values(t)
        row = same[seen[t.name] - 1] if seen[t.name] <= len(same) else None
        if row is None and (model is m.RelationType or not same):
            row = model(
                project_id=project.id,
                name=t.name,
                position=position,
                color=t.color,
                shortcut=t.shortcut,
                **values,
            )
            s.add(row)
            same.append(row)
            position += 1
            added.append(t.name)
        elif row is not None and update_existing:
            for key, value in values.items():
                setattr(row, key, value)
            if t.color:
                row.color = t.color
            if t.shortcut:
                row.shortcut = t.shortcut
    return added


HIDDEN = "hidden"


def _options(stored: dict[str, str] | None) -> tuple[dict[str, str], bool]:
    """A type row's options without the hidden flag, and the flag."""
    options = dict(stored or {})
    return options, options.pop(HIDDEN, None) == "true"


def _event_row(ev: cs.EventType) -> dict[str, Any]:
    return {
        "name": ev.name,
        "parent": ev.parent,
        "selectable": ev.selectable,
        "color": ev.color,
        "hidden": ev.hidden,
        "shortcut": ev.shortcut,
        "arguments": [
            {"role": a.role, "types": list(a.types), "cardinality": a.cardinality}
            for a in ev.arguments
        ],
    }


def merge_schema(
    s: Session, project: m.Project, schema: cs.Schema, update_existing: bool = True
) -> tuple[list[str], list[str]]:
    """Add the schema's types that the project lacks and update the ones it has.

    Colours and shortcuts are stored only as given (by ``annotation.conf``, ``visual.conf``
    or the user), so an export writes back exactly what was imported; ``project_schema``
    fills absent colours with deterministic defaults for display (keys: the page's). Returns
    the names of the entity and relation types added. Without ``update_existing`` (types an
    import's data uses) existing types are left exactly as they are.
    """
    added = (
        _merge_types(s, project, m.EntityType, schema.entity_types, update_existing),
        _merge_types(s, project, m.RelationType, schema.relation_types, update_existing),
    )
    extra = dict(project.extra_schema or {})
    if not update_existing:
        # event and attribute types the data uses and the project lacks altogether are
        # added, with the roles / targets and values seen, so they can be used again
        have_events = {e["name"] for e in extra.get("event_types", [])}
        new_events = [_event_row(ev) for ev in schema.event_types if ev.name not in have_events]
        have = {a["name"] for a in extra.get("attribute_types", [])}
        new = [
            {"name": at.name, "targets": list(at.targets), "values": list(at.values)}
            for at in schema.attribute_types
            if at.name not in have
        ]
        if new or new_events:
            project.extra_schema = {
                **extra,
                "event_types": [*extra.get("event_types", []), *new_events],
                "attribute_types": [*extra.get("attribute_types", []), *new],
            }
        s.flush()
        return added
    events = {e["name"]: e for e in extra.get("event_types", [])}
    for ev in schema.event_types:
        events[ev.name] = _event_row(ev)
    attrs = {a["name"]: a for a in extra.get("attribute_types", [])}
    for at in schema.attribute_types:
        attrs[at.name] = {
            "name": at.name,
            "targets": list(at.targets),
            "values": list(at.values),
            "hidden": at.hidden,
        }
    project.extra_schema = {
        "event_types": list(events.values()),
        "attribute_types": list(attrs.values()),
    }
    s.flush()
    return added


def load_schema(s: Session, project: m.Project) -> cs.Schema:
    """The project's schema as stored (no display defaults)."""
    ents = s.scalars(
        select(m.EntityType)
        .where(m.EntityType.project_id == project.id)
        .order_by(m.EntityType.position)
    ).all()
    rels = s.scalars(
        select(m.RelationType)
        .where(m.RelationType.project_id == project.id)
        .order_by(m.RelationType.position)
    ).all()
    extra = project.extra_schema or {}
    return cs.Schema(
        entity_types=[
            cs.EntityType(
                name=e.name,
                parent=e.parent,
                selectable=e.selectable,
                color=e.color,
                shortcut=e.shortcut,
                options=_options(e.options)[0],
                hidden=_options(e.options)[1],
            )
            for e in ents
        ],
        relation_types=[
            cs.RelationType(
                name=r.name,
                arg1_types=list(r.arg1_types),
                arg2_types=list(r.arg2_types),
                arg1_role=r.arg1_role,
                arg2_role=r.arg2_role,
                parent=r.parent,
                selectable=r.selectable,
                options=_options(r.options)[0],
                color=r.color,
                shortcut=r.shortcut,
                hidden=_options(r.options)[1],
            )
            for r in rels
        ],
        event_types=[
            cs.EventType(
                e["name"],
                [cs.EventArgument(a["role"], a["types"], a["cardinality"]) for a in e["arguments"]],
                e["parent"],
                e["selectable"],
                e.get("color"),
                bool(e.get("hidden")),
                e.get("shortcut"),
            )
            for e in extra.get("event_types", [])
        ],
        attribute_types=[
            cs.AttributeType(a["name"], a["targets"], a["values"], bool(a.get("hidden")))
            for a in extra.get("attribute_types", [])
        ],
    )


class ProjectSchemas(StoreBase):
    """``Store``'s schema methods."""

    def project_schema(self, project: str, *, with_defaults: bool = True) -> cs.Schema:
        """The project's types in display order, with colours and the stored shortcut keys.

        ``with_defaults`` fills absent colours from ``PALETTE`` by position (the same schema
        always gets the same colours). Shortcuts are only those a user or a conf file set; the
        keys the editor binds are ``app.editor.page_schema.type_keys``. Exports use the stored
        values only.
        """
        schema = self._read(lambda s: load_schema(s, project_named(s, project)))
        if with_defaults:
            fill_defaults(schema)
        return schema

    def update_schema(self, project: str, schema: cs.Schema) -> cs.Schema:
        """Add or update types (colour, shortcut, allowed argument types). Types not named in
        ``schema`` stay: removing a type would orphan the annotations that use it."""

        def run(s: Session) -> cs.Schema:
            p = project_named(s, project)
            keys: dict[str, str] = {}
            for t in [*schema.entity_types, *schema.relation_types]:
                if t.shortcut:
                    if t.shortcut in keys and keys[t.shortcut] != t.name:
                        raise StoreError(
                            f"shortcut {t.shortcut!r} given to both {keys[t.shortcut]} and {t.name}"
                        )
                    keys[t.shortcut] = t.name
            merge_schema(s, p, schema)
            return load_schema(s, p)

        return self._write(run)
