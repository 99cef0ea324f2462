"""Curation tab's logic (Gradio-free): agreement figures, the documents to curate, one
document's layers aligned, and the curator's choices.

- **Agreement** (``agreement_html``): ``Store.agreement_report`` (the CLI's report too) over
  the project's done layers, the curated documents that are done counting as curated;
  one matrix per measure (entities exact, entities overlapping, relations) over the
  annotators, the curated layer and the model, each cell ``F1 (matched / only row / only
  column)``; the same per type (folded); Cohen's kappa per pair and Krippendorff's alpha.
- **Documents to curate** (``documents_frame``): the project's documents that have layers,
  with each layer's owner and status, the disagreements (open / all), what the project's
  policy would merge, and the curated document's status.
- **The aligned view** (``aligned_view``): ``Store.curation`` (the disagreements, in text
  order) and each layer read as it is, drawn as HTML: the text in segments (lines, long lines
  cut between sentences, never inside an annotation), under each segment one row per person
  (the curated document first) with their entities as labelled spans and their relations
  listed; beside it the disagreements with their variants (label, who said it, whether the
  curated document holds it) and a pick button per variant and "none". Every user string is
  escaped (``h``: braces and ``$`` too, which Gradio's HTML template would read), and only
  ``#rrggbb`` colours reach a ``style``.
- **Commands** (``parse_command``, ``run_command``): what ``app/screens/curation.js`` sends for
  a pick, "none", "merge agreed" or "undo": each one edit of the curated document through the
  store (``Store.resolve``, ``Store.merge_agreed``, ``Store.undo``), made against the version
  the curator saw; a stale one is refused with who changed the document since, and the view
  is drawn again. Every command carries the page's identity (an undo takes back that page's
  choices only), names a curated document (never a layer: a layer is its owner's) and passes
  the editor's own permission rule (``app.permissions.may_edit_document``, through
  ``Gate.may_edit_view``) before anything is written (``command_refusal``).
- **Merge across the project** (``merge_project``): ``Store.merge_agreed`` on every document
  with layers that has something to merge, each one edit; one that is refused (changed
  meanwhile, not the caller's to edit) is reported and the others go on.
- **The policy** (``policy_of``, ``set_policy``): the store's reading (``Store
  .curation_policy``) and check (``db.curation.check_policy``); what each policy means is
  ``db.curation.POLICY_MEANINGS``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from converters.document import Entity, Relation
from converters.schema import Schema
from db import ConflictError, Store, StoreError
from db.agreement.report import MEASURE_TITLES, AgreementReport
from db.agreement.results import MEASURES, Counts
from db.curating import CurationView
from db.curation import (
    DEFAULT_POLICY,
    POLICY_MEANINGS,
    POLICY_SETTING,
    CurationError,
    Disagreement,
    EntitySpec,
    RelationSpec,
    check_policy,
    label,
    merge_edit,
    resolution,
)
from db.curation.keys import entity_spec, relation_spec
from db.views import DocumentView

#: the Documents-to-curate table's columns
DOC_HEADERS = ["id", "name", "layers", "open", "disagreements", "to merge", "curated"]
#: at most this many documents are listed (each is aligned to count its disagreements)
MAX_ROWS = 300
#: a line longer than this is cut between sentences where no annotation crosses
SEGMENT = 400
#: the longest quotation a disagreement's heading shows
QUOTE = 60
#: op names of the commands the page sends
PICK, NONE, MERGE, UNDO = "pick", "none", "merge", "undo"
OPS = (PICK, NONE, MERGE, UNDO)

_COLOUR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_CLIENT = re.compile(r"[A-Za-z0-9_-]{1,64}")
ENTITY_GREY = "#bbbbbb"


def h(text: Any) -> str:
    """User text made inert in the view's HTML: escaped, quotes included (it goes into
    attributes too), and ``{``, ``}``, ``$`` and backticks as character references, which
    Gradio's HTML template would otherwise read as its own syntax."""
    out = html.escape(str(text), quote=True)
    return (
        out.replace("{", "&#123;")
        .replace("}", "&#125;")
        .replace("$", "&#36;")
        .replace("`", "&#96;")
    )


