"""Projects tab: the list of projects, the types of the selected one (and changing them:
``schema_editing``), and creating a project.

The types table is the page's one hand-built HTML fragment: every name is escaped and only
``#rrggbb`` / ``#rgb`` colours reach a ``style`` attribute (anything else shows grey).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd
from gradio.blocks import Block

from app.editor.page_schema import relation_keys, type_keys
from app.permissions import refuse
from app.screens import esc, projects, refused_line
from app.screens.cleanup import ProjectCleanup, build_project_cleanup, wire_projects
from app.screens.schema_editing import SchemaEditor, apply_schema_change, build_schema_editor
from converters.errors import ConversionError
from db import Store, StoreError

if TYPE_CHECKING:
    from app.screens.importing_tab import ImportTab
    from app.ui import Page, SpanrelApp

ENTITY_GREY = "#bbbbbb"
RELATION_GREY = "#4a4f5c"


@dataclass
class ProjectsTab:
    table: gr.Dataframe
    types: gr.HTML
    name: gr.Textbox
    conf: gr.File
    entities: gr.Textbox
    relations: gr.Textbox
    create: gr.Button
    msg: gr.Markdown
    schema: SchemaEditor
    cleanup: ProjectCleanup  # rename, delete, the Trash (app.screens.cleanup)

    def project_views(self) -> list[Block]:
        return [self.types, *self.cleanup.delete.views()]

    def show_project(self, app: SpanrelApp, project: str | None) -> dict[Block, Any]:
        return {self.types: types_html(app.store, project), **self.cleanup.delete.reset()}


def projects_frame(store: Store) -> pd.DataFrame:
    return pd.DataFrame(projects.project_rows(store), columns=projects.PROJECT_HEADERS)


def _colour(value: str | None, default: str) -> str:
    return value if value and projects.COLOUR.fullmatch(value) else default


def types_html(store: Store, project: str | None) -> str:
    """The project's entity and relation types as an HTML table (names escaped)."""
    if not project:
        return ""
    schema = store.project_schema(project)
    # the keys the editor binds (the stored shortcut is only a wish: it may be reserved or taken)
    keys, rel_keys = type_keys(schema), relation_keys(schema)
    rows = []
    for t in schema.entity_types:
        colour = _colour(t.color, ENTITY_GREY)
        rows.append(_row("entity", colour, t.name, keys.get(t.name, ""), "", t.hidden))
    for r in schema.relation_types:
        colour = _colour(r.color, RELATION_GREY)
        args = f"{' | '.join(r.arg1_types) or 'any'} \u2192 {' | '.join(r.arg2_types) or 'any'}"
        rows.append(_row("relation", colour, r.name, rel_keys.get(r.name, ""), args, r.hidden))
    for ev in schema.event_types:
        colour = _colour(ev.color, ENTITY_GREY)
        roles = ", ".join(
            f"{a.role}{a.cardinality}: {' | '.join(a.types) or 'any'}" for a in ev.arguments
        )
        rows.append(_row("event", colour, ev.name, keys.get(ev.name, ""), roles, ev.hidden))
    for at in schema.attribute_types:
        values = ", ".join(at.values) or "present / absent"
        on = " | ".join(at.targets) or "any"
        rows.append(_row("attribute", "", at.name, "", f"on {on}: {values}", at.hidden))
    return (
        '<table class="sr-types"><thead><tr><th>kind</th><th>colour</th><th>type</th>'
        "<th>key</th><th>arguments</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _row(kind: str, colour: str, name: str, key: str, args: str, hidden: bool) -> str:
    swatch = f'<span style="background:{colour}"></span>' if colour else ""
    shown = html.escape(name) + (" <i>(hidden)</i>" if hidden else "")
    return (
        f'<tr><td>{kind}</td><td class="sr-swatch-cell">{swatch}</td><td>{shown}</td>'
        f"<td>{html.escape(key)}</td><td>{html.escape(args)}</td></tr>"
    )


def build(app: SpanrelApp) -> ProjectsTab:
    with gr.Tab("Projects", id="projects") as screen:
        table = gr.Dataframe(
            projects_frame(app.store),
            label="Projects",
            interactive=False,
            datatype="str",
            elem_id="sr-projects-table",
        )
        with gr.Row():
            with gr.Column(scale=1):
                gr.Markdown("### Types of the selected project")
                types = gr.HTML("", elem_id="sr-types")
                with gr.Group():
                    schema = build_schema_editor()
            with gr.Column(scale=1), gr.Group():
                gr.Markdown("### New project")
                name = gr.Textbox(label="Name", elem_id="sr-new-name", max_length=200)
                conf = gr.File(
                    label="annotation.conf (optional: or list the types below)",
                    file_types=[".conf"],
                    type="filepath",
                    elem_id="sr-new-conf",
                )
                entities = gr.Textbox(
                    label="Entity types: one per line, `Name #colour key`",
                    placeholder="Person #8fb4ff p\nOrganisation #7fd19b o\nPlace #ffb38a l",
                    lines=4,
                    elem_id="sr-new-entities",
                )
                relations = gr.Textbox(
                    label="Relation types: one per line, `Name Arg1 -> Arg2 #colour`",
                    placeholder="Works_for Person -> Organisation #3b5bdb",
                    lines=3,
                    elem_id="sr-new-relations",
                )
                create = gr.Button("Create project", variant="primary", elem_id="sr-create")
                msg = gr.Markdown("", elem_id="sr-create-msg")
        clean = build_project_cleanup(app, screen)
    return ProjectsTab(table, types, name, conf, entities, relations, create, msg, schema, clean)


def wire(app: SpanrelApp, page: Page, tab: ProjectsTab, imports: ImportTab) -> None:
    """Creating a project selects it in the page's chooser and as the import target."""

    def create(name, conf, ents, rels):
        try:
            info, _ = projects.create_project(
                app.store, name, conf_path=conf, entity_text=ents, relation_text=rels
            )
        except (ConversionError, StoreError) as exc:
            return (gr.update(), gr.update(), refused_line(exc), gr.update())
        names = app.project_names()
        return (
            gr.update(choices=names, value=info.name),
            projects_frame(app.store),
            f"\u2713 Project **{esc(info.name)}** created. Import documents next.",
            gr.update(choices=names, value=info.name),
        )

    tab.create.click(
        create,
        [tab.name, tab.conf, tab.entities, tab.relations],
        [page.project, tab.table, tab.msg, imports.target],
    )

    def change(project, *fields):
        message = apply_schema_change(app.store, project, *fields)
        if message.startswith("\u26a0"):  # a refusal: a toast that stays, besides the line
            refuse("Schema not changed: see the message under the form.", stop=False)
        return message, types_html(app.store, project), projects_frame(app.store)

    tab.schema.apply.click(
        change,
        [page.project, *tab.schema.inputs()],
        [tab.schema.msg, tab.types, tab.table],
    )

    wire_projects(
        app, page, tab.cleanup, tab.table, lambda: projects_frame(app.store), [imports.target]
    )
