"""Import tab: upload files into a project (a new name creates it), with a report per file.

The checking and storing is ``app.screens.importing``; this tab only passes the uploads on
and shows the outcome. An import may create a project, so it refreshes the project chooser
and the Projects table.

The file box takes any file (no ``file_types``): Gradio's own filter drops a file it does not
list with a passing toast and uploads the rest, so a forgotten ``.ann`` went unnoticed and its
text imported with a green tick. Here every selected file reaches the import, which reads it or
refuses the whole upload naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd
from gradio.blocks import Block

from app.permissions import refuse
from app.screens import esc, importing
from app.screens.projects_tab import projects_frame
from db.document_status import AUTO

if TYPE_CHECKING:
    from app.screens.projects_tab import ProjectsTab
    from app.ui import Page, SpanrelApp


@dataclass
class ImportTab:
    files: gr.File
    format: gr.Radio
    target: gr.Dropdown
    done: gr.Radio
    go: gr.Button
    msg: gr.Markdown
    report: gr.Dataframe
    documents: gr.Dataframe

    def project_views(self) -> list[Block]:
        return [self.target]

    def show_project(self, app: SpanrelApp, project: str | None) -> dict[Block, Any]:
        return {self.target: gr.update(value=project)}


def build(app: SpanrelApp) -> ImportTab:
    with gr.Tab("Import", id="import"):
        gr.Markdown(
            "Upload **.txt** files, **BRAT** `.txt`/`.ann` pairs (picked together, paired by "
            "name, with their `annotation.conf`), a **BRAT** or **ACE 2005** folder as a "
            "**.zip**, or **SpERT JSON** (with its `*_types.json`). Everything is checked first; "
            "if any file has a problem nothing is imported and the report lists each problem, "
            "cause first."
        )
        with gr.Row():
            with gr.Column(scale=2):
                files = gr.File(
                    label="Files",
                    file_count="multiple",
                    type="filepath",
                    elem_id="sr-import-files",
                )
            with gr.Column(scale=1):
                fmt = gr.Radio(
                    list(importing.FORMATS), value="auto", label="Format", elem_id="sr-import-fmt"
                )
                target = gr.Dropdown(
                    app.project_names(),
                    value=None,
                    label="Into project (type a new name to create it)",
                    allow_custom_value=True,
                    interactive=True,
                    elem_id="sr-import-project",
                )
                done = gr.Radio(
                    importing.STATUS_CHOICES,
                    value=AUTO,
                    label="Are the imported annotations finished gold? (done documents train "
                    "the model)",
                    elem_id="sr-import-status",
                )
                go = gr.Button("Import", variant="primary", elem_id="sr-import-go")
        msg = gr.Markdown("", elem_id="sr-import-msg")
        report = gr.Dataframe(
            pd.DataFrame([], columns=importing.REPORT_HEADERS),
            label="Report per file",
            interactive=False,
            datatype="str",
            wrap=True,
            elem_id="sr-import-report",
        )
        with gr.Accordion("Documents read, one by one", open=False):
            documents = gr.Dataframe(
                pd.DataFrame([], columns=importing.DOCUMENT_HEADERS),
                interactive=False,
                datatype="str",
                elem_id="sr-import-documents",
            )
    return ImportTab(files, fmt, target, done, go, msg, report, documents)


def wire(app: SpanrelApp, page: Page, tab: ImportTab, projects: ProjectsTab) -> None:
    """An empty target imports into the project chosen at the top of the page."""

    def do_import(
        files,
        fmt,
        target,
        done,
        current,
        request: gr.Request,
        progress=gr.Progress(),  # noqa: B008
    ):
        target = (target or current or "").strip()
        paths = [f if isinstance(f, str) else getattr(f, "name", "") for f in files or []]
        outcome = importing.import_uploads(
            app.store,
            target,
            paths,
            fmt=fmt,
            status=done or AUTO,
            author=app.user(request),
            progress=lambda frac, desc: progress(frac, desc=desc),
        )
        rows = [r.row() for r in outcome.files]
        if outcome.ok and len(outcome.files) > 1:
            rows.append(outcome.total_row())
        report = pd.DataFrame(rows, columns=importing.REPORT_HEADERS)
        documents = pd.DataFrame(outcome.document_rows(), columns=importing.DOCUMENT_HEADERS)
        if not outcome.ok:
            refuse("Nothing was imported: the problems are listed under the button.", stop=False)
            msg = f"\u26a0 {esc(outcome.error)}"
            msg += "".join(f"\n- {esc(line)}" for line in outcome.problem_lines())
            return msg, report, documents, gr.update(), gr.update()
        msg = (
            f"\u2713 Imported **{outcome.documents}** document(s) with "
            f"{esc(outcome.counts.phrase())} into **{esc(outcome.project)}**. Nothing was left "
            "out: every annotation read is stored and exported as it came."
        )
        if outcome.counts.not_drawn:
            msg += (
                f" Not representable in the editor: {outcome.counts.not_drawn} relation(s) whose "
                "argument is a relation or that have more than two arguments (kept and exported, "
                "not drawn)."
            )
        if outcome.added_types:
            msg += " New types added to the project: " + esc(", ".join(outcome.added_types))
        msg += " " + importing.status_sentence(outcome.status, done or AUTO)
        app.auto.check_later(outcome.project)  # documents imported as done count
        names = app.project_names()
        return (
            msg,
            report,
            documents,
            gr.update(choices=names, value=outcome.project),
            projects_frame(app.store),
        )

    tab.go.click(
        do_import,
        [tab.files, tab.format, tab.target, tab.done, page.project],
        [tab.msg, tab.report, tab.documents, page.project, projects.table],
    )