def _fill(colour: str | None) -> str:
    """A ``#rrggbb`` colour, or grey for anything else; as a pale background (alpha 0x55)."""
    if not colour or not _COLOUR.fullmatch(colour):
        colour = ENTITY_GREY
    if len(colour) == 4:
        colour = "#" + "".join(c * 2 for c in colour[1:])
    return colour.lower() + "55"


# --- agreement ---------------------------------------------------------------------------


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


# --- documents to curate -----------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    """One document to curate, as the table lists it."""

    id: int
    name: str
    layers: str
    open: int
    disagreements: int
    to_merge: int
    curated: str

    def cells(self) -> list[Any]:
        return [
            self.id,
            self.name,
            self.layers,
            self.open,
            self.disagreements,
            self.to_merge,
            self.curated,
        ]


def document_row(view: CurationView) -> DocumentRow:
    """The table's row of a document, from its aligned view."""
    cur = view.curation
    return DocumentRow(
        view.document_id,
        view.name,
        ", ".join(f"{x.owner}: {x.status}" for x in view.layers),
        len(cur.unresolved),
        len(cur.disagreements),
        len(cur.agreed),
        view.status,
    )


def documents_frame(store: Store, project: str | None) -> tuple[pd.DataFrame, str]:
    """The project's documents that have layers (in project order) and a note."""
    if not project:
        return pd.DataFrame([], columns=DOC_HEADERS), "Choose a project."
    with_layers = {row.document_id for row in store.project_layers(project)}
    docs = [d for d in store.list_documents(project) if d.id in with_layers]
    rows = [document_row(store.curation(d.id)).cells() for d in docs[:MAX_ROWS]]
    if not docs:
        note = (
            "No document of this project has layers yet: give documents to two or more "
            "people on the Documents screen."
        )
    else:
        open_ = sum(r[3] for r in rows)
        note = f"{len(docs)} document(s) with layers; {open_} open disagreement(s)"
        if len(docs) > MAX_ROWS:
            note += f" in the first {MAX_ROWS} (listed)"
        note += ". Click a row to curate it."
    return pd.DataFrame(rows, columns=DOC_HEADERS), note


def patch_frame(frame: pd.DataFrame | None, row: DocumentRow | None) -> pd.DataFrame | None:
    """``frame`` with ``row``'s document updated in place of its old row (``None``: nothing
    to update)."""
    if frame is None or row is None or frame.empty or "id" not in frame.columns:
        return None
    out = frame.copy()
    match = out["id"].astype(str) == str(row.id)
    if not match.any():
        return None
    for column, value in zip(DOC_HEADERS, row.cells(), strict=True):
        out[column] = out[column].astype(object)
        out.loc[match, column] = value
    return out


