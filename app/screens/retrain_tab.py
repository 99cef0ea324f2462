"""The Model tab's retraining panel: start a retraining from the corrected documents
(``app.retraining``) with a starting point, epochs and a time budget; cancel it; follow its
progress and log; the project's automatic retraining and activation settings.

Kept apart from ``models_tab`` (which lays the panel out inside the Model tab and refreshes the
versions when a retraining ends) because retraining has its own job, settings and timer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr
from gradio.blocks import Block

from app.retraining.auto import is_enabled as is_auto_retrain
from app.retraining.options import SETTING_AUTO_ACTIVATE, RetrainError
from app.screens import esc, refused_line
from converters.errors import ConversionError
from db import JobBusyError, Store, StoreError

if TYPE_CHECKING:
    from app.ui import Page, SpanrelApp

FROM_AUTO = "automatic: the base encoder for a small project, else the active version"
FROM_ACTIVE = "the active version (warm start)"
FROM_ENCODER = "the base encoder (from scratch)"
POLL_SECONDS = 1.0


@dataclass
class RetrainPanel:
    start_from: gr.Radio
    epochs: gr.Number
    budget: gr.Number
    auto_retrain: gr.Checkbox
    auto_activate: gr.Checkbox
    retrain: gr.Button
    cancel: gr.Button
    bar: gr.HTML
    status: gr.Markdown
    log: gr.Textbox
    # polls a running retraining; created unrendered, the Model tab places it
    timer: gr.Timer

    def project_views(self) -> list[Block]:
        return [self.auto_activate, self.bar, self.status, self.timer, self.log, self.auto_retrain]

    def show_project(self, app: SpanrelApp, project: str | None) -> dict[Block, Any]:
        bar, status, running = retrain_status(app, project)
        return {
            self.auto_activate: auto_activate_on(app.store, project),
            self.bar: bar,
            self.status: status,
            self.timer: gr.Timer(active=running),
            self.log: retrain_log(app, project),
            self.auto_retrain: auto_retrain_on(app.store, project),
        }


def retrain_status(app: SpanrelApp, project: str | None) -> tuple[str, str, bool]:
    """(progress bar HTML, status Markdown, running?) of the project's latest retraining."""
    if not project:
        return "", "", False
    job = app.retrainer.latest_job(project)
    if job is None:
        return "", "No retraining yet.", False
    running = job.state in ("queued", "running")
    width = max(0.0, min(100.0, 100 * job.progress))
    bar = f'<div class="sr-progress"><div style="width:{width:.1f}%"></div></div>'
    if running:
        text = f"Retraining (job {job.id}) {job.state}: {esc(job.message or 'starting')}"
    elif job.state == "done":
        text = f"\u2713 Retraining job {job.id} done: {esc(job.result.get('reason', ''))}"
    elif job.state == "cancelled":
        text = f"Retraining job {job.id} cancelled; the active model is unchanged."
    else:
        text = (
            f"\u26a0 Retraining job {job.id} failed: {esc(job.message)}. The active model "
            "is unchanged; the log below says more."
        )
    return (bar if running or job.state == "done" else ""), text, running


def retrain_log(app: SpanrelApp, project: str | None) -> str:
    job = app.retrainer.latest_job(project) if project else None
    return job.log if job is not None else ""


def auto_retrain_on(store: Store, project: str | None) -> bool:
    return is_auto_retrain(store.get_project(project).settings) if project else True


def auto_activate_on(store: Store, project: str | None) -> bool:
    if not project:
        return True
    return bool(store.get_project(project).settings.get(SETTING_AUTO_ACTIVATE, True))


def _epochs(value: Any) -> int | None:
    """The epochs box: 0, empty or nonsense means automatic (None)."""
    try:
        n = int(value) if value else None
    except (TypeError, ValueError, OverflowError):
        n = None
    return n if n is not None and n >= 1 else None


def _minutes(value: Any) -> float | None:
    """The time budget box: 0, empty or nonsense means no budget (None)."""
    try:
        return float(value) if value and float(value) > 0 else None
    except (TypeError, ValueError, OverflowError):
        return None


