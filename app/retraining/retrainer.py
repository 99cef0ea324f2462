"""The manager of retraining jobs: starts a job and its training process, keeps track of the
runs of this process, cancels and stops them; one per app (or per command-line run).

Why: the app, automatic retraining and ``python -m app retrain`` start retrainings the same
way, so there is one place that creates the job and version rows, writes the worker's data
and spec and starts ``python -m app.retraining.worker_process``. A monitor thread per run then
follows the worker (``monitor``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.retraining.monitor import WorkerRun, conclude, fail, follow
from app.retraining.options import KIND, RetrainOptions
from app.retraining.recovery import JOBS_DIR, fail_stale_jobs, sweep_job_dirs
from app.retraining.training_data import RetrainData, assign_dev_split, write_data
from app.screens.exporting import slug
from db import Store, StoreError
from db.views import JobInfo, ModelVersionInfo

if TYPE_CHECKING:
    from core_model.schedule import SizeRules

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
#: the module the training process runs (``python -m``)
WORKER_MODULE = "app.retraining.worker_process"
CANCEL_GRACE_S = 15.0  # a cancelled worker stops at its next step; after this it is killed


class Retrainer:
    """Starts retraining jobs and follows them; one per app (or per command-line run).

    ``models_dir``: new versions go to ``<models_dir>/<project>/<time>-job<id>/``; the job's
    data and the worker's log live in ``<models_dir>/.jobs/job-<id>/`` while it runs.
    ``on_activated(project, version)`` is called after an automatic activation, and
    ``on_finished(project, job)`` after every job this manager ran has ended (any state).
    """

    def __init__(
        self,
        store: Store,
        models_dir: Path,
        *,
        python: str = sys.executable,
        on_activated: Any = None,
        on_finished: Any = None,
    ) -> None:
        self.store = store
        self.models_dir = Path(models_dir)
        self.python = python
        self.on_activated = on_activated
        self.on_finished = on_finished
        self._lock = threading.Lock()
        self._runs: dict[int, WorkerRun] = {}
        self._closing = False

    # -- starting ---------------------------------------------------------------------------

    def start(self, project: str, options: RetrainOptions | None = None) -> JobInfo:
        """Start a retraining of ``project``; ``JobBusyError`` if one is already running,
        ``RetrainError`` when there is nothing to train on."""
        options = options or RetrainOptions()
        train_config = options.resolved_train_config()
        if fail_stale_jobs(self.store, project):
            # a monitor killed with its worker (``python -m app retrain`` killed) left the
            # job's data and the half-written model behind; the app sweeps at start-up only
            sweep_job_dirs(self.store, self.models_dir.resolve())
        splits = assign_dev_split(self.store, project)
        active = self.store.active_model_version(project)
        # documents stand in for training units: the data is not tokenized yet (a project of
        # long documents has more units than documents, so it errs towards the small side)
        from core_model.schedule import size_rules

        rules = size_rules(splits["train"])
        warm = None
        from_scratch = options.from_scratch
        if from_scratch is None:
            from_scratch = not rules.warm_start
        if not from_scratch and active is not None:
            if (Path(active.path) / "config.json").is_file():
                warm = active
            else:
                log.warning("active model %s is missing; training from the encoder", active.path)
        job = self.store.create_job(
            KIND,
            project=project,
            exclusive=True,
            params={
                "epochs": train_config["epochs"],
                "from_scratch": warm is None,
                "warm_start_from": warm.id if warm else None,
                "host": socket.gethostname(),
                "monitor_pid": os.getpid(),
            },
        )
        log.info(
            "job %d queued: retraining of project %r (%d epochs, %s)",
            job.id,
            project,
            train_config["epochs"],
            "from the encoder" if warm is None else f"warm from version {warm.id}",
        )
        try:
            return self._launch(job, project, options, train_config, active, warm, rules)
        except BaseException as exc:
            self.store.fail_job(job.id, f"{type(exc).__name__}: {exc}")
            raise

    def _launch(
        self,
        job: JobInfo,
        project: str,
        options: RetrainOptions,
        train_config: dict[str, Any],
        active: ModelVersionInfo | None,
        warm: ModelVersionInfo | None,
        rules: SizeRules,
    ) -> JobInfo:
        root = self.models_dir.resolve()
        job_dir = root / JOBS_DIR / f"job-{job.id}"
        if job_dir.exists():
            shutil.rmtree(job_dir)
        data = write_data(self.store, project, job_dir)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = root / slug(project) / f"{stamp}-job{job.id}"
        version = self.store.register_model_version(
            project,
            str(out_dir),
            metrics={
                "job": job.id,
                "train_documents": len(data.train_ids),
                "dev_documents": len(data.dev_ids),
            },
            training_documents=data.train_ids,
            state="training",
        )
        try:
            return self._spawn(
                job, project, options, train_config, active, warm, rules, data, version
            )
        except BaseException:
            self.store.mark_model_failed(version.id)
            shutil.rmtree(job_dir, ignore_errors=True)
            raise

    def _spawn(
        self,
        job: JobInfo,
        project: str,
        options: RetrainOptions,
        train_config: dict[str, Any],
        active: ModelVersionInfo | None,
        warm: ModelVersionInfo | None,
        rules: SizeRules,
        data: RetrainData,
        version: ModelVersionInfo,
    ) -> JobInfo:
        out_dir = Path(version.path)
        job_dir = data.train_path.parent
        run = WorkerRun(
            job_id=job.id,
            project=project,
            version_id=version.id,
            out_dir=out_dir,
            job_dir=job_dir,
            stop_file=job_dir / "STOP",
            data=data,
            options=options,
            train_config=train_config,
            previous=active,
            warm_from=warm.id if warm else None,
        )
        spec = {
            "train": str(data.train_path),
            "dev": str(data.dev_path),
            "types": str(data.types_path),
            "out": str(out_dir),
            "stop_file": str(run.stop_file),
            "encoder_dir": options.encoder_dir,
            "init_from": warm.path if warm else None,
            "compare_with": active.path if active is not None else None,
            "train_config": train_config,
            "model_config": {"word_shapes": rules.word_shapes, **options.model_config},
            "parent_pid": os.getpid(),
        }
        (job_dir / "spec.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
        self.store.start_job(job.id)
        origin = f"warm start from version {warm.id}" if warm else "from the base encoder"
        self.store.update_job(
            job.id,
            progress=0.0,
            message="starting the training process",
            log_line=(
                f"version {version.id}: {len(data.train_ids)} training and {len(data.dev_ids)} "
                f"dev documents, {train_config['epochs']} epoch(s), {origin}"
            ),
        )
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
        env.setdefault("HF_HUB_OFFLINE", "1")
        env.setdefault("TRANSFORMERS_OFFLINE", "1")
        with open(job_dir / "worker.log", "wb") as err:
            run.proc = subprocess.Popen(
                [self.python, "-m", WORKER_MODULE, str(job_dir / "spec.json")],
                cwd=str(REPO),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,  # its own process group: cancel ends all of it
            )
        self.store.update_job(job.id, log_line=f"training process {run.proc.pid} started")
        with self._lock:
            self._runs[job.id] = run
            closing = self._closing
        run.thread = threading.Thread(
            target=self._monitor, args=(run,), name=f"spanrel-retrain-{job.id}", daemon=True
        )
        run.thread.start()
        if closing:  # started by a thread (automatic retraining) while the app shut down
            run.cancel_requested = True
            self._kill(run, signal.SIGTERM)
        return self.store.get_job(job.id)

    # -- control ----------------------------------------------------------------------------

    def worker_pid(self, job_id: int) -> int | None:
        with self._lock:
            run = self._runs.get(job_id)
        return run.proc.pid if run is not None and run.proc is not None else None

    def running_job(self, project: str) -> JobInfo | None:
        """The project's queued or running retrain job (of any process), if any."""
        for state in ("running", "queued"):
            for job in self.store.list_jobs(project=project, state=state, limit=20):
                if job.kind == KIND:
                    return job
        return None

    def latest_job(self, project: str) -> JobInfo | None:
        return next((j for j in self.store.list_jobs(project=project) if j.kind == KIND), None)

    def cancel(self, job_id: int) -> JobInfo:
        """Ask the job's worker to stop (at its next step), killing it after a grace period.

        A job run by another process is marked cancelled in the store; its monitor sees that
        and stops its worker.
        """
        with self._lock:
            run = self._runs.get(job_id)
        if run is None:
            job = self.store.get_job(job_id)
            if job.kind != KIND:
                raise StoreError(f"job {job_id} is not a retraining")
            return self.store.cancel_job(job_id)
        self._request_stop(run)
        return self.store.update_job(job_id, message="cancelling", log_line="cancel requested")

    def _request_stop(self, run: WorkerRun) -> None:
        if run.cancel_requested:
            return
        run.cancel_requested = True
        with contextlib.suppress(OSError):
            run.stop_file.touch()
        timer = threading.Timer(CANCEL_GRACE_S, self._kill, args=(run,))
        timer.daemon = True
        timer.start()

    @staticmethod
    def _kill(run: WorkerRun, sig: int = signal.SIGKILL) -> None:
        proc = run.proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    def wait(self, job_id: int, timeout: float | None = None) -> JobInfo:
        """Block until the job has ended (command line, tests)."""
        with self._lock:
            run = self._runs.get(job_id)
        if run is not None and not run.finished.wait(timeout):
            raise TimeoutError(f"retraining job {job_id} still running after {timeout} s")
        return self.store.get_job(job_id)

    def shutdown(self) -> None:
        """Stop every worker this manager started (the app is closing)."""
        with self._lock:
            self._closing = True
            runs = list(self._runs.values())
        for run in runs:
            run.cancel_requested = True
            self._kill(run, signal.SIGTERM)
        for run in runs:
            run.finished.wait(10)

    # -- following a worker -----------------------------------------------------------------

    def _monitor(self, run: WorkerRun) -> None:
        try:
            follow(self.store, run, self._request_stop)
            conclude(self.store, run, self.on_activated)
            ended = self.store.get_job(run.job_id)
            log.info("job %d %s: %s", run.job_id, ended.state, ended.message)
        except Exception as exc:
            log.exception("retraining job %d: monitor failed", run.job_id)
            with contextlib.suppress(Exception):
                fail(self.store, run, f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._runs.pop(run.job_id, None)
            run.finished.set()
            if self.on_finished is not None and not self._closing:
                try:
                    self.on_finished(run.project, self.store.get_job(run.job_id))
                except Exception:
                    log.exception("after retraining job %d ended", run.job_id)
