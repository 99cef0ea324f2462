"""Model tab: the active model and its dev scores, retraining (``retrain_tab``'s panel), the
versions with their learning curve and per-type scores, activating and rolling back, and
training outside the app (write the data, register the result).

While a retraining runs the panel's timer polls it once a second; when the job ends the poll
refreshes everything the new version changes (``model_outputs``) and stops the timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd
from gradio.blocks import Block

from app.retraining.auto import SETTING_AUTO_RETRAIN
from app.retraining.versions import rollback
from app.screens import code, esc, models, refused_line, retrain_tab
from app.screens.documents_tab import jobs_frame
from app.screens.learning_curve import PlotData, curve_plot
from app.screens.retrain_tab import RetrainPanel
from converters.errors import ConversionError
from db import Store, StoreError

if TYPE_CHECKING:
    from app.screens.documents_tab import DocumentsTab
    from app.ui import Page, SpanrelApp

NO_MODEL = (
    "**No model is trained yet for this project.** Pre-annotation needs one. Mark corrected "
    "documents done, then press **Retrain** on the **Model** tab. Or train outside the app: "
    "*Write training data* there exports the finished documents and shows the exact command, "
    "e.g.\n\n"
    "`python -m core_model train --train DATA/train.json --dev DATA/dev.json "
    "--types DATA/train_types.json --out MODELS/my-model`\n\n"
    "then register the trained directory there."
)


@dataclass
class ModelTab:
    info: gr.Markdown
    retraining: RetrainPanel
    curve: gr.Plot
    versions: gr.Dataframe
    activate_id: gr.Number
    activate: gr.Button
    rollback: gr.Button
    refresh: gr.Button
    msg: gr.Markdown
    per_type: gr.Dataframe
    write: gr.Button
    command: gr.Textbox
    path: gr.Textbox
    register: gr.Button

    def version_views(self) -> list[Block]:
        """What a new or newly active version changes, in ``model_outputs``' order."""
        return [self.info, self.versions, self.curve, self.per_type]

    def project_views(self) -> list[Block]:
        return [*self.version_views(), *self.retraining.project_views()]

    def show_project(self, app: SpanrelApp, project: str | None) -> dict[Block, Any]:
        shown = dict(zip(self.version_views(), model_outputs(app, project), strict=True))
        return {**shown, **self.retraining.show_project(app, project)}


# -- what the tab shows ------------------------------------------------------------------------


def model_markdown(app: SpanrelApp, project: str | None) -> str:
    """The active model with its dev scores, or how to get a first one."""
    if not project:
        return ""
    active = app.store.active_model_version(project)
    auto = app.auto.state(project)
    if active is None:
        pending = app.suggestions_pending(project)
        if pending:
            return f"**{esc(pending)}.**\n\n{auto.describe()}"
        return NO_MODEL + "\n\n" + auto.describe()
    m = active.metrics or {}
    lines = [
        f"**Active model:** version {active.id}, registered "
        f"{active.created_at.strftime('%Y-%m-%d %H:%M')}  ",
        code(active.path),
        "",
    ]
    if m.get("entities") or m.get("relations"):
        lines += ["| dev scores | precision | recall | F1 |", "|---|---|---|---|"]
        for key in ("entities", "relations"):
            s = m.get(key) or {}
            lines.append(
                f"| {key} | {models._pct(s.get('precision'))} | "
                f"{models._pct(s.get('recall'))} | {models._pct(s.get('f1'))} |"
            )
        extra = []
        if m.get("train_documents") is not None:
            extra.append(f"trained on {m['train_documents']} documents")
        if m.get("epoch") is not None:
            extra.append(f"best epoch {m['epoch']}")
        if m.get("threshold") is not None:
            extra.append(f"relation threshold {m['threshold']}")
        if extra:
            lines += ["", "; ".join(extra) + "."]
    else:
        lines.append("No dev scores were recorded with this model.")
    lines += ["", auto.describe()]
    return "\n".join(lines)


def versions_frame(store: Store, project: str | None) -> pd.DataFrame:
    rows = models.version_rows(store, project) if project else []
    return pd.DataFrame(rows, columns=models.VERSION_HEADERS)


def curve_figure(store: Store, project: str | None) -> PlotData:
    """The learning curve of the project's scored versions (``learning_curve``)."""
    return curve_plot(models.learning_curve_rows(store, project) if project else [])


def per_type_frame(store: Store, project: str | None) -> Any:
    """Per-type dev scores of the newest ready version (the one a retraining just made,
    active or waiting), with the F1 difference to the version it was compared with."""
    versions = store.list_model_versions(project) if project else []
    newest = next((mv for mv in reversed(versions) if mv.state == "ready"), None)
    label = "Dev scores per type"
    if newest is not None:
        label += f" of version {newest.id}, the newest" + (" (active)" if newest.active else "")
        compared = (newest.metrics.get("compared_with") or {}).get("version")
        if compared is not None:
            label += f"; \u0394 F1 against version {compared} on the same dev documents"
    frame = pd.DataFrame(models.per_type_rows(newest), columns=models.PER_TYPE_HEADERS)
    return gr.update(value=frame, label=label)


def model_outputs(app: SpanrelApp, project: str | None) -> tuple[Any, ...]:
    """info, versions, curve, per-type table: everything a new version changes."""
    return (
        model_markdown(app, project),
        versions_frame(app.store, project),
        curve_figure(app.store, project),
        per_type_frame(app.store, project),
    )


