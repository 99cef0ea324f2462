"""Automatic retraining: a new model version once enough new documents are marked done.

Why: a newcomer should not have to find the Retrain button and wait for a model; and a model
that is not retrained as corrections come in keeps suggesting the same mistakes. The rule:

- a project setting ``auto_retrain`` (on by default) switches it on or off;
- the documents counted are those marked done (imported gold marked done counts too) that the
  newest version (ready, active or still training) was not trained or evaluated on;
- a retraining starts when that count reaches ``documents_needed(trained_on)``: small at first
  (``FIRST`` documents for the first model), then a share of what the last version saw, so a
  large project is not retrained after every few documents; never while another retraining of
  the project runs (``Retrainer.start`` refuses a second one in the same transaction that would
  create it, so two checks racing cannot start two);
- when a retraining makes a better version active, the suggestions of the documents nobody has
  worked on yet (status new or pre-annotated) are refreshed with it (``on_activated``, wired in
  ``app.ui``).

``AutoRetrainer.check(project)`` is cheap (two queries) and is called after a document is
marked done, after an import, when a retraining ends and when the app starts.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from typing import Any

from app.retraining.options import RetrainError, RetrainOptions
from app.retraining.retrainer import Retrainer
from app.retraining.training_data import MIN_DOCUMENTS
from db import Store, StoreError
from db.document_status import DONE
from db.views import JobInfo

log = logging.getLogger(__name__)

SETTING_AUTO_RETRAIN = "auto_retrain"
#: done documents that start the first version
FIRST = 10
#: later versions: this share of the documents the newest version saw, at least ``FIRST`` ...
GROWTH = 0.25
#: ... and at most this many
MOST = 200


def documents_needed(trained_on: int) -> int:
    """New done documents that start the next retraining after a version that saw
    ``trained_on`` documents (train + dev): 10 for the first, then 25 % more, at most 200."""
    if trained_on <= 0:
        return max(FIRST, MIN_DOCUMENTS)
    return max(FIRST, min(MOST, math.ceil(GROWTH * trained_on)))


@dataclass(frozen=True)
class AutoState:
    """Where a project stands: what the Model screen shows and what ``check`` decides on."""

    enabled: bool
    done: int  # documents marked done
    trained_on: int  # of those, seen by the newest version (train + dev)
    needed: int  # new done documents that start the next retraining
    running_job: int | None  # a retraining of the project that is queued or running

    @property
    def new_done(self) -> int:
        return max(0, self.done - self.trained_on)

    @property
    def remaining(self) -> int:
        return max(0, self.needed - self.new_done)

    @property
    def due(self) -> bool:
        return self.enabled and self.running_job is None and self.remaining == 0

    def describe(self) -> str:
        """One sentence for the Model screen."""
        if not self.enabled:
            return "Automatic retraining is off."
        if self.running_job is not None:
            return f"A retraining is running (job {self.running_job})."
        if self.remaining == 0:
            return "Automatic retraining starts now."
        first = "the first model" if self.trained_on == 0 else "the next version"
        return (
            f"Automatic retraining: {first} starts when {self.remaining} more document(s) "
            f"are marked done ({self.new_done} of {self.needed} so far)."
        )


def is_enabled(settings: dict[str, Any]) -> bool:
    return bool(settings.get(SETTING_AUTO_RETRAIN, True))


def trained_on(store: Store, project: str) -> int:
    """Done documents seen by the newest version that is not failed (train + dev)."""
    for mv in reversed(store.list_model_versions(project)):
        if mv.state == "failed":
            continue
        dev = mv.metrics.get("dev_documents") if isinstance(mv.metrics, dict) else None
        return len(mv.training_documents) + (int(dev) if isinstance(dev, int) else 0)
    return 0


class AutoRetrainer:
    """Starts retrainings by the rule above; one per app (or per benchmark run).

    ``options()`` gives the ``RetrainOptions`` of an automatic run (the app's defaults);
    ``enabled=False`` switches it off for the whole app (``launch.py --no-auto-retrain``).
    """

    def __init__(
        self, store: Store, retrainer: Retrainer, options: Any = None, *, enabled: bool = True
    ) -> None:
        self.enabled = enabled
        self.store = store
        self.retrainer = retrainer
        self._options = options or RetrainOptions
        self._lock = threading.Lock()
        # project -> done documents when its last run failed or was cancelled: it is retried
        # only once more documents are done, not in a loop
        self._failed_at: dict[str, int] = {}

    def state(self, project: str) -> AutoState:
        info = self.store.get_project(project)
        done = len(self.store.list_documents(project, status=DONE))
        seen = trained_on(self.store, project)
        job = self.retrainer.running_job(project)
        return AutoState(
            enabled=self.enabled and is_enabled(info.settings),
            done=done,
            trained_on=seen,
            needed=documents_needed(seen),
            running_job=job.id if job is not None else None,
        )

    def check(self, project: str) -> JobInfo | None:
        """Start a retraining of ``project`` if one is due; the job started, else None."""
        with self._lock:  # one decision at a time in this process
            try:
                state = self.state(project)
            except StoreError:
                return None
            if not state.due or self._failed_at.get(project) == state.done:
                return None
            self._failed_at.pop(project, None)
            try:
                job = self.retrainer.start(project, self._options())
            except (RetrainError, StoreError) as exc:  # JobBusyError is a StoreError
                log.info("automatic retraining of %s not started: %s", project, exc)
                return None
            except Exception:
                log.exception("automatic retraining of %s could not start", project)
                return None
        log.info(
            "automatic retraining of %s started (job %d): %d new done document(s)",
            project,
            job.id,
            state.new_done,
        )
        return job

    def finished(self, project: str, job: JobInfo) -> None:
        """A retraining of ``project`` ended (any state): start the next one if due. After a
        failed or cancelled one, only once more documents are done (a cancel means "not now",
        not "start again")."""
        if job.state in ("failed", "cancelled"):
            try:
                self._failed_at[project] = self.state(project).done
            except StoreError:
                return
        self.check_later(project)

    def check_later(self, project: str) -> None:
        """``check`` on a thread of its own: writing the training data of a large project
        takes a moment that an annotator's save should not wait for."""
        threading.Thread(
            target=self.check, args=(project,), name="spanrel-auto-retrain", daemon=True
        ).start()

    def check_all(self) -> list[JobInfo]:
        """``check`` every project (app start)."""
        started = []
        for p in self.store.list_projects():
            job = self.check(p.name)
            if job is not None:
                started.append(job)
        return started
