"""BRAT's ``annotation.conf`` read into a ``Schema``, with ``visual.conf`` colours and
``kb_shortcuts.conf`` keys.

It exists so that the conf grammar brat defines (sections, hierarchy by indentation, macros,
reserved placeholders) is read in one place, by the collection reader and by the project
screen alike. The parser follows brat's own ``server/src/projectconfig.py`` where it matters
for the data:

- sections ``[entities]`` (alias ``[spans]``), ``[relations]``, ``[events]``, ``[attributes]``;
  other sections are ignored, as brat does;
- one type per line, ``TYPE<whitespace>ARG, ARG, ...``; the hierarchy is given by the number of
  leading whitespace characters (one per level) and ``!Name`` marks a type that only groups
  others (``selectable=False``);
- ``TERM|ALIAS|...``: the first term is the type name stored in ``.ann`` files; aliases (e.g.
  ``DNA_methylation|GO:0006306``) are display-only and are not kept (the schema has no field);
- macros ``<NAME>=A|B`` are section-specific and expanded where used; brat's reserved
  placeholders (``<ANY>``, ``<ENTITY>``, ``<EVENT>``, ...) stay as strings in type lists;
  ``<INHERIT>`` copies the parent's arguments;
- relation arguments: the first two ``ROLE:TYPES`` are Arg1/Arg2; ``<KEY>:VALUE`` arguments
  (``<REL-TYPE>:symmetric-transitive``, ``<OVL-TYPE>:contain|equal|cross``) go to
  ``RelationType.options``; the special types ``<OVERLAP>`` and ``ENTITY-NESTING`` configure
  span overlap, not annotation, so they are kept but not selectable;
- event arguments keep their cardinality suffix (``?``, ``*``, ``+``, ``{N}``, ``{N-M}``);
- attribute ``Arg:`` gives the targets and ``Value:`` the values (none = binary);
- ``#`` comments, blank lines and ``-----`` separator lines carry no schema and are dropped.

``conf_writer`` writes what this module reads back to an equal ``Schema``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from converters.errors import ConversionError, read_utf8
from converters.schema import (
    AttributeType,
    EntityType,
    EventArgument,
    EventType,
    RelationType,
    Schema,
)

# The conf files of one collection, by the names brat looks for them under.
ANNOTATION_CONF = "annotation.conf"
VISUAL_CONF = "visual.conf"
KB_SHORTCUTS_CONF = "kb_shortcuts.conf"

SECTIONS = ("entities", "relations", "events", "attributes")
SECTION_ALIASES = {"spans": "entities"}

RESERVED_NAMES = frozenset(
    {
        "ANY",
        "ENTITY",
        "RELATION",
        "EVENT",
        "NONE",
        "EMPTY",
        "REL-TYPE",
        "URL",
        "URLBASE",
        "UNICODE",
        "GLYPH-POS",
        "DEFAULT",
        "NORM",
        "OVERLAP",
        "OVL-TYPE",
        "INHERIT",
    }
)
RESERVED_STRINGS = frozenset(f"<{n}>" for n in RESERVED_NAMES)
# Relation "types" that configure which spans may overlap; never annotated, never selectable.
SPECIAL_RELATION_TYPES = frozenset({"<OVERLAP>", "ENTITY-NESTING"})

_SECTION_RE = re.compile(r"^\s*\[(.*)\]\s*$")
_SEPARATOR_RE = re.compile(r"^\s*-+\s*$")
_MACRO_RE = re.compile(r"^<([a-zA-Z_-]+)>=\s*(.*?)\s*$")
_PLACEHOLDER_RE = re.compile(r"<.*?>")
_LINE_RE = re.compile(r"^(\s*)(\S+)(?:\s+(.*))?$")
_ARG_RE = re.compile(r"^(\S*?):(\S*)$")
_ROLE_RE = re.compile(r"^([^\s{}?*+]+)(\{\d+(?:-\d+)?\}|\?|\*|\+|)$")


@dataclass(slots=True)
class _Node:
    """One parsed type line: name, flags, arguments, and where it sits in the hierarchy."""

    name: str
    selectable: bool
    args: list[str]
    depth: int
    parent: str | None
    line: int


def _section_lines(text: str, path: str) -> dict[str, list[tuple[int, str]]]:
    """Lines of each known section with their 1-based line numbers."""
    sections: dict[str, list[tuple[int, str]]] = {name: [] for name in SECTIONS}
    current: str | None = None  # lines before the first header are ignored, as brat does
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        match = _SECTION_RE.match(line)
        if match:
            name = match.group(1).strip()
            name = SECTION_ALIASES.get(name, name)
            current = name if name in sections else None
            continue
        if current is not None:
            sections[current].append((number, line))
    return sections


def _read_hierarchy(lines: list[tuple[int, str]], path: str) -> list[_Node]:
    """brat's ``__read_term_hierarchy``: macros, placeholders, indentation, ``!``, ``<INHERIT>``."""
    nodes: list[_Node] = []
    macros: dict[str, str] = {}
    last_at_depth: dict[int, _Node] = {}
    for number, raw in lines:
        if not raw.strip() or raw.lstrip().startswith("#") or _SEPARATOR_RE.match(raw):
            continue
        macro = _MACRO_RE.match(raw)
        if macro:
            name, value = macro.groups()
            if name in RESERVED_NAMES:
                raise ConversionError(
                    path, f"<{name}> is a reserved name and cannot be redefined", line=number
                )
            macros[f"<{name}>"] = value
            continue
        line = raw
        for key, value in macros.items():
            line = line.replace(key, value)
        for placeholder in _PLACEHOLDER_RE.findall(line):
            if placeholder not in RESERVED_STRINGS:
                raise ConversionError(
                    path,
                    f"undefined macro {placeholder} (macros are section-specific)",
                    line=number,
                )
        match = _LINE_RE.match(line)
        if match is None:  # pragma: no cover - blank lines were skipped above
            raise ConversionError(path, f"cannot parse {raw!r}", line=number)
        indent, terms_str, args_str = match.groups()
        terms = [t.strip() for t in terms_str.split("|") if t.strip()]
        if not terms:
            raise ConversionError(path, f"empty type name in {raw!r}", line=number)
        name = terms[0]
        selectable = True
        if name.startswith("!"):
            name, selectable = name[1:], False
        if not name:
            raise ConversionError(path, f"empty type name in {raw!r}", line=number)
        args = [a.strip() for a in (args_str or "").split(",") if a.strip()]
        depth = len(indent)
        parent: _Node | None = None
        if depth > 0:
            parent = last_at_depth.get(depth - 1)
            if parent is None:
                raise ConversionError(
                    path,
                    f"{name!r} is indented {depth} level(s) but has no parent line above it",
                    line=number,
                )
        expanded: list[str] = []
        for arg in args:
            if arg == "<INHERIT>":
                if parent is None:
                    raise ConversionError(path, "<INHERIT> without a parent type", line=number)
                expanded.extend(parent.args)
            else:
                expanded.append(arg)
        node = _Node(name, selectable, expanded, depth, parent.name if parent else None, number)
        nodes.append(node)
        last_at_depth[depth] = node
    return nodes