def build(app: SpanrelApp) -> ModelTab:
    with gr.Tab("Model", id="model"):
        info = gr.Markdown("", elem_id="sr-model-info")
        with gr.Row():
            with gr.Column(scale=2), gr.Group():
                retraining = retrain_tab.build(app)
            with gr.Column(scale=3):
                curve = gr.Plot(curve_plot([]), show_label=False, elem_id="sr-learning-curve")
        versions = gr.Dataframe(
            pd.DataFrame([], columns=models.VERSION_HEADERS),
            label="Model versions (Δ: difference to the version active when it was trained, "
            "on the same dev documents)",
            interactive=False,
            datatype="str",
            elem_id="sr-model-versions",
        )
        with gr.Row():
            activate_id = gr.Number(
                label="Activate version", value=None, precision=0, scale=0, min_width=160
            )
            activate = gr.Button("Activate", size="sm", elem_id="sr-activate")
            roll_back = gr.Button(
                "Roll back to the previous version", size="sm", elem_id="sr-rollback"
            )
            refresh = gr.Button(
                "Refresh unreviewed suggestions with the active model",
                size="sm",
                elem_id="sr-refresh-suggestions",
            )
        msg = gr.Markdown("", elem_id="sr-model-msg")
        per_type = gr.Dataframe(
            pd.DataFrame([], columns=models.PER_TYPE_HEADERS),
            label="Dev scores per type",
            interactive=False,
            datatype="str",
            elem_id="sr-per-type",
        )
        with gr.Row():
            with gr.Column(), gr.Group():
                gr.Markdown("### Train outside the app")
                write = gr.Button("Write training data", elem_id="sr-write-data")
                command = gr.Textbox(
                    label="Then run", interactive=False, lines=3, elem_id="sr-train-cmd"
                )
            with gr.Column(), gr.Group():
                gr.Markdown("### Register a trained model")
                path = gr.Textbox(
                    label=f"Model directory inside {app.config.models_dir.resolve()}",
                    elem_id="sr-model-path",
                    max_length=1000,
                )
                register = gr.Button(
                    "Register and activate", variant="primary", elem_id="sr-register"
                )
        retraining.timer.render()
    return ModelTab(
        info=info,
        retraining=retraining,
        curve=curve,
        versions=versions,
        activate_id=activate_id,
        activate=activate,
        rollback=roll_back,
        refresh=refresh,
        msg=msg,
        per_type=per_type,
        write=write,
        command=command,
        path=path,
        register=register,
    )


def wire(app: SpanrelApp, page: Page, tab: ModelTab, documents: DocumentsTab) -> None:
    """A finished retraining also refreshes the Documents tab's job list."""
    store, project, panel = app.store, page.project, tab.retraining
    retrain_tab.wire(app, page, panel)

    def write_data(proj):
        if not proj:
            return "", "Choose a project first."
        try:
            folder, command, n = models.write_training_data(store, proj, app.config.models_dir)
        except (models.ModelDirError, ConversionError, StoreError) as exc:
            return "", refused_line(exc)
        return command, (
            f"\u2713 {n} finished document(s) written to {code(folder)}. Run the command, "
            "then register the model directory."
        )

    tab.write.click(write_data, [project], [tab.command, tab.msg])

    model_views = tab.version_views()
    keep = tuple(gr.update() for _ in model_views)

    def register(proj, path):
        if not proj:
            return "Choose a project first.", *keep
        try:
            mv = models.register_model(store, proj, app.config.models_dir, path)
        except (models.ModelDirError, StoreError, OSError) as exc:
            return refused_line(exc), *keep
        return f"\u2713 Model version {mv.id} registered and active.", *model_outputs(app, proj)

    tab.register.click(register, [project, tab.path], [tab.msg, *model_views])

    def activate(proj, version):
        if not proj or version is None:
            return "Give a version number.", *keep
        try:
            ids = {mv.id for mv in store.list_model_versions(proj)}
            if int(version) not in ids:
                return f"No version {int(version)} in this project.", *keep
            store.activate_model_version(int(version))
        except (StoreError, ValueError) as exc:
            return refused_line(exc), *keep
        return (
            f"\u2713 Version {int(version)} is active. *Refresh unreviewed suggestions* "
            "re-runs it on the unfinished documents.",
            *model_outputs(app, proj),
        )

    tab.activate.click(activate, [project, tab.activate_id], [tab.msg, *model_views])

    def roll_back(proj):
        if not proj:
            return "Choose a project first.", *keep
        try:
            mv = rollback(store, proj)
        except StoreError as exc:
            return refused_line(exc), *keep
        return f"\u2713 Rolled back: version {mv.id} is active.", *model_outputs(app, proj)

    tab.rollback.click(roll_back, [project], [tab.msg, *model_views])

    def poll(proj):
        bar, status, running = retrain_tab.retrain_status(app, proj)
        log_text = retrain_tab.retrain_log(app, proj)
        if running:
            return bar, status, gr.Timer(active=True), *keep, gr.update(), log_text
        return (
            bar,
            status,
            gr.Timer(active=False),
            *model_outputs(app, proj),
            jobs_frame(store, proj),
            log_text,
        )

    panel.timer.tick(
        poll,
        [project],
        [panel.bar, panel.status, panel.timer, *model_views, documents.jobs, panel.log],
        concurrency_limit=None,
        show_progress="hidden",
    )

    def set_auto_retrain(proj, on):
        if not proj:
            return gr.update()
        store.update_project_settings(proj, {SETTING_AUTO_RETRAIN: bool(on)})
        if on:
            app.auto.check(proj)
        return model_markdown(app, proj)

    panel.auto_retrain.input(set_auto_retrain, [project, panel.auto_retrain], [tab.info])

    def refresh_suggestions(proj, progress=gr.Progress()):  # noqa: B008
        return app.run_preannotation(proj, app.unfinished_ids(proj), "refresh", progress)

    tab.refresh.click(refresh_suggestions, [project], [tab.msg], concurrency_limit=None)