# --- the aligned view --------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """A span drawn in a row: an entity (``label``, ``fill``) or a disagreement's extent
    (``dis``, on the curated row)."""

    start: int
    end: int
    label: str = ""
    fill: str = ""
    dis: str = ""
    underline: bool = False


@dataclass
class LayerRowData:
    """One row of the aligned view: whose (``who``: ``curated`` or a person), the entity
    marks and the relation labels."""

    who: str
    status: str
    marks: list[Mark] = field(default_factory=list)
    relations: list[tuple[int, str, bool]] = field(default_factory=list)  # (start, label, dis)


def _read_row(
    who: str, view: DocumentView, fills: dict[str, str], disputed: set[str]
) -> LayerRowData:
    """``view``'s accepted entities (event triggers left out: curation does not align them)
    and the relations between them, as a row; each annotation keyed as the alignment keys it
    (``db.curation.keys``: a relation's extra ACE arguments included)."""
    triggers = {ev.trigger for ev in view.events}
    row = LayerRowData(who, view.status)
    specs: dict[str, EntitySpec] = {}
    for e in view.entities:
        if e.review != "accepted" or e.ann_id in triggers:
            continue
        spec = entity_spec(Entity(e.ann_id, e.type, list(e.fragments)))
        specs[e.ann_id] = spec
        fill = fills.get(e.type) or _fill(None)
        for s, t in spec.fragments:
            first = (s, t) == spec.fragments[0]
            row.marks.append(Mark(s, t, e.type if first else "", fill))
    for r in view.relations:
        if r.review != "accepted":
            continue
        rel = Relation(r.ann_id, r.type, r.arg1_ref, r.arg2_ref, extra_args=list(r.extra_args))
        rel_spec = relation_spec(rel, specs)
        if rel_spec is None:  # an argument that is not such an entity: not aligned either
            continue
        row.relations.append((rel_spec.start, label(rel_spec, view.text), rel_spec.key in disputed))
    row.relations.sort()
    return row


def segments(
    text: str, spans: Iterable[tuple[int, int]], size: int = SEGMENT
) -> list[tuple[int, int]]:
    """The view's segments of ``text``: its lines (line breaks left out, empty lines
    dropped), a line longer than ``size`` cut after a sentence end (``. ! ?`` and a space),
    and one longer than ``3 * size`` at a space; never where a span crosses."""
    n = len(text)
    depth = [0] * (n + 2)
    for s, e in spans:
        if e - s > 1:
            depth[s + 1] += 1
            depth[e] -= 1
    inside = [False] * (n + 1)
    running = 0
    for p in range(n + 1):
        running += depth[p]
        inside[p] = running > 0
    out: list[tuple[int, int]] = []
    start = 0

    def close(end: int) -> None:
        a, b = start, end
        while a < b and text[a] in " \t\r":
            a += 1
        while b > a and text[b - 1] in " \t\r":
            b -= 1
        if b > a:
            out.append((a, b))

    for p in range(n):
        ch = text[p]
        if ch == "\n" and not inside[p] and not inside[p + 1]:
            close(p)
            start = p + 1
        elif ch == " " and not inside[p] and not inside[p + 1] and p > start:
            length = p - start
            sentence_end = text[p - 1] in ".!?"
            if (length >= size and sentence_end) or length >= 3 * size:
                close(p)
                start = p + 1
    close(n)
    return out


def _line_html(text: str, seg: tuple[int, int], marks: Sequence[Mark]) -> str:
    """The segment's text with ``marks`` (entities with their label at their start;
    disagreement extents, ``data-dis``) as spans that keep the text's own widths (labels
    sit under the text, out of the flow), so the rows of one segment line up."""
    s0, e0 = seg
    inside = [m for m in marks if m.start < e0 and m.end > s0]
    cuts = {s0, e0}
    for m in inside:
        cuts.add(max(m.start, s0))
        cuts.add(min(m.end, e0))
    bounds = sorted(cuts)
    out = []
    for a, b in pairwise(bounds):
        piece = text[a:b]
        here = [m for m in inside if m.start < b and m.end > a]
        if not here:
            out.append(h(piece))
            continue
        ents = [m for m in here if m.fill]
        dis = [m for m in here if m.dis]
        classes = []
        style = ""
        if ents:
            classes.append("sr-cur-m")
            style = f' style="background:{ents[0].fill}"'
            if len(ents) > 1:
                classes.append("sr-cur-nest")
        if any(m.underline for m in dis):
            classes.append("sr-cur-d")
        attrs = f' class="{" ".join(classes)}"' if classes else ""
        if dis:
            ids = " ".join(dict.fromkeys(m.dis for m in dis))
            attrs += f' data-dis="{h(ids)}"'
        labels = [m.label for m in ents if m.start == a and m.label]
        lab = f'<span class="sr-cur-lab">{h("/".join(labels))}</span>' if labels else ""
        out.append(f"<span{attrs}{style}>{lab}{h(piece)}</span>")
    return "".join(out)


def _quote(text: str, start: int, end: int) -> str:
    words = " ".join(text[start:end].split())
    return words if len(words) <= QUOTE else words[: QUOTE - 1] + "\u2026"


def _disagreement_html(n: int, d: Disagreement, text: str) -> str:
    state = "resolved" if d.resolved else "open"
    head = (
        f'<div class="sr-dis-head"><b>{n}.</b> {h(d.kind)} \u00b7 '
        f"\u201c{h(_quote(text, d.start, d.end))}\u201d "
        f'<span class="sr-dis-state">{state}</span></div>'
    )
    rows = []
    for i, v in enumerate(d.variants, 1):
        key = f"{i}" if i <= 9 else ""
        marks = []
        if v.in_curated:
            marks.append('<span class="sr-in">\u2713 in curated</span>')
        if v.agreed:
            marks.append('<span class="sr-agreed">agreed</span>')
        rows.append(
            f'<div class="sr-var{" sr-held" if v.in_curated else ""}">'
            f'<button type="button" class="sr-pick" data-variant="{h(v.key)}" '
            f'title="pick this one (key {key or "-"})">{key or "pick"}</button> '
            f'<span class="sr-var-label">{h(v.label)}</span> '
            f'<span class="sr-who">{h(", ".join(v.supporters))}</span> {" ".join(marks)}</div>'
        )
    declined = d.declined
    rows.append(
        f'<div class="sr-var sr-var-none{" sr-held" if declined else ""}">'
        '<button type="button" class="sr-pick" data-variant="" data-none="1" '
        'title="none of them (key 0)">0</button> <span class="sr-var-label">none</span>'
        + (' <span class="sr-in">\u2713 chosen</span>' if declined else "")
        + (
            f' <span class="sr-who">nothing here: {h(", ".join(d.silent))}</span>'
            if d.silent
            else ""
        )
        + "</div>"
    )
    own = (
        f'<div class="sr-own">curator\u2019s own: {h("; ".join(d.curator_own))}</div>'
        if d.curator_own
        else ""
    )
    return (
        f'<li class="sr-dis sr-{state}" data-id="{h(d.id)}" data-open="'
        f'{0 if d.resolved else 1}">{head}{"".join(rows)}{own}</li>'
    )


@dataclass(frozen=True)
class Shown:
    """What ``aligned_view`` drew: the HTML, and the table row of the document."""

    html: str
    row: DocumentRow | None
    version: int | None = None


def edit_link(project: str, doc_id: int) -> str:
    """The address that opens the curated document in the Annotate tab (``app/place.js``)."""
    return "?" + urlencode({"project": project, "tab": "annotate", "doc": doc_id})


def fills_of(schema: Schema) -> dict[str, str]:
    return {t.name: _fill(t.color) for t in schema.entity_types}


def render_view(
    view: CurationView,
    curated: DocumentView,
    layers: dict[str, DocumentView],
    fills: dict[str, str],
    nonce: int | str = 0,
) -> str:
    """The aligned view of one document (module docstring) as HTML."""
    cur = view.curation
    text = curated.text
    disputed = {v.key for d in cur.disagreements for v in d.variants if v.kind == "relation"}
    rows = [_read_row("curated", curated, fills, disputed)]
    rows += [_read_row(x.owner, layers[x.owner], fills, disputed) for x in view.layers]
    rows[0].status = view.status
    for x, row in zip(view.layers, rows[1:], strict=True):
        row.status = x.status
    dis_marks: list[Mark] = []
    for d in cur.disagreements:
        if d.kind == "entity":
            for v in d.variants:
                assert isinstance(v.spec, EntitySpec)
                for s, e in v.spec.fragments:
                    dis_marks.append(Mark(s, e, dis=d.id, underline=True))
        else:
            for v in d.variants:
                assert isinstance(v.spec, RelationSpec)
                for arg in v.spec.arguments:
                    for s, e in arg.fragments:
                        dis_marks.append(Mark(s, e, dis=d.id))
    every = [(m.start, m.end) for row in rows for m in row.marks]
    every += [(m.start, m.end) for m in dis_marks]
    segs = segments(text, every)
    open_n = len(cur.unresolved)
    layers_said = ", ".join(f"{h(x.owner)} ({h(x.status)})" for x in view.layers)
    head = (
        f'<div class="sr-cur-head"><b>{h(view.name)}</b> (document {view.document_id}) \u00b7 '
        f"curated: {h(view.status)}, version {view.version} \u00b7 policy: {h(view.policy)} "
        f"\u00b7 layers: {layers_said or 'none'}<br>"
        f"{len(cur.disagreements)} disagreement(s), <b>{open_n} open</b>; "
        f"{len(cur.agreed)} agreed annotation(s) not in the curated document yet; "
        f"{cur.unanimous} every layer holds. "
        f'<button type="button" class="sr-cmd" data-cmd="merge" title="key m">Merge agreed '
        f"(m)</button> "
        f'<button type="button" class="sr-cmd" data-cmd="undo" title="key u">Undo (u)</button> '
        f'<a class="sr-cur-edit" href="{h(edit_link(curated.project, view.document_id))}" '
        f'target="_blank" rel="noopener">Edit the curated document</a></div>'
        '<div class="sr-cur-keys">Keys: <kbd>j</kbd>/<kbd>k</kbd> next / previous '
        "disagreement, <kbd>n</kbd>/<kbd>p</kbd> next / previous open one, "
        "<kbd>1</kbd>\u2013<kbd>9</kbd> pick that variant, <kbd>0</kbd> none, <kbd>m</kbd> "
        "merge agreed, <kbd>u</kbd> undo this page's last choice. Each choice is one edit "
        "of the curated document.</div>"
    )
    body = []
    for seg in segs:
        lines = []
        for i, row in enumerate(rows):
            marks = row.marks + (dis_marks if i == 0 else [])
            rels = [
                f'<span class="sr-rel{" sr-rel-d" if d else ""}">{h(lab)}</span>'
                for start, lab, d in row.relations
                if seg[0] <= start < seg[1]
            ]
            who = "curated" if i == 0 else row.who
            lines.append(
                f'<div class="sr-cur-row{" sr-cur-gold" if i == 0 else ""}">'
                f'<span class="sr-cur-who" title="{h(row.status)}">{h(who)}</span>'
                f'<div class="sr-cur-line">{_line_html(text, seg, marks)}'
                + (f'<div class="sr-cur-rels">{"".join(rels)}</div>' if rels else "")
                + "</div></div>"
            )
        body.append(f'<div class="sr-cur-seg">{"".join(lines)}</div>')
    items = [_disagreement_html(n, d, text) for n, d in enumerate(cur.disagreements, 1)]
    listing = (
        f'<ol class="sr-dis-list">{"".join(items)}</ol>'
        if items
        else '<p class="sr-dis-none">The layers agree everywhere: nothing to resolve.</p>'
    )
    return (
        f'<div class="sr-cur" data-doc="{view.document_id}" data-version="{view.version}" '
        f'data-nonce="{h(nonce)}">{head}<div class="sr-cur-cols">'
        f'<div class="sr-cur-text">{"".join(body)}</div>'
        f'<div class="sr-cur-side">{listing}</div></div></div>'
    )


def aligned_view(store: Store, doc_id: int, nonce: int | str = 0) -> Shown:
    """The aligned view of the document ``doc_id`` (or of the one a layer ``doc_id`` belongs
    to): ``Store.curation``, the curated document and each layer read, drawn as HTML."""
    view = store.curation(doc_id)
    if not view.layers:
        doc = store.load_document(view.document_id)
        return Shown(
            f'<div class="sr-cur-empty">{h(doc.name)} (document {doc.id}) has no layers: '
            "nothing to curate (give it to two or more people on the Documents screen).</div>",
            None,
        )
    curated = store.load_document(view.document_id)
    layers = {x.owner: store.load_document(x.document_id) for x in view.layers}
    schema = store.project_schema(curated.project)
    html_ = render_view(view, curated, layers, fills_of(schema), nonce)
    return Shown(html_, document_row(view), view.version)


# --- the curator's choices ---------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One choice sent by the page: ``op`` (``OPS``) on document ``doc`` as the curator saw
    it (``version``); ``id``/``variant`` for a pick; ``client``/``seq``: the page's identity
    and the command's number (exactly once; undo takes back this page's choices only), which
    every command must carry (``parse_command``, ``command_refusal``)."""

    op: str
    doc: int
    version: int
    id: str = ""
    variant: str = ""
    client: str | None = None
    seq: int | None = None


def parse_command(text: str | None) -> Command:
    """The page's command (JSON); ``ValueError`` naming what is wrong with it."""
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError:
        raise ValueError("not a curation command") from None
    if not isinstance(data, dict):
        raise ValueError("not a curation command")
    op = data.get("op")
    if op not in OPS:
        raise ValueError(f"unknown curation command {op!r}")
    doc, version = data.get("doc"), data.get("version")
    if not isinstance(doc, int) or isinstance(doc, bool) or doc < 1:
        raise ValueError("the command names no document")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError("the command carries no version")
    ident, variant = data.get("id", ""), data.get("variant", "")
    if not isinstance(ident, str) or not isinstance(variant, str):
        raise ValueError("a disagreement id and a variant are text")
    if op in (PICK, NONE) and not ident:
        raise ValueError("the command names no disagreement")
    if op == PICK and not variant:
        raise ValueError("the command names no variant")
    client, seq = data.get("client"), data.get("seq")
    if client is None or seq is None:
        raise ValueError("the command carries no page identity (client and seq)")
    if not (
        isinstance(client, str)
        and _CLIENT.fullmatch(client)
        and isinstance(seq, int)
        and not isinstance(seq, bool)
        and seq >= 1
    ):
        raise ValueError("the command's page identity is malformed")
    return Command(op, doc, version, ident, variant, client, seq)


