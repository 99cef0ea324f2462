"""A project's agreement report: what ``python -m db agreement`` prints and the page draws.

Pure, like the rest of ``db.agreement``: a ``db.layers.LayerSet`` (the layers of the statuses
asked for, done by default, with their curated documents and the model's suggestions on them)
in, an ``AgreementReport`` out, ``render_text`` and ``AgreementReport.to_json`` to show it.

``project_report(layers, schema, curated_done=...)`` makes three comparisons, each with the
measures of ``db.agreement`` (entities exact and overlapping, relations, F1 per type with
counts; Cohen's kappa on tokens per pair):

- **between annotators**: every pair of the people whose layers are in the set, their means,
  and Krippendorff's alpha over all of them (``None`` with fewer than two annotators). A
  document only one annotator holds is in no pair.
- **each annotator against the curated layer**: the curated document as the reference (side
  A), on the documents that are *curated*; the mean over annotators.
- **the model against the curated layer**: ``LayerSet.model``, every suggestion the model made
  on a document whatever its review became (accepted, open or rejected: what the model
  predicted, not what survived review), against the curated document as the reference, on the
  curated documents where the model made at least one suggestion. The store cannot tell a
  document the model never ran on from one where it found nothing, and counting the first as
  all misses would say the model is worse than it is; ``model_documents`` says how many
  documents the figure rests on. The store keeps what pre-annotation stored: a prediction
  equal to an annotation the document already held when the model ran is not stored as a
  suggestion (``Store.replace_suggestions``), so on a document pre-annotated after it was
  annotated only the model's extra predictions show (it is meant for documents pre-annotated
  before they were annotated, the usual order).

**Which curated documents count.** A curated document counts as curated when its status is
*done* (``curated_done``: the names of the curated documents that are done, which the caller
reads with the layers). One that is not done yet is left out of both comparisons against the
curated layer and listed in ``not_curated``: until a curator marks it done it is empty, or
holds what was there before the layers (an older import, a curation half way), and comparing
against it would measure the annotators against a gold that does not exist yet. Without
``curated_done`` (a caller that has no statuses), a curated document that holds no annotation
is taken as not yet curated and any other as curated.

The names in the matrices: the annotators (sorted), then ``CURATED`` and, when the model is
compared, ``MODEL``; should a person be named like one of those, the report's name for it gets
a ``*`` appended (``curated_name``, ``model_name``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from converters.document import Document
from converters.schema import Schema
from db.agreement.compute import agreement, compare
from db.agreement.results import MEASURES, Agreement, Counts, MeanScores, PairAgreement

if TYPE_CHECKING:
    from db.layers import LayerSet

#: the curated layer's name in a report (the reference of the comparisons against it)
CURATED = "(curated)"
#: the model's name in a report (``db.layers.MODEL_LAYER``, which no person's layer may take)
MODEL = "(model)"

#: what each measure compares, as the text report heads its table
MEASURE_TITLES = {
    "entities": "Entities, exact span and type",
    "entities_overlap": "Entities, overlapping span and same type",
    "relations": "Relations, same type and arguments (each argument exact)",
}


@dataclass(frozen=True)
class AgreementReport:
    """Agreement in one project's layers (see the module docstring for what is compared).

    ``annotators``: the people whose layers were compared, sorted; ``layers``: how many
    documents each holds in the set. ``documents``: the documents with at least one layer in
    the set, in project order. ``between``: the annotators among themselves (``None`` with
    fewer than two). ``curated``: the curated documents compared against (done);
    ``not_curated``: the others, left out of ``against_curated`` and ``model``.
    ``against_curated``: the curated layer (named ``curated_name``, the reference) against
    each annotator on the curated documents (``None`` when none is curated). ``model``: the
    curated layer (side A) against the model's suggestions (side B, named ``model_name``) on
    ``model_documents``, the curated documents where the model made a suggestion (``None``
    when there is none).
    """

    annotators: list[str]
    layers: dict[str, int]
    documents: list[str]
    between: Agreement | None
    curated: list[str]
    not_curated: list[str]
    against_curated: Agreement | None
    model_documents: list[str]
    model: PairAgreement | None
    curated_name: str = CURATED
    model_name: str = MODEL
    #: how ``curated`` was chosen: ``"status done"``, or ``"holds annotations"`` (no statuses)
    curated_rule: str = "status done"

    @property
    def names(self) -> list[str]:
        """Rows and columns of the matrices: the annotators, the curated layer, the model
        (when compared)."""
        return [*self.annotators, self.curated_name, *([self.model_name] if self.model else [])]

    def comparisons(self) -> Iterator[PairAgreement]:
        """Every pair compared, in report order: annotator pairs, each annotator against the
        curated layer, the model against it."""
        for group in (self.between, self.against_curated):
            if group is not None:
                yield from group.pairs
        if self.model is not None:
            yield self.model

    def pair(self, a: str, b: str) -> PairAgreement | None:
        """``a`` against ``b`` seen from ``a`` (counts mirrored if needed); ``None`` when the
        two were not compared (the model is compared with the curated layer only)."""
        for p in self.comparisons():
            if (p.a, p.b) == (a, b):
                return p
            if (p.b, p.a) == (a, b):
                return p.swapped()
        return None

    def types(self, measure: str = "entities") -> list[str]:
        """The types some comparison of ``measure`` counted, sorted."""
        _check_measure(measure)
        return sorted({t for p in self.comparisons() for t in getattr(p, measure).per_type})

    def matrix(
        self, measure: str = "entities", type_: str | None = None
    ) -> list[list[Counts | None]]:
        """``rows[i][j]``: ``names[i]`` (as A) against ``names[j]`` (as B), for one type or
        (``type_`` ``None``) over all types. ``None`` on the diagonal and where the two were not
        compared; ``Counts()`` (F1 ``None``) where they were but neither used the type."""
        _check_measure(measure)
        rows: list[list[Counts | None]] = []
        for a in self.names:
            row: list[Counts | None] = []
            for b in self.names:
                p = None if a == b else self.pair(a, b)
                if p is None:
                    row.append(None)
                else:
                    scores = getattr(p, measure)
                    row.append(
                        scores.overall if type_ is None else scores.per_type.get(type_, Counts())
                    )
            rows.append(row)
        return rows

    def kappa_matrix(self) -> list[list[float | None]]:
        """Cohen's kappa on tokens, over ``names`` like ``matrix``."""
        out: list[list[float | None]] = []
        for a in self.names:
            row: list[float | None] = []
            for b in self.names:
                p = None if a == b else self.pair(a, b)
                row.append(None if p is None else p.kappa)
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        def cells(rows: list[list[Counts | None]]) -> list[list[dict[str, Any] | None]]:
            return [[None if c is None else c.to_dict() for c in row] for row in rows]

        matrices: dict[str, Any] = {"names": self.names}
        for measure in MEASURES:
            matrices[measure] = {
                "overall": cells(self.matrix(measure)),
                "per_type": {t: cells(self.matrix(measure, t)) for t in self.types(measure)},
            }
        matrices["kappa"] = self.kappa_matrix()
        return {
            "annotators": list(self.annotators),
            "layers": dict(self.layers),
            "documents": len(self.documents),
            "between": None if self.between is None else self.between.to_dict(),
            "curated": {
                "name": self.curated_name,
                "rule": self.curated_rule,
                "documents": list(self.curated),
                "not_curated": list(self.not_curated),
            },
            "against_curated": (
                None if self.against_curated is None else self.against_curated.to_dict()
            ),
            "model": (
                None
                if self.model is None
                else {
                    "name": self.model_name,
                    "documents": list(self.model_documents),
                    "pair": self.model.to_dict(),
                }
            ),
            "matrices": matrices,
        }

    def to_json(self, **dumps_options: Any) -> str:
        """``to_dict()`` as JSON (``json.dumps`` options pass through, e.g. ``indent``)."""
        return json.dumps(self.to_dict(), allow_nan=False, **dumps_options)


