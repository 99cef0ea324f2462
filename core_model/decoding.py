"""From scored spans and pairs to a consistent prediction: two optional decoding rules.

model.md classifies every span on its own, so predicted entities may overlap and nest, and every
pair of predicted entities may take any relation type. Both are right for corpora that have
nested entities and untyped relation arguments, but a model trained on data with neither still
emits them now and then, and each such output is an error an annotator has to delete:

- ``flat`` entity decoding keeps, among overlapping predicted spans, the most probable one
  (greedy, as most span-based taggers decode flat corpora). The trainer picks it when no two
  entities of the training data overlap (``entity_decoding="auto"``).
- argument type constraints drop a relation type for a pair whose (head type, tail type) the
  training data never showed for it, like brat's ``Arg1:Peop, Arg2:Org`` in
  ``annotation.conf``.

Both rules only remove outputs, after the model ran; they change no weights.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def has_overlaps(docs: Iterable[Any]) -> bool:
    """Whether any two entities of one document share a token (nested or crossing)."""
    for doc in docs:
        spans = sorted({(e.start, e.end) for e in doc.entities})
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                return True
    return False


def seen_arg_types(docs: Iterable[Any]) -> dict[str, list[list[str]]]:
    """Per relation type, the sorted (head type, tail type) pairs the documents hold."""
    seen: dict[str, set[tuple[str, str]]] = {}
    for doc in docs:
        for rel in doc.relations:
            head, tail = doc.entities[rel.head], doc.entities[rel.tail]
            seen.setdefault(rel.type, set()).add((head.type, tail.type))
    return {r: [list(p) for p in sorted(pairs)] for r, pairs in sorted(seen.items())}


def flat_keep(entities: Sequence[tuple[int, int, int, float]]) -> list[int]:
    """Indices of the entities kept by greedy flat decoding (most probable first, no overlap).

    ``entities`` are ``(start, end, type, probability)`` with ``end`` exclusive; ties go to the
    earlier, then the shorter span, so the result does not depend on input order.
    """
    order = sorted(
        range(len(entities)),
        key=lambda i: (-entities[i][3], entities[i][0], entities[i][1] - entities[i][0]),
    )
    taken: list[tuple[int, int]] = []
    kept = []
    for i in order:
        s, e = entities[i][0], entities[i][1]
        if all(e <= ts or s >= te for ts, te in taken):
            taken.append((s, e))
            kept.append(i)
    return sorted(kept)


def allowed_matrix(
    arg_types: dict[str, list[list[str]]], entity_types: list[str], relation_types: list[str]
) -> np.ndarray | None:
    """``[R, E + 1, E + 1]`` booleans (entity type index as in the span classifier, 0 = None).

    A relation type missing from ``arg_types`` is left unconstrained; ``None`` when no type is
    constrained at all.
    """
    if not arg_types:
        return None
    index = {t: i + 1 for i, t in enumerate(entity_types)}
    n_e = len(entity_types) + 1
    allowed = np.ones((len(relation_types), n_e, n_e), dtype=bool)
    for r, name in enumerate(relation_types):
        if name not in arg_types:
            continue
        allowed[r] = False
        for head, tail in arg_types[name]:
            if head in index and tail in index:
                allowed[r, index[head], index[tail]] = True
    return allowed
