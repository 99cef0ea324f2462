"""``Document``s -> SpERT records, saying what SpERT could not hold.

SpERT entities are whole-token ranges, so the writer maps character offsets back to tokens:
``metadata["tokens"]`` when it is still a valid tokenization of the text, else
``converters.tokenize`` (``tokenizer="words"``, or ``"whitespace"`` for text that was already
tokenized and joined by spaces); then every token is split at each entity boundary that falls
inside it. Whatever a record cannot carry comes back as ``Problem`` warnings, one per kind per
document with counts and ids, never silently dropped. Keys, key order and ``orig_id`` kept in
metadata by the reader are written back, so a read followed by a write reproduces the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from converters.document import Document
from converters.errors import ConversionError, Problem
from converters.spert.record_reader import DEFAULT_PATH
from converters.tokenize import (
    Span,
    check_tokens,
    split_at,
    tokenize,
    trim_spaces,
    whitespace_tokenize,
)

Discontinuous = Literal["drop", "cover"]
Tokenizer = Literal["words", "whitespace"]

_CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]*")


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
        start, end = trim_spaces(text, ent.start, ent.end)
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
