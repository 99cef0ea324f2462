"""Clearing up after retrainings whose process died: their versions, jobs and folders.

Why: a worker or a monitor killed with SIGKILL (or the whole app killed) cannot clean up. Its
job stays ``running``, its version ``training``, and its folders stay on disk. The app runs
``recover_versions`` and ``sweep_job_dirs`` at start-up; a new retraining runs
``fail_stale_jobs`` for its project first.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from app.retraining.options import KIND
from db import Store
from db.views import NotFoundError

#: the folder of ``models_dir`` that holds each running job's data and worker log
JOBS_DIR = ".jobs"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (one owned by another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_versions(store: Store) -> int:
    """Fail ``training`` versions with no running retrain job (their process died); how many."""
    count = 0
    for project in store.list_projects():
        running = store.list_jobs(project=project.name, state="running", limit=100)
        queued = store.list_jobs(project=project.name, state="queued", limit=100)
        if any(j.kind == KIND for j in running + queued):
            continue
        for mv in store.list_model_versions(project.name):
            if mv.state == "training":
                store.mark_model_failed(mv.id)
                count += 1
    return count


def partial_outputs(out_dir: Path) -> list[Path]:
    """What a worker writing the model ``out_dir`` may leave half-done beside it: the
    ``<name>.work`` folder it writes into and the ``.<name>.*`` folders of the final rename."""
    parent = out_dir.parent
    if not parent.is_dir():
        return []
    return [parent / f"{out_dir.name}.work", *parent.glob(f".{out_dir.name}.*")]


def sweep_job_dirs(store: Store, models_dir: Path) -> list[Path]:
    """Remove what killed workers left in ``models_dir``; the paths removed.

    A worker killed with SIGKILL (or a server killed while monitoring it) cannot clean up:
    its ``.jobs/job-<id>/`` folder (a copy of the training data and the log, already saved in
    the job record) and the half-written ``<version>.work`` folder of its failed version stay
    behind. Run at start-up after the recoveries above, so only folders of jobs that are no
    longer queued or running, and of versions marked failed, are removed; a registered
    model is never touched.
    """
    removed: list[Path] = []
    jobs_root = models_dir / JOBS_DIR
    if jobs_root.is_dir():
        for path in jobs_root.iterdir():
            name = path.name
            if not (path.is_dir() and name.startswith("job-") and name[4:].isdigit()):
                continue
            try:
                state = store.get_job(int(name[4:])).state
            except NotFoundError:
                state = "gone"
            if state not in ("queued", "running"):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    for project in store.list_projects():
        for mv in store.list_model_versions(project.name):
            if mv.state != "failed":
                continue
            for path in partial_outputs(Path(mv.path)):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                    removed.append(path)
    return removed


def fail_stale_jobs(store: Store, project: str) -> int:
    """Fail this project's retrain jobs whose monitoring process on this host is gone."""
    host = socket.gethostname()
    count = 0
    for state in ("running", "queued"):
        for job in store.list_jobs(project=project, state=state, limit=100):
            pid = job.params.get("monitor_pid")
            if job.kind != KIND or job.params.get("host") != host or not isinstance(pid, int):
                continue
            if pid != os.getpid() and not pid_alive(pid):
                store.fail_job(job.id, "interrupted: the process running it is gone")
                count += 1
    if count:
        recover_versions(store)
    return count
