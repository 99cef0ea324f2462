"""Export tab: the chosen project as a download in one format, with what the format could not
hold listed as warnings (the writing is ``app.screens.exporting``). The "Layer" dropdown picks
the curated documents (the default) or one person's layers; its people are listed again when
the tab opens or the project changes (``refresh_layers``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    tab: gr.Tab
    format: gr.Radio
    layer: gr.Dropdown
    sugg: gr.Checkbox
    go: gr.Button
    file: gr.File
    msg: gr.Markdown
    problems: gr.Dataframe


def build(app: SpanrelApp) -> ExportTab:
    with gr.Tab("Export", id="export") as tab:
        with gr.Row():
            with gr.Column(scale=1):
                fmt = gr.Radio(
                    list(exporting.EXPORT_FORMATS),
                    value="BRAT (.zip)",
                    label="Format",
                    elem_id="sr-export-fmt",
                )
                layer = gr.Dropdown(
                    exporting.layer_choices(app.store, None),
                    value=exporting.CURATED,
                    label="Layer",
                    info="the curated documents, or one person's layers of the documents",
                    elem_id="sr-export-layer",
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
    return ExportTab(tab, fmt, layer, sugg, go, file, msg, problems)


def layer_update(app: SpanrelApp, proj: str | None, chosen: str | None) -> Any:
    """The "Layer" dropdown for ``proj``: its people, the choice kept while it is one of them
    (the curated documents otherwise)."""
    choices = exporting.layer_choices(app.store, proj)
    keep = chosen if chosen in {value for _, value in choices} else exporting.CURATED
    return gr.update(choices=choices, value=keep)


def wire(app: SpanrelApp, page: Page, tab: ExportTab) -> None:
    def refresh_layers(proj, chosen):
        try:
            return layer_update(app, proj, chosen)
        except StoreError:  # the project is gone meanwhile
            return layer_update(app, None, None)

    tab.tab.select(refresh_layers, [page.project, tab.layer], [tab.layer])
    page.project.change(refresh_layers, [page.project, tab.layer], [tab.layer])

    def do_export(proj, label, layer, sugg, progress=gr.Progress()):  # noqa: B008
        if not proj:
            return None, "Choose a project first.", gr.update()
        fmt = exporting.EXPORT_FORMATS.get(label)
        if fmt is None:
            return None, "Choose a format.", gr.update()
        progress(0.2, desc=f"writing {label}")
        try:
            files, problems = exporting.export_project(
                app.store, proj, fmt, include_suggestions=bool(sugg), layer=layer or None
            )
        except (ConversionError, StoreError, OSError, ValueError) as exc:
            return None, refused_line(exc, "Export failed: "), gr.update()
        rows = [[pr.path, pr.message] for pr in problems]
        whose = f"{esc(layer)}'s layers of " if layer else ""
        msg = f"\u2713 {whose}{esc(proj)} exported as {esc(label)}"
        msg += f" with {len(problems)} warning(s)." if problems else "."
        return [str(f) for f in files], msg, pd.DataFrame(rows, columns=PROBLEM_HEADERS)

    tab.go.click(
        do_export,
        [page.project, tab.format, tab.layer, tab.sugg],
        [tab.file, tab.msg, tab.problems],
    )
