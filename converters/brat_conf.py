"""BRAT's ``annotation.conf`` (plus ``visual.conf`` colours and ``kb_shortcuts.conf`` keys).

The parser follows brat's own ``server/src/projectconfig.py`` where it matters for the data:

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

``format_conf`` writes macro-expanded, alias-free lines that ``parse_conf`` reads back to an
equal ``Schema`` (types in depth-first hierarchy order, as any parsed schema already is).
"""

from __future__ import annotations

import re
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


class _Node:
    """One parsed type line: name, flags, arguments, and where it sits in the hierarchy."""

    __slots__ = ("args", "depth", "line", "name", "parent", "selectable")

    def __init__(
        self,
        name: str,
        selectable: bool,
        args: list[str],
        depth: int,
        parent: str | None,
        line: int,
    ) -> None:
        self.name = name
        self.selectable = selectable
        self.args = args
        self.depth = depth
        self.parent = parent
        self.line = line


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


# --- writing -----------------------------------------------------------------------------------

_UNSAFE_NAME = re.compile(r"[\s,|]")


def storage_name(name: str) -> str:
    """A type or role name as it can stand in a conf (and ``.ann``) line: no whitespace,
    commas or bars (each replaced by ``_``), never empty."""
    return _UNSAFE_NAME.sub("_", name) or "_"


def _ordered(items: list, what: str) -> list[tuple[int, object]]:
    """``(depth, item)`` in depth-first order; a child follows the nearest preceding item
    that carries its parent's name (brat's "last node one level up")."""
    children: dict[int, list[int]] = {i: [] for i in range(len(items))}
    roots: list[int] = []
    for index, item in enumerate(items):
        parent = getattr(item, "parent", None)
        if parent is None:
            roots.append(index)
            continue
        candidates = [i for i, other in enumerate(items) if other.name == parent and i != index]
        if not candidates:
            raise ConversionError(
                "annotation.conf", f"{what} type {item.name!r} has unknown parent {parent!r}"
            )
        before = [i for i in candidates if i < index]
        children[before[-1] if before else candidates[0]].append(index)
    out: list[tuple[int, object]] = []
    seen: set[int] = set()

    def visit(index: int, depth: int) -> None:
        if index in seen:
            raise ConversionError("annotation.conf", f"{what} type hierarchy has a cycle")
        seen.add(index)
        out.append((depth, items[index]))
        for child in children[index]:
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    if len(seen) != len(items):
        raise ConversionError("annotation.conf", f"{what} type hierarchy has a cycle")
    return out


def _name(name: str, selectable: bool, special: bool = False) -> str:
    return ("" if selectable or special else "!") + (name if special else storage_name(name))


def _types(types: list[str]) -> str:
    return "|".join(t if t in RESERVED_STRINGS else storage_name(t) for t in types)


def format_conf(schema: Schema) -> str:
    """Deterministic ``annotation.conf`` text; ``parse_conf`` reads it back to an equal schema."""
    out: list[str] = ["[entities]", ""]
    for depth, ent in _ordered(schema.entity_types, "entity"):
        out.append("\t" * depth + _name(ent.name, ent.selectable))  # type: ignore[attr-defined]
    out += ["", "[relations]", ""]
    for depth, rel in _ordered(schema.relation_types, "relation"):
        assert isinstance(rel, RelationType)
        special = rel.name in SPECIAL_RELATION_TYPES
        args = []
        if rel.arg1_types or rel.arg2_types:
            args.append(f"{storage_name(rel.arg1_role)}:{_types(rel.arg1_types or ['<ANY>'])}")
            args.append(f"{storage_name(rel.arg2_role)}:{_types(rel.arg2_types or ['<ANY>'])}")
        # Only BRAT's own <REL-TYPE>-style options belong in the conf; others (SpERT's
        # short/verbose names) have no place there and are reported by the writer.
        args += [f"{k}:{v}" for k, v in rel.options.items() if k in RESERVED_STRINGS]
        line = "\t" * depth + _name(rel.name, rel.selectable, special)
        out.append(line + ("\t" + ", ".join(args) if args else ""))
    out += ["", "[events]", ""]
    for depth, ev in _ordered(schema.event_types, "event"):
        assert isinstance(ev, EventType)
        args = [
            f"{storage_name(a.role)}{a.cardinality}:{_types(a.types or ['<ANY>'])}"
            for a in ev.arguments
        ]
        line = "\t" * depth + _name(ev.name, ev.selectable)
        out.append(line + ("\t" + ", ".join(args) if args else ""))
    out += ["", "[attributes]", ""]
    for attr in schema.attribute_types:
        args = [f"Arg:{_types(attr.targets or ['<ANY>'])}"]
        if attr.values:
            args.append(f"Value:{_types(attr.values)}")
        out.append(storage_name(attr.name) + "\t" + ", ".join(args))
    return "\n".join(out) + "\n"


