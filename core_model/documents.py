"""The one adapter from the shared document type to the model's input.

Everything the model trains on, is evaluated on or predicts on arrives as a
``converters.document.Document`` (SpERT files and records are read by ``converters.spert``, so
what counts as a valid document is decided there, once) and leaves here as a ``Doc``: word
tokens with their character offsets and gold annotations as token spans. Type inventories come
from a ``converters.schema.Schema`` (``TypeInventory.from_schema``).

Tokens: the document's own (``metadata["tokens"]``, kept by the SpERT reader and the store)
when they are a valid tokenization of its text, else the model's sentence splitter
(``text.split_text``); either way every token is cut at each entity boundary inside it, so
each entity covers whole tokens.

What a span-pair model cannot hold is skipped, counted (``Skipped``) and logged, never a
failure: a relation from an entity to itself (valid data: the model scores pairs of two
distinct spans), discontinuous entities and the relations touching them, relations whose
arguments are not entities (events), event triggers (a trigger is part of its event, which
the model does not predict) and whitespace-only entities. Skipped gold annotations
are left out of evaluation too: the model can never predict them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from converters import spert
from converters.document import Document
from converters.errors import ConversionError, Problem
from converters.schema import Schema, undeclared_message, undeclared_types
from converters.tokenize import check_tokens, split_at, trim_spaces

from .types import TypeInventory

log = logging.getLogger(__name__)

MEMORY = "<memory>"


@dataclass(frozen=True)
class GoldEntity:
    type: str
    start: int  # token index
    end: int  # token index, exclusive


@dataclass(frozen=True)
class GoldRelation:
    type: str
    head: int  # index into the document's entities
    tail: int


@dataclass
class Doc:
    """One tokenized document with (optional) gold annotations: the model's input."""

    tokens: list[str]
    entities: list[GoldEntity] = field(default_factory=list)
    relations: list[GoldRelation] = field(default_factory=list)
    doc_id: str | None = None
    text: str | None = None
    token_offsets: list[tuple[int, int]] | None = None
    sentences: list[tuple[int, int]] | None = None  # token ranges, each its own model unit

    def ensure_text(self) -> None:
        """Give a text and token offsets to documents built without (tokens joined by ' ')."""
        if self.text is not None and self.token_offsets is not None:
            return
        offsets = []
        pos = 0
        for tok in self.tokens:
            offsets.append((pos, pos + len(tok)))
            pos += len(tok) + 1
        self.text = " ".join(self.tokens)
        self.token_offsets = offsets


@dataclass
class Skipped:
    """Gold annotations the model cannot represent, by kind."""

    self_relations: int = 0
    discontinuous_entities: int = 0
    blank_entities: int = 0
    relations_to_skipped_entities: int = 0
    relations_to_non_entities: int = 0
    event_triggers: int = 0

    def add(self, other: Skipped) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def log(self, source: str) -> None:
        if self.as_dict():
            parts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in self.as_dict().items())
            log.info("%s: skipped what the model cannot represent: %s", source, parts)


@dataclass
class Loaded:
    """Model input read from one source, with what had to be left out."""

    docs: list[Doc]
    skipped: Skipped
    source: str


DataArg = str | Path | Sequence[dict[str, Any]] | Sequence[Document] | Sequence[Doc]


def _base_tokens(
    document: Document,
) -> tuple[list[tuple[int, int]], list[tuple[int, int]] | None]:
    """The document's own token offsets when valid, else the sentence splitter's (with
    sentences as token ranges)."""
    given = document.metadata.get("tokens")
    if isinstance(given, list) and check_tokens(document.text, given) is None:
        return [(s, e) for s, e in given], None
    from .text import split_text  # text builds Docs from this module: imported late

    split = split_text(document.text)
    assert split.token_offsets is not None
    return split.token_offsets, split.sentences


def _resplit_sentences(
    base: list[tuple[int, int]],
    spans: list[tuple[int, int]],
    sentences: list[tuple[int, int]] | None,
) -> list[tuple[int, int]] | None:
    """Sentences (token ranges of ``base``) as token ranges of ``spans`` (``base`` cut)."""
    if sentences is None or len(spans) == len(base):
        return sentences
    first: list[int] = []  # index in spans of the first piece of each base token
    k = 0
    for start, _ in base:
        while spans[k][0] != start:
            k += 1
        first.append(k)
    first.append(len(spans))
    return [(first[a], first[b]) for a, b in sentences]


