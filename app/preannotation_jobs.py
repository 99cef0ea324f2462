"""The page's pre-annotation as background jobs: submit, follow, summarise.

A mixin of ``app.ui.SpanrelApp`` (it uses the app's store, job queue and predictor cache), kept
apart so the app module holds what the screens share, not how one kind of job runs.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

import gradio as gr

from app.jobs import JobContext, JobQueue
from app.preannotate import NoActiveModel, PredictorCache, preannotate
from app.screens import esc
from app.screens.models_tab import NO_MODEL
from db import Store


class PreannotationJobs:
    store: Store
    jobs: JobQueue
    predictors: PredictorCache

    def submit_preannotation(
        self,
        project: str,
        doc_ids: list[int],
        scope: str,
        *,
        layer_statuses: Collection[str] | None = None,
    ) -> Any:
        """Pre-annotate ``doc_ids`` in the background (``app.preannotate.preannotate``, whose
        ``layer_statuses`` says which of the documents' layers get the suggestions too)."""
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
                layer_statuses=layer_statuses,
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

    def run_preannotation(
        self, project: str | None, doc_ids: list[int], scope: str, progress: gr.Progress | None
    ) -> str:
        """Pre-annotate ``doc_ids`` as a job, wait for it and say how it went (Markdown)."""
        if not project:
            return "Choose a project first."
        if not doc_ids:
            return "No document to pre-annotate."
        try:
            job = self.submit_preannotation(project, doc_ids, scope)
        except NoActiveModel as exc:
            return str(exc)
        return self.job_summary(self.wait_job(job.id, progress))

    @staticmethod
    def job_summary(job: Any) -> str:
        if job.state == "done":
            r = job.result or {}
            text = (
                f"\u2713 Job {job.id}: {r.get('documents', 0)} document(s) pre-annotated, "
                f"{r.get('entities', 0)} entity and {r.get('relations', 0)} relation "
                f"suggestion(s) in {r.get('seconds', 0):.1f} s."
            )
            if r.get("layers"):
                text += f" The same suggestions went into {r['layers']} annotator layer(s)."
            if r.get("skipped_types"):
                text += f" {r['skipped_types']} prediction(s) of unknown types skipped."
            if r.get("failed"):
                text += f" {r['failed']} document(s) failed: see the job log."
            return text
        return f"Job {job.id} {job.state}: {esc(job.message)}"
