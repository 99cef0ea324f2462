"""The Curation tab's Agreement section: the project's agreement report drawn as HTML tables.

Kept apart from the documents list, the aligned view and the commands because it reads a
different thing (``Store.agreement_report``, over the whole project) and shares nothing with
them but the HTML escape (``curation_view.h``).

``agreement_html``: ``Store.agreement_report`` (the CLI's report too) over the project's done
layers, the curated documents that are done counting as curated; one matrix per measure
(entities exact, entities overlapping, relations) over the annotators, the curated layer and
the model, each cell ``F1 (matched / only row / only column)``; the same per type (folded);
Cohen's kappa per pair and Krippendorff's alpha.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.screens.curation_view import h
from db import Store
from db.agreement.report import MEASURE_TITLES, AgreementReport
from db.agreement.results import MEASURES, Counts


def f1_cell(counts: Counts | None) -> str:
    """``0.83 (5 / 1 / 1)``: F1 (matched / only the row's / only the column's); ``–`` where
    it is undefined (neither used it), ``''`` where the two were not compared."""
    if counts is None:
        return ""
    if counts.f1 is None:
        return "\u2013"
    return f"{counts.f1:.2f} ({counts.matched} / {counts.only_a} / {counts.only_b})"


def _number(value: float | None) -> str:
    return "\u2013" if value is None else f"{value:.2f}"


def _matrix_html(names: Sequence[str], rows: Sequence[Sequence[str]], cls: str) -> str:
    head = "".join(f"<th>{h(n)}</th>" for n in names)
    body = "".join(
        f"<tr><th>{h(name)}</th>" + "".join(f"<td>{h(c)}</td>" for c in row) + "</tr>"
        for name, row in zip(names, rows, strict=True)
    )
    return (
        f'<table class="sr-agree {cls}"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def agreement_html(report: AgreementReport) -> str:
    """The report as HTML tables (module docstring)."""
    if not report.annotators:
        return (
            '<div class="sr-agree-box"><p>No finished layers yet: agreement is computed over '
            "the layers their annotators marked done (give a document to two or more people "
            "on the Documents screen).</p></div>"
        )
    parts = ['<div class="sr-agree-box">']
    layers = ", ".join(f"{h(a)} {n}" for a, n in report.layers.items())
    parts.append(
        f"<p>Finished layers: {layers}; documents with a layer: {len(report.documents)}; "
        f"curated (done): {len(report.curated)}"
        + (f", not yet: {len(report.not_curated)}" if report.not_curated else "")
        + (
            f"; the model's suggestions on {len(report.model_documents)} of them"
            if report.model is not None
            else "; no model suggestion on a curated document"
        )
        + ".</p>"
    )
    if report.between is None:
        parts.append(
            f"<p>Only {h(report.annotators[0])} has finished layers: agreement between "
            "annotators needs two.</p>"
        )
    names = report.names
    parts.append(
        "<p class='sr-agree-key'>Each cell: F1 (matched / only the row's / only the "
        "column's), over the documents both hold; the curated layer counts its done documents "
        "only.</p>"
    )
    parts.append('<div class="sr-agree-grid">')
    for measure in MEASURES:
        rows = [[f1_cell(c) for c in row] for row in report.matrix(measure)]
        parts.append(f'<div class="sr-agree-measure"><h4>{h(MEASURE_TITLES[measure])}</h4>')
        parts.append(_matrix_html(names, rows, f"sr-agree-{measure}"))
        means = []
        if report.between is not None:
            means.append(
                f"mean over the annotator pairs {_number(getattr(report.between, measure).overall)}"
            )
        if report.against_curated is not None:
            mean = getattr(report.against_curated, measure).overall
            means.append(f"mean against {h(report.curated_name)} {_number(mean)}")
        if means:
            parts.append(f"<p class='sr-agree-mean'>{'; '.join(means)}</p>")
        types = report.types(measure)
        if types:
            parts.append(f"<details><summary>per type ({len(types)})</summary>")
            for type_ in types:
                rows = [[f1_cell(c) for c in row] for row in report.matrix(measure, type_)]
                parts.append(f"<h5>{h(type_)}</h5>")
                parts.append(_matrix_html(names, rows, "sr-agree-type"))
            parts.append("</details>")
        parts.append("</div>")
    kappa = [["" if k is None else f"{k:.2f}" for k in row] for row in report.kappa_matrix()]
    parts.append("<div class='sr-agree-measure'><h4>Tokens: Cohen's kappa</h4>")
    parts.append(_matrix_html(names, kappa, "sr-agree-kappa"))
    if report.between is not None:
        parts.append(
            f"<p class='sr-agree-mean'>mean kappa over the annotator pairs "
            f"{_number(report.between.kappa)}; Krippendorff's alpha among the annotators "
            f"{_number(report.between.alpha)} over {report.between.alpha_units} tokens</p>"
        )
    parts.append("</div></div>")
    parts.append("</div>")
    return "".join(parts)


def agreement_view(store: Store, project: str | None) -> str:
    """The Agreement section for ``project`` ('' without one)."""
    if not project:
        return ""
    return agreement_html(store.agreement_report(project))
