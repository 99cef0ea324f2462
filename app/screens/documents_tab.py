"""Documents tab: the project's documents filtered by status, assignee and name or text;
who set each status; who holds a layer of each (the "layers" column); progress per person
(``app.screens.progress``); assigning the listed documents, to one annotator or to k
annotators' layers each (``app.screens.document_layers``); pre-annotating them; the recent
background jobs.

Clicking a row opens the document in the Annotate tab (as the person's own layer of it, where
they have one: ``app.layer_routing``). The table lists at most ``MAX_ROWS``
documents (the note says when more match) so a large project never ships a huge table.

The listing is live (``app.screens.live``): every handler here that fills it does so through
``listed_documents``, which tells the page's record (``DocumentsTab.live``) the filter it
listed for, so the live refresh never sends a listing of a filter the person has left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd
from gradio.blocks import Block

from app.permissions import refuse
from app.screens import esc, refused_line
from app.screens.cleanup import DocumentCleanup, build_document_cleanup, wire_documents
from app.screens.document_layers import (
    LAYERS_HEADER,
    assign_k,
    layers_cells,
    people_choices,
    set_show_other_layers,
    shows_other_layers,
)
from app.screens.live import Shown, wire_live
from app.screens.progress import PROGRESS_HEADERS, progress_view
from db import Edit, Store, StoreError
from db.document_status import DOCUMENT_STATUSES

if TYPE_CHECKING:
    from app.screens.annotate_tab import AnnotateTab
    from app.ui import Page, SpanrelApp

DOC_HEADERS = [
    "id",
    "name",
    "status",
    "assignee",
    "status by",
    LAYERS_HEADER,
    "split",
    "entities",
    "relations",
    "events",
    "suggestions",
    "characters",
    "updated",
]
JOB_HEADERS = ["job", "kind", "state", "progress", "message", "started", "finished"]
MAX_ROWS = 1000


@dataclass
class DocumentsTab:
    tab: gr.Tab
    status: gr.Dropdown
    assignee: gr.Textbox
    search: gr.Textbox
    refresh: gr.Button
    note: gr.Markdown
    table: gr.Dataframe
    statuses: gr.Markdown
    progress: gr.Dataframe
    assign_name: gr.Textbox
    assign: gr.Button
    assign_msg: gr.Markdown
    # annotation layers (``app.screens.document_layers``): k annotators per listed document
    assign_k_people: gr.Dropdown
    assign_k: gr.Number
    assign_k_share: gr.Number
    assign_k_button: gr.Button
    assign_k_result: gr.Markdown
    show_layers: gr.Checkbox
    pre_listed: gr.Button
    pre_all: gr.Button
    pre_msg: gr.Markdown
    jobs: gr.Dataframe
    jobs_refresh: gr.Button
    cleanup: DocumentCleanup  # rename or delete a document (app.screens.cleanup)
    # the page's record of the listing on screen (``app.screens.live.Shown``): every handler
    # that fills the listing tells it, so the live refresh never puts an older filter back
    live: gr.State

    def filters(self, project: gr.Dropdown) -> list[Block]:
        """The inputs that decide which documents are listed."""
        return [project, self.status, self.assignee, self.search]

    def listing(self) -> list[Block]:
        """What ``document_list`` fills: the table, its note and the progress figures."""
        return [self.table, self.note, self.statuses, self.progress]

    def layer_views(self) -> list[Block]:
        """What ``layer_controls`` fills: the people to choose from and the project's setting."""
        return [self.assign_k_people, self.show_layers]

    def project_views(self) -> list[Block]:
        return [*self.listing(), self.jobs, *self.cleanup.delete.views(), *self.layer_views()]

    def show_project(self, app: SpanrelApp, project: str | None) -> dict[Block, Any]:
        shown = dict(zip(self.listing(), document_list(app, project), strict=True))
        layers = dict(zip(self.layer_views(), layer_controls(app, project), strict=True))
        return {
            **shown,
            self.jobs: jobs_frame(app.store, project),
            **self.cleanup.delete.reset(),
            **layers,
        }


