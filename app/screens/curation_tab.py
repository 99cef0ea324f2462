"""Curation tab: agreement between the annotators' layers, the documents to curate, and one
document's layers aligned with its disagreements to resolve (``app.screens.curation``).

For managers and curators: every handler that shows or changes curation is the ``curate``
action in ``app.permissions.HANDLERS``, so the guard refuses it to annotators (who may not see
each other's layers); the tab itself is hidden from them when the page loads (``show_tab``,
``SHOW_TAB_JS``), and the page's project chooser refreshes the tab only for those who may
curate (``follow_project``).

The aligned view is HTML; its keys and pick buttons are ``app/screens/curation.js`` (loaded
with the page's own script, ``PAGE_JS`` in ``app.ui``), which sends each choice as a command
through the hidden button ``#sr-cur-go``: the button's click takes the command from the page
(its ``js``), ``command`` applies it (one edit of the curated document) and draws the view
again, then ``patch_row`` updates that document's row of the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd

from app.permissions import CURATE, may, refuse
from app.screens import curation, esc, refused_line
from db import StoreError
from db.curation import POLICIES, policy_help

if TYPE_CHECKING:
    from app.ui import Page, SpanrelApp

#: the tab's script, as a function the page's load script calls (``app.ui.page_js``)
CURATION_JS = (
    "() => {\n"
    + (Path(__file__).resolve().parent / "curation.js").read_text(encoding="utf-8")
    + "\n}"
)
#: the view's HTML before a document is chosen
EMPTY_VIEW = (
    '<div class="sr-cur-empty">Choose a document above (click its row) to see its layers '
    "aligned.</div>"
)

#: the tab's button shows once the page knows its person may curate (Gradio 6 does not hide a
#: tab's button when an event sets the tab invisible, so a page attribute and ``CSS`` do)
SHOW_TAB_JS = "(c) => { document.body.dataset.srCurates = c; }"

CSS = """
#sr-cur-go, #sr-cur-cmd, #sr-cur-curates { display: none !important; }
body:not([data-sr-curates="1"]) button[role="tab"][data-tab-id="curation"] { display: none; }
.sr-agree-box { font-size: .9rem; }
.sr-agree { border-collapse: collapse; margin: 4px 0 10px; }
.sr-agree th, .sr-agree td { padding: 3px 9px; border: 1px solid var(--border-color-primary);
  text-align: right; white-space: nowrap; }
.sr-agree thead th, .sr-agree tbody th { background: var(--background-fill-secondary);
  text-align: left; }
.sr-agree-key, .sr-agree-mean { opacity: .8; margin: 2px 0; }
.sr-agree-grid { display: flex; flex-wrap: wrap; gap: 4px 28px; align-items: flex-start; }
.sr-agree-measure h4 { margin: 8px 0 2px; }
.sr-agree-measure .sr-agree-mean { max-width: 34em; }
.sr-cur { font-size: .93rem; }
.sr-cur-head { margin: 4px 0; line-height: 1.8; }
.sr-cur-head button, .sr-pick { border: 1px solid var(--border-color-primary);
  border-radius: 4px; padding: 0 8px; background: var(--background-fill-secondary);
  cursor: pointer; }
.sr-cur-keys { opacity: .75; font-size: .82rem; margin-bottom: 6px; }
.sr-cur-keys kbd { border: 1px solid var(--border-color-primary); border-radius: 3px;
  padding: 0 3px; font-size: .78rem; }
