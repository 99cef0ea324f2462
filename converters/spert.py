"""SpERT JSON: read and write, mapping token indices to character offsets and back.

A SpERT file (``conll04_train.json``, ``ade_split_0_test.json``...) is one JSON list of
records ``{"tokens": [...], "entities": [{"type", "start", "end"}], "relations": [{"type",
"head", "tail"}], "orig_id": ...}``; entity ``end`` is an exclusive token index and relation
``head``/``tail`` index the record's ``entities``. A sibling ``<prefix>_types.json`` lists the
types (``read_types``/``write_types``).

Reading builds one ``Document`` per record. Its text is the tokens joined by single spaces;
the tokens' ``[start, end]`` character offsets go to ``metadata["tokens"]`` so the writer (and
the model) can reproduce the tokenization exactly. Entity ids are ``T1``.., relation ids
``R1``.. in file order. ``Document.id`` is ``orig_id`` (as a string) when the record has one that
no other record shares, else ``doc-<index>``. ``orig_id`` and unknown keys are kept in metadata
(``"orig_id"``, ``"spert_extra"``, ``"spert_keys"`` for a non-standard key order) so that a read
followed by a write reproduces the file: for the shared CoNLL04/ADE files byte for byte, since
output uses ``json.dumps`` defaults exactly as those files were written.

Writing maps character offsets back to tokens: ``metadata["tokens"]`` when it is still a valid
tokenization of the text, else ``converters.tokenize`` (``tokenizer="words"``, or
``"whitespace"`` for text that was already tokenized and joined by spaces), then every token is
split at each entity boundary that falls inside it, so every entity covers whole tokens. What
SpERT cannot hold comes back as ``Problem`` warnings, one per kind per document with counts and
ids, never silently dropped:

- discontinuous entities: dropped by default (``discontinuous="drop"``), because writing the
  covering span would claim the gap text as part of the entity and invent training data;
  ``discontinuous="cover"`` writes the covering span instead. Relations touching a dropped
  entity are dropped too, each kind warned;
- entity ends on whitespace are trimmed, whitespace-only entities dropped;
- entity heads, confidences, relation roles other than Arg1/Arg2, extra arguments,
  confidences, relations whose arguments are not entities (events), and the document's events,
  attributes, normalizations, notes and groups.

Bad input raises ``ConversionError`` naming the file, the line of the record and the record /
entity / relation index (0-based, as SpERT's ``head``/``tail`` count); ``validate`` returns the
same problems (all of them) instead of raising. Writes are atomic: a temporary file beside the
target, then ``os.replace``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal

from converters.document import Document, Entity, Relation
from converters.errors import ConversionError, Problem, read_utf8
from converters.files import default_modes
from converters.schema import EntityType, RelationType, Schema
from converters.tokenize import Span, check_tokens, split_at, tokenize, whitespace_tokenize

log = logging.getLogger(__name__)

RECORD_KEYS = ("tokens", "entities", "relations", "orig_id")
ENTITY_KEYS = ("type", "start", "end")
RELATION_KEYS = ("type", "head", "tail")
DEFAULT_PATH = "<json>"

Discontinuous = Literal["drop", "cover"]
Tokenizer = Literal["words", "whitespace"]

_JSON_WS = re.compile(r"[ \t\n\r]*")
_CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]*")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key {key!r} in a JSON object")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` that refuses duplicate keys (``json`` would keep the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)


# --------------------------------------------------------------------------- reading


def _json_error(path: str | Path, exc: json.JSONDecodeError) -> ConversionError:
    return ConversionError(
        path,
        f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
        line=exc.lineno,
        offset=exc.pos,
    )


def _decode_failure(path: str | Path, exc: Exception, line: int | None = None) -> ConversionError:
    """A decoder failure that is not a syntax error: nesting deeper than the interpreter's
    recursion limit (``[[[[...``) or an integer past Python's digit limit."""
    if isinstance(exc, RecursionError):
        message = "not valid JSON: nested too deeply"
    else:
        message = f"not valid JSON: {exc}"
    return ConversionError(path, message, line=line)


def _lone_surrogates(value: Any) -> bool:
    """Whether a decoded JSON value holds a lone surrogate (``"\\ud800"``) anywhere: such a
    string cannot be encoded as UTF-8, so no writer or database could store it."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if any(0xD800 <= ord(c) <= 0xDFFF for c in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _parse_list(path: str | Path, text: str) -> list[tuple[Any, int | None, str | None]]:
    """The top-level list's items, each with the 1-based line where it starts.

    The list is decoded item by item (``raw_decode``) so that a bad record can be reported with
    its line without a second pass; the third element is a per-record decoding error
    (duplicate key) to report with the record's index.
    """
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(pos: int) -> int:
        return bisect_right(newlines, pos - 1) + 1

    n = len(text)
    i = _JSON_WS.match(text, 0).end()  # type: ignore[union-attr]
    if i == n or text[i] != "[":
        try:
            value = _DECODER.decode(text)
        except json.JSONDecodeError as exc:
            raise _json_error(path, exc) from None
        except _DuplicateKey as exc:
            raise ConversionError(path, str(exc)) from None
        except (RecursionError, ValueError) as exc:
            raise _decode_failure(path, exc) from None
        kind = {dict: "object", str: "string", bool: "boolean", type(None): "null"}.get(
            type(value), "number"
        )
        raise ConversionError(path, f"top level is a JSON {kind}, expected a list of records")
    items: list[tuple[Any, int | None, str | None]] = []
    i = _JSON_WS.match(text, i + 1).end()  # type: ignore[union-attr]
    if i < n and text[i] == "]":
        i += 1
    else:
        while True:
            start = i
            try:
                obj, i = _DECODER.raw_decode(text, i)
                items.append((obj, line_of(start), None))
            except json.JSONDecodeError as exc:
                raise _json_error(path, exc) from None
            except _DuplicateKey as exc:
                # skip the broken record to keep reporting the others
                items.append((None, line_of(start), str(exc)))
                depth_end = _skip_value(text, start)
                if depth_end is None:
                    raise ConversionError(path, str(exc), line=line_of(start)) from None
                i = depth_end
            except (RecursionError, ValueError) as exc:
                raise _decode_failure(path, exc, line_of(start)) from None
            i = _JSON_WS.match(text, i).end()  # type: ignore[union-attr]
            if i < n and text[i] == ",":
                i = _JSON_WS.match(text, i + 1).end()  # type: ignore[union-attr]
                continue
            if i < n and text[i] == "]":
                i += 1
                break
            exc = json.JSONDecodeError("Expecting ',' or ']' after a record", text, i)
            raise _json_error(path, exc)
    i = _JSON_WS.match(text, i).end()  # type: ignore[union-attr]
    if i != n:
        raise _json_error(path, json.JSONDecodeError("Extra data after the list", text, i))
    return items


def _skip_value(text: str, start: int) -> int | None:
    """End of the JSON value at ``start``, decoded without the duplicate-key check."""
    try:
        return json.JSONDecoder().raw_decode(text, start)[1]
    except (RecursionError, ValueError):
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _record_errors(record: Any, where: str) -> list[str]:
    """Every reason ``record`` is not a valid SpERT record, each prefixed with ``where``."""
    if not isinstance(record, dict):
        return [f"{where}: is a JSON {type(record).__name__}, expected an object"]
    errors: list[str] = []
    tokens = record.get("tokens")
    if "tokens" not in record:
        errors.append(f"{where}: has no 'tokens'")
        tokens = []
    elif not isinstance(tokens, list):
        errors.append(f"{where}: 'tokens' is not a list")
        tokens = []
    for k, tok in enumerate(tokens):
        if not isinstance(tok, str):
            errors.append(f"{where}, token {k}: is not a string ({tok!r})")
        elif not tok:
            errors.append(f"{where}, token {k}: is empty")
        elif any(c.isspace() for c in tok):
            errors.append(f"{where}, token {k}: contains whitespace ({tok!r})")
        elif any(0xD800 <= ord(c) <= 0xDFFF for c in tok):
            errors.append(f"{where}, token {k}: contains a lone surrogate ({tok!r})")
    n_tokens = len(tokens)
    entities = record.get("entities", [])
    if not isinstance(entities, list):
        errors.append(f"{where}: 'entities' is not a list")
        entities = []
    for k, ent in enumerate(entities):
        at = f"{where}, entity {k}"
        if not isinstance(ent, dict):
            errors.append(f"{at}: is not an object")
            continue
        missing = [key for key in ENTITY_KEYS if key not in ent]
        if missing:
            errors.append(f"{at}: has no {', '.join(repr(m) for m in missing)}")
            continue
        if not isinstance(ent["type"], str) or not ent["type"]:
            errors.append(f"{at}: type {ent['type']!r} is not a non-empty string")
        start, end = ent["start"], ent["end"]
        if not (_is_int(start) and _is_int(end)):
            errors.append(f"{at}: start {start!r} and end {end!r} must be integers")
        elif not 0 <= start < end <= n_tokens:
            errors.append(
                f"{at}: token range {start}-{end} is empty, reversed or outside the "
                f"{n_tokens} tokens (end is exclusive)"
            )
    if _lone_surrogates({k: v for k, v in record.items() if k != "tokens"}):
        errors.append(f"{where}: contains a lone surrogate (\\ud800-\\udfff) outside the tokens")
    relations = record.get("relations", [])
    if not isinstance(relations, list):
        errors.append(f"{where}: 'relations' is not a list")
        relations = []
    for k, rel in enumerate(relations):
        at = f"{where}, relation {k}"
        if not isinstance(rel, dict):
            errors.append(f"{at}: is not an object")
            continue
        missing = [key for key in RELATION_KEYS if key not in rel]
        if missing:
            errors.append(f"{at}: has no {', '.join(repr(m) for m in missing)}")
            continue
        if not isinstance(rel["type"], str) or not rel["type"]:
            errors.append(f"{at}: type {rel['type']!r} is not a non-empty string")
        for role in ("head", "tail"):
            ref = rel[role]
            if not _is_int(ref) or not 0 <= ref < len(entities):
                errors.append(
                    f"{at}: {role} {ref!r} is not an index into the {len(entities)} entities"
                )
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
    if list(obj) != _default_order(obj, standard):
        meta["spert_keys"] = list(obj)


def _default_order(obj: dict[str, Any], standard: Sequence[str]) -> list[str]:
    return [k for k in standard if k in obj] + [k for k in obj if k not in standard]


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


def _from_items(
    path: str | Path, items: list[tuple[Any, int | None, str | None]]
) -> tuple[list[Document], list[Problem]]:
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
    documents = [_build(record, doc_id) for record, doc_id in zip(records, ids, strict=True)]
    for doc, (_, line, _) in zip(documents, items, strict=True):
        for msg in doc.problems():  # cannot happen after the checks above; guards the model
            problems.append(Problem(str(path), f"document {doc.id}: {msg}", line))
    return documents, problems


def _raise_if(path: str | Path, problems: list[Problem]) -> None:
    if problems:
        first = problems[0]
        message = first.message
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more problems)"
        raise ConversionError(
            path, message, line=first.line, offset=first.offset, problems=problems
        )


def from_records(records: list[dict[str, Any]], path: str | Path = DEFAULT_PATH) -> list[Document]:
    """Documents from already-parsed SpERT records (``path`` only names them in errors)."""
    if not isinstance(records, list):
        raise ConversionError(path, "expected a list of records")
    documents, problems = _from_items(path, [(r, None, None) for r in records])
    _raise_if(path, problems)
    return documents


def _load(path: Path) -> tuple[list[Document], list[Problem]]:
    text = read_utf8(path)
    return _from_items(path, _parse_list(path, text))


def read_file(path: str | Path) -> list[Document]:
    """Every record of the SpERT JSON file at ``path`` as a ``Document``, in file order."""
    path = Path(path)
    documents, problems = _load(path)
    _raise_if(path, problems)
    return documents


def read_corpus(path: str | Path) -> list[Document]:
    """``read_file``: a SpERT corpus is one file (the ``converters.read`` entry point)."""
    return read_file(path)


def validate(path: str | Path) -> list[Problem]:
    """Every problem that stops ``read_file``, plus entity/relation types missing from the
    sibling types file when there is one (SpERT itself fails on those). Never raises for bad
    content."""
    path = Path(path)
    if not path.is_file():
        return [Problem(str(path), "no such file")]
    try:
        documents, problems = _load(path)
    except ConversionError as exc:
        return list(exc.problems)
    if problems:
        return problems
    try:
        schema = read_schema(path)
    except ConversionError as exc:
        return list(exc.problems)
    if schema is not None:
        known_entities = set(schema.entity_names())
        known_relations = set(schema.relation_names())
        unknown: dict[tuple[str, str], int] = {}
        for doc in documents:
            for ent in doc.entities:
                if ent.type not in known_entities:
                    unknown[("entity", ent.type)] = unknown.get(("entity", ent.type), 0) + 1
            for rel in doc.relations:
                if rel.type not in known_relations:
                    unknown[("relation", rel.type)] = unknown.get(("relation", rel.type), 0) + 1
        types_path = _types_file_for(path)
        for (kind, name), count in unknown.items():
            problems.append(
                Problem(
                    str(path),
                    f"{kind} type {name!r} ({count} uses) is not in {types_path.name}",
                )
            )
    return problems


# --------------------------------------------------------------------------- writing


class _Counter:
    """Ids per kind of loss in one document, reported as one Problem per kind."""

    def __init__(self) -> None:
        self.ids: dict[str, list[str]] = {}

    def add(self, kind: str, item_id: str) -> None:
        self.ids.setdefault(kind, []).append(item_id)

    def problems(self, path: str, where: str) -> list[Problem]:
        out = []
        for kind, ids in self.ids.items():
            shown = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
            out.append(Problem(path, f"{where}: {len(ids)} {kind} ({shown})"))
        return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _orig_id(doc: Document) -> tuple[bool, Any]:
    """Whether to write an ``orig_id`` and which: the one read, else the document id (as an
    integer when it is one, so SpERT -> BRAT -> SpERT gives CoNLL04/ADE their integers back)."""
    if "orig_id" in doc.metadata:
        return True, doc.metadata["orig_id"]
    keys = doc.metadata.get("spert_keys")
    if isinstance(keys, list) and "orig_id" not in keys:
        return False, None  # read from a SpERT record without one
    return True, int(doc.id) if _CANONICAL_INT.fullmatch(doc.id) else doc.id


def _ordered(values: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus kept extra keys, in the order read (standard order otherwise)."""
    extra = meta.get("spert_extra")
    if isinstance(extra, dict):
        for key, value in extra.items():
            values.setdefault(key, value)
    keys = meta.get("spert_keys")
    if not isinstance(keys, list):
        return values
    out = {k: values[k] for k in keys if k in values}
    out.update({k: v for k, v in values.items() if k not in out})
    return out


def _record(
    doc: Document,
    index: int,
    path: str,
    discontinuous: Discontinuous,
    tokenizer: Tokenizer,
) -> tuple[dict[str, Any], list[Problem]]:
    where = f"record {index} (document {doc.id})"
    lost = _Counter()
    notes: list[Problem] = []
    text = doc.text

    spans: dict[str, Span] = {}
    dropped: set[str] = set()
    for ent in doc.entities:
        if ent.is_discontinuous:
            if discontinuous == "drop":
                lost.add("discontinuous entities dropped (SpERT spans are contiguous)", ent.id)
                dropped.add(ent.id)
                continue
            lost.add("discontinuous entities written as their covering span", ent.id)
        start, end = _trim(text, ent.start, ent.end)
        if start == end:
            lost.add("whitespace-only entities dropped", ent.id)
            dropped.add(ent.id)
            continue
        if (start, end) != (ent.start, ent.end):
            lost.add("entities trimmed of surrounding whitespace", ent.id)
        spans[ent.id] = (start, end)
        if ent.head is not None:
            lost.add("entity heads not representable", ent.id)
        if ent.confidence is not None:
            lost.add("entity confidences not representable", ent.id)

    given = doc.metadata.get("tokens")
    base: list[Span] | None = None
    used_given = False
    if given is not None:
        why = check_tokens(text, given) if isinstance(given, list) else "not a list"
        if why is None:
            base = [(s, e) for s, e in given]
            used_given = True
        else:
            notes.append(
                Problem(path, f"{where}: metadata tokens do not fit the text ({why}); re-tokenized")
            )
    if base is None:
        base = whitespace_tokenize(text) if tokenizer == "whitespace" else tokenize(text)
    cuts = [x for span in spans.values() for x in span]
    offsets = split_at(base, cuts)
    if used_given and len(offsets) != len(base):
        notes.append(
            Problem(
                path,
                f"{where}: {len(offsets) - len(base)} tokens added by splitting the "
                f"read tokenization at entity boundaries",
            )
        )

    start_index = {s: i for i, (s, _) in enumerate(offsets)}
    end_index = {e: i + 1 for i, (_, e) in enumerate(offsets)}
    entity_index: dict[str, int] = {}
    entities: list[dict[str, Any]] = []
    for ent in doc.entities:
        if ent.id not in spans:
            continue
        start, end = spans[ent.id]
        entity_index[ent.id] = len(entities)
        values = {"type": ent.type, "start": start_index[start], "end": end_index[end]}
        entities.append(_ordered(values, ent.metadata))

    events = {ev.id for ev in doc.events}
    relations: list[dict[str, Any]] = []
    for rel in doc.relations:
        missing = [a for a in (rel.arg1, rel.arg2) if a not in entity_index]
        if missing:
            if any(a in dropped for a in missing):
                lost.add("relations dropped with their dropped entity", rel.id)
            elif any(a in events for a in missing):
                lost.add("relations to events dropped (not representable)", rel.id)
            else:
                lost.add("relations to non-entity annotations dropped", rel.id)
            continue
        if (rel.arg1_role, rel.arg2_role) != ("Arg1", "Arg2"):
            lost.add("relation role names not representable", rel.id)
        if rel.extra_args:
            lost.add("relations with extra arguments written without them", rel.id)
        if rel.confidence is not None:
            lost.add("relation confidences not representable", rel.id)
        values = {
            "type": rel.type,
            "head": entity_index[rel.arg1],
            "tail": entity_index[rel.arg2],
        }
        relations.append(_ordered(values, rel.metadata))

    for kind, items in (
        ("events", doc.events),
        ("attributes", doc.attributes),
        ("normalizations", doc.normalizations),
        ("notes", doc.notes),
    ):
        for item in items:
            lost.add(f"{kind} not representable", item.id)
    for group in doc.groups:
        lost.add("groups not representable", group.id or group.type)

    values: dict[str, Any] = {"tokens": [text[s:e] for s, e in offsets]}
    keys = doc.metadata.get("spert_keys")
    for key, items in (("entities", entities), ("relations", relations)):
        if items or not isinstance(keys, list) or key in keys:
            values[key] = items
    write_id, orig_id = _orig_id(doc)
    if write_id:
        values["orig_id"] = orig_id
    record = _ordered(values, doc.metadata)
    return record, notes + lost.problems(path, where)


def to_records(
    documents: Iterable[Document],
    *,
    path: str | Path = DEFAULT_PATH,
    discontinuous: Discontinuous = "drop",
    tokenizer: Tokenizer = "words",
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """SpERT records for ``documents`` and the warnings for what they could not hold.

    Raises ``ConversionError`` for a document that breaks the model's own invariants
    (``Document.problems``), before anything is produced.
    """
    if discontinuous not in ("drop", "cover"):
        raise ValueError(f"discontinuous must be 'drop' or 'cover', not {discontinuous!r}")
    if tokenizer not in ("words", "whitespace"):
        raise ValueError(f"tokenizer must be 'words' or 'whitespace', not {tokenizer!r}")
    documents = list(documents)
    for doc in documents:
        broken = doc.problems()
        if broken:
            raise ConversionError(path, f"document {doc.id}: {broken[0]}")
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, doc in enumerate(documents):
        record, found = _record(doc, index, str(path), discontinuous, tokenizer)
        records.append(record)
        problems.extend(found)
    return records, problems


def dumps(records: list[dict[str, Any]]) -> str:
    """The file text: ``json.dumps`` defaults, as the shared SpERT files were written."""
    return json.dumps(records)


def _write_atomic(targets: list[tuple[Path, str]]) -> None:
    """Write every file to a temporary beside it, then move them all into place.

    The folder is created if missing (as the BRAT and ACE writers do); the files get the mode
    a plain ``open()`` would give them, not ``mkstemp``'s owner-only 0600.
    """
    temps: list[tuple[str, Path]] = []
    file_mode, _ = default_modes()
    try:
        for target, content in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            temps.append((tmp, target))
            os.fchmod(fd, file_mode)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, target in temps:
            os.replace(tmp, target)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)


def write_file(
    documents: Iterable[Document],
    path: str | Path,
    *,
    discontinuous: Discontinuous = "drop",
    tokenizer: Tokenizer = "words",
) -> list[Problem]:
    """Write ``documents`` as one SpERT JSON file; returns what it could not represent."""
    return write_corpus(documents, path, discontinuous=discontinuous, tokenizer=tokenizer)


def write_corpus(
    documents: Iterable[Document],
    path: str | Path,
    schema: Schema | None = None,
    *,
    discontinuous: Discontinuous = "drop",
    tokenizer: Tokenizer = "words",
) -> list[Problem]:
    """Write the SpERT JSON file and, with ``schema``, ``<stem>_types.json`` beside it."""
    path = Path(path)
    records, problems = to_records(
        documents, path=path, discontinuous=discontinuous, tokenizer=tokenizer
    )
    targets = [(path, dumps(records))]
    if schema is not None:
        types, type_problems = types_dict(schema, path=_types_path(path))
        problems.extend(type_problems)
        targets.append((_types_path(path), json.dumps(types)))
    _write_atomic(targets)
    return problems


# --------------------------------------------------------------------------- types


def _types_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}_types.json")


def _types_file_for(path: Path) -> Path | None:
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
    types_path = _types_file_for(Path(path))
    return read_types(types_path) if types_path is not None else None


_ENTITY_TYPE_HAS_OPTIONS = any(f.name == "options" for f in fields(EntityType))


def read_types(path: str | Path) -> Schema:
    """A SpERT types file as a ``Schema``.

    Relation ``short``/``verbose``/``symmetric`` go to ``RelationType.options`` (``symmetric``
    as ``"true"``/``"false"``, options being strings). ``EntityType`` has no place for the
    entity ``short``/``verbose`` names, so they are kept only if it gains an ``options`` field.
    """
    path = Path(path)
    text = read_utf8(path)
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise _json_error(path, exc) from None
    except _DuplicateKey as exc:
        raise ConversionError(path, str(exc)) from None
    except (RecursionError, ValueError) as exc:
        raise _decode_failure(path, exc) from None
    if not isinstance(data, dict):
        raise ConversionError(path, "a types file is a JSON object with 'entities', 'relations'")
    if _lone_surrogates(data):
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
                kwargs: dict[str, Any] = {"options": options} if _ENTITY_TYPE_HAS_OPTIONS else {}
                schema.entity_types.append(EntityType(name, **kwargs))
                continue
            symmetric = entry.get("symmetric", False)
            if not isinstance(symmetric, bool):
                raise ConversionError(path, f"relations {name!r}: 'symmetric' is not a boolean")
            options["symmetric"] = "true" if symmetric else "false"
            schema.relation_types.append(RelationType(name, options=options))
    return schema


def _is_symmetric(rel: RelationType) -> bool:
    if rel.options.get("symmetric") == "true":
        return True
    return any("symmetric" in str(v) for k, v in rel.options.items() if k != "symmetric")


def types_dict(
    schema: Schema, path: str | Path = DEFAULT_PATH
) -> tuple[dict[str, Any], list[Problem]]:
    """The types-file content for ``schema`` and what it could not represent."""
    problems: list[Problem] = []
    entities: dict[str, Any] = {}
    for ent in schema.entity_types:
        if not ent.selectable:
            continue
        options: dict[str, Any] = getattr(ent, "options", None) or {}
        entities[ent.name] = {
            "short": options.get("short", ent.name),
            "verbose": options.get("verbose", ent.name),
        }
    relations = {
        rel.name: {
            "short": rel.options.get("short", rel.name),
            "verbose": rel.options.get("verbose", rel.name),
            "symmetric": _is_symmetric(rel),
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


def write_types(schema: Schema, path: str | Path) -> list[Problem]:
    """Write ``schema`` as a SpERT types file (atomically); returns what it could not hold."""
    path = Path(path)
    types, problems = types_dict(schema, path=path)
    _write_atomic([(path, json.dumps(types))])
    return problems
