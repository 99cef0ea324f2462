"""The spanrel web app: one Gradio page with a tab per screen.

Screens: Projects, Import, Documents, Annotate (the editor), Curation, Export, Model, People;
each is laid out and wired by its ``app.screens.<name>_tab`` module. ``SpanrelApp`` holds what
they share (the store, the job queue, the retrainer, the editor's backend, pre-annotation) and
``build()`` composes the tabs under the page's project chooser; ``launch.py`` starts it.

Safety rules followed here (the page is public HTTP):
- user text (document text and names, type names, project names, file names, error messages)
  reaches the page only as component *values* rendered as text (Dataframe ``str`` cells,
  Dropdown choices, Textbox) or through ``app.screens.esc()`` inside Markdown; the
  hand-built HTML fragments (the types table, the Curation tab's agreement tables and aligned
  view: ``app.screens.curation_view.h``) escape every name and text and accept only ``#rrggbb``
  colours;
- the editor validates each operation itself and the store re-checks it against the database;
- uploads are bounded by ``launch(max_file_size=...)`` and archives by the store's zip limits.

Authorship: with sign-in the signed-in user's name (``gr.Request.username`` for events, the
login cookie for the editor's server functions) is recorded on every edit; without it the author
is ``default_user``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import gradio as gr
import pandas as pd
from gradio.blocks import Block

from app.editor.editor import request_user
from app.jobs import JobQueue
from app.permissions import Gate, guard
from app.preannotate import NoActiveModel, PredictorCache, suggest_relations
from app.preannotation_jobs import PreannotationJobs
from app.retraining.auto import AutoRetrainer
from app.retraining.options import RetrainOptions
from app.retraining.progress import time_left_of
from app.retraining.recovery import recover_versions, sweep_job_dirs
from app.retraining.retrainer import Retrainer
from app.screens import (
    annotate_tab,
    code,
    curation_tab,
    documents_tab,
    esc,
    exporting_tab,
    importing_tab,
    models_tab,
    page_place,
    people,
    projects_tab,
)
from app.screens.retrain_tab import FROM_ACTIVE, FROM_AUTO, FROM_ENCODER
from app.store_backend import StoreBackend
from db import Store, StoreError
from db.document_status import DONE, UNTOUCHED

# names other modules import from here (the tab modules hold them now)
__all__ = [
    "CSS",
    "FROM_ACTIVE",
    "FROM_AUTO",
    "FROM_ENCODER",
    "AppConfig",
    "Page",
    "SpanrelApp",
    "code",
    "create_app",
    "esc",
]

log = logging.getLogger(__name__)

CSS = (
    """
.sr-header { align-items: center; }
.sr-header h1 { margin: 0; font-size: 1.45rem; }
.sr-header .sr-user { text-align: right; opacity: .75; }
.sr-types { border-collapse: collapse; width: 100%; font-size: .92rem; }
.sr-types th, .sr-types td { text-align: left; padding: 4px 10px;
  border-bottom: 1px solid var(--border-color-primary); }
.sr-swatch-cell span { display: inline-block; width: 14px; height: 14px; border-radius: 3px;
  vertical-align: middle; border: 1px solid rgba(0,0,0,.2); }
.sr-progress { height: 10px; background: var(--background-fill-secondary); border-radius: 5px;
  overflow: hidden; margin: 4px 0 2px; }