# --- visual.conf and kb_shortcuts.conf ---------------------------------------------------------


def apply_visual(schema: Schema, text: str, path: str = "visual.conf") -> None:
    """Set ``color`` from ``visual.conf``'s ``[drawing]`` section: ``bgColor`` for entity
    types, ``color`` for relation types (keys matched case-insensitively; brat's own
    ``bgcolor`` typos are common in real projects)."""
    entities = {t.name: t for t in schema.entity_types}
    relations: dict[str, list[RelationType]] = {}
    for rel in schema.relation_types:
        relations.setdefault(rel.name, []).append(rel)
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
        for rel in relations.get(name, []):
            if "color" in settings:
                rel.color = settings["color"]


def apply_kb_shortcuts(schema: Schema, text: str, path: str = "kb_shortcuts.conf") -> None:
    """Set ``shortcut`` from ``kb_shortcuts.conf`` lines ``KEY<whitespace>TYPE`` (first wins)."""
    entities = {t.name: t for t in schema.entity_types}
    relations: dict[str, list[RelationType]] = {}
    for rel in schema.relation_types:
        relations.setdefault(rel.name, []).append(rel)
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


def format_visual(schema: Schema) -> str | None:
    """``visual.conf`` ``[drawing]`` lines for the colours in ``schema``; ``None`` if none."""
    lines = [f"{storage_name(t.name)}\tbgColor:{t.color}" for t in schema.entity_types if t.color]
    seen: set[str] = set()
    for rel in schema.relation_types:
        if rel.color and rel.name not in seen:
            seen.add(rel.name)
            lines.append(f"{storage_name(rel.name)}\tcolor:{rel.color}")
    if not lines:
        return None
    return "[labels]\n\n[drawing]\n\n" + "\n".join(lines) + "\n"


def format_kb_shortcuts(schema: Schema) -> str | None:
    """``kb_shortcuts.conf`` lines for the shortcuts in ``schema``; ``None`` if none."""
    lines: list[str] = []
    used: set[str] = set()
    for item in [*schema.entity_types, *schema.relation_types]:
        if item.shortcut and item.shortcut not in used:
            used.add(item.shortcut)
            lines.append(f"{item.shortcut}\t{storage_name(item.name)}")
    return "\n".join(lines) + "\n" if lines else None


# --- files -------------------------------------------------------------------------------------


def read_conf(path: Path) -> Schema:
    """Read ``annotation.conf`` at ``path``, plus ``visual.conf`` / ``kb_shortcuts.conf`` beside
    it when present (colours and keyboard shortcuts)."""
    path = Path(path)
    schema = parse_conf(read_utf8(path), str(path))
    visual = path.with_name("visual.conf")
    if visual.is_file():
        apply_visual(schema, read_utf8(visual), str(visual))
    shortcuts = path.with_name("kb_shortcuts.conf")
    if shortcuts.is_file():
        apply_kb_shortcuts(schema, read_utf8(shortcuts), str(shortcuts))
    return schema


def write_conf(schema: Schema, path: Path) -> None:
    """Write ``annotation.conf`` at ``path`` (and ``visual.conf`` / ``kb_shortcuts.conf`` beside
    it when the schema has colours or shortcuts)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_conf(schema), encoding="utf-8", newline="")
    visual = format_visual(schema)
    if visual is not None:
        path.with_name("visual.conf").write_text(visual, encoding="utf-8", newline="")
    shortcuts = format_kb_shortcuts(schema)
    if shortcuts is not None:
        path.with_name("kb_shortcuts.conf").write_text(shortcuts, encoding="utf-8", newline="")
