"""Per-project confidence thresholds that minimise the annotators' edits, and calibration checks.

After each retraining the dev documents are pre-annotated, every suggestion is labelled against
the gold annotations (``label_entities`` / ``label_relations``: plain tuples, so the caller needs
no model) and ``calibrate`` picks, separately for entities and relations, the confidence at or
above which suggestions are shown (``show``) and the one at or above which the bulk
"Accept ≥" button may be offered (``accept``). The result is a JSON-ready dict meant for a model
version's metrics.

Cost model: the one of the effort benchmark (``bench/effort.py``, ``plan_edits``), where every
correction costs one edit and an exactly right suggestion costs none (it is accepted wholesale):

- a shown suggestion that is ``right`` costs 0;
- a shown suggestion that is ``fixable`` (entity: same span and another type, or same type and
  an overlapping span, of a gold entity not matched exactly; relation: same arguments as a gold
  relation, another type) costs 1 (the retype/resize) and spares the add of its gold item;
- a shown ``wrong`` suggestion costs 1 (the reject);
- every gold item not covered by a shown right/fixable suggestion costs 1 (the add).

So, with ``missed`` the gold items that no suggestion (at any confidence) covers::

    edits(t) = #wrong(p >= t) + #right(p < t) + #fixable + missed

A fixable suggestion costs one edit whether it is shown (retype) or hidden (add), so fixables
count in the edits but never move the threshold. Suggestions are labelled once, over all
confidences; the threshold does not relabel them (hiding the exact match of a gold entity does
not turn a lower-confidence duplicate into a fixable one). Entity and relation thresholds are
chosen independently: a relation suggestion on a rejected entity counts as a reject here,
whereas the benchmark lets the store drop it for free.

Nothing here imports torch, ``db`` or ``app``: numpy only, for the calibration statistics.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

OUTCOMES = ("right", "fixable", "wrong")

Span = tuple[int, int]
EntityPred = tuple[int, int, str, float]
EntityGold = tuple[int, int, str]
RelationPred = tuple[Span, Span, str, float]
RelationGold = tuple[Span, Span, str]

# temperatures searched by fit_temperature (log-uniform bracket)
T_MIN, T_MAX = 0.05, 20.0
_EPS = 1e-12


@dataclass(frozen=True)
class ScoredSuggestion:
    """One suggestion's confidence and what showing it would mean for the annotator.

    ``outcome``: ``right`` (kept as is), ``fixable`` (one retype/resize turns it into a gold
    item that nothing else covers) or ``wrong`` (rejected).
    """

    confidence: float
    outcome: str

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {self.outcome!r}")


@dataclass(frozen=True)
class ThresholdChoice:
    """The chosen show threshold and what it costs on the dev documents.

    ``threshold``: show suggestions with confidence >= it (2 decimals when rounding down to
    2 decimals costs nothing, else the exact confidence). ``edits``: expected edits at it;
    ``edits_at_zero``: edits when everything is shown (the baseline it is compared to);
    ``shown``: suggestions shown; ``precision``: share of the shown ones that are exactly right
    (1.0 when none is shown).
    """

    threshold: float
    edits: int
    edits_at_zero: int
    shown: int
    precision: float


@dataclass(frozen=True)
class Reliability:
    """A reliability diagram in equal-width confidence bins over [0, 1].

    Per bin: ``counts``, ``mean_confidence`` and ``accuracy`` (None for an empty bin).
    ``ece``: expected calibration error, the count-weighted mean of |accuracy - confidence|.
    """

    edges: list[float]
    counts: list[int]
    mean_confidence: list[float | None]
    accuracy: list[float | None]
    ece: float
    n: int = 0


# -- the cost model ----------------------------------------------------------------------------


def _counts(scored: Iterable[ScoredSuggestion]) -> dict[str, int]:
    out = dict.fromkeys(OUTCOMES, 0)
    for s in scored:
        out[s.outcome] += 1
    return out


def expected_edits(scored: Sequence[ScoredSuggestion], missed: int, threshold: float) -> int:
    """Edits needed when suggestions with confidence >= ``threshold`` are shown (module doc)."""
    edits = missed
    for s in scored:
        shown = s.confidence >= threshold
        if s.outcome == "wrong":
            edits += shown
        elif s.outcome == "right":
            edits += not shown
        else:  # fixable: a retype when shown, an add when hidden
            edits += 1
    return edits


def _round_down(x: float) -> float:
    """``x`` floored to 2 decimals, never above ``x`` (binary floats: 0.29 * 100 < 29)."""
    r = math.floor(x * 100 + 1e-9) / 100
    return r - 0.01 if r > x else r


def _round_up(x: float) -> float:
    """``x`` ceiled to 2 decimals, never below ``x``."""
    r = math.ceil(x * 100 - 1e-9) / 100
    return r + 0.01 if r < x else r


def _above_all(top: float) -> float:
    """A threshold that hides every suggestion: 2 decimals when that stays above ``top``."""
    r = _round_up(top)
    if r <= top:
        r = round(r + 0.01, 2)
    return r if r > top else math.nextafter(top, math.inf)


def _shown_stats(scored: Sequence[ScoredSuggestion], threshold: float) -> tuple[int, float]:
    shown = [s for s in scored if s.confidence >= threshold]
    right = sum(s.outcome == "right" for s in shown)
    return len(shown), (right / len(shown) if shown else 1.0)


def edit_threshold(
    scored: Sequence[ScoredSuggestion],
    missed: int,
    grid: Sequence[float] | None = None,
) -> ThresholdChoice:
    """The show threshold with the fewest expected edits.

    Exact search: the shown set only changes at a suggestion's confidence, so the candidates
    are every distinct confidence (show it and everything above) plus one value above them all
    (show nothing); one sort and prefix counts make it O(n log n). With ``grid`` the candidates
    are the grid values instead (for a UI restricted to fixed steps), still evaluated exactly.

    Ties: the LOWEST optimal candidate wins, since showing more is friendlier to the annotator
    when it costs nothing. That confidence is then rounded down to 2 decimals so the UI box
    shows it; rounding down can only admit more suggestions, so the cost is recomputed and the
    exact confidence kept if the rounded value would cost more (equal cost is fine: again,
    showing more at no cost). With no suggestions the threshold is 0.0 (nothing to hide).
    """
    edits_at_zero = expected_edits(scored, missed, 0.0)
    if not scored:
        return ThresholdChoice(0.0, edits_at_zero, edits_at_zero, 0, 1.0)

    items = sorted(scored, key=lambda s: s.confidence)
    confs = [s.confidence for s in items]
    n = len(items)
    # right_below[i]: right among items[:i]; wrong_below[i]: wrong among items[:i]
    right_below = [0] * (n + 1)
    wrong_below = [0] * (n + 1)
    for i, s in enumerate(items):
        right_below[i + 1] = right_below[i] + (s.outcome == "right")
        wrong_below[i + 1] = wrong_below[i] + (s.outcome == "wrong")
    fixable = n - right_below[n] - wrong_below[n]
    base = missed + fixable

    def cost(t: float) -> int:
        i = bisect_left(confs, t)  # items[i:] have confidence >= t
        return base + right_below[i] + (wrong_below[n] - wrong_below[i])

    if grid is not None:
        candidates = sorted(set(float(g) for g in grid))
        if not candidates:
            raise ValueError("grid is empty")
    else:
        candidates = sorted(set(confs))
        candidates.append(_above_all(confs[-1]))

    best_t, best = candidates[0], cost(candidates[0])
    for t in candidates[1:]:
        c = cost(t)
        if c < best:  # strict: an equal cost at a higher threshold never replaces a lower one
            best_t, best = t, c

    threshold = best_t
    if grid is None:
        rounded = _round_down(best_t)
        if rounded >= 0.0 and cost(rounded) <= best:
            threshold = rounded
    shown, precision = _shown_stats(scored, threshold)
    return ThresholdChoice(float(threshold), cost(threshold), edits_at_zero, shown, precision)


def accept_threshold(
    scored: Sequence[ScoredSuggestion],
    show_threshold: float,
    min_precision: float = 0.9,
) -> float:
    """The lowest t >= ``show_threshold`` whose suggestions (confidence >= t) are exactly right
    at least ``min_precision`` of the time: the bulk "Accept ≥" button then rarely accepts a
    wrong or fixable suggestion. 1.0 when no such t exists (nothing shown, or never precise
    enough).

    Precision only changes at a suggestion's confidence, so the candidates are
    ``show_threshold`` and every distinct confidence above it. The chosen value is rounded up
    to 2 decimals (the UI box); rounding up hides suggestions, so if the rounded value no longer
    reaches the precision (or hides everything) the exact value is returned.
    """

    confs = sorted(s.confidence for s in scored)
    right_confs = sorted(s.confidence for s in scored if s.outcome == "right")

    def precise(t: float) -> bool:
        shown = len(confs) - bisect_left(confs, t)
        right = len(right_confs) - bisect_left(right_confs, t)
        return shown > 0 and right / shown >= min_precision

    candidates = [show_threshold, *sorted({c for c in confs if c > show_threshold})]
    for t in candidates:
        if precise(t):
            rounded = min(_round_up(t), 1.0)
            return float(rounded) if rounded >= t and precise(rounded) else float(t)
    return 1.0


# -- calibration -------------------------------------------------------------------------------


def reliability(
    confidences: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    bins: int = 10,
) -> Reliability:
    """Reliability diagram and expected calibration error (ECE) of binary confidences.

    Equal-width bins over [0, 1]; a confidence of exactly 1.0 falls in the last bin. A well
    calibrated model's suggestions at confidence ~p are right a share ~p of the time, which is
    what makes a confidence threshold (and the "Accept ≥" button) meaningful.
    """
    p = np.asarray(confidences, dtype=float).ravel()
    y = np.asarray(correct, dtype=float).ravel()
    if p.shape != y.shape:
        raise ValueError("confidences and correct differ in length")
    if bins < 1:
        raise ValueError("bins must be >= 1")
    edges = [i / bins for i in range(bins + 1)]
    idx = np.clip((p * bins).astype(int), 0, bins - 1)
    counts: list[int] = []
    mean_conf: list[float | None] = []
    acc: list[float | None] = []
    ece = 0.0
    for b in range(bins):
        mask = idx == b
        k = int(mask.sum())
        counts.append(k)
        if k == 0:
            mean_conf.append(None)
            acc.append(None)
            continue
        c, a = float(p[mask].mean()), float(y[mask].mean())
        mean_conf.append(c)
        acc.append(a)
        ece += k / len(p) * abs(a - c)
    return Reliability(edges, counts, mean_conf, acc, float(ece), len(p))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def _nll(z: np.ndarray, y: np.ndarray, t: float) -> float:
    """Mean binary NLL of sigmoid(z / t) (stable: log sigmoid(x) = -log(1 + e^-x))."""
    x = z / t
    return float(np.mean(y * np.logaddexp(0.0, -x) + (1 - y) * np.logaddexp(0.0, x)))


def fit_temperature(
    confidences: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
) -> float:
    """Temperature scaling of binary confidences: the T > 0 minimising the NLL of
    sigmoid(logit(p) / T) on the dev suggestions (T > 1: the model was overconfident).

    The NLL is convex in 1/T (a one-feature logistic regression without intercept), hence
    unimodal in log T, so a golden-section search over log T in [T_MIN, T_MAX] finds it
    without scipy. Returns 1.0 (no change) when there is nothing to fit: no data, or a single
    class (the optimum is then T -> 0 or infinity, which says nothing useful).
    """
    p = np.asarray(confidences, dtype=float).ravel()
    y = np.asarray(correct, dtype=float).ravel()
    if p.shape != y.shape:
        raise ValueError("confidences and correct differ in length")
    if len(p) == 0 or y.min() == y.max():
        return 1.0
    z = _logit(p)

    def f(log_t: float) -> float:
        return _nll(z, y, math.exp(log_t))

    lo, hi = math.log(T_MIN), math.log(T_MAX)
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = f(a), f(b)
    while hi - lo > 1e-6:
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = f(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = f(b)
    return float(math.exp((lo + hi) / 2))


def apply_temperature(p: Any, temperature: float) -> Any:
    """sigmoid(logit(p) / T) for a float (returns a float) or an array (returns an array)."""
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    arr = np.asarray(p, dtype=float)
    out = 1.0 / (1.0 + np.exp(-_logit(arr) / temperature))
    return float(out) if arr.ndim == 0 else out


# -- labelling suggestions against gold ----------------------------------------------------------


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


# -- the per-project summary -------------------------------------------------------------------


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
        c = _counts(scored)
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