@dataclass(frozen=True)
class Outcome:
    """What a command did: the message for the page's line, and ``refusal`` (a reason to
    show as a refusal toast) when the store refused it."""

    message: str
    refusal: str = ""


def conflict_message(store: Store, doc_id: int, expected: int, current: int) -> str:
    """A stale view: who changed the curated document since (from its history)."""
    who: list[str] = []
    for entry in store.history(doc_id, limit=50):
        if entry.version_after <= expected:
            break
        said = f"{entry.author or 'someone'} ({entry.op.replace('_', ' ')})"
        if said not in who:
            who.append(said)
    by = f" by {', '.join(reversed(who))}" if who else ""
    return (
        f"The curated document changed{by} since this view was drawn (version {expected}, "
        f"now {current}): nothing was saved. The view is drawn again with that change; "
        "choose again."
    )


def _preview(store: Store, cmd: Command) -> str:
    """What ``cmd`` will do, as the curator's line says it (``+ PER "John"; - ORG "IBM"``),
    from the view as it is now (the store realigns and checks again as it writes)."""
    try:
        cur = store.curation(cmd.doc).curation
        if cmd.op == MERGE:
            edit = merge_edit(cur)
        else:
            edit = resolution(cur, cmd.id, cmd.variant if cmd.op == PICK else None)
    except (StoreError, CurationError):
        return ""
    return "; ".join(edit.describe())


