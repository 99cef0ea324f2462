"""Clean-up on the page: rename or delete the chosen project (Projects screen) or a document
(Documents screen), and the Trash with Restore (Projects screen).

A delete takes two clicks: *Delete…* shows what goes (the store's ``what_goes`` counts) and
*Delete it* deletes exactly what was shown (kept in a ``gr.State``, so editing the name box in
between changes nothing). The message after it says until when the Trash can restore it. The
rules (what goes, names, refusals) are the store's (``db.trash``); this module lays the
controls out and words the answers.

Every handler that changes something takes the ``gr.Request`` and names who did it from it;
only managers reach them (``app.permissions`` guards every handler of the page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd
from gradio.blocks import Block

from app.screens import esc, refused_line
from db import StoreError
from db.trash import RETENTION_DAYS
from db.trash_views import DeletionSummary, TrashEntry

if TYPE_CHECKING:
    from app.ui import Page, SpanrelApp

TRASH_HEADERS = [
    "entry",
    "kind",
    "project",
    "name",
    "what went",
    "deleted by",
    "deleted (UTC)",
    "restorable until",
]
DONE = "\u2713"

#: a refresh of the document listing, said to the page's live record (``shown``, first):
#: ``(shown, project, status, assignee, search) -> (table, note, statuses, progress)``
Listing = Callable[..., tuple[Any, ...]]


def when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def confirm_text(goes: DeletionSummary) -> str:
    """The question *Delete…* asks: what goes and for how long it can come back."""
    what = (
        f"project **{esc(goes.name)}**"
        if goes.kind == "project"
        else f"document **{esc(goes.name)}** of project **{esc(goes.project)}**"
    )
    files = " (their files stay on disk until then)" if goes.model_versions else ""
    return (
        f"Delete {what}? This takes {esc(goes.phrase())}{files} with it. It stays in the "
        f"Trash for {RETENTION_DAYS} days and can be restored until then. "
        "Click **Delete it** to confirm."
    )


def deleted_text(entry: TrashEntry) -> str:
    kind = entry.kind.capitalize()
    return (
        f"{DONE} {kind} **{esc(entry.name)}** deleted ({esc(entry.summary.phrase())}). It can be "
        f"restored from the Trash on the Projects screen until {when(entry.purge_after)}."
    )


def trash_frame(app: SpanrelApp) -> pd.DataFrame:
    rows = [
        [
            e.id,
            e.kind,
            e.project,
            e.name,
            e.summary.phrase(),
            e.deleted_by or "",
            when(e.deleted_at),
            when(e.purge_after),
        ]
        for e in app.store.list_trash()
    ]
    return pd.DataFrame(rows, columns=TRASH_HEADERS)


def _shown(visible: bool) -> tuple[Any, Any]:
    """The confirm and cancel buttons' updates."""
    return gr.update(visible=visible), gr.update(visible=visible)


@dataclass
class DeleteControls:
    """*Delete…*, then *Delete it* / *Cancel* (hidden until asked), what is pending, a line."""

    ask: gr.Button
    confirm: gr.Button
    cancel: gr.Button
    pending: gr.State
    msg: gr.Markdown

    def views(self) -> list[Block]:
        """What choosing another project resets: a question asked about the last one."""
        return [self.confirm, self.cancel, self.msg]

    def reset(self) -> dict[Block, Any]:
        confirm, cancel = _shown(False)
        return {self.confirm: confirm, self.cancel: cancel, self.msg: ""}


def _delete_controls(prefix: str, what: str) -> DeleteControls:
    with gr.Row():
        ask = gr.Button(f"Delete {what}\u2026", variant="stop", elem_id=f"{prefix}-delete")
        confirm = gr.Button(
            "Delete it", variant="stop", visible=False, elem_id=f"{prefix}-delete-confirm"
        )
        cancel = gr.Button("Cancel", visible=False, elem_id=f"{prefix}-delete-cancel")
    return DeleteControls(
        ask, confirm, cancel, gr.State(None), gr.Markdown("", elem_id=f"{prefix}-msg")
    )


@dataclass
class ProjectCleanup:
    screen: gr.Tab  # the Projects tab: selecting it refreshes the Trash
    new_name: gr.Textbox
    rename: gr.Button
    delete: DeleteControls
    trash: gr.Dataframe
    entry: gr.Number
    restore_as: gr.Textbox
    restore: gr.Button
    refresh: gr.Button
    trash_msg: gr.Markdown


