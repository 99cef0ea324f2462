"""The project schema as the page receives it: lookup tables precomputed in Python.

The rules of a schema (which relation types admit which argument types, which attributes apply
to which annotation types) have one home, ``converters.schema.Schema``. The page must not
re-implement them (an earlier copy in the page missed abstract parent types and ``<ENTITY>``
and offered no relation type at all), so this module asks ``Schema`` for every answer the page
can need and sends the answers as tables; the page only looks them up.

It is also the one home of the default keys (display defaults belong to the app, not the
store): the key of each entity type (the schema's shortcut when the page can use it, else a
free letter of the name, else a digit) and the keys the page keeps for itself. The store keeps
only the keys a user or a conf file set (so an export writes back exactly those), and every
place that shows a type's key (the page, the Projects tab's types table) asks ``type_keys``, so
the key shown is the key that works.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from converters.schema import Schema

#: keys of the page's own commands (never given to a type): "add fragment" is no letter or
#: digit, so it cannot shadow a schema shortcut ("f" would clash with types such as ACE's FAC);
#: the relation pass is ">" (an arrow, like a relation) because type keys are matched on the
#: lower-cased key, so Shift+R already means the type whose key is "r"
COMMAND_KEYS = {"add_fragment": "+", "suggest_relations": ">"}
#: keys pressed with Ctrl (Cmd on a Mac): undo, and redo (also Ctrl+Shift+undo key); kept off
#: types so that a type's key never reads as half of an undo
CTRL_KEYS = {"undo": "z", "redo": "y"}
RESERVED_KEYS = frozenset({*CTRL_KEYS.values(), *COMMAND_KEYS.values()})


def entity_keys(names: list[str], shortcuts: list[str | None]) -> dict[str, str]:
    """The page's key of each entity type, in schema order; a type may get none (all taken)."""
    used = set(RESERVED_KEYS)
    keys: dict[str, str] = {}
    # the keys a user or a conf set come first (a default never takes one away), then a
    # free letter of the name, then a digit
    for name, shortcut in zip(names, shortcuts, strict=True):
        key = shortcut.lower() if isinstance(shortcut, str) and len(shortcut) == 1 else None
        if key is not None and key not in used:
            used.add(key)
            keys[name] = key
    for name in names:
        if name in keys:
            continue
        key = next((c for c in name.lower() if "a" <= c <= "z" and c not in used), None)
        if key is None:
            key = next((d for d in "123456789" if d not in used), None)
        if key is not None:
            used.add(key)
            keys[name] = key
    return {name: keys[name] for name in names if name in keys}


def type_keys(schema: Schema) -> dict[str, str]:
    """The key of each selectable entity and event type of ``schema`` as the page binds it
    (the key a user or a conf set where the page can use it, else a free letter; entity types
    choose first)."""
    entities = [t for t in schema.entity_types if t.selectable and not t.hidden]
    events = [
        t
        for t in schema.event_types
        if t.selectable and not t.hidden and t.name not in _names(entities)
    ]
    spans = [*entities, *events]
    return entity_keys([t.name for t in spans], [t.shortcut for t in spans])


def relation_keys(schema: Schema) -> dict[str, str]:
    """The key of each relation type a user or a conf set (``kb_shortcuts.conf``), where the
    page can use it: in the relation chooser and on a selected relation it picks that type, as
    the digits pick the offered types in order. A digit or a command key is never one, and a
    key two relation types share goes to the first."""
    used = set(RESERVED_KEYS) | set("123456789")
    keys: dict[str, str] = {}
    for t in schema.relation_types:
        key = t.shortcut.lower() if isinstance(t.shortcut, str) and len(t.shortcut) == 1 else None
        if key is not None and key not in used and t.selectable and not t.hidden:
            used.add(key)
            keys[t.name] = key
    return keys


def _names(types: list[Any]) -> set[str]:
    return {t.name for t in types}


def event_roles(schema: Schema, event_type: str, arg_type: str) -> list[str]:
    """The roles of ``event_type`` that admit an argument of ``arg_type`` (schema order)."""
    declared = next((e for e in schema.event_types if e.name == event_type), None)
    if declared is None:
        return []
    return [a.role for a in declared.arguments if not a.types or schema.admits(a.types, arg_type)]


# Tables by schema: a schema with many types costs ~1 s to tabulate (60 entity types: 3,600
# pairs, each asking ``Schema``), and every document load of a project sends the same tables.
_CACHE: OrderedDict[str, dict[str, Any]] = OrderedDict()
_CACHE_SIZE = 64
_LOCK = threading.Lock()


