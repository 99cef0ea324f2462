"""The three computations that are more than counting: the one-to-one overlap matching,
Cohen's kappa and Krippendorff's alpha (nominal)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from db.agreement.layers import Label, Span
from db.agreement.results import ratio


def _overlaps(x: Span, y: Span) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in x for s2, e2 in y)


def overlap_matches(a: Sequence[Span], b: Sequence[Span]) -> int:
    """The size of a maximum one-to-one matching between ``a`` and ``b`` (extents of one type)
    where two extents may be matched when they share a character.

    Maximum rather than greedy so the figure does not depend on the order of the annotations:
    a greedy pass can pair A's long entity with B's first piece and leave B's second piece
    unmatched although another of A's entities overlaps it. Augmenting paths (Kuhn), written
    with an explicit stack so a long chain of overlaps cannot exhaust Python's recursion.
    """
    bounds_b = [(min(s for s, _ in y), max(e for _, e in y)) for y in b]
    adj: list[list[int]] = []
    for x in a:
        lo, hi = min(s for s, _ in x), max(e for _, e in x)
        adj.append(
            [j for j, (s, e) in enumerate(bounds_b) if s < hi and lo < e and _overlaps(x, b[j])]
        )
    match_b = [-1] * len(b)
    size = 0
    for root in range(len(a)):
        if not adj[root]:
            continue
        seen = [False] * len(b)
        stack = [(root, 0)]  # A vertices on the path and the next neighbour each tries
        via: list[int] = []  # the B vertex that led from stack[i] to stack[i + 1]
        while stack:
            x, k = stack[-1]
            if k == len(adj[x]):
                stack.pop()
                if via:
                    via.pop()
                continue
            stack[-1] = (x, k + 1)
            y = adj[x][k]
            if seen[y]:
                continue
            seen[y] = True
            if match_b[y] == -1:  # a free B vertex: flip the path
                match_b[y] = x
                for i in range(len(via) - 1, -1, -1):
                    match_b[via[i]] = stack[i][0]
                size += 1
                break
            via.append(y)
            stack.append((match_b[y], 0))
    return size


def cohen_kappa(confusion: Counter[tuple[Label, Label]]) -> tuple[int, float | None, float | None]:
    """Tokens, observed agreement and Cohen's kappa from a count of (label of A, label of B).

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_e`` from each annotator's own label
    distribution; ``None`` when ``p_e`` is 1 (both used one and the same label throughout, so
    chance explains everything and the ratio is 0 / 0).
    """
    n = confusion.total()
    if not n:
        return 0, None, None
    agree = sum(c for (x, y), c in confusion.items() if x == y)
    rows: Counter[Label] = Counter()
    cols: Counter[Label] = Counter()
    for (x, y), c in confusion.items():
        rows[x] += c
        cols[y] += c
    expected = sum(rows[k] * cols[k] for k in rows) / (n * n)
    observed = agree / n
    if expected >= 1:
        return n, observed, None
    return n, observed, (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Counter[tuple[Label, ...]]) -> tuple[int, float | None]:
    """Pairable units and Krippendorff's alpha (nominal) from a count of units, each the tuple
    of the labels its annotators gave (annotators without the unit's document give none).

    ``alpha = 1 - (n - 1) * sum_u (m_u^2 - sum_c n_uc^2) / (m_u - 1) / (n^2 - sum_c n_c^2)``,
    the coincidence-matrix form (Krippendorff 2011, "Computing Krippendorff's alpha-
    reliability", section C): ``m_u`` values in unit u, ``n_uc`` of them equal to c, ``n_c``
    the value's total over pairable units, ``n`` all pairable values. Units with one value
    are not pairable and left out. ``None`` when no disagreement is expected (one value only).
    """
    n = 0
    totals: Counter[Label] = Counter()
    disagreement = 0.0
    pairable = 0
    for values, count in units.items():
        m = len(values)
        if m < 2:
            continue
        per_value = Counter(values)
        pairable += count
        n += m * count
        for v, c in per_value.items():
            totals[v] += c * count
        disagreement += count * (m * m - sum(c * c for c in per_value.values())) / (m - 1)
    expected = n * n - sum(c * c for c in totals.values())
    alpha_part = ratio((n - 1) * disagreement, expected)
    return pairable, None if alpha_part is None else 1 - alpha_part