#: why a person may not edit a document ('' if they may): the editor's rule, for the caller
#: (``app.permissions.Gate.may_edit_view``)
MayEdit = Callable[[DocumentView], str]


def command_refusal(store: Store, cmd: Command, may_edit: MayEdit) -> str:
    """Why ``cmd`` may not be applied ('' if it may): it carries no page identity (an undo
    without one would take back the document's newest edit, whoever made it), its document is
    not a curated document (a layer is its owner's to edit, never the curation's), or the
    editor's permission rule (``may_edit``) refuses the caller that document."""
    if cmd.client is None or cmd.seq is None:
        return "the command carries no page identity"
    try:
        view = store.load_document(cmd.doc)
    except StoreError:
        return f"there is no document {cmd.doc}"
    if view.layer_of is not None:
        return (
            f"document {view.id} is {view.layer_owner}'s layer of document {view.layer_of}: "
            "curation changes the curated document only"
        )
    return may_edit(view)


def run_command(store: Store, cmd: Command, author: str | None, may_edit: MayEdit) -> Outcome:
    """Apply ``cmd`` to the curated document (one edit; see the module docstring), once
    ``command_refusal`` finds nothing against it; ``may_edit``: the editor's permission rule
    for the caller."""
    refusal = command_refusal(store, cmd, may_edit)
    if refusal:
        text = f"Not saved: {refusal}."
        return Outcome(text, text)
    once = {"client_id": cmd.client, "seq": cmd.seq}
    try:
        if cmd.op == UNDO:
            store.undo(cmd.doc, author, cmd.version, **once)
            return Outcome("Undid this page's last choice.")
        said = _preview(store, cmd)
        if cmd.op == MERGE:
            store.merge_agreed(cmd.doc, cmd.version, author, **once)
            return Outcome(f"Merged what the layers agree on: {said}.")
        variant = cmd.variant if cmd.op == PICK else None
        store.resolve(cmd.doc, cmd.id, variant, cmd.version, author, **once)
        if variant is None:
            return Outcome(f"None of them{': ' + said if said else ''}.")
        return Outcome(f"Chose: {said}.")
    except ConflictError as exc:
        text = conflict_message(store, cmd.doc, exc.expected_version, exc.current_version)
        return Outcome(text, text)
    except StoreError as exc:  # EditError included: meant for the curator
        text = f"Not saved: {exc}"
        return Outcome(text, text)