def build(app: SpanrelApp) -> RetrainPanel:
    """The panel's components, laid out where the caller is (the Model tab's left column)."""
    gr.Markdown("### Retrain from corrections")
    start_from = gr.Radio(
        [FROM_AUTO, FROM_ACTIVE, FROM_ENCODER],
        value=FROM_AUTO,
        label="Start from",
        elem_id="sr-retrain-from",
    )
    with gr.Row():
        epochs = gr.Number(
            label="Epochs (0: automatic, more for fewer documents)",
            value=app.config.retrain.epochs,
            precision=0,
            maximum=100,
            elem_id="sr-retrain-epochs",
        )
        budget = gr.Number(
            label="Time budget in minutes (0: none)",
            value=None,
            maximum=24 * 60,
            elem_id="sr-retrain-budget",
        )
    auto_retrain = gr.Checkbox(
        label="Retrain automatically as documents are marked done",
        value=True,
        elem_id="sr-auto-retrain",
    )
    auto_activate = gr.Checkbox(
        label="Activate the new version automatically when it is better on dev",
        value=True,
        elem_id="sr-auto-activate",
    )
    with gr.Row():
        retrain = gr.Button("Retrain", variant="primary", elem_id="sr-retrain")
        cancel = gr.Button("Cancel", elem_id="sr-retrain-cancel")
    bar = gr.HTML("", elem_id="sr-retrain-bar")
    status = gr.Markdown("", elem_id="sr-retrain-status")
    with gr.Accordion("Log of the latest retraining", open=False):
        log = gr.Textbox(show_label=False, lines=8, max_lines=20, elem_id="sr-retrain-log")
    timer = gr.Timer(POLL_SECONDS, active=False, render=False)
    return RetrainPanel(
        start_from=start_from,
        epochs=epochs,
        budget=budget,
        auto_retrain=auto_retrain,
        auto_activate=auto_activate,
        retrain=retrain,
        cancel=cancel,
        bar=bar,
        status=status,
        log=log,
        timer=timer,
    )


def wire(app: SpanrelApp, page: Page, panel: RetrainPanel) -> None:
    """Starting a retraining starts the timer; what its end refreshes is ``models_tab``'s."""

    def start_retrain(proj, start_from, epochs, budget, auto):
        if not proj:
            return "", "Choose a project first.", gr.Timer(active=False)
        n, minutes = _epochs(epochs), _minutes(budget)
        defaults = app.config.retrain
        options = dataclasses.replace(
            defaults,
            epochs=n if n is not None else defaults.epochs,
            max_seconds=60 * minutes if minutes else defaults.max_seconds,
            from_scratch={FROM_ENCODER: True, FROM_ACTIVE: False}.get(start_from),
            auto_activate=bool(auto),
        )
        try:
            job = app.retrainer.start(proj, options)
        except JobBusyError as exc:
            bar, _, running = retrain_status(app, proj)
            return (
                bar,
                refused_line(
                    f"A retraining of this project is already running (job {exc.job_id}): "
                    "wait for it to end or cancel it."
                ),
                gr.Timer(active=running),
            )
        except (RetrainError, StoreError, ConversionError, OSError) as exc:
            return "", refused_line(exc), gr.Timer(active=False)
        bar, status, _ = retrain_status(app, proj)
        return bar, status or f"Retraining job {job.id} started.", gr.Timer(active=True)

    panel.retrain.click(
        start_retrain,
        [page.project, panel.start_from, panel.epochs, panel.budget, panel.auto_activate],
        [panel.bar, panel.status, panel.timer],
        concurrency_limit=None,
    )

    def cancel_retrain(proj):
        job = app.retrainer.running_job(proj) if proj else None
        if job is None:
            return "Nothing to cancel: no retraining is running."
        try:
            app.retrainer.cancel(job.id)
        except StoreError as exc:
            return refused_line(exc)
        return f"Cancelling retraining job {job.id}\u2026"

    panel.cancel.click(cancel_retrain, [page.project], [panel.status], concurrency_limit=None)

    def set_auto(proj, auto):
        if proj:
            app.store.update_project_settings(proj, {SETTING_AUTO_ACTIVATE: bool(auto)})

    panel.auto_activate.input(set_auto, [page.project, panel.auto_activate], None)