def _check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; expected one of {MEASURES}")


def _free(name: str, taken: Collection[str]) -> str:
    while name in taken:
        name += "*"
    return name


def _holds_annotations(doc: Document) -> bool:
    return bool(doc.entities or doc.relations or doc.events)


def project_report(
    layers: LayerSet,
    schema: Schema | None = None,
    *,
    curated_done: Collection[str] | None = None,
    any_status: bool = False,
) -> AgreementReport:
    """The agreement report of ``layers`` (``Store.layer_set``): see the module docstring.

    ``schema``: which relation types are symmetric. ``curated_done``: the names of the curated
    documents whose status is done (the ones compared against); ``None``: the ones
    ``layers.curated_status`` says are done, or with ``any_status`` (or no statuses given)
    those holding at least one annotation. Raises ``AgreementInputError`` when two layers of
    one name differ in text (the store never gives such a set).
    """
    per = {name: list(layers.layers[name]) for name in sorted(layers.layers)}
    if curated_done is None and layers.curated_status and not any_status:
        curated_done = [n for n, status in layers.curated_status.items() if status == "done"]
    done = set(curated_done) if curated_done is not None else None
    curated_docs = [
        d for d in layers.curated if (d.id in done if done is not None else _holds_annotations(d))
    ]
    curated_names = {d.id for d in curated_docs}
    cur = _free(CURATED, per)
    model_name = _free(MODEL, {*per, cur})

    between = agreement(per, schema=schema) if len(per) >= 2 else None
    against = None
    if per and curated_docs:
        against = agreement(
            {
                cur: curated_docs,
                **{a: [d for d in ds if d.id in curated_names] for a, ds in per.items()},
            },
            reference=cur,
            schema=schema,
        )
    model_docs = [d for d in layers.model if d.id in curated_names and _holds_annotations(d)]
    model_names = {d.id for d in model_docs}
    model = None
    if model_docs:
        model = compare(
            [d for d in curated_docs if d.id in model_names],
            model_docs,
            a_name=cur,
            b_name=model_name,
            schema=schema,
        )
    return AgreementReport(
        annotators=list(per),
        layers={a: len(ds) for a, ds in per.items()},
        documents=[d.id for d in layers.curated],
        between=between,
        curated=[d.id for d in curated_docs],
        not_curated=[d.id for d in layers.curated if d.id not in curated_names],
        against_curated=against,
        model_documents=[d.id for d in model_docs],
        model=model,
        curated_name=cur,
        model_name=model_name,
        curated_rule="status done" if done is not None else "holds annotations",
    )


