"""The spanrel web app: one Gradio page with a tab per screen.

Screens: Projects, Import, Documents, Annotate (the editor), Export, Model. ``SpanrelApp``
holds what they share (the store, the job queue, the editor's backend) and ``build()`` lays
them out; ``launch.py`` starts it.

Safety rules followed here (the page is public HTTP):
- user text (document text and names, type names, project names, file names, error messages)
  reaches the page only as component *values* rendered as text (Dataframe ``str`` cells,
  Dropdown choices, Textbox) or through ``esc()`` inside Markdown; the one hand-built HTML
  fragment (the types table) escapes every name and accepts only ``#rrggbb`` colours;
- the editor validates each operation itself and the store re-checks it against the database;
- uploads are bounded by ``launch(max_file_size=...)`` and archives by the store's zip limits.

Authorship: with ``--auth`` the logged-in user name (``gr.Request.username`` for events, the
login cookie for the editor's server functions) is recorded on every edit; without it the author
is ``default_user``.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from app import ordering
from app.autoretrain import SETTING_AUTO_RETRAIN, AutoRetrainer
from app.autoretrain import is_enabled as is_auto_retrain
from app.editor.editor import AnnotationEditor, request_user
from app.jobs import JobContext, JobQueue
from app.preannotate import NoActiveModel, PredictorCache, preannotate, suggest_relations
from app.retrain import (
    SETTING_AUTO_ACTIVATE,
    Retrainer,
    RetrainError,
    RetrainOptions,
    recover_versions,
    rollback,
    sweep_job_dirs,
    time_left_of,
)
from app.screens import exporting, importing, models, projects
from app.store_backend import StoreBackend
from converters.errors import ConversionError
from db import Edit, JobBusyError, Store, StoreError

log = logging.getLogger(__name__)

STATUSES = ("new", "pre-annotated", "in-progress", "done")
DOC_HEADERS = [
    "id",
    "name",
    "status",
    "assignee",
    "split",
    "entities",
    "relations",
    "suggestions",
    "characters",
    "updated",
]
MAX_ROWS = 1000
_COLOUR = re.compile(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")

CSS = """
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
"""

NO_MODEL = (
    "**No model is trained yet for this project.** Pre-annotation needs one. Mark corrected "
    "documents done, then press **Retrain** on the **Model** tab. Or train outside the app: "
    "*Write training data* there exports the finished documents and shows the exact command, "
    "e.g.\n\n"
    "`python -m core_model train --train DATA/train.json --dev DATA/dev.json "
    "--types DATA/train_types.json --out MODELS/my-model`\n\n"
    "then register the trained directory there."
)
FROM_AUTO = "automatic: the base encoder for a small project, else the active version"
FROM_ACTIVE = "the active version (warm start)"
FROM_ENCODER = "the base encoder (from scratch)"
CURVE_EMPTY = pd.DataFrame([], columns=models.CURVE_HEADERS)


def code(text: Any) -> str:
    """User text as a Markdown code span (shown literally; backticks cannot close it)."""
    return "`" + str(text).replace("`", "'").replace("\n", " ") + "`"


def esc(text: Any) -> str:
    """User text made inert inside Markdown: HTML-escaped, Markdown punctuation backslashed
    (``$`` too: Gradio renders ``$$...$$`` as LaTeX).

    Quotes stay as they are (the result is element text, never an attribute value): escaping
    them would make ``&#x27;``, whose ``#`` the backslashing breaks, so ``'`` showed as
    ``&#x27;``."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


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