def policy_of(store: Store, project: str | None) -> str:
    """The project's curation policy (``Store.curation_policy``; the store's default without a
    project)."""
    return store.curation_policy(project) if project else DEFAULT_POLICY


def set_policy(store: Store, project: str | None, policy: str) -> str:
    """Set the project's curation policy (``check_policy``: ``CurationError``, a
    ``ValueError``, naming the policies); the line that says so, in ``POLICY_MEANINGS``' words."""
    if not project:
        return "Choose a project first."
    check_policy(policy)
    store.update_project_settings(project, {POLICY_SETTING: policy})
    return (
        f"Curation policy: **{policy}**: merging agreed annotations adds {POLICY_MEANINGS[policy]}."
    )


# --- merging across the project ----------------------------------------------------------


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass
class ProjectMerge:
    """What "merge agreed in every document" did: ``annotations`` added to ``documents``
    curated documents; ``nothing``: documents with layers that had nothing to merge;
    ``refused``: one line per document not merged and why (a conflict, the permission rule)."""

    annotations: int = 0
    documents: int = 0
    nothing: int = 0
    refused: list[str] = field(default_factory=list)

    def line(self) -> str:
        out = (
            f"Merged {_plural(self.annotations, 'annotation')} into "
            f"{_plural(self.documents, 'document')}"
        )
        if self.nothing:
            out += f"; {_plural(self.nothing, 'document')} had nothing to merge"
        if self.refused:
            out += f". Not merged: {'; '.join(self.refused)}"
        return out + "."


