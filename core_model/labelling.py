"""Labelling a model's suggestions against gold annotations as right, fixable or wrong.

The labels feed the edit cost model of ``thresholds``; suggestions and gold items are plain
tuples (character spans), so the caller needs no model. Nothing here imports torch, ``db`` or
``app``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .thresholds import ScoredSuggestion

Span = tuple[int, int]
EntityPred = tuple[int, int, str, float]
EntityGold = tuple[int, int, str]
RelationPred = tuple[Span, Span, str, float]
RelationGold = tuple[Span, Span, str]


def _overlap(a: Span, b: Span) -> int:
    """Characters shared by two half-open spans (end exclusive, as in ``PredictedEntity``)."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _exact_first(
    keys: Sequence[Any], confidences: Sequence[float], golds: Sequence[Any]
) -> tuple[list[str | None], list[bool], list[int]]:
    """The first matching pass shared by entities and relations: most confident first, a
    prediction equal to a gold item not yet covered is "right". Returns the outcomes so far
    (None: still open), which gold items are covered, and the confidence order."""
    covered = [False] * len(golds)
    exact = {g: i for i, g in enumerate(golds)}
    outcomes: list[str | None] = [None] * len(keys)
    order = sorted(range(len(keys)), key=lambda k: -confidences[k])
    for k in order:
        i = exact.get(keys[k])
        if i is not None and not covered[i]:
            covered[i] = True
            outcomes[k] = "right"
    return outcomes, covered, order


def label_entities(
    pred: Sequence[EntityPred],
    gold: Sequence[EntityGold],
) -> tuple[list[ScoredSuggestion], int]:
    """Label entity suggestions ``(start, end, type, prob)`` against gold ``(start, end, type)``.

    Returns the scored suggestions (in ``pred`` order) and ``missed``: gold entities that no
    suggestion, at any confidence, covers right or fixable (their add is certain).

    Matching, each gold entity covered at most once: exact matches first (same span and type;
    among duplicates the most confident is right); then the remaining suggestions (duplicates
    included), most confident first, each take one still uncovered gold entity they fix with
    one edit, or are wrong (a second copy of a covered entity is rejected): same span other
    type (retype) preferred, then
    same type with the largest overlap (resize), ties by gold order. Greedy by confidence, not a
    maximum matching as ``plan_edits`` does: on dev documents conflicts are rare, and the more
    confident suggestion, shown first, should be the one that gets the credit. A suggestion
    needing both a retype and a resize is wrong (reject + add costs the same). Identical gold
    entities count once (a duplicate is no annotation work).
    """
    golds = list(dict.fromkeys((int(s), int(e), str(t)) for s, e, t, *_ in gold))
    keys = [(int(s), int(e), str(t)) for s, e, t, _ in pred]
    outcomes, covered, order = _exact_first(keys, [float(q[3]) for q in pred], golds)
    for k in order:
        if outcomes[k] is not None:
            continue
        s, e, t, _ = pred[k]
        s, e, t = int(s), int(e), str(t)
        best: tuple[int, int, int] | None = None  # (kind, -overlap, gold index)
        for i, (gs, ge, gt) in enumerate(golds):
            if covered[i]:
                continue
            if (gs, ge) == (s, e) and gt != t:
                key = (0, 0, i)
            elif gt == t and _overlap((s, e), (gs, ge)) > 0:
                key = (1, -_overlap((s, e), (gs, ge)), i)
            else:
                continue
            if best is None or key < best:
                best = key
        if best is None:
            outcomes[k] = "wrong"
        else:
            covered[best[2]] = True
            outcomes[k] = "fixable"
    scored = [
        ScoredSuggestion(float(p[3]), o or "wrong") for p, o in zip(pred, outcomes, strict=True)
    ]
    return scored, covered.count(False)


def label_relations(
    pred: Sequence[RelationPred],
    gold: Sequence[RelationGold],
) -> tuple[list[ScoredSuggestion], int]:
    """Label relation suggestions ``(head_span, tail_span, type, prob)`` against gold
    ``(head_span, tail_span, type)``; spans are ``(start, end)``.

    Right: same head, tail and type (the most confident of duplicates). Fixable (the other
    duplicates included): same head and tail (direction matters: a reversed relation is
    reject + add), another type, and that gold relation not covered by a right one or a more
    confident fixable (greedy by confidence, one-to-one). Anything else is wrong. Arguments
    are compared by exact span: a relation whose argument needs a resize counts as wrong here,
    where the benchmark would map it through the corrected entity. Returns the scored
    suggestions (in ``pred`` order) and ``missed``: gold relations nothing covers.
    """

    def span(x: Any) -> Span:
        return (int(x[0]), int(x[1]))

    golds = list(dict.fromkeys((span(h), span(t), str(r)) for h, t, r, *_ in gold))
    by_args: dict[tuple[Span, Span], list[int]] = {}
    for i, (h, t, _) in enumerate(golds):
        by_args.setdefault((h, t), []).append(i)
    keys = [(span(h), span(t), str(r)) for h, t, r, _ in pred]
    outcomes, covered, order = _exact_first(keys, [float(q[3]) for q in pred], golds)
    for k in order:
        if outcomes[k] is not None:
            continue
        head, tail, _ = keys[k]
        free = [i for i in by_args.get((head, tail), []) if not covered[i]]
        if free:
            covered[free[0]] = True
            outcomes[k] = "fixable"
        else:
            outcomes[k] = "wrong"
    scored = [
        ScoredSuggestion(float(p[3]), o or "wrong") for p, o in zip(pred, outcomes, strict=True)
    ]
    return scored, covered.count(False)
