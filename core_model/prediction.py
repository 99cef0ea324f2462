"""What prediction returns, and how a document's raw results become one ``Prediction``.

The output types (``PredictedEntity``, ``PredictedRelation``, ``Prediction``) carry character
offsets into the input text, so callers need no tokens; ``decode_prediction`` applies the
relation threshold to a ``RawDoc`` (``raw_results``) and maps word spans back to characters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .documents import Doc
from .raw_results import RawDoc


@dataclass
class PredictedEntity:
    type: str
    start: int  # character offset into Prediction.text
    end: int  # exclusive
    token_start: int
    token_end: int  # exclusive
    probability: float
    text: str


@dataclass
class PredictedRelation:
    type: str
    head: int  # index into Prediction.entities
    tail: int
    probability: float


@dataclass
class Prediction:
    """Predictions for one input document."""

    text: str
    tokens: list[str]
    token_offsets: list[tuple[int, int]]
    entities: list[PredictedEntity] = field(default_factory=list)
    relations: list[PredictedRelation] = field(default_factory=list)
    # 1 - the smallest decision margin in the document (span: top-1 minus top-2 probability;
    # relation: distance of the probability from the threshold, scaled to [0, 1]); higher means
    # the model was closer to deciding otherwise somewhere: for active-learning order
    uncertainty: float = 0.0
    doc_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["token_offsets"] = [list(o) for o in self.token_offsets]
        return d


def threshold_relations(
    raw: RawDoc, threshold: float, relation_types: list[str], symmetric: list[str]
) -> list[tuple[int, int, int, float]]:
    """(head, tail, type, p) passing the threshold; one direction kept for symmetric types."""
    pairs, probs = raw.pairs(len(relation_types))
    rows, cols = np.nonzero(probs >= threshold)
    rels: dict[tuple[int, int, int], float] = {}
    sym = {i for i, n in enumerate(relation_types) if n in symmetric}
    for k, r in zip(rows.tolist(), cols.tolist(), strict=True):
        h, t = int(pairs[k, 0]), int(pairs[k, 1])
        if r in sym and raw.entities[t][0] < raw.entities[h][0]:
            h, t = t, h
        p = float(probs[k, r])
        rels[(h, t, r)] = max(p, rels.get((h, t, r), 0.0))
    return [(h, t, r, p) for (h, t, r), p in sorted(rels.items())]


def decode_prediction(
    doc: Doc,
    raw: RawDoc,
    threshold: float,
    entity_types: list[str],
    relation_types: list[str],
    symmetric: list[str],
) -> Prediction:
    """One document's ``Prediction``: entities in text order with character offsets, the
    relations passing ``threshold`` and the document's uncertainty (see ``Prediction``)."""
    thr = threshold
    doc.ensure_text()
    assert doc.text is not None and doc.token_offsets is not None
    order = sorted(range(len(raw.entities)), key=lambda i: raw.entities[i][:2])
    new_index = {old: new for new, old in enumerate(order)}
    entities = []
    for i in order:
        s, e, t, p = raw.entities[i]
        cs, ce = doc.token_offsets[s][0], doc.token_offsets[e - 1][1]
        entities.append(PredictedEntity(entity_types[t - 1], cs, ce, s, e, p, doc.text[cs:ce]))
    relations = [
        PredictedRelation(relation_types[r], new_index[h], new_index[t], p)
        for h, t, r, p in threshold_relations(raw, thr, relation_types, symmetric)
    ]
    relations.sort(key=lambda r: (r.head, r.tail, r.type))
    scale = max(thr, 1.0 - thr)
    _, probs = raw.pairs(len(relation_types))
    rel_margin = float(np.abs(probs - thr).min() / scale) if probs.size else 1.0
    return Prediction(
        text=doc.text,
        tokens=list(doc.tokens),
        token_offsets=list(doc.token_offsets),
        entities=entities,
        relations=relations,
        uncertainty=1.0 - min(raw.min_span_margin, rel_margin) if doc.tokens else 0.0,
        doc_id=doc.doc_id,
    )