def merge_project(
    store: Store, project: str, author: str | None, may_edit: MayEdit
) -> ProjectMerge:
    """``Store.merge_agreed`` on every document of ``project`` that has layers and something
    the project's policy agrees on that its curated document lacks (the others are counted,
    not touched): one edit per document, each against the version just read. A document the
    store or the permission rule refuses (it changed meanwhile, the caller may not edit it)
    is reported and the others go on."""
    out = ProjectMerge()
    ids = dict.fromkeys(row.document_id for row in store.project_layers(project))
    for doc_id in ids:
        try:
            view = store.curation(doc_id)
        except StoreError as exc:  # deleted meanwhile
            out.refused.append(f"document {doc_id} ({exc})")
            continue
        edit = merge_edit(view.curation)
        if edit.empty:
            out.nothing += 1
            continue
        try:
            refusal = may_edit(store.load_document(doc_id))
            if refusal:
                out.refused.append(f"{view.name} ({refusal})")
                continue
            store.merge_agreed(doc_id, view.version, author)
        except ConflictError as exc:
            out.refused.append(
                f"{view.name} (changed meanwhile: version {exc.expected_version}, now "
                f"{exc.current_version}; merge again)"
            )
            continue
        except StoreError as exc:
            out.refused.append(f"{view.name} ({exc})")
            continue
        out.documents += 1
        out.annotations += len(edit.add_entities) + len(edit.add_relations)
    return out