def documents_frame(
    app: SpanrelApp,
    project: str | None,
    status: str = "all",
    assignee: str = "",
    search: str = "",
) -> tuple[pd.DataFrame, str]:
    """The listed documents and a note (how many; whether suggestions are on their way)."""
    if not project:
        return pd.DataFrame([], columns=DOC_HEADERS), "No project yet: create one."
    store = app.store
    search = (search or "").strip()
    kwargs: dict[str, Any] = {}
    if status and status != "all":
        kwargs["status"] = status
    if assignee and assignee.strip():
        kwargs["assignee"] = assignee.strip()
    docs = store.list_documents(project, **kwargs)
    layers = layers_cells(store, project)
    if search:
        low = search.lower()
        by_name = {d.id for d in docs if low in d.name.lower()}
        by_text = {d.id for d in store.list_documents(project, text_contains=search, **kwargs)}
        docs = [d for d in docs if d.id in by_name or d.id in by_text]
    rows = [
        [
            d.id,
            d.name,
            d.status,
            d.assignee or "",
            d.status_by or "",
            layers.get(d.id, ""),
            d.split,
            d.entities,
            d.relations,
            d.events,
            d.suggestions,
            d.length,
            d.updated_at.strftime("%Y-%m-%d %H:%M"),
        ]
        for d in docs[:MAX_ROWS]
    ]
    note = f"{len(docs)} document(s)"
    if len(docs) > MAX_ROWS:
        note += f"; the first {MAX_ROWS} are listed: narrow the filter"
    waiting = app.suggestions_pending(project)
    if waiting:
        note += ". " + waiting
    return pd.DataFrame(rows, columns=DOC_HEADERS), note


def document_list(
    app: SpanrelApp,
    project: str | None,
    status: str = "all",
    assignee: str = "",
    search: str = "",
) -> tuple[pd.DataFrame, str, str, pd.DataFrame]:
    """What ``DocumentsTab.listing`` shows: the table and its note (made inert Markdown),
    the project's documents by status and the progress per person (all documents, whatever
    the filter)."""
    frame, note = documents_frame(app, project, status, assignee, search)
    return frame, esc(note), *progress_view(app.store, project)


def listed_documents(
    app: SpanrelApp,
    shown: Shown,
    project: str | None,
    status: str = "all",
    assignee: str = "",
    search: str = "",
) -> tuple[pd.DataFrame, str, str, pd.DataFrame]:
    """``document_list`` for a handler that fills the listing: said to the page's ``shown``,
    so that a live refresh that read the filter before it changed is not sent after this."""
    filters = (project, status, assignee, search)
    return shown.listed(filters, document_list(app, *filters))


def filtered_ids(
    app: SpanrelApp, project: str, status: str, assignee: str, search: str
) -> list[int]:
    frame, _ = documents_frame(app, project, status, assignee, search)
    return [int(x) for x in frame["id"].tolist()]


def layer_controls(app: SpanrelApp, project: str | None) -> tuple[Any, bool]:
    """The "assign to k annotators" people (the accounts, keeping any chosen) and the
    project's "annotators see each other's layers" setting."""
    return gr.update(choices=people_choices(app.store)), shows_other_layers(app.store, project)


def assign_k_listed(
    app: SpanrelApp,
    project: str | None,
    filters: tuple[str, str, str],
    people: Any,
    k: Any,
    percent: Any,
    user: str,
) -> str:
    """ "Assign to k annotators": ``percent`` % of the listed documents without layers, to
    ``k`` of ``people`` each (``app.screens.document_layers.assign_k``); the result line
    (Markdown: a refusal is also a toast)."""
    if not project:
        return "Choose a project first."
    try:
        names = [str(x) for x in documents_frame(app, project, *filters)[0]["name"].tolist()]
        done = assign_k(app.store, project, names, people, k, percent, author=user)
    except (StoreError, ValueError) as exc:
        return refused_line(exc, "Not assigned: ")
    return esc(done.line())


def assign_listed(
    app: SpanrelApp, project: str | None, filters: tuple[str, str, str], name: str, user: str
) -> str:
    """Set (or, with an empty ``name``, clear) the annotator of every listed document.

    The table's *assignee* column and filter say who annotates which document; this is the
    way to set it. Each document gets one ``set_assignee`` edit (history, version bump); a
    document changed meanwhile is skipped and counted, never overwritten blindly.
    """
    if not project:
        return "Choose a project first."
    name = (name or "").strip()
    if len(name) > 200 or any(ord(ch) < 32 for ch in name):
        return "An annotator name has at most 200 characters and no control characters."
    ids = set(filtered_ids(app, project, *filters))
    if not ids:
        return "No document is listed."
    changed = skipped = 0
    for doc in app.store.list_documents(project):
        if doc.id not in ids or (doc.assignee or "") == name:
            continue
        try:
            app.store.apply_edit(doc.id, Edit.set_assignee(name or None), doc.version, user)
            changed += 1
        except StoreError:  # ConflictError included: edited meanwhile
            skipped += 1
    who = f"to {name}" if name else "to nobody"
    msg = f"{changed} document(s) assigned {who}"
    if skipped:  # a conflict: someone changed them since the listing was read
        refuse(f"{skipped} document(s) changed meanwhile, not assigned {who}.", stop=False)
    return msg + (f"; {skipped} changed meanwhile, not assigned" if skipped else "") + "."


