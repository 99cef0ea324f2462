"""Retraining from corrections: the one code path of the Model screen's *Retrain* button and of
``python -m app retrain``.

What one retraining does, in order:

1. **Data.** The project's documents marked ``done`` (corrected documents and imported gold).
   Each one whose split is still ``unassigned`` gets a fixed one now, written to its ``split``
   column once: ``dev`` for about 20 % chosen by a hash of the document name, else ``train``.
   A document keeps its split for good, so the dev set only grows and the scores of successive
   versions compare. ``test`` documents are left out of both.
2. **Job.** A ``retrain`` job row is created only if the project has no queued or running one
   (checked inside the insert's write transaction: ``JobBusyError``), and a model version row in
   state ``training`` records the documents it is trained on.
3. **Process.** ``python -m app.retrain_worker`` runs in its own process group (the web server
   stays responsive; a crash there cannot take the server down). It starts from the active
   version (warm start) or from the base encoder, reports progress as JSON lines, and evaluates
   the active version on the same dev documents. A monitor thread here turns those lines into
   the job's progress, message and log.
4. **Outcome.** ``core_model`` writes the model under a temporary name and renames it when
   complete. On success the version becomes ``ready`` with per-type dev scores and the
   difference to the active version, and is activated when it is better on dev and the project
   setting ``auto_activate`` (default on) allows. A failed, cancelled or killed worker leaves
   the active version and its files untouched: the version is marked ``failed``, any partial
   directory removed, and the job ends ``failed`` (``cancelled`` when asked) with the worker's
   log.

A job whose monitor died with its process (the app killed) is failed by ``JobQueue.recover`` at
the next start; ``recover_versions`` then fails its ``training`` version, and a new start of a
retraining fails a job whose recorded process is gone from this host.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import converters
from app.screens.exporting import slug
from db import Store, StoreError
from db.views import JobInfo, ModelVersionInfo, NotFoundError

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
KIND = "retrain"
DEV_PERCENT = 20
MIN_DOCUMENTS = 2
SETTING_AUTO_ACTIVATE = "auto_activate"
JOBS_DIR = ".jobs"
CANCEL_GRACE_S = 15.0  # a cancelled worker stops at its next step; after this it is killed
POLL_S = 1.0
STORE_EVERY_S = 0.5  # progress is written to the job row at most this often
LOG_TAIL = 40  # lines of the worker's stderr kept in the job log of a failed run

#: Training settings of an app retraining (``core_model.TrainConfig`` fields). The number of
#: epochs follows the data (``core_model.schedule``: about 400 optimizer steps for a small
#: project, a few epochs for a large one) at SpERT's batch 2 with a fast-learning head; the best
#: epoch on the project's dev documents is kept and a run that stops improving ends early.
#: Measured in ``bench/retrain_schedule.py`` and ``bench/effort.py`` (``bench/RESULTS.md``).
DEFAULT_TRAIN_CONFIG: dict[str, Any] = {
    "schedule": "auto",
    "epochs": 20,  # the ceiling of a fixed schedule; "auto" sets it from the data
    "batch_size": 2,
    "lr": 1e-4,
    "head_lr": 1e-3,
    "warmup": 0.1,
    "patience": 4,
    "seed": 42,
    "device": "auto",
    "precision": "fp32",
}


class RetrainError(StoreError):
    """Retraining cannot start (no data, no dev document...); the message says what to do."""


@dataclass
class RetrainOptions:
    """How to train. ``auto_activate`` None: the project's setting (default on)."""

    epochs: int | None = None  # a fixed number of epochs instead of the automatic schedule
    max_seconds: float | None = None  # time budget of the training loop
    #: True: from the base encoder; False: from the active version; None: by the project's
    #: size (``core_model.schedule.warm_start`` on its training documents)
    from_scratch: bool | None = None
    auto_activate: bool | None = None
    encoder_dir: str | None = None  # base encoder (default: core_model's default encoder)
    train_config: dict[str, Any] = field(default_factory=dict)  # TrainConfig overrides
    model_config: dict[str, Any] = field(default_factory=dict)  # ModelConfig overrides

    def resolved_train_config(self) -> dict[str, Any]:
        cfg = {**DEFAULT_TRAIN_CONFIG, **self.train_config}
        if self.epochs is not None:
            cfg["epochs"] = int(self.epochs)
            cfg["schedule"] = "fixed"
        if self.max_seconds is not None:
            if not self.max_seconds > 0:
                raise RetrainError("the time budget must be a positive number of seconds")
            cfg["max_seconds"] = float(self.max_seconds)
        if int(cfg["epochs"]) < 1:
            raise RetrainError("epochs must be at least 1")
        return cfg


