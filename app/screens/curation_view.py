"""The Curation tab's aligned view: one document's layers and disagreements drawn as HTML.

Kept apart because it is the largest part of the tab and the only one that lays text out
(segments, marks, rows); the escape ``h`` lives here since this view puts the most user text
into HTML, and the Agreement section (``curation_agreement``) uses it too.

``aligned_view``: ``Store.curation`` (the disagreements, in text order) and each layer read as
it is, drawn as HTML: the text in segments (lines, long lines cut between sentences, never
inside an annotation), under each segment one row per person (the curated document first)
with their entities as labelled spans and their relations listed; beside it the disagreements
with their variants (label, who said it, whether the curated document holds it) and a pick
button per variant and "none". Every user string is escaped (``h``: braces and ``$`` too,
which Gradio's HTML template would read), and only ``#rrggbb`` colours reach a ``style``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

from app.screens.curation_documents import DocumentRow, remembered_row
from converters.document import Entity, Relation
from converters.schema import Schema
from db import Store
from db.curating import CurationView
from db.curation import Disagreement, EntitySpec, RelationSpec, label
from db.curation.keys import entity_spec, relation_spec
from db.views import DocumentView

#: a line longer than this is cut between sentences where no annotation crosses
SEGMENT = 400
#: the longest quotation a disagreement's heading shows
QUOTE = 60

_COLOUR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
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
    # the view is aligned anyway: its row is kept for the next listing of the table
    return Shown(html_, remembered_row(store, view), view.version)