def jobs_frame(store: Store, project: str | None) -> pd.DataFrame:
    """The project's 20 latest background jobs (pre-annotation, retraining)."""
    if not project:
        return pd.DataFrame([], columns=JOB_HEADERS)
    rows = [
        [
            j.id,
            j.kind,
            j.state,
            f"{100 * j.progress:.0f} %",
            j.message,
            j.started_at.strftime("%H:%M:%S") if j.started_at else "",
            j.finished_at.strftime("%H:%M:%S") if j.finished_at else "",
        ]
        for j in store.list_jobs(project=project, limit=20)
    ]
    return pd.DataFrame(rows, columns=JOB_HEADERS)


def build(app: SpanrelApp) -> DocumentsTab:
    with gr.Tab("Documents", id="documents") as tab:
        with gr.Row():
            status = gr.Dropdown(
                ["all", *DOCUMENT_STATUSES],
                value="all",
                label="Status",
                scale=1,
                elem_id="sr-f-status",
            )
            assignee = gr.Textbox(label="Assignee", scale=1, elem_id="sr-f-assignee")
            search = gr.Textbox(
                label="Name or text contains", scale=2, elem_id="sr-f-search", max_length=200
            )
            refresh = gr.Button("Filter", scale=0, elem_id="sr-f-go")
        note = gr.Markdown("", elem_id="sr-doc-note")
        table = gr.Dataframe(
            pd.DataFrame([], columns=DOC_HEADERS),
            interactive=False,
            datatype="str",
            max_height=520,
            elem_id="sr-docs",
            show_search="none",
        )
        gr.Markdown("Click a row to open the document in the **Annotate** tab.")
        with gr.Row():
            assign_name = gr.Textbox(
                label="Annotator of the listed documents (empty: nobody)",
                scale=2,
                max_length=200,
                elem_id="sr-assign-name",
            )
            assign = gr.Button("Assign", scale=0, elem_id="sr-assign-go")
        assign_msg = gr.Markdown("", elem_id="sr-assign-msg")
        with gr.Accordion("Annotation layers: several annotators per document", open=False):
            gr.Markdown(
                "Give a share of the listed documents (those without layers yet) to *k* "
                "annotators each: every one annotates a layer of their own, then a curator "
                "merges the layers into the document that export and training use. The "
                "*layers* column says who holds a layer of each document and its status.",
                elem_id="sr-assign-k-note",
            )
            with gr.Row():
                assign_k_people = gr.Dropdown(
                    [],
                    value=[],
                    multiselect=True,
                    allow_custom_value=True,
                    label="Annotators",
                    scale=3,
                    elem_id="assign-k-people",
                )
                k = gr.Number(
                    2, precision=0, minimum=1, label="k (per document)", scale=1, elem_id="assign-k"
                )
                k_share = gr.Number(
                    100,
                    minimum=0,
                    maximum=100,
                    label="Share of the listed documents (%)",
                    scale=1,
                    elem_id="assign-k-share",
                )
                k_button = gr.Button("Assign to k annotators", scale=0, elem_id="assign-k-button")
            k_result = gr.Markdown("", elem_id="assign-k-result")
            show_layers = gr.Checkbox(
                False,
                label="Annotators see each other's layers (read only)",
                elem_id="show-other-layers",
            )
        with gr.Accordion("Progress per person", open=True):
            statuses = gr.Markdown("", elem_id="sr-doc-statuses")
            progress = gr.Dataframe(
                pd.DataFrame([], columns=PROGRESS_HEADERS),
                interactive=False,
                datatype="str",
                max_height=220,
                elem_id="sr-progress",
                show_search="none",
            )
        with gr.Accordion("Pre-annotate with the active model", open=True):
            gr.Markdown(
                "The model suggests entities and relations. Events are not predicted: "
                "pre-annotation leaves every event, its trigger and its arguments as they are.",
                elem_id="sr-pre-note",
            )
            with gr.Row():
                pre_listed = gr.Button("Pre-annotate the listed documents", elem_id="sr-pre-listed")
                pre_all = gr.Button("Pre-annotate every unfinished document", elem_id="sr-pre-all")
            # high enough for the run's progress bar, which shows here only (``wire``)
            pre_msg = gr.Markdown("", elem_id="sr-pre-msg", min_height=56)
            jobs = gr.Dataframe(
                pd.DataFrame([]), label="Recent jobs", interactive=False, datatype="str"
            )
            jobs_refresh = gr.Button("Refresh jobs", size="sm")
        clean = build_document_cleanup()
        live = gr.State(Shown())
    return DocumentsTab(
        tab=tab,
        status=status,
        assignee=assignee,
        search=search,
        refresh=refresh,
        note=note,
        table=table,
        statuses=statuses,
        progress=progress,
        assign_name=assign_name,
        assign=assign,
        assign_msg=assign_msg,
        assign_k_people=assign_k_people,
        assign_k=k,
        assign_k_share=k_share,
        assign_k_button=k_button,
        assign_k_result=k_result,
        show_layers=show_layers,
        pre_listed=pre_listed,
        pre_all=pre_all,
        pre_msg=pre_msg,
        jobs=jobs,
        jobs_refresh=jobs_refresh,
        cleanup=clean,
        live=live,
    )