def _attribute_names(schema: Schema, kind: str, type_name: str) -> list[str]:
    """The attributes offered on an annotation (a hidden one is not offered: an annotation
    that has it lists it among its others, with a remove button)."""
    return [a.name for a in schema.attributes_for(kind, type_name) if not a.hidden]


def schema_dict(schema: Schema, document_types: tuple[str, ...] = ()) -> dict[str, Any]:
    """The page's schema: the selectable types with colours and keys, the attribute types, and
    the answers of ``Schema`` for every type the page can meet.

    ``document_types`` are entity types the document uses besides the schema's (an import may
    carry types the schema does not list); the tables cover them too.

    - ``allowed_relations[head][tail]``: ``Schema.allowed_relations(head, tail)``, in schema
      order; pairs that allow nothing are left out;
    - ``attributes["entity" | "relation" | "event"][type]``: names of
      ``Schema.attributes_for``; ``attributes["other"][kind]`` for a type missing from the
      tables;
    - ``event_types`` (with their roles) and ``roles[event type][argument type]``: the roles
      that admit an argument of that type (``event_roles``); an event's trigger is drawn
      as an entity of the event type, so event types also head ``allowed_relations``.

    The answer is shared between calls for an equal schema: do not change it.
    """
    names = {t.name for t in schema.entity_types if t.selectable}
    extra = tuple(dict.fromkeys(t for t in document_types if t not in names))
    key = repr((schema, extra))
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    page = _tabulate(schema, extra)
    with _LOCK:
        _CACHE[key] = page
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return page


def _tabulate(schema: Schema, document_types: tuple[str, ...]) -> dict[str, Any]:
    entities = [t for t in schema.entity_types if t.selectable]
    events = [t for t in schema.event_types if t.selectable and t.name not in _names(entities)]
    keys = type_keys(schema)
    rel_keys = relation_keys(schema)
    relations = [t for t in schema.relation_types if t.selectable]
    heads = list(
        dict.fromkeys([*(t.name for t in entities), *(t.name for t in events), *document_types])
    )
    allowed: dict[str, dict[str, list[str]]] = {}
    hidden = {t.name for t in schema.relation_types if t.hidden}  # kept, not offered
    for head in heads:
        row = {
            tail: [r for r in schema.allowed_relations(head, tail) if r not in hidden]
            for tail in heads
        }
        row = {tail: names for tail, names in row.items() if names}
        if row:
            allowed[head] = row
    relation_names = list(dict.fromkeys(t.name for t in schema.relation_types))
    # an unknown type is one no attribute target can name, so only the macros admit it
    unknown = "\x00"
    return {
        "entity_types": [
            {
                "name": t.name,
                "color": t.color,
                "key": keys.get(t.name),
                "parent": t.parent,
                "hidden": t.hidden,
            }
            for t in entities
        ],
        "event_types": [
            {
                "name": t.name,
                "color": t.color,
                "key": keys.get(t.name),
                "parent": t.parent,
                "hidden": t.hidden,
                "roles": [
                    {"role": a.role, "types": list(a.types), "cardinality": a.cardinality}
                    for a in t.arguments
                ],
            }
            for t in events
        ],
        # roles[event type][argument type]: the roles that admit an argument of that type
        "roles": {
            ev.name: {arg: roles for arg in heads if (roles := event_roles(schema, ev.name, arg))}
            for ev in events
        },
        "relation_types": [
            {
                "name": t.name,
                "arg1_types": list(t.arg1_types),
                "arg2_types": list(t.arg2_types),
                "color": t.color,
                "key": rel_keys.get(t.name),
                # brat's symmetric-transitive types: linking makes a group (``*`` line)
                "equivalence": t.equivalence,
            }
            for t in relations
        ],
        "attribute_types": [
            {"name": a.name, "targets": list(a.targets), "values": list(a.values)}
            for a in schema.attribute_types
        ],
        "allowed_relations": allowed,
        "attributes": {
            "entity": {name: _attribute_names(schema, "entity", name) for name in heads},
            "relation": {
                name: _attribute_names(schema, "relation", name) for name in relation_names
            },
            "event": {t.name: _attribute_names(schema, "event", t.name) for t in events},
            "other": {
                kind: _attribute_names(schema, kind, unknown)
                for kind in ("entity", "relation", "event")
            },
        },
    }


def relation_allowed(page_schema: dict[str, Any], rel_type: str, type1: str, type2: str) -> bool:
    """Whether the page offers ``rel_type`` from ``type1`` to ``type2`` (its table lookup)."""
    return rel_type in page_schema["allowed_relations"].get(type1, {}).get(type2, [])