@dataclass
class DocumentCleanup:
    target: gr.Textbox
    new_name: gr.Textbox
    rename: gr.Button
    delete: DeleteControls


def build_project_cleanup(app: SpanrelApp, screen: gr.Tab) -> ProjectCleanup:
    """Inside the Projects tab: rename or delete the chosen project, and the Trash."""
    with gr.Group():
        gr.Markdown("### Rename or delete the chosen project")
        with gr.Row():
            new_name = gr.Textbox(
                label="New name", max_length=200, scale=3, elem_id="sr-project-new-name"
            )
            rename = gr.Button("Rename", scale=0, elem_id="sr-project-rename")
        delete = _delete_controls("sr-project", "project")
    with gr.Group():
        gr.Markdown("### Trash: deleted documents and projects")
        trash = gr.Dataframe(
            trash_frame(app),
            interactive=False,
            datatype="str",
            max_height=300,
            elem_id="sr-trash",
            show_search="none",
        )
        with gr.Row():
            entry = gr.Number(
                label="Entry", precision=0, scale=0, min_width=120, elem_id="sr-trash-entry"
            )
            restore_as = gr.Textbox(
                label="Restore as (empty: its own name)",
                max_length=500,
                scale=2,
                elem_id="sr-trash-as",
            )
            restore = gr.Button("Restore", scale=0, elem_id="sr-trash-restore")
            refresh = gr.Button("Refresh", scale=0, size="sm", elem_id="sr-trash-refresh")
        trash_msg = gr.Markdown("", elem_id="sr-trash-msg")
    return ProjectCleanup(
        screen, new_name, rename, delete, trash, entry, restore_as, restore, refresh, trash_msg
    )


def build_document_cleanup() -> DocumentCleanup:
    """Inside the Documents tab: rename or delete one document, named or clicked."""
    with gr.Accordion("Rename or delete a document", open=False, elem_id="sr-doc-cleanup"):
        with gr.Row():
            target = gr.Textbox(
                label="Document (its name; a click on a row fills it in)",
                max_length=500,
                scale=2,
                elem_id="sr-doc-target",
            )
            new_name = gr.Textbox(
                label="New name", max_length=500, scale=2, elem_id="sr-doc-new-name"
            )
            rename = gr.Button("Rename", scale=0, elem_id="sr-doc-rename")
        delete = _delete_controls("sr-doc", "document")
    return DocumentCleanup(target, new_name, rename, delete)


def _ask(app: SpanrelApp, project: str | None, document: str | None) -> tuple[Any, Any, Any, Any]:
    """*Delete…*: (pending, message, confirm, cancel)."""
    if not project:
        return None, "Choose a project first.", *_shown(False)
    if document is not None and not document.strip():
        return None, "Type the document's name (or click its row) first.", *_shown(False)
    try:
        goes = app.store.what_goes(project, document)
    except StoreError as exc:
        return None, refused_line(exc), *_shown(False)
    return [project, document], confirm_text(goes), *_shown(True)


def cancel_delete() -> tuple[Any, Any, Any, Any]:
    return None, "Nothing was deleted.", *_shown(False)