def _split_arg(arg: str, path: str, line: int) -> tuple[str, list[str]]:
    match = _ARG_RE.match(arg)
    if match is None:
        raise ConversionError(path, f"argument {arg!r} is not ROLE:TYPE|TYPE", line=line)
    key, types = match.groups()
    if not key:
        raise ConversionError(path, f"argument {arg!r} has no role", line=line)
    if key in RESERVED_STRINGS:
        return key, [types]
    values = types.split("|")
    if any(not v.strip() for v in values):
        raise ConversionError(path, f"empty type in argument {arg!r}", line=line)
    return key, values


def _relation(node: _Node, path: str) -> RelationType:
    rel = RelationType(
        node.name,
        parent=node.parent,
        selectable=node.selectable and node.name not in SPECIAL_RELATION_TYPES,
    )
    plain: list[tuple[str, list[str]]] = []
    for arg in node.args:
        key, types = _split_arg(arg, path, node.line)
        if key in RESERVED_STRINGS:
            rel.options[key] = types[0]
        else:
            plain.append((key, types))
    if len(plain) > 2:
        raise ConversionError(
            path, f"relation {node.name!r} has {len(plain)} arguments; at most 2", line=node.line
        )
    if plain:
        rel.arg1_role, rel.arg1_types = plain[0]
    if len(plain) > 1:
        rel.arg2_role, rel.arg2_types = plain[1]
    return rel


def _event(node: _Node, path: str) -> EventType:
    event = EventType(node.name, parent=node.parent, selectable=node.selectable)
    for arg in node.args:
        key, types = _split_arg(arg, path, node.line)
        if key in RESERVED_STRINGS:
            continue  # e.g. <NORM>: no place in the schema model
        match = _ROLE_RE.match(key)
        if match is None:
            raise ConversionError(path, f"bad event argument role {key!r}", line=node.line)
        role, cardinality = match.groups()
        event.arguments.append(EventArgument(role, types, cardinality))
    return event


