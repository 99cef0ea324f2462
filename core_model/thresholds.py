"""Show and accept thresholds that minimise the annotators' edits on labelled suggestions.

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

Nothing here imports torch, ``db`` or ``app``.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

OUTCOMES = ("right", "fixable", "wrong")


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


def outcome_counts(scored: Iterable[ScoredSuggestion]) -> dict[str, int]:
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