.sr-cur-cols { display: flex; gap: 14px; align-items: flex-start; }
.sr-cur-text { flex: 3 1 0; max-height: 68vh; overflow-y: auto; min-width: 0; }
.sr-cur-side { flex: 2 1 0; max-height: 68vh; overflow-y: auto; min-width: 0; }
.sr-cur-seg { border-bottom: 1px solid var(--border-color-primary); padding: 4px 0 6px; }
.sr-cur-row { display: grid; grid-template-columns: 7.5em 1fr; align-items: start; }
.sr-cur-who { font-size: .78rem; opacity: .8; padding-top: .35em; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
.sr-cur-gold .sr-cur-who { font-weight: 600; opacity: 1; }
.sr-cur-line { line-height: 2.5; white-space: pre-wrap; word-wrap: break-word; }
.sr-cur-m { position: relative; border-radius: 2px; }
.sr-cur-nest { box-shadow: inset 0 -2px 0 rgba(0,0,0,.45); }
.sr-cur-d { text-decoration: underline dashed #d9480f; text-underline-offset: 3px;
  cursor: pointer; }
.sr-cur-lab { position: absolute; left: 0; top: 1.3em; font-size: .62rem; line-height: 1;
  white-space: nowrap; opacity: .85; pointer-events: none; }
.sr-cur-rels { line-height: 1.4; margin: -2px 0 2px; }
.sr-rel { display: inline-block; font-size: .72rem; border: 1px solid
  var(--border-color-primary); border-radius: 8px; padding: 0 6px; margin: 0 4px 2px 0; }
.sr-rel-d { border-color: #d9480f; }
.sr-dis-list { margin: 0; padding-left: 0; list-style: none; }
.sr-dis { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 4px 8px;
  margin-bottom: 6px; cursor: pointer; }
.sr-dis.sr-resolved { opacity: .72; }
.sr-dis-state { font-size: .75rem; border-radius: 6px; padding: 0 5px;
  background: var(--background-fill-secondary); }
.sr-open .sr-dis-state { background: #ffe8cc; color: #8a3c00; }
.sr-var { margin: 3px 0 0 8px; }
.sr-var.sr-held .sr-var-label { font-weight: 600; }
.sr-who { opacity: .75; font-size: .82rem; }
.sr-in { color: #2b8a3e; font-size: .8rem; }
.sr-agreed { font-size: .75rem; border: 1px solid #2b8a3e; color: #2b8a3e; border-radius: 6px;
  padding: 0 4px; }
.sr-own { font-size: .82rem; margin: 3px 0 0 8px; opacity: .85; }
.sr-dis.sr-current { border: 2px solid #f59f00; background: rgba(255, 212, 59, .12); }
.sr-cur-line .sr-current { outline: 2px solid #f59f00; outline-offset: 1px; }
"""


@dataclass
class CurationTab:
    tab: gr.Tab
    agreement: gr.HTML
    agree_refresh: gr.Button
    policy: gr.Radio
    policy_msg: gr.Markdown
    docs: gr.Dataframe
    docs_note: gr.Markdown
    docs_refresh: gr.Button
    merge_all: gr.Button  # "Merge agreed in every document" (``curation.merge_project``)
    merge_msg: gr.Markdown
    doc_id: gr.Number
    show: gr.Button
    msg: gr.Markdown
    view: gr.HTML
    cmd: gr.Textbox  # hidden: carries the page's command (curation.js)
    go: gr.Button  # hidden: sends it
    curates: gr.Textbox  # hidden: "1" when the person may curate (``SHOW_TAB_JS``)
    # the row of the document shown (``curation.DocumentRow``), for ``patch_row``
    row: gr.State


def build(app: SpanrelApp) -> CurationTab:
    with gr.Tab("Curation", id="curation", elem_id="sr-tab-curation") as tab:
        with gr.Accordion("Agreement", open=True):
            with gr.Row():
                gr.Markdown(
                    "Agreement between the annotators' finished layers, each against the "
                    "curated documents and the model's suggestions against them."
                )
                agree_refresh = gr.Button(
                    "Refresh agreement", scale=0, size="sm", elem_id="sr-agree-refresh"
                )
            agreement = gr.HTML("", elem_id="sr-agreement")
        with gr.Accordion("Documents to curate", open=True):
            with gr.Row():
                policy = gr.Radio(
                    list(POLICIES),
                    value=curation.DEFAULT_POLICY,
                    label="Merge agreed annotations when",
                    info=policy_help(),
                    scale=2,
                    elem_id="sr-cur-policy",
                )
                docs_refresh = gr.Button("Refresh", scale=0, elem_id="sr-cur-refresh")
                merge_all = gr.Button(
                    "Merge agreed in every document", scale=0, elem_id="sr-cur-merge-all"
                )
            policy_msg = gr.Markdown("", elem_id="sr-cur-policy-msg")
            merge_msg = gr.Markdown("", elem_id="sr-cur-merge-msg")
            docs_note = gr.Markdown("", elem_id="sr-cur-docs-note")
            docs = gr.Dataframe(
                pd.DataFrame([], columns=curation.DOC_HEADERS),
                interactive=False,
                datatype="str",
                max_height=300,
                elem_id="sr-cur-docs",
                show_search="none",
            )
        with gr.Row():
            doc_id = gr.Number(
                None,
                label="Document id",
                precision=0,
                scale=0,
                min_width=140,
                elem_id="sr-cur-id",
            )
            show = gr.Button("Show", scale=0, elem_id="sr-cur-show")
            msg = gr.Markdown("", elem_id="sr-cur-msg")
        view = gr.HTML(EMPTY_VIEW, elem_id="sr-cur-view")
        cmd = gr.Textbox("", visible="hidden", elem_id="sr-cur-cmd")
        go = gr.Button("go", visible="hidden", elem_id="sr-cur-go")
        curates = gr.Textbox("", visible="hidden", elem_id="sr-cur-curates")
        row = gr.State(None)
    return CurationTab(
        tab,
        agreement,
        agree_refresh,
        policy,
        policy_msg,
        docs,
        docs_note,
        docs_refresh,
        merge_all,
        merge_msg,
        doc_id,
        show,
        msg,
        view,
        cmd,
        go,
        curates,
        row,
    )


def _view(app: SpanrelApp, doc_id: int | None) -> tuple[str, curation.DocumentRow | None]:
    if doc_id is None:
        return EMPTY_VIEW, None
    shown = curation.aligned_view(app.store, doc_id, app.next_revision())
    return shown.html, shown.row


def wire(app: SpanrelApp, page: Page, tab: CurationTab, demo: gr.Blocks) -> None:
    store = app.store
    everything = [tab.agreement, tab.policy, tab.docs, tab.docs_note, tab.view, tab.row, tab.msg]

    def project_views(proj: str | None) -> list[Any]:
        frame, note = curation.documents_frame(store, proj)
        return [
            curation.agreement_view(store, proj),
            curation.policy_of(store, proj),
            frame,
            esc(note),
            EMPTY_VIEW,
            None,
            "",
        ]

    def show_curation(proj, row):
        """The tab opened: the project's figures and documents, and the document shown
        before, drawn again (it may have changed meanwhile)."""
        views = project_views(proj)
        if row is not None:
            try:
                doc = store.load_document(row.id)
                if doc.project == proj:
                    views[4], views[5] = _view(app, doc.id)
            except StoreError:  # deleted meanwhile: the view stays empty
                pass
        return views

    tab.tab.select(show_curation, [page.project, tab.row], everything)

    def follow_project(proj, request: gr.Request):
        """The project chosen at the top: shown here to whoever may curate; nothing to the
        others (the tab is hidden from them)."""
        actor = app.gate.actor(getattr(request, "username", None))
        if actor is None or not may(actor.role, CURATE):
            return [gr.update()] * len(everything)
        return project_views(proj)

    page.project.change(follow_project, [page.project], everything)

    def show_tab(request: gr.Request):
        """The page opens: the tab shown to those who may curate (``SHOW_TAB_JS``), and
        filled when the address opens it (``?tab=curation``: a tab the page opens is not
        "selected" by the person)."""
        actor = app.gate.actor(getattr(request, "username", None))
        curates = actor is not None and may(actor.role, CURATE)
        place = dict(getattr(request, "query_params", None) or {})
        names = app.project_names()
        flag = "1" if curates else "0"
        if not curates or place.get("tab") != "curation" or not names:
            return [flag] + [gr.update()] * len(everything)
        proj = place.get("project") if place.get("project") in names else names[0]
        return [flag, *project_views(proj)]

    demo.load(show_tab, None, [tab.curates, *everything]).then(
        None, [tab.curates], None, js=SHOW_TAB_JS
    )

    def refresh_agreement(proj):
        return curation.agreement_view(store, proj)

    tab.agree_refresh.click(refresh_agreement, [page.project], [tab.agreement])

    def refresh_documents(proj):
        frame, note = curation.documents_frame(store, proj)
        return frame, esc(note)

    tab.docs_refresh.click(refresh_documents, [page.project], [tab.docs, tab.docs_note])

    def open_document(doc_id, proj):
        try:
            doc = store.load_document(int(doc_id))
        except (StoreError, TypeError, ValueError, OverflowError):
            return gr.update(), None, f"No document {esc(doc_id)}."
        if doc.project != proj:
            return gr.update(), None, f"Document {doc.id} is not in {esc(proj)}."
        html, row = _view(app, doc.id)
        return html, row, ""

    def open_row(proj, evt: gr.SelectData):
        cells = evt.row_value or []
        try:
            doc_id = int(cells[0])
        except (IndexError, TypeError, ValueError):
            return gr.update(), gr.update(), gr.update(), gr.update()
        return doc_id, *open_document(doc_id, proj)

    tab.docs.select(open_row, [page.project], [tab.doc_id, tab.view, tab.row, tab.msg])

    def show_id(doc_id, proj):
        if doc_id is None:
            return gr.update(), None, "Type a document id (the first column above)."
        return open_document(doc_id, proj)

    for trigger in (tab.show.click, tab.doc_id.submit):
        trigger(show_id, [tab.doc_id, page.project], [tab.view, tab.row, tab.msg])

    def set_policy(proj, policy, row):
        try:
            said = curation.set_policy(store, proj, policy)
        except (StoreError, ValueError) as exc:
            return gr.update(), gr.update(), refused_line(exc), row
        if row is None:
            return gr.update(), said, gr.update(), row
        html, new_row = _view(app, row.id)
        return html, said, "", new_row

    tab.policy.input(
        set_policy,
        [page.project, tab.policy, tab.row],
        [tab.view, tab.policy_msg, tab.msg, tab.row],
    )

    def may_edit(request: gr.Request | None) -> curation.MayEdit:
        """The editor's permission rule for the caller (``Gate.may_edit_view``)."""
        username = getattr(request, "username", None)
        return lambda view: app.gate.may_edit_view(username, view)

    def merge_everywhere(proj, row, request: gr.Request):
        """The "Merge agreed in every document" button: ``curation.merge_project``, then the
        table and the document shown drawn again."""
        if not proj:
            return "Choose a project first.", gr.update(), gr.update(), gr.update(), row
        try:
            done = curation.merge_project(store, proj, app.user(request), may_edit(request))
        except StoreError as exc:
            refuse(f"Not merged: {exc}.")  # stops here
        line = done.line()
        if done.refused:
            refuse(line, stop=False)
        frame, note = curation.documents_frame(store, proj)
        html: Any = gr.update()
        if row is not None:
            try:
                html, row = _view(app, row.id)
            except StoreError:  # deleted meanwhile
                html, row = EMPTY_VIEW, None
        return esc(line), frame, esc(note), html, row

    tab.merge_all.click(
        merge_everywhere,
        [page.project, tab.row],
        [tab.merge_msg, tab.docs, tab.docs_note, tab.view, tab.row],
    )

    def command(text, request: gr.Request):
        """A choice the page sent (``curation.js``): applied, then the view drawn again."""
        try:
            cmd = curation.parse_command(text)
        except ValueError as exc:
            refuse(f"Not saved: {exc}.")  # stops here
        outcome = curation.run_command(store, cmd, app.user(request), may_edit(request))
        if outcome.refusal:
            refuse(outcome.refusal, stop=False)
        try:
            html, row = _view(app, cmd.doc)
        except StoreError as exc:
            return gr.update(), None, refused_line(exc)
        line = f"\u26a0 {esc(outcome.refusal)}" if outcome.refusal else esc(outcome.message)
        return html, row, line

    def patch_row(frame, row):
        """The table's row of the document just curated, updated (no other row is read)."""
        patched = curation.patch_frame(frame, row)
        return gr.update() if patched is None else patched

    tab.go.click(
        command,
        [tab.cmd],
        [tab.view, tab.row, tab.msg],
        js="(c) => (window.srCuration ? window.srCuration.take() : '')",
        show_progress="hidden",
    ).success(patch_row, [tab.docs, tab.row], [tab.docs], show_progress="hidden")