def _attribute(node: _Node, path: str) -> AttributeType:
    attr = AttributeType(node.name)
    for arg in node.args:
        key, types = _split_arg(arg, path, node.line)
        if key == "Arg":
            attr.targets = types
        elif key == "Value":
            attr.values = types
    return attr


def parse_conf(text: str, path: str = "annotation.conf") -> Schema:
    """Parse ``annotation.conf`` text; raises ``ConversionError`` naming ``path:line``."""
    sections = _section_lines(text, path)
    schema = Schema()
    for node in _read_hierarchy(sections["entities"], path):
        schema.entity_types.append(EntityType(node.name, node.parent, node.selectable))
    for node in _read_hierarchy(sections["relations"], path):
        schema.relation_types.append(_relation(node, path))
    for node in _read_hierarchy(sections["events"], path):
        schema.event_types.append(_event(node, path))
    for node in _read_hierarchy(sections["attributes"], path):
        schema.attribute_types.append(_attribute(node, path))
    return schema


def _types_by_name(
    schema: Schema,
) -> tuple[dict[str, EntityType], dict[str, list[RelationType]]]:
    """Entity types by name, and relation types by name (brat repeats a relation name for
    each allowed argument combination, and a colour or key applies to all of them)."""
    relations: dict[str, list[RelationType]] = {}
    for rel in schema.relation_types:
        relations.setdefault(rel.name, []).append(rel)
    return {t.name: t for t in schema.entity_types}, relations


def apply_visual(schema: Schema, text: str, path: str = "visual.conf") -> None:
    """Set ``color`` from ``visual.conf``'s ``[drawing]`` section: ``bgColor`` for entity
    and event types, ``color`` for relation types (keys matched case-insensitively; brat's own
    ``bgcolor`` typos are common in real projects)."""
    entities, relations = _types_by_name(schema)
    section = None
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        header = _SECTION_RE.match(line)
        if header:
            section = header.group(1).strip()
            continue
        if section != "drawing" or not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE_RE.match(line)
        if match is None:  # pragma: no cover - blank lines were skipped
            continue
        _, name, args = match.groups()
        settings: dict[str, str] = {}
        for arg in (args or "").split(","):
            key, sep, value = arg.strip().partition(":")
            if sep:
                settings.setdefault(key.strip().lower(), value.strip())
        if name in entities and "bgcolor" in settings:
            entities[name].color = settings["bgcolor"]
        for ev in schema.event_types:
            if ev.name == name and "bgcolor" in settings:
                ev.color = settings["bgcolor"]
        for rel in relations.get(name, []):
            if "color" in settings:
                rel.color = settings["color"]


def apply_kb_shortcuts(schema: Schema, text: str, path: str = "kb_shortcuts.conf") -> None:
    """Set ``shortcut`` from ``kb_shortcuts.conf`` lines ``KEY<whitespace>TYPE`` (first wins)."""
    entities, relations = _types_by_name(schema)
    used: set[str] = set()
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or parts[0] in used:
            continue
        key, name = parts
        used.add(key)
        if name in entities and entities[name].shortcut is None:
            entities[name].shortcut = key
        for rel in relations.get(name, []):
            if rel.shortcut is None:
                rel.shortcut = key
        for ev in schema.event_types:
            if ev.name == name and ev.shortcut is None:
                ev.shortcut = key


def apply_display_confs(schema: Schema, texts: Mapping[str, str]) -> None:
    """Apply the ``visual.conf`` and ``kb_shortcuts.conf`` texts among ``texts`` (keyed by file
    name, as ``conf_writer.format_conf_files`` gives them) to ``schema``."""
    if VISUAL_CONF in texts:
        apply_visual(schema, texts[VISUAL_CONF])
    if KB_SHORTCUTS_CONF in texts:
        apply_kb_shortcuts(schema, texts[KB_SHORTCUTS_CONF])


def read_conf(path: Path) -> Schema:
    """Read ``annotation.conf`` at ``path``, plus ``visual.conf`` / ``kb_shortcuts.conf`` beside
    it when present (colours and keyboard shortcuts)."""
    path = Path(path)
    schema = parse_conf(read_utf8(path), str(path))
    beside = (path.with_name(name) for name in (VISUAL_CONF, KB_SHORTCUTS_CONF))
    apply_display_confs(schema, {conf.name: read_utf8(conf) for conf in beside if conf.is_file()})
    return schema
