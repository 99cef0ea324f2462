"""Per-project confidence thresholds that minimise the annotators' edits, and calibration checks.

After each retraining the dev documents are pre-annotated, every suggestion is labelled against
the gold annotations (``label_entities`` / ``label_relations``: plain tuples, so the caller needs
no model) and ``calibrate`` picks, separately for entities and relations, the confidence at or
above which suggestions are shown (``show``) and the one at or above which the bulk
"Accept ≥" button may be offered (``accept``). The result is a JSON-ready dict meant for a model
version's metrics.

The pieces live in their own modules and are re-exported here, the one door the app and the
benchmarks use: the edit cost model and threshold search (``thresholds``), labelling against
gold (``labelling``), the reliability diagram and ECE (``reliability``) and temperature scaling
(``temperature``). This module holds the per-project summary that combines them.

Nothing here imports torch, ``db`` or ``app``; the statistics use numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .labelling import (
    EntityGold,
    EntityPred,
    RelationGold,
    RelationPred,
    Span,
    label_entities,
    label_relations,
)
from .reliability import Reliability, reliability
from .temperature import T_MAX, T_MIN, apply_temperature, fit_temperature
from .thresholds import (
    OUTCOMES,
    ScoredSuggestion,
    ThresholdChoice,
    accept_threshold,
    edit_threshold,
    expected_edits,
    outcome_counts,
)

__all__ = [
    "DEFAULTS",
    "MIN_GOLD",
    "OUTCOMES",
    "T_MAX",
    "T_MIN",
    "EntityGold",
    "EntityPred",
    "RelationGold",
    "RelationPred",
    "Reliability",
    "ScoredSuggestion",
    "Span",
    "ThresholdChoice",
    "accept_threshold",
    "apply_temperature",
    "calibrate",
    "edit_threshold",
    "expected_edits",
    "fit_temperature",
    "label_entities",
    "label_relations",
    "reliability",
]


#: gold items of a kind on dev below which the thresholds chosen there are noise, so the
#: defaults below are used instead. Measured (``bench/threshold_rules.py``, bench/RESULTS.md):
#: on CoNLL04 projects of 50-200 documents (15-109 dev gold items of a kind) the dev minimiser
#: cost 10-38 more edits on the next 200 documents than the defaults, averaged over resamples
#: of the dev documents (its choice swinging by 0.05-0.3, sd); at 400 documents (119
#: relations, 267 entities on dev) the two were within 3 edits
MIN_GOLD = 150
#: (show, accept) without enough dev data. Entities: show everything (a wrong entity that
#: overlaps a gold one costs one fix, the same as adding it); relations: 0.5, which saved the
#: most edits in issue 19's measurements (relation thresholds tuned for F1 are far lower)
DEFAULTS = {"entity": (0.0, 0.8), "relation": (0.5, 0.8)}


def _summary(scored: Sequence[ScoredSuggestion], missed: int, kind: str) -> dict[str, Any]:
    choice = edit_threshold(scored, missed)
    confs = [s.confidence for s in scored]
    correct = [s.outcome == "right" for s in scored]
    rel = reliability(confs, correct)
    gold = sum(1 for s in scored if s.outcome != "wrong") + int(missed)
    trusted = gold >= MIN_GOLD
    show, accept = (
        (choice.threshold, accept_threshold(scored, choice.threshold))
        if trusted
        else DEFAULTS[kind]
    )
    return {
        "show": show,
        "accept": accept,
        "source": "dev" if trusted else "default",
        "dev_show": choice.threshold,
        "edits": choice.edits,
        "edits_at_show": expected_edits(scored, missed, show),
        "edits_show_all": choice.edits_at_zero,
        "shown": choice.shown,
        "precision": round(choice.precision, 4),
        "ece": round(rel.ece, 4),
        "temperature": round(fit_temperature(confs, correct), 4),
        "reliability": {
            "edges": [round(e, 4) for e in rel.edges],
            "counts": list(rel.counts),
            "accuracy": [None if a is None else round(a, 4) for a in rel.accuracy],
            "mean_confidence": [None if c is None else round(c, 4) for c in rel.mean_confidence],
        },
    }


def calibrate(
    entity_scored: Sequence[ScoredSuggestion],
    entity_missed: int,
    relation_scored: Sequence[ScoredSuggestion],
    relation_missed: int,
) -> dict[str, Any]:
    """Thresholds and calibration for one project's dev documents, JSON-ready (plain floats
    and ints) for a model version's metrics::

        {"entity": {"show", "accept", "source", "dev_show", "edits", "edits_at_show",
                    "edits_show_all", "shown", "precision", "ece", "temperature",
                    "reliability"},
         "relation": {...},
         "dev_items": {"entity": {"suggestions", "right", "fixable", "wrong", "missed",
                                  "gold"}, "relation": {...}}}

    ``show``/``accept`` are chosen on dev (``source`` "dev") when the dev documents hold at
    least ``MIN_GOLD`` gold items of that kind, else they are ``DEFAULTS`` (``source``
    "default"; ``dev_show`` still says what dev alone would pick). They apply to the raw
    confidences (the ones stored with the suggestions);
    ``ece`` and ``temperature`` (exactly right counts as correct) are for information.
    ``gold`` = right + fixable + missed: the gold items of the dev documents.
    """

    def items(scored: Sequence[ScoredSuggestion], missed: int) -> dict[str, int]:
        c = outcome_counts(scored)
        return {
            "suggestions": len(scored),
            **c,
            "missed": int(missed),
            "gold": c["right"] + c["fixable"] + int(missed),
        }

    return {
        "entity": _summary(entity_scored, entity_missed, "entity"),
        "relation": _summary(relation_scored, relation_missed, "relation"),
        "dev_items": {
            "entity": items(entity_scored, entity_missed),
            "relation": items(relation_scored, relation_missed),
        },
    }
