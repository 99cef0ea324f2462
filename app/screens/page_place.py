"""What the page does as a whole: open at the place its address names, show the chosen
project on every screen, and keep the Projects table and the project chooser live.

The address holds ``?project=&tab=&doc=`` (``app/place.js`` keeps it current; a tab's id is
its label in lower case); ``on_load`` reads it. The live check (``app.screens.live``) asks
again every ``LIVE_S`` seconds and sends the table and the chooser only when they changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
from gradio.blocks import Block

from app.screens import projects_tab
from app.screens.live import Shown, wire_live
from db import StoreError

if TYPE_CHECKING:
    from app.screens.annotate_tab import AnnotateTab
    from app.ui import Page, ShowsProject, SpanrelApp

#: the tabs' ids (each ``gr.Tab``'s id is its label in lower case: app/place.js relies on it)
TAB_IDS = (
    "projects",
    "import",
    "documents",
    "annotate",
    "curation",
    "export",
    "model",
    "people",
)
PLACE_JS = (Path(__file__).resolve().parents[1] / "place.js").read_text(encoding="utf-8")


def wire_page(
    app: SpanrelApp,
    demo: gr.Blocks,
    page: Page,
    screens: list[ShowsProject],
    annotate: AnnotateTab,
    live: Sequence[gr.State] = (),
) -> None:
    """Loading the page and choosing a project: every screen shows the chosen project
    (each screen's ``project_views`` / ``show_project``), in one event. The page opens at
    the place its address names (``?project=&tab=&doc=``, kept by ``app/place.js``).

    ``live``: the records (``app.screens.live.Shown``) of the live views that a screen fills
    here; they are told, so that a tick that read the project before it changed is not sent
    over the new project's listing."""
    shown = [view for screen in screens for view in screen.project_views()]

    def refresh_project(proj: str | None, *records: Shown) -> dict[Block, Any]:
        for record in records:
            record.listed(None)  # show_project lists with its own filter: not the page's
        updates: dict[Block, Any] = {}
        for screen in screens:
            updates.update(screen.show_project(app, proj))
        return updates

    def on_load(proj, request: gr.Request, *records: Shown):
        names = app.project_names()
        place = dict(getattr(request, "query_params", None) or {})
        if place.get("project") in names:
            proj = place["project"]
        if proj not in names:
            proj = names[0] if names else None
        updates: dict[Block, Any] = {
            page.project: gr.update(choices=names, value=proj),
            page.who: app.who_line(request),
            **refresh_project(proj, *records),
        }
        if place.get("tab") in TAB_IDS:
            updates[page.tabs] = gr.update(selected=place["tab"])
        doc = placed_document(app, proj, place.get("doc"))
        if doc is not None:
            try:  # the row this person gets (their own layer of a document with layers)
                opened = app.backend.opened_id(str(doc), app.user(request))
            except KeyError:
                opened = str(doc)
            updates.update(
                {
                    page.tabs: gr.update(selected="annotate"),
                    annotate.editor: app.editor_value(opened),
                    annotate.doc_id: doc,
                }
            )
        return updates

    outputs = [page.project, page.who, page.tabs, annotate.editor, annotate.doc_id, *shown]
    demo.load(on_load, [page.project, *live], outputs).then(
        None, js="() => { document.body.dataset.srPlaced = '1'; }"
    )
    page.project.change(refresh_project, [page.project, *live], shown)


def wire_projects_live(app: SpanrelApp, page: Page, projects: projects_tab.ProjectsTab) -> None:
    """The Projects table and the project chooser follow imports, jobs, edits and other
    people's new projects (``app.screens.live``: sent only when they changed)."""

    def refresh_tables():
        return projects_tab.projects_frame(app.store), gr.update(choices=app.project_names())

    wire_live(refresh_tables, [], [projects.table, page.project])


def placed_document(app: SpanrelApp, project: str | None, doc: str | None) -> int | None:
    """The document an address names, if it is one of ``project``'s."""
    if not project or not doc or not doc.isdigit():
        return None
    try:
        view = app.store.load_document(int(doc))
    except StoreError:
        return None
    return view.id if view.project == project else None
