"""Projects screen: create a project from an ``annotation.conf`` or from typed-in type lists.

The type lists are plain text, one type per line, because that is quick to type, to paste from
a guideline, and to read back:

- entity types: ``Name [#colour] [key]``, e.g. ``Person #8fb4ff p``;
- relation types: ``Name [Arg1Types -> Arg2Types] [#colour]`` with alternatives joined by
  ``|``, e.g. ``Works_for Person -> Organisation|Company #3b5bdb``.

Every mistake is reported with its line number; nothing is created until all lines are valid.
"""

from __future__ import annotations

import re
from typing import Any

from app.screens.progress import status_word
from converters.brat import parse_conf
from converters.errors import ConversionError
from converters.schema import EntityType, RelationType, Schema
from db import Store
from db.document_status import DOCUMENT_STATUSES

NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,99}")
COLOUR = re.compile(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?")
KEY = re.compile(r"[a-z0-9]")
MAX_CONF_BYTES = 1024 * 1024


def parse_entity_lines(text: str) -> list[EntityType]:
    types: list[EntityType] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):  # a comment
            continue
        parts = line.split()
        name, rest = parts[0], parts[1:]
        where = f"entity types, line {number}"
        if not NAME.fullmatch(name):
            raise ConversionError(
                where, f"{name!r} is not a type name (letters, digits, _ . : -; at most 100)"
            )
        if name in seen:
            raise ConversionError(where, f"type {name!r} is listed twice")
        seen.add(name)
        colour = key = None
        for item in rest:
            if COLOUR.fullmatch(item) and colour is None:
                colour = item
            elif KEY.fullmatch(item.lower()) and key is None:
                key = item.lower()
            else:
                raise ConversionError(
                    where, f"{item!r} is neither a colour like #8fb4ff nor a one-letter key"
                )
        types.append(EntityType(name, color=colour, shortcut=key))
    return types


def parse_relation_lines(text: str, entity_names: set[str]) -> list[RelationType]:
    types: list[RelationType] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"relation types, line {number}"
        colour = None
        match = re.search(r"\s(#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?)\s*$", " " + line)
        if match:
            colour = match.group(1)
            line = (" " + line)[: match.start()].strip()
        head, _, args = line.partition(" ")
        if not NAME.fullmatch(head):
            raise ConversionError(where, f"{head!r} is not a relation type name")
        arg1: list[str] = []
        arg2: list[str] = []
        args = args.strip()
        if args:
            left, arrow, right = args.partition("->")
            if not arrow:
                raise ConversionError(where, "write the argument types as 'Arg1Types -> Arg2Types'")
            arg1 = [t.strip() for t in left.split("|") if t.strip()]
            arg2 = [t.strip() for t in right.split("|") if t.strip()]
            for t in (*arg1, *arg2):
                if t not in entity_names and t != "<ANY>":
                    raise ConversionError(where, f"argument type {t!r} is not an entity type")
        types.append(RelationType(head, arg1, arg2, color=colour))
    return types


def schema_from_lists(entity_text: str, relation_text: str) -> Schema:
    entities = parse_entity_lines(entity_text or "")
    if not entities:
        raise ConversionError("entity types", "list at least one entity type")
    relations = parse_relation_lines(relation_text or "", {t.name for t in entities})
    keys = [t.shortcut for t in entities if t.shortcut]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ConversionError("entity types", f"key {sorted(dup)[0]!r} is given to two types")
    return Schema(entities, relations)


def schema_from_conf(path: str) -> Schema:
    from pathlib import Path

    p = Path(path)
    if p.stat().st_size > MAX_CONF_BYTES:
        raise ConversionError(p.name, f"larger than {MAX_CONF_BYTES} bytes; not a configuration")
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConversionError(p.name, f"not valid UTF-8 (byte {exc.start})") from None
    return parse_conf(text, p.name)


def create_project(
    store: Store,
    name: str,
    *,
    conf_path: str | None = None,
    entity_text: str = "",
    relation_text: str = "",
) -> tuple[Any, Schema]:
    """Create ``name`` with the conf's schema, else the typed lists'; raises with the reason."""
    name = (name or "").strip()
    if not name:
        raise ConversionError("project", "give the project a name")
    if len(name) > 200 or any(ord(c) < 32 for c in name):
        raise ConversionError("project", "a project name is at most 200 printable characters")
    schema = (
        schema_from_conf(conf_path) if conf_path else schema_from_lists(entity_text, relation_text)
    )
    info = store.create_project(name, schema)
    return info, schema


def _accepted(stats: dict[str, Any], kind: str) -> int:
    """Accepted annotations of ``kind`` (open suggestions and rejected ones are not counted,
    as in the Documents table)."""
    return int(stats.get(kind, {}).get("by_review", {}).get("accepted", 0))


def _open_suggestions(stats: dict[str, Any]) -> int:
    """Model suggestions nobody has reviewed yet (counted apart, as in the Documents table)."""
    return sum(
        int(stats.get(kind, {}).get("by_review", {}).get("suggested", 0))
        for kind in ("entities", "relations")
    )


def project_rows(store: Store) -> list[list[Any]]:
    """One row per project: name, documents by status, annotations, models."""
    stats = store.stats()["projects"]
    rows = []
    for p in store.list_projects():
        s = stats.get(p.name, {})
        status = s.get("status", {})
        rows.append(
            [
                p.name,
                s.get("documents", 0),
                *(status.get(s, 0) for s in DOCUMENT_STATUSES),
                _accepted(s, "entities") - s.get("entities", {}).get("triggers", 0),
                _accepted(s, "relations"),
                s.get("events", {}).get("total", 0),
                _open_suggestions(s),
                p.created_at.strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return rows


PROJECT_HEADERS = [
    "project",
    "documents",
    *(status_word(s) for s in DOCUMENT_STATUSES),
    "entities",
    "relations",
    "events",
    "suggestions",
    "created",
]
