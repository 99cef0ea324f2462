"""Annotate tab: the editor (``app.editor``) with opening a document by id, pre-annotating the
open document, and the project's "next document" order.

The editor loads the document named by its value; every (re)load carries a new revision so
the same document opened twice is fetched again.

A document annotated in people's layers (``db.layers``) opens as the person's row of it
(``app.layer_routing``: an annotator's own layer); the value always names the row that is
open, and the line above the editor says which it is ("Your layer of d1", "ann's layer of d1",
"Curated document d1"). Curators and managers get a chooser of the document's layers and the
curated document (``layer-chooser``), shown only for a document with layers; annotators get
one of the layers too where the project lets them see each other's (read only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr
from gradio.blocks import Block

from app import layer_routing, ordering
from app.editor.editor import AnnotationEditor
from app.permissions import refuse
from app.screens import esc, refused_line
from app.screens.documents_tab import listed_documents
from db import StoreError

if TYPE_CHECKING:
    from app.screens.documents_tab import DocumentsTab
    from app.ui import Page, SpanrelApp


@dataclass
class AnnotateTab:
    tab: gr.Tab
    doc_id: gr.Number
    open: gr.Button
    pre_doc: gr.Button
    order: gr.Radio
    msg: gr.Markdown
    # which row of a document annotated in layers is open, and the others to switch to
    layer_chooser: gr.Dropdown
    layer_label: gr.Markdown
    editor: AnnotationEditor

    def project_views(self) -> list[Block]:
        return [self.order]

    def show_project(self, app: SpanrelApp, project: str | None) -> dict[Block, Any]:
        order = ordering.get_order(app.store, project) if project else ordering.POSITION
        return {self.order: ordering.ORDERS[order]}


def open_doc_key(value: Any) -> str | None:
    """The id of the document the editor shows, from its value (None: nothing open)."""
    return (value or {}).get("doc_id") if isinstance(value, dict) else None


def build(app: SpanrelApp) -> AnnotateTab:
    with gr.Tab("Annotate", id="annotate", elem_id="sr-tab-annotate") as annotate_tab:
        with gr.Row():
            doc_id = gr.Number(
                None,
                label="Document id",
                placeholder="id from Documents",
                precision=0,
                scale=0,
                min_width=140,
                elem_id="sr-open-id",
            )
            open_button = gr.Button("Open", scale=0, elem_id="sr-open")
            pre_doc = gr.Button("Pre-annotate this document", scale=0, elem_id="sr-pre-doc")
            order = gr.Radio(
                list(ordering.ORDERS.values()),
                value=ordering.ORDERS[ordering.POSITION],
                label="Next document",
                scale=0,
                min_width=320,
                elem_id="sr-next-order",
            )
            msg = gr.Markdown("", elem_id="sr-annotate-msg")
        with gr.Row():
            layer_label = gr.Markdown("", elem_id="layer-open")
            layer_chooser = gr.Dropdown(
                [],
                value=None,
                label="Layer",
                visible=False,
                interactive=True,
                scale=0,
                min_width=260,
                elem_id="layer-chooser",
            )
        editor = AnnotationEditor(
            app.backend,
            {"doc_id": None, "revision": 0},
            user_of=app.editor_user,
            editor_height="68vh",
            elem_id="sr-editor-box",
        )
    return AnnotateTab(
        annotate_tab, doc_id, open_button, pre_doc, order, msg, layer_chooser, layer_label, editor
    )


def opened_row(app: SpanrelApp, request: gr.Request | None, doc_id: int | str) -> int:
    """The row the caller gets for ``doc_id`` (their own layer of a document annotated in
    layers: ``StoreBackend.opened_id``); ``KeyError`` when there is no such document."""
    return int(app.backend.opened_id(str(doc_id), app.user(request)))


def layer_view(app: SpanrelApp, request: gr.Request | None, value: Any) -> tuple[Any, str]:
    """The chooser (hidden unless the open document has layers the caller may switch between)
    and the line that names the open row."""
    hidden = gr.update(choices=[], value=None, visible=False)
    key = open_doc_key(value)
    if not key:
        return hidden, ""
    actor = app.gate.actor(getattr(request, "username", None))
    try:
        shown = layer_routing.opened(app.store, actor, int(key))
    except (StoreError, ValueError):
        return hidden, ""
    line = f"Open: **{esc(shown.label)}**" if shown.label else ""
    if not shown.choices:
        return hidden, line
    return gr.update(choices=shown.choices, value=shown.selected, visible=True), line


def wire(app: SpanrelApp, page: Page, tab: AnnotateTab, documents: DocumentsTab) -> None:
    """A status set in the editor (e.g. done) refreshes the Documents table."""
    store = app.store

    def open_id(doc_id, request: gr.Request):
        if doc_id is None:
            return gr.update(), "Type a document id (the first column of Documents)."
        try:
            view = store.load_document(int(doc_id))
            opened = opened_row(app, request, view.id)
        except (StoreError, ValueError, OverflowError, KeyError):
            return gr.update(), f"No document {esc(doc_id)}."
        return app.editor_value(opened), ""

    def open_next(proj, value, request: gr.Request):
        """Opening the tab with nothing open: this person's next document to do."""
        if open_doc_key(value) or not proj:
            return gr.update(), gr.update(), gr.update()
        actor = app.gate.actor(getattr(request, "username", None))
        person = actor.name if actor else None
        doc = ordering.next_to_do(store, proj, person)
        if doc is None:
            return gr.update(), gr.update(), f"Nothing left to do in {esc(proj)} for {esc(person)}."
        view = store.load_document(doc)
        what = f"your layer of {view.name}" if view.layer_owner else view.name
        # the box shows the document's id (the Documents table's), the editor the row opened
        box = view.layer_of or view.id
        return app.editor_value(doc), box, f"Next to do for {esc(person)}: **{esc(what)}**."

    tab.tab.select(open_next, [page.project, tab.editor], [tab.editor, tab.doc_id, tab.msg])
    tab.open.click(open_id, [tab.doc_id], [tab.editor, tab.msg])
    tab.doc_id.submit(open_id, [tab.doc_id], [tab.editor, tab.msg])

    def show_layer(value, request: gr.Request):
        """Every document the editor opens (from here or its own "next"/"previous"): name
        the row and offer the others."""
        return layer_view(app, request, value)

    tab.editor.change(show_layer, [tab.editor], [tab.layer_chooser, tab.layer_label])

    def choose_layer(choice, request: gr.Request):
        if not choice:
            return gr.update(), gr.update()
        try:
            opened = opened_row(app, request, choice)
        except (KeyError, ValueError):
            return gr.update(), f"No document {esc(choice)}."
        return app.editor_value(opened), ""

    tab.layer_chooser.input(choose_layer, [tab.layer_chooser], [tab.editor, tab.msg])

    def pre_doc(value, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        doc_key = open_doc_key(value)
        if not doc_key:
            return gr.update(), "Open a document first."
        try:
            view = store.load_document(opened_row(app, request, doc_key))
        except (StoreError, ValueError, KeyError):
            return gr.update(), "No such document."
        username = getattr(request, "username", None)
        # its suggestions replace the open ones: an edit of the row (an annotator's own layer
        # gets them alone; the curated document passes them on to each layer, app.preannotate)
        refusal = app.gate.may_edit_view(username, view)
        if refusal:
            refuse(f"Not pre-annotated: {refusal}.")
        msg = app.run_preannotation(view.project, [view.id], "document", progress)
        return app.editor_value(view.id), msg

    tab.pre_doc.click(pre_doc, [tab.editor], [tab.editor, tab.msg], concurrency_limit=None)

    def status_changed(proj, status, assignee, search, shown):
        return listed_documents(app, shown, proj, status, assignee, search)

    tab.editor.doc_status(
        status_changed, [*documents.filters(page.project), documents.live], documents.listing()
    )

    def set_order(proj, label, value):
        if not proj:
            return gr.update(), ""
        try:
            order = ordering.set_order(store, proj, ordering.label_to_order(label))
        except ValueError as exc:
            return gr.update(), refused_line(exc)
        note = (
            "Next document: least confident first (unfinished documents, by the "
            "uncertainty of their last pre-annotation)."
            if order == ordering.UNCERTAINTY
            else "Next document: document order."
        )
        doc_key = open_doc_key(value)
        if not doc_key:
            return gr.update(), note
        return app.editor_value(doc_key), note

    tab.order.input(set_order, [page.project, tab.order, tab.editor], [tab.editor, tab.msg])
