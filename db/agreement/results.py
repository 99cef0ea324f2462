"""The result types of ``db.agreement``: plain frozen dataclasses and their JSON form.

They carry counts, not only ratios, because a page shows who agreed on how many annotations
(a matrix of annotators with matched / only-in-A / only-in-B) and a ratio alone hides whether
0.5 means 1 of 2 or 500 of 1,000. Every ratio is ``None`` where it is undefined (0 / 0: two
layers with nothing of that kind), never NaN, so ``to_json`` writes valid JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: the measures a pair and an ``Agreement`` carry, in the order reports list them
MEASURES = ("entities", "entities_overlap", "relations")


def ratio(num: float, den: float) -> float | None:
    """``num / den``, or ``None`` when ``den`` is 0 (undefined, not zero agreement)."""
    return num / den if den else None


def mean(values: list[float | None]) -> float | None:
    """The mean of the defined values (``None`` when there is none)."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


@dataclass(frozen=True)
class Counts:
    """How two layers compare on one kind of annotation: ``matched`` (in both), ``only_a``,
    ``only_b``. With A taken as the reference, ``only_a`` are B's misses and ``only_b`` B's
    extras; F1 does not depend on which side is the reference."""

    matched: int = 0
    only_a: int = 0
    only_b: int = 0

    @property
    def f1(self) -> float | None:
        """``2 m / (2 m + only_a + only_b)``: the Dice coefficient of the two layers."""
        return ratio(2 * self.matched, 2 * self.matched + self.only_a + self.only_b)

    @property
    def precision(self) -> float | None:
        """B's precision with A as the reference."""
        return ratio(self.matched, self.matched + self.only_b)

    @property
    def recall(self) -> float | None:
        """B's recall with A as the reference."""
        return ratio(self.matched, self.matched + self.only_a)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.matched + other.matched, self.only_a + other.only_a, self.only_b + other.only_b
        )

    def swapped(self) -> Counts:
        return Counts(self.matched, self.only_b, self.only_a)

    def to_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "only_a": self.only_a,
            "only_b": self.only_b,
            "f1": self.f1,
            "precision": self.precision,
            "recall": self.recall,
        }


@dataclass(frozen=True)
class Scores:
    """One measure between two layers: micro over every type and document (``overall``) and
    per type (the types either layer used in the documents compared, sorted by name)."""

    overall: Counts = Counts()
    per_type: dict[str, Counts] = field(default_factory=dict)

    def swapped(self) -> Scores:
        return Scores(self.overall.swapped(), {t: c.swapped() for t, c in self.per_type.items()})

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_dict(),
            "per_type": {t: c.to_dict() for t, c in self.per_type.items()},
        }


@dataclass(frozen=True)
class PairAgreement:
    """Annotator ``a`` against annotator ``b`` (``a`` is the reference where one is named).

    ``documents``: the documents both hold. ``tokens``: the token units of those documents;
    ``observed`` the share of them labelled alike, ``kappa`` Cohen's kappa on them.
    """

    a: str
    b: str
    documents: int
    entities: Scores
    entities_overlap: Scores
    relations: Scores
    tokens: int
    observed: float | None
    kappa: float | None

    def swapped(self) -> PairAgreement:
        """The same comparison seen from ``b``: counts mirrored, F1 and kappa unchanged."""
        return PairAgreement(
            self.b,
            self.a,
            self.documents,
            self.entities.swapped(),
            self.entities_overlap.swapped(),
            self.relations.swapped(),
            self.tokens,
            self.observed,
            self.kappa,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"a": self.a, "b": self.b, "documents": self.documents}
        out.update({m: getattr(self, m).to_dict() for m in MEASURES})
        out.update({"tokens": self.tokens, "observed": self.observed, "kappa": self.kappa})
        return out


@dataclass(frozen=True)
class MeanScores:
    """One measure's F1 averaged over the pairs (macro over pairs): ``overall`` is the mean of
    the pairs' micro F1, ``per_type`` the mean per type; a pair whose F1 is undefined (neither
    side used the type) is left out of that mean rather than counted as 0 or 1."""

    overall: float | None = None
    per_type: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def over(cls, scores: list[Scores]) -> MeanScores:
        types = sorted({t for s in scores for t in s.per_type})
        return cls(
            mean([s.overall.f1 for s in scores]),
            {t: mean([s.per_type[t].f1 for s in scores if t in s.per_type]) for t in types},
        )

    def to_dict(self) -> dict[str, Any]:
        return {"overall": self.overall, "per_type": dict(self.per_type)}


@dataclass(frozen=True)
class Agreement:
    """Agreement among several annotators' layers of the same documents.

    ``pairs``: every pair of ``annotators`` in their order (``(annotators[i], annotators[j])``,
    ``i < j``), or, when a ``reference`` is named, the reference against each other annotator.
    ``entities`` / ``entities_overlap`` / ``relations`` / ``kappa``: means over those pairs.
    ``alpha``: Krippendorff's alpha over all annotators (``None`` with a reference, where it
    would mix the reference into the annotators' agreement). ``documents``: documents held by at
    least two annotators (the ones compared); ``unpaired``: names held by one annotator only.
    ``skipped_relations``: per annotator, relations not compared (an argument that is not an
    entity).
    """

    annotators: list[str]
    reference: str | None
    documents: int
    unpaired: list[str]
    pairs: list[PairAgreement]
    entities: MeanScores
    entities_overlap: MeanScores
    relations: MeanScores
    kappa: float | None
    alpha: float | None
    alpha_units: int
    skipped_relations: dict[str, int]

    def pair(self, a: str, b: str) -> PairAgreement:
        """The comparison of ``a`` with ``b``, seen from ``a`` (counts mirrored if needed)."""
        for p in self.pairs:
            if (p.a, p.b) == (a, b):
                return p
            if (p.b, p.a) == (a, b):
                return p.swapped()
        raise KeyError(f"no comparison of {a!r} with {b!r}")

    def matrix(self, measure: str = "entities") -> list[list[Counts | None]]:
        """``rows[i][j]``: the overall counts of ``annotators[i]`` (as A) against
        ``annotators[j]`` (as B) for ``measure`` (one of ``MEASURES``); ``None`` on the diagonal
        and for pairs not compared (with a reference, only its row and column are filled)."""
        if measure not in MEASURES:
            raise ValueError(f"unknown measure {measure!r}; expected one of {MEASURES}")
        rows: list[list[Counts | None]] = []
        for a in self.annotators:
            row: list[Counts | None] = []
            for b in self.annotators:
                try:
                    row.append(None if a == b else getattr(self.pair(a, b), measure).overall)
                except KeyError:
                    row.append(None)
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "annotators": list(self.annotators),
            "reference": self.reference,
            "documents": self.documents,
            "unpaired": list(self.unpaired),
            "pairs": [p.to_dict() for p in self.pairs],
            "mean": {m: getattr(self, m).to_dict() for m in MEASURES},
        }
        out["mean"]["kappa"] = self.kappa
        out.update(
            {
                "alpha": self.alpha,
                "alpha_units": self.alpha_units,
                "skipped_relations": dict(self.skipped_relations),
            }
        )
        return out

    def to_json(self, **dumps_options: Any) -> str:
        """``to_dict()`` as JSON text (``json.dumps`` options pass through, e.g. ``indent``)."""
        return json.dumps(self.to_dict(), allow_nan=False, **dumps_options)
