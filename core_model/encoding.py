"""Documents to model units: sub-word ids, word-to-sub-word maps, windows within the length limit.

A unit is one sentence (when the document lists sentences, as raw text does) or one whole
document (SpERT JSON), cut into windows when it has more sub-words than the encoder takes.
Window cuts never split a gold entity when avoidable and prefer sentence-final punctuation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from transformers import PreTrainedTokenizerFast

from .documents import Doc
from .types import TypeInventory

log = logging.getLogger(__name__)

SENTENCE_END = {".", "!", "?", ";"}


@dataclass
class Unit:
    """What the model sees at once. Word indices are local to the unit."""

    doc_index: int
    word_start: int  # index of the unit's first word in the document
    input_ids: list[int]  # [CLS] sub-words [SEP]
    word_sub_start: list[int]  # first sub-word of each word (index into input_ids)
    word_sub_end: list[int]  # last sub-word of each word (inclusive)
    # gold: (entity type index, 1-based; start word; end word exclusive)
    entities: list[tuple[int, int, int]] = field(default_factory=list)
    # gold: (relation type index, 0-based; head entity index; tail entity index)
    relations: list[tuple[int, int, int]] = field(default_factory=list)
    # the shape of each sub-word's word (``word_shape``), 0 for [CLS]/[SEP]; as input_ids
    shape_ids: list[int] = field(default_factory=list)

    @property
    def n_words(self) -> int:
        return len(self.word_sub_start)


@dataclass
class EncodingStats:
    units: int = 0
    windows_split: int = 0
    entities_dropped: int = 0
    relations_dropped: int = 0
    duplicate_spans: int = 0


#: word shapes: 0 is [CLS]/[SEP]/padding
SHAPES = ("special", "punctuation", "number", "lower", "capitalized", "upper", "mixed")
_SHAPE = {name: i for i, name in enumerate(SHAPES)}


def word_shape(word: str) -> int:
    """The index in ``SHAPES`` of a word's shape.

    Why: an uncased encoder (the bundled MiniLM lower-cases its input) cannot tell "Bush" from
    "bush"; capitals are the strongest single cue of a name, so the model is given them beside
    the sub-words.
    """
    letters = [c for c in word if c.isalpha()]
    if any(c.isdigit() for c in word):
        return _SHAPE["number"]
    if not letters:
        return _SHAPE["punctuation"]
    if all(c.islower() for c in letters):
        return _SHAPE["lower"]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return _SHAPE["upper"]
    if letters[0].isupper():
        return _SHAPE["capitalized"]
    return _SHAPE["mixed"]


def _special_ids(tokenizer: PreTrainedTokenizerFast) -> tuple[int, int, int]:
    cls_id = (
        tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    )
    sep_id = (
        tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    )
    unk_id = tokenizer.unk_token_id
    if cls_id is None or sep_id is None or unk_id is None:
        raise ValueError("the tokenizer has no [CLS]/[SEP]/[UNK] (or <s>/</s>/<unk>) tokens")
    return cls_id, sep_id, unk_id


def word_pieces(docs: list[Doc], tokenizer: PreTrainedTokenizerFast) -> list[list[list[int]]]:
    """Sub-word ids per word per document, in one batched fast-tokenizer call."""
    _, _, unk_id = _special_ids(tokenizer)
    nonempty = [i for i, d in enumerate(docs) if d.tokens]
    result: list[list[list[int]]] = [[] for _ in docs]
    if not nonempty:
        return result
    enc = tokenizer(
        [docs[i].tokens for i in nonempty],
        is_split_into_words=True,
        add_special_tokens=False,
        truncation=False,
        return_attention_mask=False,
        return_token_type_ids=False,
    )
    for row, di in enumerate(nonempty):
        pieces: list[list[int]] = [[] for _ in docs[di].tokens]
        for sub_id, wid in zip(enc["input_ids"][row], enc.word_ids(row), strict=True):
            if wid is not None:
                pieces[wid].append(sub_id)
        for p in pieces:
            if not p:  # e.g. a control character the tokenizer strips: keep the word as [UNK]
                p.append(unk_id)
        result[di] = pieces
    return result


def _windows(
    counts: list[int], a: int, b: int, budget: int, tokens: list[str], blocked: set[int]
) -> list[tuple[int, int]]:
    """Cut words [a, b) into runs whose sub-word counts fit ``budget``."""
    out = []
    pos = a
    while pos < b:
        total = 0
        end = pos
        while end < b and total + counts[end] <= budget:
            total += counts[end]
            end += 1
        if end == pos:  # one word longer than the budget: it is truncated on its own
            end = pos + 1
        if end < b:
            valid = [k for k in range(end, pos, -1) if k not in blocked]
            half = pos + (end - pos) // 2
            sent = [k for k in valid if k > half and tokens[k - 1] in SENTENCE_END]
            if sent:
                end = sent[0]
            elif valid:
                end = valid[0]
        out.append((pos, end))
        pos = end
    return out


def build_units(
    docs: list[Doc],
    tokenizer: PreTrainedTokenizerFast,
    max_length: int,
    types: TypeInventory | None = None,
) -> tuple[list[Unit], EncodingStats]:
    """Units for every document; with ``types`` the gold annotations come along (training/eval)."""
    cls_id, sep_id, _ = _special_ids(tokenizer)
    budget = max_length - 2
    stats = EncodingStats()
    ent_index = {t: i + 1 for i, t in enumerate(types.entity_types)} if types else {}
    rel_index = {t: i for i, t in enumerate(types.relation_types)} if types else {}
    symmetric = set(types.symmetric_relations) if types else set()
    pieces_all = word_pieces(docs, tokenizer)
    units: list[Unit] = []
    for di, (doc, pieces) in enumerate(zip(docs, pieces_all, strict=True)):
        if not doc.tokens:
            continue
        counts = [min(len(p), budget) for p in pieces]
        # cut points inside a gold entity are avoided
        blocked = {k for e in doc.entities for k in range(e.start + 1, e.end)} if types else set()
        segments = doc.sentences or [(0, len(doc.tokens))]
        spans: list[tuple[int, int]] = []
        for a, b in segments:
            wins = _windows(counts, a, b, budget, doc.tokens, blocked)
            stats.windows_split += len(wins) - 1
            spans.extend(wins)
        ent_unit: dict[int, tuple[int, int]] = {}  # doc entity -> (unit number, local index)
        for a, b in spans:
            ids = [cls_id]
            shapes = [0]
            starts, ends = [], []
            for w in range(a, b):
                piece = pieces[w][:budget]
                starts.append(len(ids))
                ids.extend(piece)
                shapes.extend([word_shape(doc.tokens[w])] * len(piece))
                ends.append(len(ids) - 1)
            ids.append(sep_id)
            shapes.append(0)
            unit = Unit(di, a, ids, starts, ends, shape_ids=shapes)
            if types is not None:
                seen: dict[tuple[int, int], int] = {}
                for ei, ent in enumerate(doc.entities):
                    if a <= ent.start and ent.end <= b:
                        key = (ent.start - a, ent.end - a)
                        if key in seen:
                            stats.duplicate_spans += 1
                            ent_unit[ei] = (len(units), seen[key])
                            continue
                        seen[key] = len(unit.entities)
                        ent_unit[ei] = (len(units), len(unit.entities))
                        unit.entities.append((ent_index[ent.type], *key))
            units.append(unit)
        if types is not None:
            stats.entities_dropped += sum(
                1 for ei in range(len(doc.entities)) if ei not in ent_unit
            )
            for rel in doc.relations:
                h, t = ent_unit.get(rel.head), ent_unit.get(rel.tail)
                if h is None or t is None or h[0] != t[0] or h[1] == t[1]:
                    stats.relations_dropped += 1
                    continue
                units[h[0]].relations.append((rel_index[rel.type], h[1], t[1]))
                if rel.type in symmetric:  # either direction is the relation (as SpERT)
                    units[h[0]].relations.append((rel_index[rel.type], t[1], h[1]))
    stats.units = len(units)
    if stats.entities_dropped or stats.relations_dropped or stats.duplicate_spans:
        log.warning(
            "%d gold entities and %d relations cross a unit boundary and are not trained on; "
            "%d entities repeat a span already annotated",
            stats.entities_dropped,
            stats.relations_dropped,
            stats.duplicate_spans,
        )
    return units, stats
