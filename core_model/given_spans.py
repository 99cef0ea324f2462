"""The given-spans relation pass: relations scored between entities the caller gives.

``Predictor.suggest_relations`` scores relations between an annotator's confirmed entities
rather than the model's own: their character spans are mapped to word spans (``given_doc``),
each batch gets a mask of the span slots they occupy (``given_slots``) that replaces the
predicted entities in ``SpanRelModel.predict``, and entities repeating a span share its scores
(``GivenDoc.add_copies``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .documents import Doc
from .encoding import Unit
from .raw_results import RawDoc


@dataclass
class GivenDoc:
    """Caller-given entities of one document, as word spans (see ``suggest_relations``).

    ``entities`` has one row per given entity, in the caller's order, so that the entity
    indices of ``RawDoc`` pairs are the caller's indices; a row that could not be mapped has
    start -1 and is never paired. ``spans`` maps each mapped word span to its first entity
    (the one that takes the span slot) and ``copies`` to the later ones with the same span,
    which share its scores (one span slot cannot stand for two entities in the model).
    """

    entities: list[tuple[int, int, int, float]]  # s, e (word, exclusive), type index, 1.0
    spans: dict[tuple[int, int], int] = field(default_factory=dict)
    copies: dict[int, list[int]] = field(default_factory=dict)

    def slots(self, unit: Unit, span_words: dict[tuple[int, int], int]) -> dict[int, int]:
        """Span slot -> entity for the given spans lying inside ``unit``.

        ``span_words`` maps the unit's (start, end) word spans to their slots; a span missing
        there (wider than ``max_span_width``) or crossing the unit's edge gets no slot.
        """
        out = {}
        for (s, e), i in self.spans.items():
            slot = span_words.get((s - unit.word_start, e - unit.word_start))
            if slot is not None:
                out[slot] = i
        return out

    def add_copies(self, raw: RawDoc, n_rel: int) -> None:
        """Every scored pair again for each entity that repeats its argument's span."""
        if not self.copies:
            return
        pairs, probs = raw.pairs(n_rel)
        for column in (0, 1):  # heads, then tails of the grown list: every combination
            new_pairs, new_probs = [pairs], [probs]
            for first, others in self.copies.items():
                rows = pairs[:, column] == first
                for other in others:
                    moved = pairs[rows].copy()
                    moved[:, column] = other
                    new_pairs.append(moved)
                    new_probs.append(probs[rows])
            pairs, probs = np.concatenate(new_pairs), np.concatenate(new_probs)
        raw.pair_chunks, raw.prob_chunks = ([pairs], [probs]) if len(pairs) else ([], [])


def given_doc(doc: Doc, entities: list[tuple[int, int, str]], entity_types: list[str]) -> GivenDoc:
    """Character spans to word spans; a span not on token boundaries is left unmapped."""
    doc.ensure_text()
    assert doc.token_offsets is not None
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    for w, (cs, ce) in enumerate(doc.token_offsets):
        starts.setdefault(cs, w)
        ends.setdefault(ce, w + 1)
    # 0 (the classifier's "no entity") for a type the model does not know: the argument
    # type matrix allows it only for unconstrained relation types
    type_index = {t: i + 1 for i, t in enumerate(entity_types)}
    given = GivenDoc([])
    for i, (cs, ce, name) in enumerate(entities):
        s, e = starts.get(cs), ends.get(ce)
        if s is None or e is None or s >= e:
            given.entities.append((-1, -1, type_index.get(name, 0), 1.0))
            continue
        given.entities.append((s, e, type_index.get(name, 0), 1.0))
        first = given.spans.setdefault((s, e), i)
        if first != i:
            given.copies.setdefault(first, []).append(i)
    return given


def given_slots(
    units: list[Unit], batch: Any, given: list[GivenDoc]
) -> tuple[list[dict[int, int]], torch.Tensor]:
    """Per unit, span slot -> given entity; and the ``[B, S]`` mask of those slots."""
    mask = torch.zeros_like(batch.span_mask)
    slots = []
    for b, unit in enumerate(units):
        m = int(batch.span_mask[b].sum())
        starts, ends = (
            batch.span_word_start[b, :m].tolist(),
            batch.span_word_end[b, :m].tolist(),
        )
        words = {span: k for k, span in enumerate(zip(starts, ends, strict=True))}
        unit_slots = given[unit.doc_index].slots(unit, words)
        mask[b, list(unit_slots)] = True
        slots.append(unit_slots)
    return slots, mask
