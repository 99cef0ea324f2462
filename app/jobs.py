"""Background jobs (pre-annotation now, retraining later): one bounded worker pool per app.

Why: a model run takes seconds to minutes. Run inside a Gradio event it would hold that user's
request, and several at once would starve the 2-core machine. Here a job is recorded in the
store's job table (``queued``), runs on one of ``workers`` threads (``running``, with progress
and a log), and ends ``done``, ``failed`` or ``cancelled``; the page polls ``Store.get_job``.
The store is the source of truth, so any page (or a second browser) sees the same progress.

A job that was queued or running when the process stopped can never finish: ``recover`` marks
such jobs failed at start-up.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from app.retraining.recovery import pid_alive
from db import Store
from db.views import JobInfo

log = logging.getLogger(__name__)


def _owner_alive(job: JobInfo) -> bool:
    """True when the job's recorded owner is another live process on this host."""
    pid = job.params.get("monitor_pid")
    if job.params.get("host") != socket.gethostname() or not isinstance(pid, int):
        return False
    return pid != os.getpid() and pid_alive(pid)


@dataclass
class JobContext:
    """What a running job may do: report progress, add log lines, and ask whether to stop."""

    store: Store
    job_id: int
    _cancel: threading.Event = field(default_factory=threading.Event)

    def progress(self, fraction: float, message: str | None = None) -> None:
        self.store.update_job(self.job_id, progress=fraction, message=message)

    def log(self, line: str) -> None:
        self.store.update_job(self.job_id, log_line=line)

    def should_stop(self) -> bool:
        return self._cancel.is_set()


JobFn = Callable[[JobContext], dict[str, Any]]


class JobQueue:
    """``submit`` records a job and runs it on the pool; ``cancel`` asks it to stop."""

    def __init__(self, store: Store, workers: int = 1) -> None:
        self.store = store
        self.workers = max(1, workers)
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="spanrel-job")
        self._lock = threading.Lock()
        self._contexts: dict[int, JobContext] = {}
        self._futures: dict[int, Future[None]] = {}

    def recover(self) -> int:
        """Mark jobs left queued/running by a previous process as failed; how many.

        A job that names a live process of this host as its owner (``host`` and
        ``monitor_pid`` in its params: a ``python -m app retrain`` run) is still being followed
        and is left alone; failing it would let a second retraining start beside it.
        """
        count = 0
        for state in ("queued", "running"):
            for job in self.store.list_jobs(state=state, limit=10_000):
                if _owner_alive(job):
                    continue
                self.store.fail_job(job.id, "interrupted: the app stopped before the job ended")
                count += 1
        return count

    def submit(
        self, kind: str, fn: JobFn, *, project: str | None = None, params: dict | None = None
    ) -> JobInfo:
        job = self.store.create_job(kind, project=project, params=params)
        log.info("job %d queued: %s of project %r", job.id, kind, project)
        ctx = JobContext(self.store, job.id)
        with self._lock:
            self._contexts[job.id] = ctx
            self._futures[job.id] = self._pool.submit(self._run, ctx, fn)
        return job

    def _run(self, ctx: JobContext, fn: JobFn) -> None:
        try:
            if ctx.should_stop():
                return
            self.store.start_job(ctx.job_id)
            log.info("job %d started", ctx.job_id)
            result = fn(ctx)
            if ctx.should_stop():
                self.store.update_job(ctx.job_id, log_line="stopped on request")
                self.store.cancel_job(ctx.job_id)
                log.info("job %d stopped on request", ctx.job_id)
            else:
                self.store.finish_job(ctx.job_id, result)
                log.info("job %d done", ctx.job_id)
        except Exception as exc:
            log.exception("job %d failed", ctx.job_id)
            try:
                self.store.fail_job(ctx.job_id, f"{type(exc).__name__}: {exc}")
            except Exception:
                log.exception("could not record the failure of job %d", ctx.job_id)
        finally:
            with self._lock:
                self._contexts.pop(ctx.job_id, None)
                self._futures.pop(ctx.job_id, None)

    def cancel(self, job_id: int) -> JobInfo:
        """Stop a queued job at once and a running one at its next check."""
        with self._lock:
            ctx = self._contexts.get(job_id)
        if ctx is not None:
            ctx._cancel.set()
        log.info("job %d: cancel asked", job_id)
        return self.store.cancel_job(job_id)

    def wait(self, job_id: int, timeout: float | None = None) -> JobInfo:
        """Block until the job has ended (tests, benchmarks, the command line)."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)
        return self.store.get_job(job_id)

    def shutdown(self) -> None:
        with self._lock:
            for ctx in self._contexts.values():
                ctx._cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
