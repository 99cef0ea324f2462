"""Following one training process: reading its JSON lines into the job's progress, and the
outcome once it has exited (a registered version, or a failed or cancelled job with nothing
half-written left behind).

Why apart from the manager (``retrainer``): this is what the monitor thread of one run does,
from the first line the worker prints to the job's last state; the manager only starts runs,
keeps track of them and stops them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.retraining.metrics import build_metrics
from app.retraining.options import SETTING_AUTO_ACTIVATE, RetrainOptions
from app.retraining.progress import describe_progress
from app.retraining.recovery import partial_outputs
from app.retraining.training_data import RetrainData
from app.retraining.versions import decide_activation
from db import Store, StoreError
from db.views import ModelVersionInfo

log = logging.getLogger(__name__)

POLL_S = 1.0
STORE_EVERY_S = 0.5  # progress is written to the job row at most this often
LOG_TAIL = 40  # lines of the worker's stderr kept in the job log of a failed run


@dataclass
class WorkerRun:
    """One retraining job's worker as its monitor follows it."""

    job_id: int
    project: str
    version_id: int
    out_dir: Path
    job_dir: Path
    stop_file: Path
    data: RetrainData
    options: RetrainOptions
    train_config: dict[str, Any]
    previous: ModelVersionInfo | None
    warm_from: int | None
    proc: subprocess.Popen | None = None
    cancel_requested: bool = False
    done_event: dict[str, Any] | None = None
    thread: threading.Thread | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)


def follow(store: Store, run: WorkerRun, request_stop: Callable[[WorkerRun], None]) -> None:
    """Turn the worker's lines into job progress until it exits; ``request_stop`` when the job
    was cancelled from another process or page."""
    assert run.proc is not None and run.proc.stdout is not None
    lines: queue.Queue[bytes | None] = queue.Queue()

    def reader() -> None:
        assert run.proc is not None and run.proc.stdout is not None
        for raw in run.proc.stdout:
            lines.put(raw)
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    last_store = 0.0
    last_poll = time.monotonic()
    pending: dict[str, Any] | None = None
    while True:
        try:
            raw = lines.get(timeout=POLL_S)
        except queue.Empty:
            raw = b""
        if raw is None:
            break
        now = time.monotonic()
        if raw:
            event = _parse(store, run, raw)
            if event is not None and event.get("event") == "progress":
                pending = event
                if event.get("phase") != "train" or now - last_store >= STORE_EVERY_S:
                    _progress(store, run, event)
                    pending, last_store = None, now
            elif event is not None and event.get("event") == "done":
                run.done_event = event
        if pending is not None and now - last_store >= STORE_EVERY_S:
            _progress(store, run, pending)
            pending, last_store = None, now
        if now - last_poll >= 2 * POLL_S and not run.cancel_requested:
            last_poll = now
            if store.get_job(run.job_id).state == "cancelled":
                request_stop(run)  # cancelled from another process or page
    run.proc.wait()


def _parse(store: Store, run: WorkerRun, raw: bytes) -> dict[str, Any] | None:
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        event = json.loads(text)
    except json.JSONDecodeError:
        store.update_job(run.job_id, log_line=text[:500])
        return None
    return event if isinstance(event, dict) else None


def _progress(store: Store, run: WorkerRun, e: dict[str, Any]) -> None:
    progress, message, line = describe_progress(e, time.monotonic() - run.started)
    store.update_job(run.job_id, progress=progress, message=message, log_line=line)


def conclude(
    store: Store,
    run: WorkerRun,
    on_activated: Callable[[str, ModelVersionInfo], Any] | None,
) -> None:
    """Record the outcome of the exited worker: a ready (maybe activated) version and a
    finished job, or a failed version and a failed or cancelled job."""
    assert run.proc is not None
    rc = run.proc.returncode
    if not run.cancel_requested and store.get_job(run.job_id).state == "cancelled":
        run.cancel_requested = True
    complete = (run.out_dir / "config.json").is_file() and (
        run.out_dir / "model.safetensors"
    ).is_file()
    if run.cancel_requested:
        cleanup(run, keep_model=False)
        store.update_model_version(run.version_id, state="failed")
        store.update_job(run.job_id, log_line="stopped on request", message="cancelled")
        store.cancel_job(run.job_id)
        return
    if rc != 0 or run.done_event is None or not complete:
        if rc is not None and rc < 0:
            why = f"the training process was killed (signal {-rc})"
        elif rc == 0:
            why = "the training process ended without a complete model"
        else:
            why = f"the training process failed (exit code {rc})"
        fail(store, run, why)
        return
    metrics = build_metrics(run.done_event, run.data, run.previous, run.warm_from, run.train_config)
    metrics["job"] = run.job_id
    version = store.update_model_version(run.version_id, state="ready", metrics=metrics)
    activated, reason = _maybe_activate(store, run, version)
    store.update_job(run.job_id, log_line=reason)
    cleanup(run, keep_model=True)
    store.finish_job(
        run.job_id,
        {
            "version": version.id,
            "activated": activated,
            "reason": reason,
            "entities": metrics.get("entities"),
            "relations": metrics.get("relations"),
            "delta": metrics.get("delta"),
            "train_documents": metrics["train_documents"],
            "dev_documents": metrics["dev_documents"],
            "seconds": metrics.get("seconds"),
        },
    )
    if activated and on_activated is not None:
        try:
            on_activated(run.project, version)
        except Exception:
            log.exception("after activating version %d", version.id)


def _maybe_activate(store: Store, run: WorkerRun, version: ModelVersionInfo) -> tuple[bool, str]:
    auto = run.options.auto_activate
    if auto is None:
        settings = store.get_project(run.project).settings
        auto = bool(settings.get(SETTING_AUTO_ACTIVATE, True))
    now_active = store.active_model_version(run.project)
    activated, reason = decide_activation(
        version.id,
        version.metrics,
        auto=auto,
        previous_id=run.previous.id if run.previous is not None else None,
        active_id=now_active.id if now_active is not None else None,
    )
    if activated:
        store.activate_model_version(version.id)
    return activated, reason


def fail(store: Store, run: WorkerRun, why: str) -> None:
    """Fail the job with the end of the worker's log, its version, and remove its files."""
    tail = _log_tail(run)
    cleanup(run, keep_model=False)
    with contextlib.suppress(StoreError):
        store.update_model_version(run.version_id, state="failed")
    if tail:
        store.update_job(run.job_id, log_line="training process log (end):\n" + tail)
    store.fail_job(run.job_id, why)


def _log_tail(run: WorkerRun) -> str:
    path = run.job_dir / "worker.log"
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return "".join(deque(fh, maxlen=LOG_TAIL)).rstrip()
    except OSError:
        return ""


def cleanup(run: WorkerRun, *, keep_model: bool) -> None:
    """Remove the job's data and whatever a stopped worker left half-written; a finished
    model is kept only when it is registered."""
    leftovers = partial_outputs(run.out_dir)
    if not keep_model:
        leftovers.append(run.out_dir)
    for path in [*leftovers, run.job_dir]:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
