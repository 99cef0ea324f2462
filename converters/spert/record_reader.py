"""SpERT records -> ``Document``s, after checking every record in full.

This is the one place that decides what a valid SpERT record is: tokens that are non-empty
strings without whitespace, entity ``start``/``end`` that are integers (never booleans) with
``0 <= start < end <= len(tokens)``, relation ``head``/``tail`` that index the record's
entities (a relation from an entity to itself is allowed, as in SpERT), no lone surrogates.
Every problem of every record is collected before anything is built, so one read reports them
all. The file entry points (``converters.spert.files``) and in-memory callers share it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from converters.document import Document, Entity, Relation
from converters.errors import ConversionError, Problem
from converters.spert.strict_json import ListItem, has_lone_surrogate

log = logging.getLogger(__name__)

RECORD_KEYS = ("tokens", "entities", "relations", "orig_id")
ENTITY_KEYS = ("type", "start", "end")
RELATION_KEYS = ("type", "head", "tail")
DEFAULT_PATH = "<json>"


def _is_int(value: Any) -> bool:
    """A JSON integer: ``bool`` is an ``int`` subclass in Python, but ``false`` is no index."""
    return isinstance(value, int) and not isinstance(value, bool)


def _list_field(record: dict[str, Any], key: str, where: str, errors: list[str]) -> list[Any]:
    """``record[key]`` when it is a list (absent: empty), else ``[]`` and an error."""
    value = record.get(key, [])
    if isinstance(value, list):
        return value
    errors.append(f"{where}: {key!r} is not a list")
    return []


def _whole_items(
    items: list[Any], kind: str, keys: Sequence[str], where: str, errors: list[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The checks entities and relations share: each must be an object holding ``keys`` whose
    ``type`` is a non-empty string. Appends what fails to ``errors`` and yields ``(where,
    item)`` for each item whole enough for the checks of its own kind."""
    for k, item in enumerate(items):
        at = f"{where}, {kind} {k}"
        if not isinstance(item, dict):
            errors.append(f"{at}: is not an object")
            continue
        missing = [key for key in keys if key not in item]
        if missing:
            errors.append(f"{at}: has no {', '.join(repr(m) for m in missing)}")
            continue
        if not isinstance(item["type"], str) or not item["type"]:
            errors.append(f"{at}: type {item['type']!r} is not a non-empty string")
        yield at, item


def _token_errors(tokens: list[Any], where: str) -> list[str]:
    errors: list[str] = []
    for k, tok in enumerate(tokens):
        if not isinstance(tok, str):
            errors.append(f"{where}, token {k}: is not a string ({tok!r})")
        elif not tok:
            errors.append(f"{where}, token {k}: is empty")
        elif any(c.isspace() for c in tok):
            errors.append(f"{where}, token {k}: contains whitespace ({tok!r})")
        elif any(0xD800 <= ord(c) <= 0xDFFF for c in tok):
            errors.append(f"{where}, token {k}: contains a lone surrogate ({tok!r})")
    return errors


def _entity_errors(entities: list[Any], n_tokens: int, where: str) -> list[str]:
    errors: list[str] = []
    for at, ent in _whole_items(entities, "entity", ENTITY_KEYS, where, errors):
        start, end = ent["start"], ent["end"]
        if not (_is_int(start) and _is_int(end)):
            errors.append(f"{at}: start {start!r} and end {end!r} must be integers")
        elif not 0 <= start < end <= n_tokens:
            errors.append(
                f"{at}: token range {start}-{end} is empty, reversed or outside the "
                f"{n_tokens} tokens (end is exclusive)"
            )
    return errors


def _relation_errors(relations: list[Any], n_entities: int, where: str) -> list[str]:
    errors: list[str] = []
    for at, rel in _whole_items(relations, "relation", RELATION_KEYS, where, errors):
        for role in ("head", "tail"):
            ref = rel[role]
            if not _is_int(ref) or not 0 <= ref < n_entities:
                errors.append(
                    f"{at}: {role} {ref!r} is not an index into the {n_entities} entities"
                )
    return errors


def _record_errors(record: Any, where: str) -> list[str]:
    """Every reason ``record`` is not a valid SpERT record, each prefixed with ``where``."""
    if not isinstance(record, dict):
        return [f"{where}: is a JSON {type(record).__name__}, expected an object"]
    errors: list[str] = []
    if "tokens" not in record:
        errors.append(f"{where}: has no 'tokens'")
    tokens = _list_field(record, "tokens", where, errors)
    errors.extend(_token_errors(tokens, where))
    entities = _list_field(record, "entities", where, errors)
    errors.extend(_entity_errors(entities, len(tokens), where))
    if has_lone_surrogate({k: v for k, v in record.items() if k != "tokens"}):
        errors.append(f"{where}: contains a lone surrogate (\\ud800-\\udfff) outside the tokens")
    relations = _list_field(record, "relations", where, errors)
    errors.extend(_relation_errors(relations, len(entities), where))
    return errors


