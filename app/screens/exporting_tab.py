"""Export tab: the chosen project as a download in one format, with what the format could not
hold listed as warnings (the writing is ``app.screens.exporting``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import gradio as gr
import pandas as pd

from app.screens import esc, exporting, refused_line
from converters.errors import ConversionError
from db import StoreError

if TYPE_CHECKING:
    from app.ui import Page, SpanrelApp

PROBLEM_HEADERS = ["where", "what the format could not hold"]


@dataclass
class ExportTab:
    format: gr.Radio
    sugg: gr.Checkbox
    go: gr.Button
    file: gr.File
    msg: gr.Markdown
    problems: gr.Dataframe


def build(app: SpanrelApp) -> ExportTab:
    with gr.Tab("Export", id="export"):
        with gr.Row():
            with gr.Column(scale=1):
                fmt = gr.Radio(
                    list(exporting.EXPORT_FORMATS),
                    value="BRAT (.zip)",
                    label="Format",
                    elem_id="sr-export-fmt",
                )
                sugg = gr.Checkbox(
                    label="Include unreviewed model suggestions", value=False, elem_id="sr-sugg"
                )
                go = gr.Button("Export", variant="primary", elem_id="sr-export-go")
            with gr.Column(scale=2):
                file = gr.File(label="Download", interactive=False, elem_id="sr-export-file")
                msg = gr.Markdown("", elem_id="sr-export-msg")
        problems = gr.Dataframe(
            pd.DataFrame([], columns=PROBLEM_HEADERS),
            label="Warnings",
            interactive=False,
            datatype="str",
            wrap=True,
        )
    return ExportTab(fmt, sugg, go, file, msg, problems)


def wire(app: SpanrelApp, page: Page, tab: ExportTab) -> None:
    def do_export(proj, label, sugg, progress=gr.Progress()):  # noqa: B008
        if not proj:
            return None, "Choose a project first.", gr.update()
        fmt = exporting.EXPORT_FORMATS.get(label)
        if fmt is None:
            return None, "Choose a format.", gr.update()
        progress(0.2, desc=f"writing {label}")
        try:
            files, problems = exporting.export_project(
                app.store, proj, fmt, include_suggestions=bool(sugg)
            )
        except (ConversionError, StoreError, OSError) as exc:
            return None, refused_line(exc, "Export failed: "), gr.update()
        rows = [[pr.path, pr.message] for pr in problems]
        msg = f"\u2713 {esc(proj)} exported as {esc(label)}"
        msg += f" with {len(problems)} warning(s)." if problems else "."
        return [str(f) for f in files], msg, pd.DataFrame(rows, columns=PROBLEM_HEADERS)

    tab.go.click(do_export, [page.project, tab.format, tab.sugg], [tab.file, tab.msg, tab.problems])