# -- data -------------------------------------------------------------------------------------


def is_dev(name: str) -> bool:
    """The fixed dev membership of a document name (about ``DEV_PERCENT`` % of names).

    The project's one dev-split rule: ``assign_dev_split`` stores it per document for a
    retraining and for the Model screen's training files alike.
    """
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < DEV_PERCENT


def _hash(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def assign_dev_split(store: Store, project: str) -> dict[str, int]:
    """Give every done document with no split its fixed one; counts per split afterwards.

    At least one dev and one train document are ensured when enough are unassigned: the dev
    set is what versions are compared on.
    """
    done = store.list_documents(project, status="done")
    if len(done) < MIN_DOCUMENTS:
        raise RetrainError(
            f"training needs at least {MIN_DOCUMENTS} documents marked done "
            f"(the project has {len(done)}): correct documents and mark them done first"
        )
    fresh = [d for d in done if d.split == "unassigned"]
    splits = {d.id: "dev" if is_dev(d.name) else "train" for d in fresh}
    counts = {s: sum(1 for d in done if d.split == s) for s in ("train", "dev", "test")}
    for split in ("dev", "train"):
        if counts[split] + sum(1 for v in splits.values() if v == split) == 0:
            other = "train" if split == "dev" else "dev"
            movable = sorted(
                (d for d in fresh if splits[d.id] == other), key=lambda d: _hash(d.name)
            )
            if len(movable) > 1 or (movable and counts[other] > 0):
                splits[movable[0].id] = split
    if splits:
        store.assign_splits(splits)
    for v in splits.values():
        counts[v] += 1
    if counts["dev"] == 0:
        raise RetrainError(
            "no done document is in the dev split (all are train or test): set some "
            "documents' split to dev so that versions can be compared"
        )
    if counts["train"] == 0:
        raise RetrainError("every done document is held out (dev or test): mark more done")
    return counts


@dataclass
class RetrainData:
    train_ids: list[int]
    dev_ids: list[int]
    train_path: Path
    dev_path: Path
    types_path: Path


def write_data(store: Store, project: str, folder: Path) -> RetrainData:
    """Write the train/dev SpERT files of the project's done documents into ``folder``."""
    ids = {d.name: d.id for d in store.list_documents(project, status="done")}
    data = store.training_data(project)
    train = [d for d in data.documents if data.splits.get(d.id) == "train" and d.id in ids]
    dev = [d for d in data.documents if data.splits.get(d.id) == "dev" and d.id in ids]
    if not train or not dev:
        raise RetrainError("no train or no dev document: mark more documents done")
    folder.mkdir(parents=True, exist_ok=True)
    schema = store.project_schema(project, with_defaults=False)
    converters.write("spert", train, folder / "train.json", schema=schema)
    converters.write("spert", dev, folder / "dev.json")
    return RetrainData(
        [ids[d.id] for d in train],
        [ids[d.id] for d in dev],
        folder / "train.json",
        folder / "dev.json",
        folder / "train_types.json",
    )


# -- scores -----------------------------------------------------------------------------------


def _prf(block: dict[str, Any] | None) -> dict[str, float] | None:
    if not isinstance(block, dict):
        return None
    return {k: float(block.get(k) or 0.0) for k in ("precision", "recall", "f1")}


def summarise(report: dict[str, Any] | None) -> dict[str, Any]:
    """Micro P/R/F1 of entities and relations and per-type P/R/F1/support of an evaluation."""
    report = report or {}
    out: dict[str, Any] = {"per_type": {}}
    for key in ("entities", "relations"):
        block = report.get(key) or {}
        out[key] = _prf(block.get("micro"))
        out["per_type"][key] = {
            name: {**(_prf(v) or {}), "support": int(v.get("support") or 0)}
            for name, v in (block.get("per_type") or {}).items()
        }
    return out


def selection_score(metrics: dict[str, Any] | None) -> tuple[float, float]:
    """What "better on dev" means: relation F1, then entity F1 (as model selection does)."""
    m = metrics or {}
    return (
        float((m.get("relations") or {}).get("f1") or 0.0),
        float((m.get("entities") or {}).get("f1") or 0.0),
    )


def build_metrics(
    done: dict[str, Any],
    data: RetrainData,
    previous: ModelVersionInfo | None,
    warm_from: int | None,
    train_config: dict[str, Any],
) -> dict[str, Any]:
    new = summarise(done.get("dev"))
    metrics: dict[str, Any] = {
        **new,
        "epoch": done.get("best_epoch"),
        "epochs": train_config.get("epochs"),
        "threshold": done.get("threshold"),
        "train_documents": len(data.train_ids),
        "dev_documents": len(data.dev_ids),
        "dev_document_ids": list(data.dev_ids),
        "warm_start_from": warm_from,
        "train_seconds": done.get("train_seconds"),
        "seconds": done.get("seconds"),
        "history": done.get("history") or [],
        # suggestion thresholds that minimise edits on dev (retrain_worker.calibrate_on_dev)
        "thresholds": done.get("thresholds"),
        "compared_with": None,
        "delta": None,
    }
    if previous is not None and done.get("previous"):
        old = summarise(done["previous"])
        metrics["compared_with"] = {"version": previous.id, **old}
        delta: dict[str, Any] = {}
        for key in ("entities", "relations"):
            if new.get(key) and old.get(key):
                delta[key] = {k: new[key][k] - old[key][k] for k in ("precision", "recall", "f1")}
            delta[f"{key}_per_type"] = {
                name: s["f1"] - old["per_type"][key].get(name, {}).get("f1", 0.0)
                for name, s in new["per_type"][key].items()
            }
        metrics["delta"] = delta
    return metrics


# -- versions ---------------------------------------------------------------------------------


def activate(store: Store, project: str, version_id: int) -> ModelVersionInfo:
    """Activate a ready version of ``project`` by hand (also a rollback to an older one)."""
    if version_id not in {mv.id for mv in store.list_model_versions(project)}:
        raise StoreError(f"no model version {version_id} in project {project!r}")
    return store.activate_model_version(version_id)


def rollback(store: Store, project: str) -> ModelVersionInfo:
    """Activate the newest ready version older than the active one."""
    versions = store.list_model_versions(project)
    active = next((mv for mv in versions if mv.active), None)
    if active is None:
        raise StoreError("no version is active: activate one by its number")
    older = [mv for mv in versions if mv.state == "ready" and mv.id < active.id]
    if not older:
        raise StoreError(
            f"version {active.id} is the oldest ready version: nothing to roll back to"
        )
    return store.activate_model_version(older[-1].id)


def versions_json(store: Store, project: str) -> list[dict[str, Any]]:
    """Every version of ``project`` with its metrics and the active flag (``python -m app
    models``)."""
    return [
        {
            "version": mv.id,
            "state": mv.state,
            "active": mv.active,
            "created": mv.created_at.isoformat(timespec="seconds"),
            "path": mv.path,
            "training_documents": len(mv.training_documents),
            "training_document_ids": list(mv.training_documents),
            "metrics": mv.metrics,
        }
        for mv in store.list_model_versions(project)
    ]


def _pid_alive(pid: int) -> bool:
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
            if pid != os.getpid() and not _pid_alive(pid):
                store.fail_job(job.id, "interrupted: the process running it is gone")
                count += 1
    if count:
        recover_versions(store)
    return count


def decide_activation(
    version_id: int,
    metrics: dict[str, Any] | None,
    *,
    auto: bool,
    previous_id: int | None,
    active_id: int | None,
) -> tuple[bool, str]:
    """Whether a freshly trained version becomes active, and why (the job's last log line).

    ``previous_id``: the version active when training started (the one its dev scores were
    compared with); ``active_id``: the one active now. Only a version strictly better on the
    same dev documents (``selection_score``) replaces the active one; a tie keeps the old one.
    """
    if not auto:
        return False, f"version {version_id} is ready; automatic activation is off"
    if active_id is None:
        return True, f"version {version_id} is active (the project had no active model)"
    if previous_id is None or active_id != previous_id:
        return False, (
            f"version {version_id} is ready; the active version changed during training, "
            "so it was not compared: activate it by hand if wanted"
        )
    compared = (metrics or {}).get("compared_with")
    if not compared:
        return False, (
            f"version {version_id} is ready; the active version could not be evaluated on "
            "the same dev documents, so it stays active"
        )
    new, old = selection_score(metrics), selection_score(compared)
    scores = (
        f"relation F1 {100 * new[0]:.1f} vs {100 * old[0]:.1f}, entity F1 "
        f"{100 * new[1]:.1f} vs {100 * old[1]:.1f}"
    )
    if new > old:
        return True, (
            f"version {version_id} is active: better on dev than version {previous_id} ({scores})"
        )
    return False, (
        f"version {version_id} is ready but not better on dev than version {previous_id} "
        f"({scores}); it waits: activate it by hand if wanted"
    )


def time_left(elapsed: float, done: float) -> str:
    """ "about N min left" from the time so far and the share done ('' while too early to
    say). Early stopping can end a run sooner: this is what the planned epochs would take."""
    if done < 0.02 or elapsed < 5:
        return ""
    seconds = elapsed * (1.0 - done) / done
    if seconds < 60:
        return "less than a minute left"
    return f"about {math.ceil(seconds / 60)} min left"


_TIME_LEFT = re.compile(r"(about \d+ min|less than a minute) left")


def time_left_of(job: JobInfo) -> str:
    """The time left that ``time_left`` wrote into a running job's message ('' if none)."""
    found = _TIME_LEFT.search(job.message or "")
    return found.group(0) if found else ""


#: the worker's phases after the training loop: (job progress, message)
AFTER_TRAINING: dict[str, tuple[float, str]] = {
    "compare": (0.96, "evaluating the active version on the same dev documents"),
    "calibrate": (0.97, "choosing the suggestion thresholds on the dev documents"),
}


# -- the manager ------------------------------------------------------------------------------


@dataclass
class _Run:
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
        self._runs: dict[int, _Run] = {}
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
        warm = None
        from_scratch = options.from_scratch
        if from_scratch is None:
            # documents stand in for training units: the data is not tokenized yet (a project
            # of long documents has more units than documents, so it errs towards scratch)
            from core_model.schedule import warm_start

            from_scratch = not warm_start(splits["train"])
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
        try:
            return self._launch(job, project, options, train_config, active, warm)
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
            return self._spawn(job, project, options, train_config, active, warm, data, version)
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
        data: RetrainData,
        version: ModelVersionInfo,
    ) -> JobInfo:
        out_dir = Path(version.path)
        job_dir = data.train_path.parent
        run = _Run(
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
            "model_config": dict(options.model_config),
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
                [self.python, "-m", "app.retrain_worker", str(job_dir / "spec.json")],
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

    def _request_stop(self, run: _Run) -> None:
        if run.cancel_requested:
            return
        run.cancel_requested = True
        with contextlib.suppress(OSError):
            run.stop_file.touch()
        timer = threading.Timer(CANCEL_GRACE_S, self._kill, args=(run,))
        timer.daemon = True
        timer.start()

    @staticmethod
    def _kill(run: _Run, sig: int = signal.SIGKILL) -> None:
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

    def _monitor(self, run: _Run) -> None:
        try:
            self._follow(run)
            self._conclude(run)
        except Exception as exc:
            log.exception("retraining job %d: monitor failed", run.job_id)
            with contextlib.suppress(Exception):
                self._fail(run, f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._runs.pop(run.job_id, None)
            run.finished.set()
            if self.on_finished is not None and not self._closing:
                try:
                    self.on_finished(run.project, self.store.get_job(run.job_id))
                except Exception:
                    log.exception("after retraining job %d ended", run.job_id)

    def _follow(self, run: _Run) -> None:
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
                event = self._parse(run, raw)
                if event is not None and event.get("event") == "progress":
                    pending = event
                    if event.get("phase") != "train" or now - last_store >= STORE_EVERY_S:
                        self._progress(run, event)
                        pending, last_store = None, now
                elif event is not None and event.get("event") == "done":
                    run.done_event = event
            if pending is not None and now - last_store >= STORE_EVERY_S:
                self._progress(run, pending)
                pending, last_store = None, now
            if now - last_poll >= 2 * POLL_S and not run.cancel_requested:
                last_poll = now
                if self.store.get_job(run.job_id).state == "cancelled":
                    self._request_stop(run)  # cancelled from another process or page
        run.proc.wait()

    def _parse(self, run: _Run, raw: bytes) -> dict[str, Any] | None:
        text = raw.decode("utf-8", errors="replace").strip()
        if not text:
            return None
        try:
            event = json.loads(text)
        except json.JSONDecodeError:
            self.store.update_job(run.job_id, log_line=text[:500])
            return None
        return event if isinstance(event, dict) else None

    def _progress(self, run: _Run, e: dict[str, Any]) -> None:
        phase = e.get("phase")
        if phase in AFTER_TRAINING:
            progress, message = AFTER_TRAINING[phase]
            self.store.update_job(run.job_id, progress=progress, message=message)
            return
        epoch, epochs = int(e.get("epoch") or 1), int(e.get("epochs") or 1)
        step, steps = int(e.get("step") or 0), max(1, int(e.get("steps") or 1))
        done = ((epoch - 1) * steps + step) / (epochs * steps)
        message = f"epoch {epoch}/{epochs} · step {step}/{steps} · loss {float(e['loss']):.4f}"
        left = time_left(time.monotonic() - run.started, done)
        if left:
            message += f" · {left}"
        line = None
        if phase == "eval" and e.get("dev_f1") is not None:
            message += f" · dev F1 {100 * float(e['dev_f1']):.1f}"
            line = f"epoch {epoch}/{epochs}: mean loss {float(e['loss']):.4f}, dev F1 " + (
                f"{100 * float(e['dev_f1']):.1f}"
            )
        self.store.update_job(run.job_id, progress=0.95 * done, message=message, log_line=line)

    # -- outcome ----------------------------------------------------------------------------

    def _conclude(self, run: _Run) -> None:
        assert run.proc is not None
        rc = run.proc.returncode
        if not run.cancel_requested and self.store.get_job(run.job_id).state == "cancelled":
            run.cancel_requested = True
        complete = (run.out_dir / "config.json").is_file() and (
            run.out_dir / "model.safetensors"
        ).is_file()
        if run.cancel_requested:
            self._cleanup(run, keep_model=False)
            self.store.update_model_version(run.version_id, state="failed")
            self.store.update_job(run.job_id, log_line="stopped on request", message="cancelled")
            self.store.cancel_job(run.job_id)
            return
        if rc != 0 or run.done_event is None or not complete:
            if rc is not None and rc < 0:
                why = f"the training process was killed (signal {-rc})"
            elif rc == 0:
                why = "the training process ended without a complete model"
            else:
                why = f"the training process failed (exit code {rc})"
            self._fail(run, why)
            return
        metrics = build_metrics(
            run.done_event, run.data, run.previous, run.warm_from, run.train_config
        )
        metrics["job"] = run.job_id
        version = self.store.update_model_version(run.version_id, state="ready", metrics=metrics)
        activated, reason = self._maybe_activate(run, version)
        self.store.update_job(run.job_id, log_line=reason)
        self._cleanup(run, keep_model=True)
        self.store.finish_job(
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
        if activated and self.on_activated is not None:
            try:
                self.on_activated(run.project, version)
            except Exception:
                log.exception("after activating version %d", version.id)

    def _maybe_activate(self, run: _Run, version: ModelVersionInfo) -> tuple[bool, str]:
        auto = run.options.auto_activate
        if auto is None:
            settings = self.store.get_project(run.project).settings
            auto = bool(settings.get(SETTING_AUTO_ACTIVATE, True))
        now_active = self.store.active_model_version(run.project)
        activated, reason = decide_activation(
            version.id,
            version.metrics,
            auto=auto,
            previous_id=run.previous.id if run.previous is not None else None,
            active_id=now_active.id if now_active is not None else None,
        )
        if activated:
            self.store.activate_model_version(version.id)
        return activated, reason

    def _fail(self, run: _Run, why: str) -> None:
        tail = self._log_tail(run)
        self._cleanup(run, keep_model=False)
        with contextlib.suppress(StoreError):
            self.store.update_model_version(run.version_id, state="failed")
        if tail:
            self.store.update_job(run.job_id, log_line="training process log (end):\n" + tail)
        self.store.fail_job(run.job_id, why)

    @staticmethod
    def _log_tail(run: _Run) -> str:
        path = run.job_dir / "worker.log"
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                return "".join(deque(fh, maxlen=LOG_TAIL)).rstrip()
        except OSError:
            return ""

    @staticmethod
    def _cleanup(run: _Run, *, keep_model: bool) -> None:
        """Remove the job's data and whatever a stopped worker left half-written; a finished
        model is kept only when it is registered."""
        leftovers = partial_outputs(run.out_dir)
        if not keep_model:
            leftovers.append(run.out_dir)
        for path in [*leftovers, run.job_dir]:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