def to_doc(document: Document, skipped: Skipped | None = None, source: str = MEMORY) -> Doc:
    """The model's view of ``document``; what it cannot represent is counted in ``skipped``."""
    broken = document.problems()
    if broken:
        raise ConversionError(source, f"document {document.id}: {broken[0]}")
    skipped = skipped if skipped is not None else Skipped()
    text = document.text
    spans: dict[str, tuple[int, int]] = {}
    dropped: set[str] = set()
    triggers = {ev.trigger for ev in document.events}
    for ent in document.entities:
        if ent.id in triggers:  # part of its event: the model predicts no events
            skipped.event_triggers += 1
            dropped.add(ent.id)
            continue
        if ent.is_discontinuous:
            skipped.discontinuous_entities += 1
            dropped.add(ent.id)
            continue
        start, end = trim_spaces(text, ent.start, ent.end)
        if start == end:
            skipped.blank_entities += 1
            dropped.add(ent.id)
            continue
        spans[ent.id] = (start, end)
    base, sentences = _base_tokens(document)
    offsets = split_at(base, [x for span in spans.values() for x in span])
    sentences = _resplit_sentences(base, offsets, sentences)
    start_of = {s: i for i, (s, _) in enumerate(offsets)}
    end_of = {e: i + 1 for i, (_, e) in enumerate(offsets)}
    entities: list[GoldEntity] = []
    index: dict[str, int] = {}
    for ent in document.entities:
        if ent.id not in spans:
            continue
        start, end = spans[ent.id]
        if start not in start_of or end not in end_of:  # text the tokenizer left out
            skipped.blank_entities += 1
            dropped.add(ent.id)
            continue
        index[ent.id] = len(entities)
        entities.append(GoldEntity(ent.type, start_of[start], end_of[end]))
    relations: list[GoldRelation] = []
    for rel in document.relations:
        if rel.arg1 == rel.arg2:
            skipped.self_relations += 1
            log.debug("document %s: relation %s links %s to itself", document.id, rel.id, rel.arg1)
        elif rel.arg1 in index and rel.arg2 in index:
            relations.append(GoldRelation(rel.type, index[rel.arg1], index[rel.arg2]))
        elif rel.arg1 in dropped or rel.arg2 in dropped:
            skipped.relations_to_skipped_entities += 1
        else:
            skipped.relations_to_non_entities += 1
    return Doc(
        tokens=[text[s:e] for s, e in offsets],
        entities=entities,
        relations=relations,
        doc_id=document.id,
        text=text,
        token_offsets=offsets,
        sentences=sentences,
    )


def to_docs(documents: Sequence[Document], source: str = MEMORY) -> Loaded:
    """Every document through ``to_doc``; the skipped annotations are logged once."""
    skipped = Skipped()
    docs = [to_doc(d, skipped, source) for d in documents]
    skipped.log(source)
    return Loaded(docs, skipped, source)


def load(data: DataArg, source: str | None = None) -> Loaded:
    """Model input from a SpERT JSON path, SpERT records, ``Document``s or ready ``Doc``s.

    Paths and records are read by ``converters.spert`` (its validity rules, its errors naming
    the file and record).
    """
    if isinstance(data, str | Path):
        if not Path(data).is_file():
            raise ConversionError(data, "data file not found")
        return to_docs(spert.read_file(data), str(data))
    source = source or MEMORY
    items = list(data)
    if all(isinstance(x, Doc) for x in items):
        return Loaded(items, Skipped(), source)  # type: ignore[arg-type]
    if all(isinstance(x, Document) for x in items):
        return to_docs(items, source)  # type: ignore[arg-type]
    if all(isinstance(x, dict) for x in items):
        return to_docs(spert.from_records(items, source), source)  # type: ignore[arg-type]
    raise TypeError("documents must all be SpERT records, converters Documents or Docs")


def load_documents(data: DataArg) -> list[Doc]:
    """``load(data).docs``: the documents alone."""
    return load(data).docs


def input_doc(item: str | dict[str, Any] | Document | Doc, index: int) -> Doc:
    """One prediction input: raw text (split into sentences), a SpERT record, a ``Document``
    (its own tokens when valid) or a ready ``Doc``."""
    if isinstance(item, Doc):
        return item
    if isinstance(item, str):
        from .text import split_text  # text builds Docs from this module: imported late

        return split_text(item, doc_id=str(index))
    source = f"<input {index}>"
    if isinstance(item, dict):
        if "token_offsets" in item:  # predictions would be offsets into other text, silently
            raise TypeError(
                f"{source}: a record with its own text and token offsets is given as a "
                'converters Document (its text, metadata["tokens"]), not as a SpERT record'
            )
        (item,) = spert.from_records([item], source)
    return to_doc(item, source=source)


# -- types -------------------------------------------------------------------------------------


def load_types(
    types: str | Path | dict[str, Any] | Schema | TypeInventory | None, docs: list[Doc]
) -> TypeInventory:
    """The inventory from a SpERT types file, its dict, a ``Schema``, an inventory, or (None)
    the types the documents use."""
    if types is None:
        return TypeInventory.infer(docs)
    if isinstance(types, TypeInventory):
        return types
    source = "<types>"
    if isinstance(types, dict):
        schema = spert.from_types_dict(types, source)
    elif isinstance(types, Schema):
        schema = types
    else:
        source = str(types)
        if not Path(types).is_file():
            raise ConversionError(types, "types file not found")
        schema = spert.read_types(types)
    inventory = TypeInventory.from_schema(schema)
    if not inventory.entity_types:
        raise ConversionError(source, "the types define no entity type")
    return inventory


def check_types(docs: list[Doc], types: TypeInventory, source: str) -> None:
    """Fail when the data uses a type the types do not define (``converters.schema``'s rule)."""
    unknown = undeclared_types(docs, types.entity_types, types.relation_types)
    if unknown:
        raise ConversionError.from_problems(
            [
                Problem(source, undeclared_message(kind, name, count, "the types file"))
                for (kind, name), count in unknown.items()
            ]
        )
    used = {e.type for d in docs for e in d.entities} | {r.type for d in docs for r in d.relations}
    unused = [t for t in [*types.entity_types, *types.relation_types] if t not in used]
    if unused and docs:
        log.info("%s: types never used in the data: %s", source, ", ".join(unused))