def wire_projects(
    app: SpanrelApp,
    page: Page,
    tab: ProjectCleanup,
    table: gr.Dataframe,
    frame: Callable[[], pd.DataFrame],
    targets: list[gr.Dropdown],
) -> None:
    """``table``/``frame``: the projects table and its refresh; ``targets``: other project
    choosers (the Import screen's) that list the projects too."""
    d = tab.delete
    buttons = [d.pending, d.msg, d.confirm, d.cancel]

    def choosers(value: str | None) -> list[Any]:
        names = app.project_names()
        value = value if value in names else (names[0] if names else None)
        return [gr.update(choices=names, value=value) for _ in (page.project, *targets)]

    def ask_delete_project(project):
        return _ask(app, project, None)

    d.ask.click(ask_delete_project, [page.project], buttons)
    d.cancel.click(cancel_delete, None, buttons)

    def delete_project(pending, request: gr.Request):
        who = app.user(request)
        unchanged = [gr.update()] * (1 + len(targets))
        if not pending:
            return None, "Nothing to delete.", *_shown(False), *unchanged, frame(), gr.update()
        try:
            msg, chosen = deleted_text(app.store.delete_project(pending[0], by=who)), choosers(None)
        except StoreError as exc:
            msg, chosen = refused_line(exc), unchanged
        return None, msg, *_shown(False), *chosen, frame(), trash_frame(app)

    d.confirm.click(
        delete_project, [d.pending], [*buttons, page.project, *targets, table, tab.trash]
    )

    def rename_project(project, new_name, request: gr.Request):
        who = app.user(request)
        new_name = new_name or ""
        try:
            if not project:
                raise StoreError("choose a project first")
            app.store.rename_project(project, new_name, by=who)
        except StoreError as exc:
            return refused_line(exc), *[gr.update()] * (1 + len(targets)), frame(), gr.update()
        done = f"{DONE} Project **{esc(project)}** is now **{esc(new_name)}**."
        return done, *choosers(new_name), frame(), ""

    tab.rename.click(
        rename_project,
        [page.project, tab.new_name],
        [d.msg, page.project, *targets, table, tab.new_name],
    )

    def restore_entry(entry, new_name, project, request: gr.Request):
        who = app.user(request)
        try:
            if entry is None:
                raise StoreError("give the entry number of the Trash row to restore")
            as_name = new_name if new_name and new_name.strip() else None
            result = app.store.restore(int(entry), by=who, new_name=as_name)
        except (StoreError, ValueError, OverflowError) as exc:
            unchanged = [gr.update()] * (1 + len(targets))
            return refused_line(exc), trash_frame(app), frame(), *unchanged
        what = (
            f"Project **{esc(result.name)}**"
            if result.kind == "project"
            else f"Document **{esc(result.name)}** of project **{esc(result.project)}**"
        )
        added = result.added_entity_types + result.added_relation_types
        more = f" Its types {esc(', '.join(added))} were added back to the schema." if added else ""
        msg = f"{DONE} {what} restored.{more}"
        return msg, trash_frame(app), frame(), *choosers(project or result.project)

    tab.restore.click(
        restore_entry,
        [tab.entry, tab.restore_as, page.project],
        [tab.trash_msg, tab.trash, table, page.project, *targets],
    )

    def pick_entry(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else gr.update()

    tab.trash.select(pick_entry, None, [tab.entry])

    def list_trash():
        return trash_frame(app)

    tab.refresh.click(list_trash, None, [tab.trash])
    tab.screen.select(list_trash, None, [tab.trash])


def wire_documents(
    app: SpanrelApp,
    page: Page,
    tab: DocumentCleanup,
    filters: list[Block],
    listing: list[Block],
    table: gr.Dataframe,
    refresh: Listing,
    shown: gr.State,
) -> None:
    """``filters``/``listing``: the Documents screen's filter inputs and the table and note
    that ``refresh`` fills; ``shown``: the page's record of that listing
    (``app.screens.live.Shown``), handed to ``refresh``."""
    d = tab.delete
    buttons = [d.pending, d.msg, d.confirm, d.cancel]

    def ask_delete_document(project, name):
        return _ask(app, project, name or "")

    d.ask.click(ask_delete_document, [page.project, tab.target], buttons)
    d.cancel.click(cancel_delete, None, buttons)

    def delete_document(pending, project, status, assignee, search, live, request: gr.Request):
        who = app.user(request)
        msg = "Nothing to delete."
        if pending:
            try:
                msg = deleted_text(app.store.delete_document(*pending, by=who))
            except StoreError as exc:
                msg = refused_line(exc)
        return None, msg, *_shown(False), *refresh(live, project, status, assignee, search)

    d.confirm.click(delete_document, [d.pending, *filters, shown], [*buttons, *listing])

    def rename_document(
        project, name, new_name, status, assignee, search, live, request: gr.Request
    ):
        who = app.user(request)
        try:
            if not project:
                raise StoreError("choose a project first")
            app.store.rename_document(project, name or "", new_name or "", by=who)
        except StoreError as exc:
            return (
                refused_line(exc),
                gr.update(),
                gr.update(),
                *refresh(live, project, status, assignee, search),
            )
        msg = f"{DONE} Document **{esc(name)}** is now **{esc(new_name)}**."
        return msg, new_name, "", *refresh(live, project, status, assignee, search)

    tab.rename.click(
        rename_document,
        [page.project, tab.target, tab.new_name, *filters[1:], shown],
        [d.msg, tab.target, tab.new_name, *listing],
    )

    def pick_document(evt: gr.SelectData):
        row = evt.row_value or []
        return row[1] if len(row) > 1 else gr.update()

    table.select(pick_document, None, [tab.target])