def wire(app: SpanrelApp, page: Page, tab: DocumentsTab, annotate: AnnotateTab) -> None:
    """A click on a row switches to the Annotate tab with that document open."""
    filters = tab.filters(page.project)
    listing = tab.listing()

    def refresh_docs(proj, status, assignee, search, shown):
        return listed_documents(app, shown, proj, status, assignee, search)

    for trigger in (tab.refresh.click, tab.search.submit, tab.assignee.submit):
        trigger(refresh_docs, [*filters, tab.live], listing)
    tab.status.change(refresh_docs, [*filters, tab.live], listing)
    tab.tab.select(refresh_docs, [*filters, tab.live], listing)

    # live: jobs, other people's edits and imports show without a click
    def refresh_live(proj, status, assignee, search):
        return document_list(app, proj, status, assignee, search)

    wire_live(refresh_live, filters, listing, tab.live)

    def open_row(evt: gr.SelectData, request: gr.Request):
        row = evt.row_value or []
        try:
            doc_id = int(row[0])
            # the row this person gets (their own layer of a document annotated in layers)
            opened = app.backend.opened_id(str(doc_id), app.user(request))
        except (IndexError, TypeError, ValueError, KeyError):
            return gr.update(), gr.update(), gr.update()
        return app.editor_value(opened), gr.Tabs(selected="annotate"), doc_id

    tab.table.select(open_row, None, [annotate.editor, page.tabs, annotate.doc_id])

    def assign(proj, status, assignee, search, shown, name, request: gr.Request):
        msg = assign_listed(app, proj, (status, assignee, search), name, app.user(request))
        return esc(msg), *listed_documents(app, shown, proj, status, assignee, search)

    tab.assign.click(assign, [*filters, tab.live, tab.assign_name], [tab.assign_msg, *listing])

    def assign_k_layers(
        proj, status, assignee, search, shown, people, k, share, request: gr.Request
    ):
        filters = (status, assignee, search)
        msg = assign_k_listed(app, proj, filters, people, k, share, app.user(request))
        return msg, *listed_documents(app, shown, proj, status, assignee, search)

    tab.assign_k_button.click(
        assign_k_layers,
        [*filters, tab.live, tab.assign_k_people, tab.assign_k, tab.assign_k_share],
        [tab.assign_k_result, *listing],
    )

    def set_show_layers(proj, on):
        if not proj:
            return "Choose a project first."
        return esc(set_show_other_layers(app.store, proj, bool(on)))

    tab.show_layers.input(set_show_layers, [page.project, tab.show_layers], [tab.assign_k_result])

    def refresh_layer_controls(proj):
        return layer_controls(app, proj)

    tab.tab.select(refresh_layer_controls, [page.project], tab.layer_views())

    def pre_listed(proj, status, assignee, search, shown, progress=gr.Progress()):  # noqa: B008
        ids = filtered_ids(app, proj, status, assignee, search) if proj else []
        msg = app.run_preannotation(proj, ids, "selection", progress)
        listed = listed_documents(app, shown, proj, status, assignee, search)
        return msg, *listed, jobs_frame(app.store, proj)

    def pre_all(proj, status, assignee, search, shown, progress=gr.Progress()):  # noqa: B008
        msg = app.run_preannotation(proj, app.unfinished_ids(proj), "project", progress)
        listed = listed_documents(app, shown, proj, status, assignee, search)
        return msg, *listed, jobs_frame(app.store, proj)

    pre_outputs = [tab.pre_msg, *listing, tab.jobs]
    # the progress shows on the message only: on every output it covered the documents table
    # for the whole run
    for button, run in ((tab.pre_listed, pre_listed), (tab.pre_all, pre_all)):
        button.click(
            run,
            [*filters, tab.live],
            pre_outputs,
            concurrency_limit=None,
            show_progress_on=[tab.pre_msg],
        )

    def refresh_jobs(proj):
        return jobs_frame(app.store, proj)

    tab.jobs_refresh.click(refresh_jobs, [page.project], [tab.jobs], api_name="jobs_frame")

    wire_documents(
        app,
        page,
        tab.cleanup,
        filters,
        listing,
        tab.table,
        lambda shown, *f: listed_documents(app, shown, *f),
        tab.live,
    )