def _where(index: int, record: Any) -> str:
    where = f"record {index}"
    if isinstance(record, dict) and isinstance(record.get("orig_id"), (str, int)):
        where += f" (orig_id {record['orig_id']!r})"
    return where


def _keys_meta(obj: dict[str, Any], standard: Sequence[str], meta: dict[str, Any]) -> None:
    """Keep unknown keys and a non-standard key order so the writer can reproduce them."""
    extra = {k: v for k, v in obj.items() if k not in standard}
    if extra:
        meta["spert_extra"] = extra
    default_order = [k for k in standard if k in obj] + [k for k in obj if k not in standard]
    if list(obj) != default_order:
        meta["spert_keys"] = list(obj)


def _doc_ids(records: list[dict[str, Any]]) -> list[str]:
    """``str(orig_id)`` where unique across the file, else ``doc-<index>`` (made unique)."""
    wanted: list[str | None] = []
    for record in records:
        orig = record.get("orig_id")
        if (isinstance(orig, str) and orig) or _is_int(orig):
            wanted.append(str(orig))
        else:
            wanted.append(None)
    counts: dict[str, int] = {}
    for w in wanted:
        if w is not None:
            counts[w] = counts.get(w, 0) + 1
    taken = {w for w, c in counts.items() if c == 1}
    ids: list[str] = []
    for index, w in enumerate(wanted):
        if w is not None and counts[w] == 1:
            ids.append(w)
            continue
        candidate, suffix = f"doc-{index}", 1
        while candidate in taken:
            suffix += 1
            candidate = f"doc-{index}-{suffix}"
        taken.add(candidate)
        ids.append(candidate)
    fallbacks = sum(1 for w in wanted if w is not None and counts[w] > 1)
    if fallbacks:
        log.info("%d records share an orig_id with another; they get doc-<index> ids", fallbacks)
    return ids


def _build(record: dict[str, Any], doc_id: str) -> Document:
    tokens: list[str] = record["tokens"]
    offsets: list[list[int]] = []
    pos = 0
    for tok in tokens:
        offsets.append([pos, pos + len(tok)])
        pos += len(tok) + 1
    doc = Document(id=doc_id, text=" ".join(tokens))
    for k, ent in enumerate(record.get("entities", []), start=1):
        meta: dict[str, Any] = {}
        _keys_meta(ent, ENTITY_KEYS, meta)
        span = (offsets[ent["start"]][0], offsets[ent["end"] - 1][1])
        doc.entities.append(Entity(f"T{k}", ent["type"], [span], metadata=meta))
    for k, rel in enumerate(record.get("relations", []), start=1):
        meta = {}
        _keys_meta(rel, RELATION_KEYS, meta)
        doc.relations.append(
            Relation(
                f"R{k}",
                rel["type"],
                doc.entities[rel["head"]].id,
                doc.entities[rel["tail"]].id,
                metadata=meta,
            )
        )
    doc.metadata["tokens"] = offsets
    if "orig_id" in record:
        doc.metadata["orig_id"] = record["orig_id"]
    _keys_meta(record, RECORD_KEYS, doc.metadata)
    if any(key not in record for key in RECORD_KEYS):
        doc.metadata["spert_keys"] = list(record)  # so the writer adds no absent key
    return doc


def documents_from_items(
    path: str | Path, items: list[ListItem]
) -> tuple[list[Document], list[Problem]]:
    """The documents of the decoded records, or none and every problem found in them."""
    problems: list[Problem] = []
    for index, (record, line, decode_error) in enumerate(items):
        where = _where(index, record)
        if decode_error is not None:
            problems.append(Problem(str(path), f"{where}: {decode_error}", line))
            continue
        problems.extend(Problem(str(path), msg, line) for msg in _record_errors(record, where))
    if problems:
        return [], problems
    records = [record for record, _, _ in items]
    ids = _doc_ids(records)
    # the record checks above cover everything Document.problems would find in a document
    # built from a record (the property tests hold them to it); the store checks each document
    # once more on import, so a second pass here would only repeat it
    documents = [_build(record, doc_id) for record, doc_id in zip(records, ids, strict=True)]
    return documents, problems


def raise_if(problems: list[Problem]) -> None:
    """Raise one ``ConversionError`` for the first problem, carrying all of them."""
    if problems:
        raise ConversionError.from_problems(problems)


def from_records(records: list[dict[str, Any]], path: str | Path = DEFAULT_PATH) -> list[Document]:
    """Documents from already-parsed SpERT records (``path`` only names them in errors).

    The checks are those of ``read_file``; a ``ConversionError`` carries every problem found.
    """
    if not isinstance(records, list):
        raise ConversionError(path, "expected a list of records")
    documents, problems = documents_from_items(path, [(r, None, None) for r in records])
    raise_if(problems)
    return documents
