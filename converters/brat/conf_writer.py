"""A ``Schema`` written as BRAT's ``annotation.conf``, ``visual.conf`` and ``kb_shortcuts.conf``.

It exists so that the export side of the conf files sits apart from the parser it must satisfy:
``format_conf`` writes macro-expanded, alias-free lines that ``conf_reader.parse_conf`` reads
back to an equal ``Schema`` (types in depth-first hierarchy order, as any parsed schema already
is); names are made safe for a conf line with ``storage_name``.
"""

from __future__ import annotations

import re
from pathlib import Path

from converters.brat.conf_reader import (
    ANNOTATION_CONF,
    KB_SHORTCUTS_CONF,
    RESERVED_STRINGS,
    SPECIAL_RELATION_TYPES,
    VISUAL_CONF,
)
from converters.errors import ConversionError
from converters.schema import EventType, RelationType, Schema

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


def format_visual(schema: Schema) -> str | None:
    """``visual.conf`` ``[drawing]`` lines for the colours in ``schema``; ``None`` if none."""
    spans = [*schema.entity_types, *schema.event_types]
    lines = [f"{storage_name(t.name)}\tbgColor:{t.color}" for t in spans if t.color]
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
    for item in [*schema.entity_types, *schema.event_types, *schema.relation_types]:
        if item.shortcut and item.shortcut not in used:
            used.add(item.shortcut)
            lines.append(f"{item.shortcut}\t{storage_name(item.name)}")
    return "\n".join(lines) + "\n" if lines else None


def format_conf_files(schema: Schema) -> dict[str, str]:
    """``annotation.conf``, plus ``visual.conf`` / ``kb_shortcuts.conf`` when the schema has
    colours / shortcuts: file name -> text."""
    files = {ANNOTATION_CONF: format_conf(schema)}
    visual = format_visual(schema)
    if visual is not None:
        files[VISUAL_CONF] = visual
    shortcuts = format_kb_shortcuts(schema)
    if shortcuts is not None:
        files[KB_SHORTCUTS_CONF] = shortcuts
    return files


def write_conf(schema: Schema, path: Path) -> None:
    """Write ``annotation.conf`` at ``path`` (and ``visual.conf`` / ``kb_shortcuts.conf`` beside
    it when the schema has colours or shortcuts)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for name, text in format_conf_files(schema).items():
        target = path if name == ANNOTATION_CONF else path.with_name(name)
        target.write_text(text, encoding="utf-8", newline="")
