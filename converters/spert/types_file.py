"""The SpERT types file (``<prefix>_types.json``) <-> ``Schema``, and finding it.

A types file is ``{"entities": {name: {"short", "verbose"}}, "relations": {name: {"short",
"verbose", "symmetric"}}}``; SpERT itself fails on data that uses a type it does not list. It
sits beside the data files under the longest shared ``_`` prefix (``ade_types.json`` serves
``ade_split_0_train.json``), which ``read_schema`` and ``converters.spert.validate`` look for.
Type order is kept both ways: SpERT numbers its classifier outputs in file order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from converters.errors import ConversionError, Problem, read_utf8
from converters.files import write_atomic
from converters.schema import EntityType, RelationType, Schema
from converters.spert.record_reader import DEFAULT_PATH
from converters.spert.strict_json import decode, has_lone_surrogate


def types_path(path: Path) -> Path:
    """Where ``write_corpus`` puts the types file of the data file ``path``."""
    return path.with_name(f"{path.stem}_types.json")


def types_file_for(path: Path) -> Path | None:
    """``<stem>_types.json``, then ``<prefix>_types.json`` for each shorter ``_`` prefix:
    ``ade_split_0_train.json`` finds ``ade_split_0_types.json`` or ``ade_types.json``."""
    if path.name.endswith("_types.json"):
        return path if path.is_file() else None
    parts = path.stem.split("_")
    for k in range(len(parts), 0, -1):
        candidate = path.with_name("_".join(parts[:k]) + "_types.json")
        if candidate.is_file():
            return candidate
    return None


def read_schema(path: str | Path) -> Schema | None:
    """The schema in the types file that goes with the SpERT file ``path``, else ``None``."""
    found = types_file_for(Path(path))
    return read_types(found) if found is not None else None


def read_types(path: str | Path) -> Schema:
    """A SpERT types file as a ``Schema`` (see ``from_types_dict``); errors name the file."""
    path = Path(path)
    return from_types_dict(decode(path, read_utf8(path)), path)


def from_types_dict(data: Any, path: str | Path = DEFAULT_PATH) -> Schema:
    """An already-decoded types file as a ``Schema`` (``path`` only names it in errors).

    Type order is the file's. Entity and relation ``short``/``verbose`` go to the types'
    ``options``; relation ``symmetric`` too, as ``"true"``/``"false"`` (options are strings).
    Raises ``ConversionError`` for anything but an object of ``entities``/``relations``
    objects, a non-boolean ``symmetric`` or a lone surrogate.
    """
    if not isinstance(data, dict):
        raise ConversionError(path, "a types file is a JSON object with 'entities', 'relations'")
    if has_lone_surrogate(data):
        raise ConversionError(path, "contains a lone surrogate (\\ud800-\\udfff)")
    schema = Schema()
    for section in ("entities", "relations"):
        entries = data.get(section, {})
        if not isinstance(entries, dict):
            raise ConversionError(path, f"'{section}' is not an object")
        for name, entry in entries.items():
            if not isinstance(entry, dict):
                raise ConversionError(path, f"{section} {name!r}: is not an object")
            options = {
                key: entry[key] for key in ("short", "verbose") if isinstance(entry.get(key), str)
            }
            if section == "entities":
                schema.entity_types.append(EntityType(name, options=options))
                continue
            symmetric = entry.get("symmetric", False)
            if not isinstance(symmetric, bool):
                raise ConversionError(path, f"relations {name!r}: 'symmetric' is not a boolean")
            options["symmetric"] = "true" if symmetric else "false"
            schema.relation_types.append(RelationType(name, options=options))
    return schema


def types_dict(
    schema: Schema, path: str | Path = DEFAULT_PATH
) -> tuple[dict[str, Any], list[Problem]]:
    """The types-file content for ``schema`` and what it could not represent."""
    problems: list[Problem] = []
    entities: dict[str, Any] = {}
    for ent in schema.entity_types:
        if not ent.selectable:
            continue
        options: dict[str, Any] = ent.options or {}
        entities[ent.name] = {
            "short": options.get("short", ent.name),
            "verbose": options.get("verbose", ent.name),
        }
    relations = {
        rel.name: {
            "short": rel.options.get("short", rel.name),
            "verbose": rel.options.get("verbose", rel.name),
            "symmetric": rel.symmetric,
        }
        for rel in schema.relation_types
        if rel.selectable
    }
    losses = [
        (
            "grouping (non-selectable) types left out",
            [t.name for t in (*schema.entity_types, *schema.relation_types) if not t.selectable],
        ),
        ("type hierarchies flattened", [t.name for t in schema.entity_types if t.parent]),
        (
            "relation argument type constraints not representable",
            [r.name for r in schema.relation_types if r.arg1_types or r.arg2_types],
        ),
        ("event types not representable", [t.name for t in schema.event_types]),
        ("attribute types not representable", [t.name for t in schema.attribute_types]),
    ]
    for kind, names in losses:
        if names:
            problems.append(Problem(str(path), f"{len(names)} {kind} ({', '.join(names[:8])})"))
    return {"entities": entities, "relations": relations}, problems


def types_text(schema: Schema, path: Path) -> tuple[str, list[Problem]]:
    """The types file's text for ``schema`` (as ``types_dict``, ``json.dumps`` defaults)."""
    types, problems = types_dict(schema, path=path)
    return json.dumps(types), problems


def write_types(schema: Schema, path: str | Path) -> list[Problem]:
    """Write ``schema`` as a SpERT types file (atomically); returns what it could not hold."""
    path = Path(path)
    text, problems = types_text(schema, path)
    write_atomic([(path, text)])
    return problems
