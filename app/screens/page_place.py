"""What the page does as a whole: open at the place its address names, show the chosen
project on every screen, and keep the Projects table and the project chooser live.

The address holds ``?project=&tab=&doc=`` (``app/place.js`` keeps it current; a tab's id is
its label in lower case); ``on_load`` reads it. The live check runs every ``LIVE_S`` seconds
and sends the table only when it changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
from gradio.blocks import Block

from app.screens import projects_tab
from db import StoreError

if TYPE_CHECKING:
    from app.screens.annotate_tab import AnnotateTab
    from app.ui import Page, ShowsProject, SpanrelApp

#: how often the Projects table and the project chooser are checked for changes (seconds)
LIVE_S = 10.0
#: the tabs' ids (each ``gr.Tab``'s id is its label in lower case: app/place.js relies on it)
TAB_IDS = ("projects", "import", "documents", "annotate", "export", "model", "people")
PLACE_JS = (Path(__file__).resolve().parents[1] / "place.js").read_text(encoding="utf-8")


def fingerprint(*values: Any) -> str:
    """A digest of what a live view would send: equal digests, nothing to redraw."""
    text = "\x00".join(v.to_json() if hasattr(v, "to_json") else repr(v) for v in values)
    return hashlib.sha1(text.encode()).hexdigest()


def wire_page(
    app: SpanrelApp,
    demo: gr.Blocks,
    page: Page,
    screens: list[ShowsProject],
    annotate: AnnotateTab,
) -> None:
    """Loading the page and choosing a project: every screen shows the chosen project
    (each screen's ``project_views`` / ``show_project``), in one event. The page opens at
    the place its address names (``?project=&tab=&doc=``, kept by ``app/place.js``)."""
    shown = [view for screen in screens for view in screen.project_views()]

    def refresh_project(proj: str | None) -> dict[Block, Any]:
        updates: dict[Block, Any] = {}
        for screen in screens:
            updates.update(screen.show_project(app, proj))
        return updates

    def on_load(proj, request: gr.Request):
        names = app.project_names()
        place = dict(getattr(request, "query_params", None) or {})
        if place.get("project") in names:
            proj = place["project"]
        if proj not in names:
            proj = names[0] if names else None
        updates: dict[Block, Any] = {
            page.project: gr.update(choices=names, value=proj),
            page.who: app.who_line(request),
            **refresh_project(proj),
        }
        if place.get("tab") in TAB_IDS:
            updates[page.tabs] = gr.update(selected=place["tab"])
        doc = placed_document(app, proj, place.get("doc"))
        if doc is not None:
            updates.update(
                {
                    page.tabs: gr.update(selected="annotate"),
                    annotate.editor: app.editor_value(doc),
                    annotate.doc_id: doc,
                }
            )
        return updates

    outputs = [page.project, page.who, page.tabs, annotate.editor, annotate.doc_id, *shown]
    demo.load(on_load, [page.project], outputs).then(
        None, js="() => { document.body.dataset.srPlaced = '1'; }"
    )
    page.project.change(refresh_project, [page.project], shown)


def wire_live(app: SpanrelApp, page: Page, projects: projects_tab.ProjectsTab) -> None:
    """The Projects table and the project chooser follow imports, jobs, edits and other
    people's new projects: checked every ``LIVE_S`` seconds, sent only when they changed
    (an unchanged table is not redrawn under the person's pointer)."""
    timer = gr.Timer(LIVE_S)
    seen = gr.State("")

    def refresh_tables(proj, last):
        frame = projects_tab.projects_frame(app.store)
        key = hashlib.sha1(frame.to_json().encode()).hexdigest()
        if key == last:
            return gr.skip(), gr.skip(), last
        names = app.project_names()
        return frame, gr.update(choices=names), key

    timer.tick(refresh_tables, [page.project, seen], [projects.table, page.project, seen])


def placed_document(app: SpanrelApp, project: str | None, doc: str | None) -> int | None:
    """The document an address names, if it is one of ``project``'s."""
    if not project or not doc or not doc.isdigit():
        return None
    try:
        view = app.store.load_document(int(doc))
    except StoreError:
        return None
    return view.id if view.project == project else None
