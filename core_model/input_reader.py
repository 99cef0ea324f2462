"""Reading SpERT JSON (files or in-memory dicts) into validated token-level documents.

Like SpERT's input reader the documents are taken as tokenized. Two optional keys let callers
that know the original text (the annotation store) get predictions back in character offsets:
``"text"`` and ``"token_offsets"`` (``[[start, end], ...]`` per token, END exclusive). Without
them a text is made by joining the tokens with single spaces. ``"sentences"`` (optional, a list
of ``[start_token, end_token]``) makes each sentence its own model unit.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converters.errors import ConversionError

from .types import TypeInventory

log = logging.getLogger(__name__)


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
    """One tokenized document with (optional) gold annotations."""

    tokens: list[str]
    entities: list[GoldEntity] = field(default_factory=list)
    relations: list[GoldRelation] = field(default_factory=list)
    doc_id: str | None = None
    text: str | None = None
    token_offsets: list[tuple[int, int]] | None = None
    sentences: list[tuple[int, int]] | None = None

    def ensure_text(self) -> None:
        """Give a text and token offsets to documents that came without (tokens joined by ' ')."""
        if self.text is not None and self.token_offsets is not None:
            return
        offsets = []
        pos = 0
        for tok in self.tokens:
            offsets.append((pos, pos + len(tok)))
            pos += len(tok) + 1
        self.text = " ".join(self.tokens)
        self.token_offsets = offsets


def _where(source: str, index: int, raw: dict[str, Any]) -> str:
    ident = raw.get("orig_id", raw.get("id"))
    return f"document {index}" + (f" (id {ident})" if ident is not None else "")


def parse_document(
    raw: Any, index: int, source: str = "<memory>", allow_empty: bool = False
) -> Doc:
    """Validate one SpERT-style dict; errors name the source, document index and field."""
    if not isinstance(raw, dict):
        raise ConversionError(source, f"document {index}: expected an object")
    where = _where(source, index, raw)
    tokens = raw.get("tokens")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise ConversionError(source, f'{where}: "tokens" must be a list of strings')
    if not tokens and not allow_empty:
        raise ConversionError(source, f"{where}: empty document (no tokens)")
    for ti, tok in enumerate(tokens):
        if not tok or tok.isspace():
            raise ConversionError(source, f"{where}: token {ti} is empty or whitespace")
    n = len(tokens)
    entities = []
    for ei, ent in enumerate(raw.get("entities", []) or []):
        if not isinstance(ent, dict) or not {"type", "start", "end"} <= set(ent):
            raise ConversionError(source, f'{where}: entity {ei} needs "type", "start", "end"')
        s, e = ent["start"], ent["end"]
        if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= n):
            raise ConversionError(
                source,
                f"{where}: entity {ei} ({ent['type']}) span [{s}, {e}) lies outside the "
                f"{n} tokens or is empty",
            )
        entities.append(GoldEntity(str(ent["type"]), s, e))
    relations = []
    for ri, rel in enumerate(raw.get("relations", []) or []):
        if not isinstance(rel, dict) or not {"type", "head", "tail"} <= set(rel):
            raise ConversionError(source, f'{where}: relation {ri} needs "type", "head", "tail"')
        h, t = rel["head"], rel["tail"]
        for role, idx in (("head", h), ("tail", t)):
            if not (isinstance(idx, int) and 0 <= idx < len(entities)):
                raise ConversionError(
                    source, f"{where}: relation {ri} {role} {idx!r} is not an entity index"
                )
        if h == t:
            raise ConversionError(source, f"{where}: relation {ri} links entity {h} to itself")
        relations.append(GoldRelation(str(rel["type"]), h, t))
    text = raw.get("text")
    offsets = raw.get("token_offsets")
    if (text is None) != (offsets is None):
        raise ConversionError(source, f'{where}: give both "text" and "token_offsets" or neither')
    token_offsets = None
    if offsets is not None:
        if not isinstance(text, str) or not isinstance(offsets, list) or len(offsets) != n:
            raise ConversionError(
                source, f'{where}: "token_offsets" must list one [start, end] per token'
            )
        token_offsets = []
        for ti, pair in enumerate(offsets):
            ok = isinstance(pair, list | tuple) and len(pair) == 2
            if ok:
                cs, ce = pair
                ok = isinstance(cs, int) and isinstance(ce, int) and 0 <= cs < ce <= len(text)
            if not ok:
                raise ConversionError(
                    source, f"{where}: token_offsets[{ti}] = {pair!r} is not inside the text"
                )
            token_offsets.append((cs, ce))
    sentences = None
    if raw.get("sentences") is not None:
        sentences = []
        prev = 0
        for si, pair in enumerate(raw["sentences"]):
            ok = isinstance(pair, list | tuple) and len(pair) == 2
            if ok:
                ss, se = pair
                ok = isinstance(ss, int) and isinstance(se, int) and prev <= ss < se <= n
            if not ok:
                raise ConversionError(
                    source, f"{where}: sentences[{si}] = {pair!r} is not an ordered token range"
                )
            sentences.append((ss, se))
            prev = se
    ident = raw.get("orig_id", raw.get("id"))
    return Doc(
        tokens=list(tokens),
        entities=entities,
        relations=relations,
        doc_id=None if ident is None else str(ident),
        text=text,
        token_offsets=token_offsets,
        sentences=sentences,
    )


def read_spert_json(path: str | Path, allow_empty: bool = False) -> list[Doc]:
    """Read a SpERT JSON file (a list of documents)."""
    path = Path(path)
    if not path.is_file():
        raise ConversionError(path, "data file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConversionError(path, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    except UnicodeDecodeError as exc:
        raise ConversionError(
            path, f"not valid UTF-8 (byte {exc.start})", offset=exc.start
        ) from None
    if not isinstance(data, list):
        raise ConversionError(path, "a SpERT JSON file must hold a list of documents")
    return [parse_document(raw, i, str(path), allow_empty) for i, raw in enumerate(data)]


def load_documents(
    data: str | Path | list[dict[str, Any]] | list[Doc], allow_empty: bool = False
) -> list[Doc]:
    """Documents from a SpERT JSON path, a list of SpERT-style dicts, or ready ``Doc`` objects."""
    if isinstance(data, str | Path):
        return read_spert_json(data, allow_empty)
    docs = []
    for i, raw in enumerate(data):
        docs.append(
            raw if isinstance(raw, Doc) else parse_document(raw, i, "<memory>", allow_empty)
        )
    return docs


def check_types(docs: list[Doc], types: TypeInventory, source: str) -> None:
    """Fail when the data uses a type the types file does not define (names the first use)."""
    known_e, known_r = set(types.entity_types), set(types.relation_types)
    for di, doc in enumerate(docs):
        for ei, ent in enumerate(doc.entities):
            if ent.type not in known_e:
                raise ConversionError(
                    source,
                    f"document {di}: entity {ei} has type {ent.type!r}, not in the types file "
                    f"({', '.join(types.entity_types)})",
                )
        for ri, rel in enumerate(doc.relations):
            if rel.type not in known_r:
                raise ConversionError(
                    source,
                    f"document {di}: relation {ri} has type {rel.type!r}, not in the types file "
                    f"({', '.join(types.relation_types) or 'none'})",
                )
    used = {e.type for d in docs for e in d.entities} | {r.type for d in docs for r in d.relations}
    unused = [t for t in [*types.entity_types, *types.relation_types] if t not in used]
    if unused and docs:
        log.info("%s: types never used in the data: %s", source, ", ".join(unused))
