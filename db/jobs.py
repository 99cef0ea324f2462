"""Background jobs (training, pre-annotation, ...) as rows: queued, running, then done,
failed or cancelled, with progress, a message and a log the screens poll.

The rows are the jobs' shared state across threads and processes (and restarts): a job that
may run once at a time per project is refused (``JobBusyError``) in the same transaction that
would queue it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models as m
from db.lookups import project_named
from db.transactions import StoreBase
from db.views import JobBusyError, JobInfo, NotFoundError


def _job_info(s: Session, job: m.Job) -> JobInfo:
    project = s.get(m.Project, job.project_id) if job.project_id is not None else None
    return JobInfo(
        job.id,
        project.name if project else None,
        job.kind,
        job.state,
        job.progress,
        job.message,
        job.log,
        dict(job.params or {}),
        dict(job.result or {}),
        job.created_at,
        job.started_at,
        job.finished_at,
    )


class Jobs(StoreBase):
    """``Store``'s job methods."""

    def _job_write(self, job_id: int, fn: Callable[[m.Job], None]) -> JobInfo:
        def run(s: Session) -> JobInfo:
            job = s.get(m.Job, job_id)
            if job is None:
                raise NotFoundError(f"no job {job_id}")
            fn(job)
            s.flush()
            return _job_info(s, job)

        return self._write(run)

    def create_job(
        self,
        kind: str,
        *,
        project: str | None = None,
        params: dict[str, Any] | None = None,
        exclusive: bool = False,
    ) -> JobInfo:
        """Record a queued job. ``exclusive``: refuse (``JobBusyError``) while a job of the same
        kind for the same project is queued or running; the check and the insert share one
        write transaction (the project row is locked on PostgreSQL), so two clicks at the same
        moment cannot both pass."""

        def run(s: Session) -> JobInfo:
            pid = project_named(s, project).id if project is not None else None
            if exclusive:
                if pid is not None:
                    s.execute(select(m.Project.id).where(m.Project.id == pid).with_for_update())
                busy = s.scalar(
                    select(m.Job.id)
                    .where(
                        m.Job.kind == kind,
                        m.Job.project_id.is_(None) if pid is None else m.Job.project_id == pid,
                        m.Job.state.in_(("queued", "running")),
                    )
                    .limit(1)
                )
                if busy is not None:
                    where = f" for project {project!r}" if project is not None else ""
                    raise JobBusyError(busy, f"a {kind} job{where} is already running (job {busy})")
            job = m.Job(
                project_id=pid,
                kind=kind,
                state="queued",
                progress=0.0,
                message="",
                log="",
                params=dict(params or {}),
                result={},
                created_at=m.utcnow(),
            )
            s.add(job)
            s.flush()
            return _job_info(s, job)

        return self._write(run)

    def start_job(self, job_id: int) -> JobInfo:
        def fn(job: m.Job) -> None:
            job.state, job.started_at = "running", m.utcnow()

        return self._job_write(job_id, fn)

    def update_job(
        self,
        job_id: int,
        *,
        progress: float | None = None,
        message: str | None = None,
        log_line: str | None = None,
    ) -> JobInfo:
        def fn(job: m.Job) -> None:
            if progress is not None:
                job.progress = max(0.0, min(1.0, float(progress)))
            if message is not None:
                job.message = message
            if log_line is not None:
                job.log = (job.log or "") + log_line.rstrip("\n") + "\n"

        return self._job_write(job_id, fn)

    def finish_job(self, job_id: int, result: dict[str, Any] | None = None) -> JobInfo:
        def fn(job: m.Job) -> None:
            job.state, job.progress, job.finished_at = "done", 1.0, m.utcnow()
            job.result = dict(result or {})

        return self._job_write(job_id, fn)

    def fail_job(self, job_id: int, error: str) -> JobInfo:
        def fn(job: m.Job) -> None:
            job.state, job.finished_at, job.message = "failed", m.utcnow(), error
            job.log = (job.log or "") + f"ERROR: {error}\n"

        return self._job_write(job_id, fn)

    def cancel_job(self, job_id: int) -> JobInfo:
        def fn(job: m.Job) -> None:
            if job.state in ("queued", "running"):
                job.state, job.finished_at = "cancelled", m.utcnow()

        return self._job_write(job_id, fn)

    def get_job(self, job_id: int) -> JobInfo:
        def run(s: Session) -> JobInfo:
            job = s.get(m.Job, job_id)
            if job is None:
                raise NotFoundError(f"no job {job_id}")
            return _job_info(s, job)

        return self._read(run)

    def list_jobs(
        self, *, project: str | None = None, state: str | None = None, limit: int = 50
    ) -> list[JobInfo]:
        def run(s: Session) -> list[JobInfo]:
            q = select(m.Job)
            if project is not None:
                q = q.where(m.Job.project_id == project_named(s, project).id)
            if state is not None:
                q = q.where(m.Job.state == state)
            return [_job_info(s, j) for j in s.scalars(q.order_by(m.Job.id.desc()).limit(limit))]

        return self._read(run)

    # -- user accounts ----------------------------------------------------------------------