# --- plain text ------------------------------------------------------------------------------


def _f1(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _cell(counts: Counts | None) -> str:
    if counts is None or counts.f1 is None:
        return "-"
    return f"{counts.f1:.3f} ({counts.matched}/{counts.only_a}/{counts.only_b})"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Aligned columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for r in [header, *rows]:
        cells = [
            r[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)),
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _names(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _pair_rows(
    pairs: Sequence[PairAgreement], measure: str, types: Sequence[str]
) -> list[list[str]]:
    rows = []
    for p in pairs:
        scores = getattr(p, measure)
        rows.append(
            [f"{p.a} - {p.b}", str(p.documents), _cell(scores.overall)]
            + [_cell(scores.per_type.get(t)) for t in types]
        )
    return rows


def _mean_row(label: str, means: MeanScores, types: Sequence[str]) -> list[str]:
    return [label, "", _f1(means.overall)] + [_f1(means.per_type.get(t)) for t in types]


def render_text(report: AgreementReport, title: str | None = None) -> str:
    """The report as aligned plain-text tables (one per measure, then the token measures), for
    a terminal; ``title``: a first line."""
    out: list[str] = [title] if title else []
    if not report.annotators:
        out.append("No layers to compare.")
        return "\n".join(out) + "\n"
    out.append(
        "Layers: "
        + ", ".join(f"{a} {n}" for a, n in report.layers.items())
        + f" (documents with a layer: {len(report.documents)})"
    )
    if report.between is None:
        out.append(f"Between annotators: {report.annotators[0]} only; agreement needs two.")
    else:
        out.append(
            f"Between annotators: {report.between.documents} documents held by two or more"
            + (
                f"; held by one only: {_names(report.between.unpaired)}"
                if report.between.unpaired
                else ""
            )
        )
    out.append(
        f"Curated ({report.curated_rule}): {len(report.curated)} of"
        f" {len(report.documents)} documents"
        + (
            f"; not yet curated, left out: {_names(report.not_curated)}"
            if report.not_curated
            else ""
        )
    )
    if report.model is not None:
        out.append(
            f"Model: its suggestions on {len(report.model_documents)} of the"
            f" {len(report.curated)} curated documents (the others hold none)"
        )
    else:
        out.append("Model: no suggestion on a curated document; not compared")
    # each group: its pairs, and the label of its mean row with the Agreement holding the means
    groups: list[tuple[list[PairAgreement], str, Agreement | None]] = []
    if report.between is not None:
        groups.append((report.between.pairs, "mean of the pairs", report.between))
    if report.against_curated is not None:
        label = f"mean against {report.curated_name}"
        groups.append((report.against_curated.pairs, label, report.against_curated))
    if report.model is not None:
        groups.append(([report.model], "", None))
    for measure in MEASURES:
        types = report.types(measure)
        rows: list[list[str]] = []
        for pairs, label, group in groups:
            rows += _pair_rows(pairs, measure, types)
            if group is not None and len(pairs) > 1:
                rows.append(_mean_row(label, getattr(group, measure), types))
        out += ["", f"{MEASURE_TITLES[measure]}: F1 (matched/only first/only second)"]
        out += _table(["", "documents", "overall", *types], rows)
    rows = []
    for pairs, label, group in groups:
        for p in pairs:
            rows.append([f"{p.a} - {p.b}", str(p.tokens), _f1(p.observed), _f1(p.kappa)])
        if group is not None and len(pairs) > 1:
            rows.append([label, "", "", _f1(group.kappa)])
    out += ["", "Tokens: observed agreement and Cohen's kappa"]
    out += _table(["", "tokens", "observed", "kappa"], rows)
    if report.between is not None:
        out.append(
            f"Krippendorff's alpha among the annotators: {_f1(report.between.alpha)}"
            f" over {report.between.alpha_units} tokens"
        )
    skipped: dict[str, int] = {}
    for g in (report.between, report.against_curated):
        for a, n in (g.skipped_relations if g is not None else {}).items():
            if n:
                skipped[a] = max(skipped.get(a, 0), n)
    if skipped:
        out.append(
            "Relations not compared (an argument that is not an entity): "
            + ", ".join(f"{a} {n}" for a, n in skipped.items())
        )
    return "\n".join(out) + "\n"