class SpanrelApp:
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
        self.backend = StoreBackend(
            store,
            default_user=config.default_user,
            on_done=self.auto.check_later,
            suggest_relations=self.suggest_relations,
        )
        self._revision = 0

    def suggest_relations(self, doc_id: int, version: int, author: str) -> tuple[str, Any]:
        """The editor's "suggest relations" (key ">"): the second, relation-only pass."""
        try:
            result = suggest_relations(
                self.store,
                doc_id,
                expected_version=version,
                author=author,
                predictors=self.predictors,
            )
        except NoActiveModel as exc:
            raise StoreError(str(exc)) from None
        return result.summary(), result.edit

    def after_activation(self, project: str, version: Any) -> None:
        """A retraining made ``version`` active: refresh the suggestions of the documents
        nobody has worked on yet (new or pre-annotated), in the background job queue."""
        ids = [
            d.id for d in self.store.list_documents(project) if d.status in ("new", "pre-annotated")
        ]
        if ids:
            self.submit_preannotation(project, ids, f"refresh after version {version.id}")

    # -- helpers ---------------------------------------------------------------------------

    def user(self, request: gr.Request | None) -> str:
        name = getattr(request, "username", None) if request is not None else None
        return name or self.config.default_user

    def editor_user(self, request: Any) -> str | None:
        return request_user(request) or self.config.default_user

    def project_names(self) -> list[str]:
        return [p.name for p in self.store.list_projects()]

    def next_revision(self) -> int:
        self._revision += 1
        return int(time.time()) * 1000 + self._revision % 1000

    def types_html(self, project: str | None) -> str:
        if not project:
            return ""
        schema = self.store.project_schema(project)
        rows = []
        for t in schema.entity_types:
            colour = t.color if t.color and _COLOUR.fullmatch(t.color) else "#bbbbbb"
            rows.append(
                "<tr><td>entity</td>"
                f'<td class="sr-swatch-cell"><span style="background:{colour}"></span></td>'
                f"<td>{html.escape(t.name)}</td><td>{html.escape(t.shortcut or '')}</td>"
                "<td></td></tr>"
            )
        for r in schema.relation_types:
            colour = r.color if r.color and _COLOUR.fullmatch(r.color) else "#4a4f5c"
            args = f"{' | '.join(r.arg1_types) or 'any'} \u2192 {' | '.join(r.arg2_types) or 'any'}"
            rows.append(
                "<tr><td>relation</td>"
                f'<td class="sr-swatch-cell"><span style="background:{colour}"></span></td>'
                f"<td>{html.escape(r.name)}</td><td></td><td>{html.escape(args)}</td></tr>"
            )
        return (
            '<table class="sr-types"><thead><tr><th>kind</th><th>colour</th><th>type</th>'
            "<th>key</th><th>arguments</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )

    def documents_frame(
        self,
        project: str | None,
        status: str = "all",
        assignee: str = "",
        search: str = "",
    ) -> tuple[pd.DataFrame, str]:
        if not project:
            return pd.DataFrame([], columns=DOC_HEADERS), "No project yet: create one."
        search = (search or "").strip()
        kwargs: dict[str, Any] = {}
        if status and status != "all":
            kwargs["status"] = status
        if assignee and assignee.strip():
            kwargs["assignee"] = assignee.strip()
        docs = self.store.list_documents(project, **kwargs)
        if search:
            low = search.lower()
            by_name = {d.id for d in docs if low in d.name.lower()}
            by_text = {
                d.id for d in self.store.list_documents(project, text_contains=search, **kwargs)
            }
            docs = [d for d in docs if d.id in by_name or d.id in by_text]
        rows = [
            [
                d.id,
                d.name,
                d.status,
                d.assignee or "",
                d.split,
                d.entities,
                d.relations,
                d.suggestions,
                d.length,
                d.updated_at.strftime("%Y-%m-%d %H:%M"),
            ]
            for d in docs[:MAX_ROWS]
        ]
        note = f"{len(docs)} document(s)"
        if len(docs) > MAX_ROWS:
            note += f"; the first {MAX_ROWS} are listed: narrow the filter"
        waiting = self.suggestions_pending(project)
        if waiting:
            note += ". " + waiting
        return pd.DataFrame(rows, columns=DOC_HEADERS), note

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

    def assign_listed(
        self, project: str | None, filters: tuple[str, str, str], name: str, user: str
    ) -> str:
        """Set (or, with an empty ``name``, clear) the annotator of every listed document.

        The table's *assignee* column and filter say who annotates which document; this is the
        way to set it. Each document gets one ``set_assignee`` edit (history, version bump); a
        document changed meanwhile is skipped and counted, never overwritten blindly.
        """
        if not project:
            return "Choose a project first."
        name = (name or "").strip()
        if len(name) > 200 or any(ord(ch) < 32 for ch in name):
            return "An annotator name has at most 200 characters and no control characters."
        ids = set(self.filtered_ids(project, *filters))
        if not ids:
            return "No document is listed."
        changed = skipped = 0
        for doc in self.store.list_documents(project):
            if doc.id not in ids or (doc.assignee or "") == name:
                continue
            try:
                self.store.apply_edit(doc.id, Edit.set_assignee(name or None), doc.version, user)
                changed += 1
            except StoreError:  # ConflictError included: edited meanwhile
                skipped += 1
        who = f"to {name}" if name else "to nobody"
        msg = f"{changed} document(s) assigned {who}"
        return msg + (f"; {skipped} changed meanwhile, not assigned" if skipped else "") + "."

    def filtered_ids(self, project: str, status: str, assignee: str, search: str) -> list[int]:
        frame, _ = self.documents_frame(project, status, assignee, search)
        return [int(x) for x in frame["id"].tolist()]

    def model_markdown(self, project: str | None) -> str:
        if not project:
            return ""
        active = self.store.active_model_version(project)
        auto = self.auto.state(project)
        if active is None:
            pending = self.suggestions_pending(project)
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

    def jobs_frame(self, project: str | None) -> pd.DataFrame:
        headers = ["job", "kind", "state", "progress", "message", "started", "finished"]
        if not project:
            return pd.DataFrame([], columns=headers)
        rows = [
            [
                j.id,
                j.kind,
                j.state,
                f"{100 * j.progress:.0f} %",
                j.message,
                j.started_at.strftime("%H:%M:%S") if j.started_at else "",
                j.finished_at.strftime("%H:%M:%S") if j.finished_at else "",
            ]
            for j in self.store.list_jobs(project=project, limit=20)
        ]
        return pd.DataFrame(rows, columns=headers)

    # -- pre-annotation ---------------------------------------------------------------------

    def submit_preannotation(self, project: str, doc_ids: list[int], scope: str) -> Any:
        active = self.store.active_model_version(project)
        if active is None:
            raise NoActiveModel(NO_MODEL)
        model_dir, model_id = active.path, active.id

        def run(ctx: JobContext) -> dict[str, Any]:
            def report(done: int, total: int) -> None:
                ctx.progress(done / max(1, total), f"{done}/{total} documents")

            result = preannotate(
                self.store,
                project,
                doc_ids,
                model_dir=model_dir,
                model_version_id=model_id,
                progress=report,
                should_stop=ctx.should_stop,
                log_line=ctx.log,
                predictors=self.predictors,
            )
            ctx.log(result.summary())
            return result.to_dict()

        return self.jobs.submit(
            "preannotate",
            run,
            project=project,
            params={"scope": scope, "documents": len(doc_ids), "model_version": model_id},
        )

    def wait_job(self, job_id: int, progress: gr.Progress | None) -> Any:
        """Follow a job until it ends, mirroring its progress into the page's progress bar."""
        while True:
            job = self.store.get_job(job_id)
            if progress is not None:
                progress(job.progress, desc=job.message or job.state)
            if job.state in ("done", "failed", "cancelled"):
                return job
            time.sleep(0.3)

    @staticmethod
    def job_summary(job: Any) -> str:
        if job.state == "done":
            r = job.result or {}
            text = (
                f"\u2713 Job {job.id}: {r.get('documents', 0)} document(s) pre-annotated, "
                f"{r.get('entities', 0)} entity and {r.get('relations', 0)} relation "
                f"suggestion(s) in {r.get('seconds', 0):.1f} s."
            )
            if r.get("skipped_types"):
                text += f" {r['skipped_types']} prediction(s) of unknown types skipped."
            if r.get("failed"):
                text += f" {r['failed']} document(s) failed: see the job log."
            return text
        return f"Job {job.id} {job.state}: {esc(job.message)}"

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
                with gr.Tab("Projects", id="projects"):
                    p = self._projects_tab()
                with gr.Tab("Import", id="import"):
                    i = self._import_tab()
                with gr.Tab("Documents", id="documents") as docs_tab:
                    d = self._documents_tab()
                d["tab"] = docs_tab
                with gr.Tab("Annotate", id="annotate"):
                    a = self._annotate_tab()
                with gr.Tab("Export", id="export"):
                    x = self._export_tab()
                with gr.Tab("Model", id="model"):
                    m = self._model_tab()
            self._wire(demo, project, who, tabs, p, i, d, a, x, m)
        return demo

    def _projects_tab(self) -> dict[str, Any]:
        c: dict[str, Any] = {}
        c["table"] = gr.Dataframe(
            pd.DataFrame(projects.project_rows(self.store), columns=projects.PROJECT_HEADERS),
            label="Projects",
            interactive=False,
            datatype="str",
            elem_id="sr-projects-table",
        )
        with gr.Row():
            with gr.Column(scale=1):
                gr.Markdown("### Types of the selected project")
                c["types"] = gr.HTML("", elem_id="sr-types")
            with gr.Column(scale=1), gr.Group():
                gr.Markdown("### New project")
                c["name"] = gr.Textbox(label="Name", elem_id="sr-new-name", max_length=200)
                c["conf"] = gr.File(
                    label="annotation.conf (optional: or list the types below)",
                    file_types=[".conf"],
                    type="filepath",
                    elem_id="sr-new-conf",
                )
                c["entities"] = gr.Textbox(
                    label="Entity types: one per line, `Name #colour key`",
                    placeholder="Person #8fb4ff p\nOrganisation #7fd19b o\nPlace #ffb38a l",
                    lines=4,
                    elem_id="sr-new-entities",
                )
                c["relations"] = gr.Textbox(
                    label="Relation types: one per line, `Name Arg1 -> Arg2 #colour`",
                    placeholder="Works_for Person -> Organisation #3b5bdb",
                    lines=3,
                    elem_id="sr-new-relations",
                )
                c["create"] = gr.Button("Create project", variant="primary", elem_id="sr-create")
                c["msg"] = gr.Markdown("", elem_id="sr-create-msg")
        return c

    def _import_tab(self) -> dict[str, Any]:
        c: dict[str, Any] = {}
        gr.Markdown(
            "Upload **.txt** files, a **BRAT** or **ACE 2005** folder as a **.zip**, or "
            "**SpERT JSON** (with its `*_types.json`). Everything is checked first; if any file "
            "has a problem nothing is imported and the report says which file and why."
        )
        with gr.Row():
            with gr.Column(scale=2):
                c["files"] = gr.File(
                    label="Files",
                    file_count="multiple",
                    file_types=list(importing.SUFFIXES),
                    type="filepath",
                    elem_id="sr-import-files",
                )
            with gr.Column(scale=1):
                c["format"] = gr.Radio(
                    list(importing.FORMATS), value="auto", label="Format", elem_id="sr-import-fmt"
                )
                c["target"] = gr.Dropdown(
                    self.project_names(),
                    value=None,
                    label="Into project (type a new name to create it)",
                    allow_custom_value=True,
                    interactive=True,
                    elem_id="sr-import-project",
                )
                c["done"] = gr.Checkbox(
                    label="Mark imported documents done (finished gold annotations)", value=False
                )
                c["go"] = gr.Button("Import", variant="primary", elem_id="sr-import-go")
        c["msg"] = gr.Markdown("", elem_id="sr-import-msg")
        c["report"] = gr.Dataframe(
            pd.DataFrame([], columns=importing.REPORT_HEADERS),
            label="Report per file",
            interactive=False,
            datatype="str",
            wrap=True,
            elem_id="sr-import-report",
        )
        return c

    def _documents_tab(self) -> dict[str, Any]:
        c: dict[str, Any] = {}
        with gr.Row():
            c["status"] = gr.Dropdown(
                ["all", *STATUSES], value="all", label="Status", scale=1, elem_id="sr-f-status"
            )
            c["assignee"] = gr.Textbox(label="Assignee", scale=1, elem_id="sr-f-assignee")
            c["search"] = gr.Textbox(
                label="Name or text contains", scale=2, elem_id="sr-f-search", max_length=200
            )
            c["refresh"] = gr.Button("Filter", scale=0, elem_id="sr-f-go")
        c["note"] = gr.Markdown("", elem_id="sr-doc-note")
        c["table"] = gr.Dataframe(
            pd.DataFrame([], columns=DOC_HEADERS),
            interactive=False,
            datatype="str",
            max_height=520,
            elem_id="sr-docs",
            show_search="none",
        )
        gr.Markdown("Click a row to open the document in the **Annotate** tab.")
        with gr.Row():
            c["assign_name"] = gr.Textbox(
                label="Annotator of the listed documents (empty: nobody)",
                scale=2,
                max_length=200,
                elem_id="sr-assign-name",
            )
            c["assign"] = gr.Button("Assign", scale=0, elem_id="sr-assign-go")
        c["assign_msg"] = gr.Markdown("", elem_id="sr-assign-msg")
        with gr.Accordion("Pre-annotate with the active model", open=True):
            with gr.Row():
                c["pre_listed"] = gr.Button(
                    "Pre-annotate the listed documents", elem_id="sr-pre-listed"
                )
                c["pre_all"] = gr.Button(
                    "Pre-annotate every unfinished document", elem_id="sr-pre-all"
                )
            c["pre_msg"] = gr.Markdown("", elem_id="sr-pre-msg")
            c["jobs"] = gr.Dataframe(
                pd.DataFrame([]), label="Recent jobs", interactive=False, datatype="str"
            )
            c["jobs_refresh"] = gr.Button("Refresh jobs", size="sm")
        return c

    def _annotate_tab(self) -> dict[str, Any]:
        c: dict[str, Any] = {}
        with gr.Row():
            c["doc_id"] = gr.Number(
                label="Document id", precision=0, scale=0, min_width=140, elem_id="sr-open-id"
            )
            c["open"] = gr.Button("Open", scale=0, elem_id="sr-open")
            c["pre_doc"] = gr.Button("Pre-annotate this document", scale=0, elem_id="sr-pre-doc")
            c["order"] = gr.Radio(
                list(ordering.ORDERS.values()),
                value=ordering.ORDERS[ordering.POSITION],
                label="Next document",
                scale=0,
                min_width=320,
                elem_id="sr-next-order",
            )
            c["msg"] = gr.Markdown("", elem_id="sr-annotate-msg")
        c["editor"] = AnnotationEditor(
            self.backend,
            {"doc_id": None, "revision": 0},
            user_of=self.editor_user,
            editor_height="68vh",
            elem_id="sr-editor-box",
        )
        return c

    def _export_tab(self) -> dict[str, Any]:
        c: dict[str, Any] = {}
        with gr.Row():
            with gr.Column(scale=1):
                c["format"] = gr.Radio(
                    list(exporting.EXPORT_FORMATS),
                    value="BRAT (.zip)",
                    label="Format",
                    elem_id="sr-export-fmt",
                )
                c["sugg"] = gr.Checkbox(
                    label="Include unreviewed model suggestions", value=False, elem_id="sr-sugg"
                )
                c["go"] = gr.Button("Export", variant="primary", elem_id="sr-export-go")
            with gr.Column(scale=2):
                c["file"] = gr.File(label="Download", interactive=False, elem_id="sr-export-file")
                c["msg"] = gr.Markdown("", elem_id="sr-export-msg")
        c["problems"] = gr.Dataframe(
            pd.DataFrame([], columns=["where", "what the format could not hold"]),
            label="Warnings",
            interactive=False,
            datatype="str",
            wrap=True,
        )
        return c

    def _model_tab(self) -> dict[str, Any]:
        c: dict[str, Any] = {}
        c["info"] = gr.Markdown("", elem_id="sr-model-info")
        with gr.Row():
            with gr.Column(scale=2), gr.Group():
                gr.Markdown("### Retrain from corrections")
                c["from"] = gr.Radio(
                    [FROM_AUTO, FROM_ACTIVE, FROM_ENCODER],
                    value=FROM_AUTO,
                    label="Start from",
                    elem_id="sr-retrain-from",
                )
                with gr.Row():
                    c["epochs"] = gr.Number(
                        label="Epochs (0: automatic, more for fewer documents)",
                        value=self.config.retrain.epochs,
                        precision=0,
                        maximum=100,
                        elem_id="sr-retrain-epochs",
                    )
                    c["budget"] = gr.Number(
                        label="Time budget in minutes (0: none)",
                        value=None,
                        maximum=24 * 60,
                        elem_id="sr-retrain-budget",
                    )
                c["auto_retrain"] = gr.Checkbox(
                    label="Retrain automatically as documents are marked done",
                    value=True,
                    elem_id="sr-auto-retrain",
                )
                c["auto"] = gr.Checkbox(
                    label="Activate the new version automatically when it is better on dev",
                    value=True,
                    elem_id="sr-auto-activate",
                )
                with gr.Row():
                    c["retrain"] = gr.Button("Retrain", variant="primary", elem_id="sr-retrain")
                    c["cancel"] = gr.Button("Cancel", elem_id="sr-retrain-cancel")
                c["bar"] = gr.HTML("", elem_id="sr-retrain-bar")
                c["status"] = gr.Markdown("", elem_id="sr-retrain-status")
                with gr.Accordion("Log of the latest retraining", open=False):
                    c["log"] = gr.Textbox(
                        show_label=False, lines=8, max_lines=20, elem_id="sr-retrain-log"
                    )
            with gr.Column(scale=3):
                c["curve"] = gr.LinePlot(
                    CURVE_EMPTY,
                    x="training documents",
                    y="dev F1",
                    color="score",
                    title="Learning curve: dev F1 of each version",
                    x_title="training documents",
                    y_title="dev F1 (%)",
                    y_lim=[0, 100],
                    tooltip=["version", "training documents", "dev F1", "score"],
                    height=300,
                    elem_id="sr-learning-curve",
                )
        c["versions"] = gr.Dataframe(
            pd.DataFrame([], columns=models.VERSION_HEADERS),
            label="Model versions (Δ: difference to the version active when it was trained, "
            "on the same dev documents)",
            interactive=False,
            datatype="str",
            elem_id="sr-model-versions",
        )
        with gr.Row():
            c["activate_id"] = gr.Number(
                label="Activate version", value=None, precision=0, scale=0, min_width=160
            )
            c["activate"] = gr.Button("Activate", size="sm", elem_id="sr-activate")
            c["rollback"] = gr.Button(
                "Roll back to the previous version", size="sm", elem_id="sr-rollback"
            )
            c["refresh"] = gr.Button(
                "Refresh unreviewed suggestions with the active model",
                size="sm",
                elem_id="sr-refresh-suggestions",
            )
        c["msg"] = gr.Markdown("", elem_id="sr-model-msg")
        c["per_type"] = gr.Dataframe(
            pd.DataFrame([], columns=models.PER_TYPE_HEADERS),
            label="Dev scores per type",
            interactive=False,
            datatype="str",
            elem_id="sr-per-type",
        )
        with gr.Row():
            with gr.Column(), gr.Group():
                gr.Markdown("### Train outside the app")
                c["write"] = gr.Button("Write training data", elem_id="sr-write-data")
                c["command"] = gr.Textbox(
                    label="Then run", interactive=False, lines=3, elem_id="sr-train-cmd"
                )
            with gr.Column(), gr.Group():
                gr.Markdown("### Register a trained model")
                c["path"] = gr.Textbox(
                    label=f"Model directory inside {self.config.models_dir.resolve()}",
                    elem_id="sr-model-path",
                    max_length=1000,
                )
                c["register"] = gr.Button(
                    "Register and activate", variant="primary", elem_id="sr-register"
                )
        c["timer"] = gr.Timer(1.0, active=False)
        return c

    # -- retraining -------------------------------------------------------------------------

    def retrain_status(self, project: str | None) -> tuple[str, str, bool]:
        """(progress bar HTML, status Markdown, running?) of the project's latest retraining."""
        if not project:
            return "", "", False
        job = self.retrainer.latest_job(project)
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

    def retrain_log(self, project: str | None) -> str:
        job = self.retrainer.latest_job(project) if project else None
        return job.log if job is not None else ""

    def curve_frame(self, project: str | None) -> pd.DataFrame:
        rows = models.learning_curve_rows(self.store, project) if project else []
        return pd.DataFrame(rows, columns=models.CURVE_HEADERS)

    def per_type_frame(self, project: str | None) -> Any:
        """Per-type dev scores of the newest ready version (the one a retraining just made,
        active or waiting), with the F1 difference to the version it was compared with."""
        versions = self.store.list_model_versions(project) if project else []
        newest = next((mv for mv in reversed(versions) if mv.state == "ready"), None)
        label = "Dev scores per type"
        if newest is not None:
            label += f" of version {newest.id}, the newest" + (" (active)" if newest.active else "")
            compared = (newest.metrics.get("compared_with") or {}).get("version")
            if compared is not None:
                label += f"; \u0394 F1 against version {compared} on the same dev documents"
        frame = pd.DataFrame(models.per_type_rows(newest), columns=models.PER_TYPE_HEADERS)
        return gr.update(value=frame, label=label)

    def auto_retrain_on(self, project: str | None) -> bool:
        return is_auto_retrain(self.store.get_project(project).settings) if project else True

    def auto_activate(self, project: str | None) -> bool:
        if not project:
            return True
        return bool(self.store.get_project(project).settings.get(SETTING_AUTO_ACTIVATE, True))

    def model_outputs(self, project: str | None) -> tuple[Any, ...]:
        """info, versions, curve, per-type table: everything a new version changes."""
        return (
            self.model_markdown(project),
            self._versions(project),
            self.curve_frame(project),
            self.per_type_frame(project),
        )

    # -- events -----------------------------------------------------------------------------

    def _wire(self, demo, project, who, tabs, p, i, d, a, x, m) -> None:
        store = self.store

        def doc_filters() -> list[Any]:
            return [project, d["status"], d["assignee"], d["search"]]

        def refresh_docs(proj, status, assignee, search):
            frame, note = self.documents_frame(proj, status, assignee, search)
            return frame, esc(note)

        def refresh_project(proj):
            frame, note = self.documents_frame(proj)
            bar, status, running = self.retrain_status(proj)
            order = ordering.get_order(store, proj) if proj else ordering.POSITION
            return (
                self.types_html(proj),
                frame,
                esc(note),
                self.jobs_frame(proj),
                *self.model_outputs(proj),
                gr.update(value=proj),
                self.auto_activate(proj),
                bar,
                status,
                gr.Timer(active=running),
                ordering.ORDERS[order],
                self.retrain_log(proj),
                self.auto_retrain_on(proj),
            )

        project_outputs = [
            p["types"],
            d["table"],
            d["note"],
            d["jobs"],
            m["info"],
            m["versions"],
            m["curve"],
            m["per_type"],
            i["target"],
            m["auto"],
            m["bar"],
            m["status"],
            m["timer"],
            a["order"],
            m["log"],
            m["auto_retrain"],
        ]

        def on_load(proj, request: gr.Request):
            user = self.user(request)
            names = self.project_names()
            if proj not in names:
                proj = names[0] if names else None
            return (
                gr.update(choices=names, value=proj),
                f"signed in as **{esc(user)}**",
                *refresh_project(proj),
            )

        demo.load(on_load, [project], [project, who, *project_outputs])
        project.change(refresh_project, [project], project_outputs)

        # projects
        def create(name, conf, ents, rels):
            try:
                info, _ = projects.create_project(
                    store, name, conf_path=conf, entity_text=ents, relation_text=rels
                )
            except (ConversionError, StoreError) as exc:
                return (gr.update(), gr.update(), f"\u26a0 {esc(exc)}", gr.update())
            names = self.project_names()
            return (
                gr.update(choices=names, value=info.name),
                pd.DataFrame(projects.project_rows(store), columns=projects.PROJECT_HEADERS),
                f"\u2713 Project **{esc(info.name)}** created. Import documents next.",
                gr.update(choices=names, value=info.name),
            )

        p["create"].click(
            create,
            [p["name"], p["conf"], p["entities"], p["relations"]],
            [project, p["table"], p["msg"], i["target"]],
        )

        # import
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
                store,
                target,
                paths,
                fmt=fmt,
                status="done" if done else None,
                author=self.user(request),
                progress=lambda frac, desc: progress(frac, desc=desc),
            )
            report = pd.DataFrame(
                [r.row() for r in outcome.files], columns=importing.REPORT_HEADERS
            )
            if not outcome.ok:
                msg = f"\u26a0 {esc(outcome.error)}"
                return msg, report, gr.update(), gr.update()
            msg = (
                f"\u2713 Imported **{outcome.documents}** document(s) with {outcome.entities} "
                f"entities and {outcome.relations} relations into **{esc(outcome.project)}**."
            )
            if outcome.added_types:
                msg += " New types added to the project: " + esc(", ".join(outcome.added_types))
            self.auto.check_later(outcome.project)  # documents imported as done count
            names = self.project_names()
            return (
                msg,
                report,
                gr.update(choices=names, value=outcome.project),
                pd.DataFrame(projects.project_rows(store), columns=projects.PROJECT_HEADERS),
            )

        i["go"].click(
            do_import,
            [i["files"], i["format"], i["target"], i["done"], project],
            [i["msg"], i["report"], project, p["table"]],
        )

        # documents
        for trigger in (d["refresh"].click, d["search"].submit, d["assignee"].submit):
            trigger(refresh_docs, doc_filters(), [d["table"], d["note"]])
        d["status"].change(refresh_docs, doc_filters(), [d["table"], d["note"]])
        d["tab"].select(refresh_docs, doc_filters(), [d["table"], d["note"]])

        def open_row(evt: gr.SelectData):
            row = evt.row_value or []
            try:
                doc_id = int(row[0])
            except (IndexError, TypeError, ValueError):
                return gr.update(), gr.update(), gr.update()
            return (
                {"doc_id": str(doc_id), "revision": self.next_revision()},
                gr.Tabs(selected="annotate"),
                doc_id,
            )

        d["table"].select(open_row, None, [a["editor"], tabs, a["doc_id"]])

        def assign(proj, status, assignee, search, name, request: gr.Request):
            msg = self.assign_listed(proj, (status, assignee, search), name, self.user(request))
            frame, note = self.documents_frame(proj, status, assignee, search)
            return esc(msg), frame, esc(note)

        d["assign"].click(
            assign,
            [*doc_filters(), d["assign_name"]],
            [d["assign_msg"], d["table"], d["note"]],
        )

        def run_pre(proj, ids, scope, progress):
            if not proj:
                return "Choose a project first."
            if not ids:
                return "No document to pre-annotate."
            try:
                job = self.submit_preannotation(proj, ids, scope)
            except NoActiveModel as exc:
                return str(exc)
            done = self.wait_job(job.id, progress)
            return self.job_summary(done)

        def pre_listed(proj, status, assignee, search, progress=gr.Progress()):  # noqa: B008
            ids = self.filtered_ids(proj, status, assignee, search) if proj else []
            msg = run_pre(proj, ids, "selection", progress)
            frame, note = self.documents_frame(proj, status, assignee, search)
            return msg, frame, esc(note), self.jobs_frame(proj)

        def pre_all(proj, status, assignee, search, progress=gr.Progress()):  # noqa: B008
            ids = [x.id for x in store.list_documents(proj) if x.status != "done"] if proj else []
            msg = run_pre(proj, ids, "project", progress)
            frame, note = self.documents_frame(proj, status, assignee, search)
            return msg, frame, esc(note), self.jobs_frame(proj)

        pre_outputs = [d["pre_msg"], d["table"], d["note"], d["jobs"]]
        d["pre_listed"].click(pre_listed, doc_filters(), pre_outputs, concurrency_limit=None)
        d["pre_all"].click(pre_all, doc_filters(), pre_outputs, concurrency_limit=None)
        d["jobs_refresh"].click(self.jobs_frame, [project], [d["jobs"]])

        # annotate
        def open_id(doc_id):
            if doc_id is None:
                return gr.update(), "Type a document id (the first column of Documents)."
            try:
                view = store.load_document(int(doc_id))
            except (StoreError, ValueError, OverflowError):
                return gr.update(), f"No document {esc(doc_id)}."
            return {"doc_id": str(view.id), "revision": self.next_revision()}, ""

        a["open"].click(open_id, [a["doc_id"]], [a["editor"], a["msg"]])
        a["doc_id"].submit(open_id, [a["doc_id"]], [a["editor"], a["msg"]])

        def pre_doc(value, progress=gr.Progress()):  # noqa: B008
            doc_key = (value or {}).get("doc_id") if isinstance(value, dict) else None
            if not doc_key:
                return gr.update(), "Open a document first."
            try:
                view = store.load_document(int(doc_key))
            except (StoreError, ValueError):
                return gr.update(), "No such document."
            msg = run_pre(view.project, [view.id], "document", progress)
            return {"doc_id": str(view.id), "revision": self.next_revision()}, msg

        a["pre_doc"].click(pre_doc, [a["editor"]], [a["editor"], a["msg"]], concurrency_limit=None)

        def status_changed(proj, status, assignee, search):
            return refresh_docs(proj, status, assignee, search)

        a["editor"].doc_status(status_changed, doc_filters(), [d["table"], d["note"]])

        # export
        def do_export(proj, label, sugg, progress=gr.Progress()):  # noqa: B008
            if not proj:
                return None, "Choose a project first.", gr.update()
            fmt = exporting.EXPORT_FORMATS.get(label)
            if fmt is None:
                return None, "Choose a format.", gr.update()
            progress(0.2, desc=f"writing {label}")
            try:
                files, problems = exporting.export_project(
                    store, proj, fmt, include_suggestions=bool(sugg)
                )
            except (ConversionError, StoreError, OSError) as exc:
                return None, f"\u26a0 Export failed: {esc(exc)}", gr.update()
            rows = [[pr.path, pr.message] for pr in problems]
            msg = f"\u2713 {esc(proj)} exported as {esc(label)}"
            msg += f" with {len(problems)} warning(s)." if problems else "."
            return (
                [str(f) for f in files],
                msg,
                pd.DataFrame(rows, columns=["where", "what the format could not hold"]),
            )

        x["go"].click(
            do_export, [project, x["format"], x["sugg"]], [x["file"], x["msg"], x["problems"]]
        )

        # model
        def write_data(proj):
            if not proj:
                return "", "Choose a project first."
            try:
                folder, command, n = models.write_training_data(store, proj, self.config.models_dir)
            except (models.ModelDirError, ConversionError, StoreError) as exc:
                return "", f"\u26a0 {esc(exc)}"
            return command, (
                f"\u2713 {n} finished document(s) written to {code(folder)}. Run the command, "
                "then register the model directory."
            )

        m["write"].click(write_data, [project], [m["command"], m["msg"]])

        model_views = [m["info"], m["versions"], m["curve"], m["per_type"]]
        keep = (gr.update(), gr.update(), gr.update(), gr.update())

        def register(proj, path):
            if not proj:
                return "Choose a project first.", *keep
            try:
                mv = models.register_model(store, proj, self.config.models_dir, path)
            except (models.ModelDirError, StoreError, OSError) as exc:
                return f"\u26a0 {esc(exc)}", *keep
            return f"\u2713 Model version {mv.id} registered and active.", *self.model_outputs(proj)

        m["register"].click(register, [project, m["path"]], [m["msg"], *model_views])

        def activate(proj, version):
            if not proj or version is None:
                return "Give a version number.", *keep
            try:
                ids = {mv.id for mv in store.list_model_versions(proj)}
                if int(version) not in ids:
                    return f"No version {int(version)} in this project.", *keep
                store.activate_model_version(int(version))
            except (StoreError, ValueError) as exc:
                return f"\u26a0 {esc(exc)}", *keep
            return (
                f"\u2713 Version {int(version)} is active. *Refresh unreviewed suggestions* "
                "re-runs it on the unfinished documents.",
                *self.model_outputs(proj),
            )

        m["activate"].click(activate, [project, m["activate_id"]], [m["msg"], *model_views])

        def roll_back(proj):
            if not proj:
                return "Choose a project first.", *keep
            try:
                mv = rollback(store, proj)
            except StoreError as exc:
                return f"\u26a0 {esc(exc)}", *keep
            return f"\u2713 Rolled back: version {mv.id} is active.", *self.model_outputs(proj)

        m["rollback"].click(roll_back, [project], [m["msg"], *model_views])

        def start_retrain(proj, start_from, epochs, budget, auto):
            if not proj:
                return "", "Choose a project first.", gr.Timer(active=False)
            # 0 or an empty box means automatic / no budget
            try:
                n = int(epochs) if epochs else None
            except (TypeError, ValueError, OverflowError):
                n = None
            try:
                minutes = float(budget) if budget and float(budget) > 0 else None
            except (TypeError, ValueError, OverflowError):
                minutes = None
            if n is not None and n < 1:
                n = None
            options = dataclasses.replace(
                self.config.retrain,
                epochs=n if n is not None else self.config.retrain.epochs,
                max_seconds=60 * minutes if minutes else self.config.retrain.max_seconds,
                from_scratch={FROM_ENCODER: True, FROM_ACTIVE: False}.get(start_from),
                auto_activate=bool(auto),
            )
            try:
                job = self.retrainer.start(proj, options)
            except JobBusyError as exc:
                bar, _, running = self.retrain_status(proj)
                return (
                    bar,
                    f"\u26a0 A retraining of this project is already running (job "
                    f"{exc.job_id}): wait for it to end or cancel it.",
                    gr.Timer(active=running),
                )
            except (RetrainError, StoreError, ConversionError, OSError) as exc:
                return "", f"\u26a0 {esc(exc)}", gr.Timer(active=False)
            bar, status, _ = self.retrain_status(proj)
            return bar, status or f"Retraining job {job.id} started.", gr.Timer(active=True)

        m["retrain"].click(
            start_retrain,
            [project, m["from"], m["epochs"], m["budget"], m["auto"]],
            [m["bar"], m["status"], m["timer"]],
            concurrency_limit=None,
        )

        def cancel_retrain(proj):
            job = self.retrainer.running_job(proj) if proj else None
            if job is None:
                return "Nothing to cancel: no retraining is running."
            try:
                self.retrainer.cancel(job.id)
            except StoreError as exc:
                return f"\u26a0 {esc(exc)}"
            return f"Cancelling retraining job {job.id}\u2026"

        m["cancel"].click(cancel_retrain, [project], [m["status"]], concurrency_limit=None)

        def poll(proj):
            bar, status, running = self.retrain_status(proj)
            log_text = self.retrain_log(proj)
            if running:
                return bar, status, gr.Timer(active=True), *keep, gr.update(), log_text
            return (
                bar,
                status,
                gr.Timer(active=False),
                *self.model_outputs(proj),
                self.jobs_frame(proj),
                log_text,
            )

        m["timer"].tick(
            poll,
            [project],
            [m["bar"], m["status"], m["timer"], *model_views, d["jobs"], m["log"]],
            concurrency_limit=None,
            show_progress="hidden",
        )

        def set_auto(proj, auto):
            if proj:
                store.update_project_settings(proj, {SETTING_AUTO_ACTIVATE: bool(auto)})

        m["auto"].input(set_auto, [project, m["auto"]], None)

        def set_auto_retrain(proj, on):
            if not proj:
                return gr.update()
            store.update_project_settings(proj, {SETTING_AUTO_RETRAIN: bool(on)})
            if on:
                self.auto.check(proj)
            return self.model_markdown(proj)

        m["auto_retrain"].input(set_auto_retrain, [project, m["auto_retrain"]], [m["info"]])

        def refresh_suggestions(proj, progress=gr.Progress()):  # noqa: B008
            ids = [x.id for x in store.list_documents(proj) if x.status != "done"] if proj else []
            return run_pre(proj, ids, "refresh", progress)

        m["refresh"].click(refresh_suggestions, [project], [m["msg"]], concurrency_limit=None)

        # next-document order (a project setting)
        def set_order(proj, label, value):
            if not proj:
                return gr.update(), ""
            try:
                order = ordering.set_order(store, proj, ordering.label_to_order(label))
            except ValueError as exc:
                return gr.update(), f"\u26a0 {esc(exc)}"
            note = (
                "Next document: least confident first (unfinished documents, by the "
                "uncertainty of their last pre-annotation)."
                if order == ordering.UNCERTAINTY
                else "Next document: document order."
            )
            doc_key = (value or {}).get("doc_id") if isinstance(value, dict) else None
            if not doc_key:
                return gr.update(), note
            return {"doc_id": str(doc_key), "revision": self.next_revision()}, note

        a["order"].input(set_order, [project, a["order"], a["editor"]], [a["editor"], a["msg"]])

    def _versions(self, proj: str | None) -> pd.DataFrame:
        rows = models.version_rows(self.store, proj) if proj else []
        return pd.DataFrame(rows, columns=models.VERSION_HEADERS)

    # -- launching ---------------------------------------------------------------------------

    def launch_kwargs(self) -> dict[str, Any]:
        """Keyword arguments every launch of this app needs (tests use them too)."""
        return {
            "run_history": False,  # no copies of event inputs in the browser's localStorage
            "max_file_size": self.config.max_file_size,
            "auth": list(self.config.auth) or None,
            "auth_message": "spanrel: sign in to annotate" if self.config.auth else None,
            "css": CSS,
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
    if config.auto_retrain:
        # e.g. the demo project's gold documents: a first model starts training at once
        threading.Thread(target=app.auto.check_all, name="spanrel-auto-start", daemon=True).start()
    demo = app.build()
    demo.queue(default_concurrency_limit=4)
    return app, demo