.sr-progress > div { height: 100%; background: var(--color-accent); transition: width .3s; }
footer { display: none !important; }
/* the learning curve's Vega chart is as wide as its box ("width": "container") */
#sr-learning-curve .vega-embed { width: 100%; }
"""
    + curation_tab.CSS
)

#: the page's load script: the address keeps the place (``app/place.js``), and the Curation
#: tab's keys and clicks (``app/screens/curation.js``)
PAGE_JS = f"() => {{ ({page_place.PLACE_JS.strip()})(); ({curation_tab.CURATION_JS})(); }}"


@dataclass
class AppConfig:
    models_dir: Path
    default_user: str = "anonymous"
    job_workers: int = 1
    max_file_size: str = "200mb"
    auth: list[tuple[str, str]] = field(default_factory=list)
    # how the Retrain button trains (the page sets epochs and the starting point)
    retrain: RetrainOptions = field(default_factory=RetrainOptions)
    # automatic retraining (each project also has its own setting, on by default); off: only
    # the Retrain button trains. When on, every project is checked as the app starts.
    auto_retrain: bool = True
    # people sign in (launch.py: accounts exist, or a first manager is awaited); None: when
    # ``auth`` is given. Without sign-in everybody is ``default_user``, a manager.
    sign_in: bool | None = None
    # accounts given on the command line (launch.py --auth): managers
    cli_managers: list[str] = field(default_factory=list)

    @property
    def signing_in(self) -> bool:
        return bool(self.auth) if self.sign_in is None else self.sign_in


@dataclass
class Page:
    """What every screen may read or update besides its own tab: the project chosen at the
    top, the signed-in line and the tab switcher."""

    project: gr.Dropdown
    who: gr.Markdown
    tabs: gr.Tabs


class ShowsProject(Protocol):
    """A screen that shows something of the chosen project."""

    def project_views(self) -> list[Block]: ...

    def show_project(self, app: SpanrelApp, project: str | None) -> dict[Block, Any]: ...


class SpanrelApp(PreannotationJobs):
    """What the screens share; ``build()`` returns the ``gr.Blocks``."""

    def __init__(self, store: Store, config: AppConfig) -> None:
        self.store = store
        self.config = config
        self.config.models_dir.mkdir(parents=True, exist_ok=True)
        self.jobs = JobQueue(store, workers=config.job_workers)
        self.predictors = PredictorCache()
        self.retrainer = Retrainer(
            store,
            config.models_dir,
            on_activated=self.after_activation,
            on_finished=lambda project, job: self.auto.finished(project, job),
        )
        self.auto = AutoRetrainer(
            store, self.retrainer, lambda: self.config.retrain, enabled=config.auto_retrain
        )
        self.gate = Gate(
            store,
            open_user=None if config.signing_in else config.default_user,
            cli_managers=[*config.cli_managers, *(name for name, _ in config.auth)],
        )
        self.backend = StoreBackend(
            store,
            gate=self.gate,
            default_user=config.default_user,
            on_done=self.auto.check_later,
            suggest_relations=self.suggest_relations,
        )
        self._revision = 0

    def suggest_relations(
        self, doc_id: int, version: int, author: str, *, client_id: str, seq: int
    ) -> tuple[str, Any]:
        """The editor's "suggest relations" (key ">"): the second, relation-only pass, applied
        once per page operation ``(client_id, seq)`` (the store's record)."""
        try:
            result = suggest_relations(
                self.store,
                doc_id,
                expected_version=version,
                author=author,
                predictors=self.predictors,
                client_id=client_id,
                seq=seq,
            )
        except NoActiveModel as exc:
            raise StoreError(str(exc)) from None
        return result.summary(), result.edit

    def after_activation(self, project: str, version: Any) -> None:
        """A retraining made ``version`` active: refresh the suggestions of the documents
        nobody has worked on yet (new or pre-annotated), and of their layers nobody has
        started (a layer in progress keeps its suggestions: rewriting them under an annotator
        at work would turn their next edit into a conflict), in the background job queue."""
        ids = [d.id for d in self.store.list_documents(project) if d.status in UNTOUCHED]
        if ids:
            self.submit_preannotation(
                project, ids, f"refresh after version {version.id}", layer_statuses=UNTOUCHED
            )

    # -- helpers ---------------------------------------------------------------------------

    def user(self, request: gr.Request | None) -> str:
        name = getattr(request, "username", None) if request is not None else None
        return name or self.config.default_user

    def who_line(self, request: gr.Request | None) -> str:
        """The header's "signed in as NAME (role)"."""
        actor = self.gate.actor(getattr(request, "username", None))
        if actor is None:
            return "account disabled"
        return f"signed in as **{esc(actor.name)}** ({actor.role})"

    def editor_user(self, request: Any) -> str | None:
        return request_user(request) or self.config.default_user

    def project_names(self) -> list[str]:
        return [p.name for p in self.store.list_projects()]

    def next_revision(self) -> int:
        self._revision += 1
        return int(time.time()) * 1000 + self._revision % 1000

    def editor_value(self, doc_id: int | str) -> dict[str, Any]:
        """The editor's value that (re)loads ``doc_id``: a new revision each time, so the
        same document opened again is fetched again."""
        return {"doc_id": str(doc_id), "revision": self.next_revision()}

    def unfinished_ids(self, project: str | None) -> list[int]:
        if not project:
            return []
        return [d.id for d in self.store.list_documents(project) if d.status != DONE]

    def suggestions_pending(self, project: str) -> str:
        """'' unless the project has no model yet and its first one is training: then when
        suggestions will be ready (the job's time left)."""
        if self.store.active_model_version(project) is not None:
            return ""
        job = self.retrainer.running_job(project)
        if job is None:
            return ""
        left = time_left_of(job)
        when = f" ({left})" if left else ""
        return f"The first model is training{when}: suggestions will appear when it is done"

    # the screens' views, here too for the tests and benchmarks that drive the app directly

    def documents_frame(
        self, project: str | None, status: str = "all", assignee: str = "", search: str = ""
    ) -> tuple[pd.DataFrame, str]:
        return documents_tab.documents_frame(self, project, status, assignee, search)

    def filtered_ids(self, project: str, status: str, assignee: str, search: str) -> list[int]:
        return documents_tab.filtered_ids(self, project, status, assignee, search)

    def assign_listed(
        self, project: str | None, filters: tuple[str, str, str], name: str, user: str
    ) -> str:
        return documents_tab.assign_listed(self, project, filters, name, user)

    def model_markdown(self, project: str | None) -> str:
        return models_tab.model_markdown(self, project)

    # -- layout -----------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        names = self.project_names()
        first = names[0] if names else None
        with gr.Blocks(title="spanrel", analytics_enabled=False) as demo:
            with gr.Row(elem_classes="sr-header"):
                gr.Markdown("# spanrel \u00b7 entity & relation annotation")
                project = gr.Dropdown(
                    names,
                    value=first,
                    label="Project",
                    interactive=True,
                    scale=0,
                    min_width=260,
                    elem_id="sr-project",
                )
                who = gr.Markdown("", elem_classes="sr-user")
            with gr.Tabs(selected="documents" if first else "projects") as tabs:
                projects = projects_tab.build(self)
                imports = importing_tab.build(self)
                documents = documents_tab.build(self)
                annotate = annotate_tab.build(self)
                curate = curation_tab.build(self)
                export = exporting_tab.build(self)
                model = models_tab.build(self)
                people_screen = people.build(self)
            page = Page(project, who, tabs)
            page_place.wire_page(
                self,
                demo,
                page,
                [projects, imports, documents, annotate, model],
                annotate,
                live=[documents.live],
            )
            projects_tab.wire(self, page, projects, imports)
            importing_tab.wire(self, page, imports, projects)
            documents_tab.wire(self, page, documents, annotate)
            annotate_tab.wire(self, page, annotate, documents)
            curation_tab.wire(self, page, curate, demo)
            exporting_tab.wire(self, page, export)
            models_tab.wire(self, page, model, documents)
            people.wire(self, page, people_screen)
            page_place.wire_projects_live(self, page, projects)
        guard(demo, self.gate)
        return demo

    # -- launching ---------------------------------------------------------------------------

    def launch_kwargs(self) -> dict[str, Any]:
        """Keyword arguments every launch of this app needs (tests use them too)."""
        return {
            "run_history": False,  # no copies of event inputs in the browser's localStorage
            "max_file_size": self.config.max_file_size,
            "auth": list(self.config.auth) or None,
            "auth_message": "spanrel: sign in to annotate" if self.config.auth else None,
            "css": CSS,
            "js": PAGE_JS,
            "theme": gr.themes.Soft(primary_hue="indigo"),
            "footer_links": [],
        }

    def close(self) -> None:
        self.retrainer.shutdown()
        self.jobs.shutdown()


def create_app(store: Store, config: AppConfig) -> tuple[SpanrelApp, gr.Blocks]:
    """The app and its Blocks (queued, a few events at once so one user never blocks all)."""
    app = SpanrelApp(store, config)
    recovered = app.jobs.recover()
    if recovered:
        log.warning("%d job(s) from an earlier run were marked failed", recovered)
    failed = recover_versions(store)
    if failed:
        log.warning("%d model version(s) left training by an earlier run marked failed", failed)
    swept = sweep_job_dirs(store, app.retrainer.models_dir.resolve())
    if swept:
        log.info("removed %d folder(s) left by killed training jobs", len(swept))
    store.purge_trash()  # deleted documents and projects past the Trash's 30 days (db.trash)
    if config.auto_retrain:
        # e.g. the demo project's gold documents: a first model starts training at once
        threading.Thread(target=app.auto.check_all, name="spanrel-auto-start", daemon=True).start()
    demo = app.build()
    demo.queue(default_concurrency_limit=4)
    return app, demo
