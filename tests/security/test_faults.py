"""Faults (issue #8, item 4): ``kill -9`` while training, restart, and backup/restore.

Why real processes: the promise under test is what survives a SIGKILL of the process that owns a
job, and what a restart makes of it. Only separate processes killed for real show it. The "server"
killed during training is ``python -m app retrain``, which runs exactly the code the Model screen's
*Retrain* button runs (``app.retraining.retrainer.Retrainer`` following a worker); the restart is
``launch.py`` on the same database, whose start-up recovery must fail the job. The app server itself
is killed during a pre-annotation job started through its own event. Backup/restore follows
README.md ("Where data is stored").

The kills run on SQLite and PostgreSQL (``backend_url``): jobs, model versions and the start-up
recovery are rows in the store, and the subprocesses get the same ``--db`` URL. The online
backup is SQLite's own (PostgreSQL is backed up with ``pg_dump``), so that test is SQLite-only
and PostgreSQL is only checked to be refused with that advice.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import converters
from app.retraining.options import RetrainOptions
from converters.document import Document
from converters.schema import EntityType, Schema
from db import Edit, Store
from tests.databases import fresh_database_url
from tests.first_version import FirstVersion, install, train_first
from tests.serving import free_port

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "app" / "demo"
PROJECT = "faults"
START_TIMEOUT_S = 90.0
N_PREANNOTATE = 2000  # documents: a run long enough to be killed half-way
PREANNOTATE_TIMEOUT_S = 300.0

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def _wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie child of ours counts as gone: reap it if it is one
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        done = 0
    return done == 0 and Path(f"/proc/{pid}").exists() and _state(pid) != "Z"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _tree_hash(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _fill(store: Store) -> None:
    """20 corrected CoNLL04 sentences (what retraining learns from)."""
    docs = converters.read("spert", DEMO / "conll04_gold.json")[:20]
    for i, d in enumerate(docs):
        d.id = f"s{i:03d}"
    store.create_project(PROJECT, converters.read_schema("spert", DEMO / "conll04_gold.json"))
    store.import_documents(PROJECT, docs, status="done", author="tester")


@pytest.fixture(scope="module")
def first_model(tmp_path_factory: pytest.TempPathFactory, tiny_encoder_dir: Path) -> FirstVersion:
    """A real first retraining, once for the module (tests/first_version.py): each test
    installs it as its project's active version, the one the kills must leave untouched."""
    folder = tmp_path_factory.mktemp("first_model")
    return train_first(folder, PROJECT, _fill, _tiny_options(tiny_encoder_dir))


def _tiny_options(encoder: Path) -> RetrainOptions:
    return RetrainOptions(
        epochs=1,
        encoder_dir=str(encoder),
        train_config={"batch_size": 4, "warmup": 0.0, "seed": 1, "device": "cpu"},
        model_config={"max_span_width": 6},
    )


def _start_server(url: str, port: int, models: Path, log_path: Path) -> subprocess.Popen:
    cmd = [sys.executable, "launch.py", "--db", url, "--port", str(port)]
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [*cmd, "--models-dir", str(models), "--no-demo"],
            cwd=REPO,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


def _serve_once(url: str, models: Path, log_path: Path) -> str:
    """Start ``launch.py``, wait until it answers, ``kill -9`` it; its log."""
    port = free_port()
    server = _start_server(url, port, models, log_path)
    try:
        _wait_for(lambda: server.poll() is None and _port_open(port), START_TIMEOUT_S, "the server")
    finally:
        _kill_group(server)
    return log_path.read_text(errors="replace")


def _kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def test_kill_9_during_training_then_restart(
    tmp_path: Path, tiny_encoder_dir: Path, backend_url: str, first_model
) -> None:
    url = backend_url
    models = tmp_path / "models"
    with Store.open(url) as store:
        _fill(store)
        # a real active version first: the one that must survive untouched
        install(store, models, PROJECT, first_model)
        active = store.active_model_version(PROJECT)
        assert active is not None
    active_dir = Path(active.path)
    active_files = _tree_hash(active_dir)
    assert "config.json" in active_files

    # a long retraining, killed -9 (with its whole process group) once training is under way
    cmd = [sys.executable, "-m", "app", "retrain", "--db", url, "--project", PROJECT]
    proc = subprocess.Popen(
        [*cmd, "--models-dir", str(models), "--encoder", str(tiny_encoder_dir), "--epochs", "200"],
        cwd=REPO,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    store = Store.open(url)
    try:

        def training() -> bool:
            assert proc.poll() is None, "the retraining ended before it could be killed"
            jobs = store.list_jobs(project=PROJECT, limit=10)
            return bool(jobs) and jobs[0].state == "running" and jobs[0].progress > 0

        _wait_for(training, START_TIMEOUT_S, "the retraining to make progress")
        (job_id,) = [j.id for j in store.list_jobs(project=PROJECT, limit=10)]
        # the app started beside a live retraining must not fail it; then the app is killed -9
        _serve_once(url, models, tmp_path / "server-1.log")
        assert store.get_job(job_id).state == "running"
        assert proc.poll() is None
        _kill_group(proc)
        assert proc.returncode == -signal.SIGKILL
        job = store.get_job(job_id)
        worker = int(job.log.split("training process ")[1].split()[0])
        # the worker (its own session) sees its parent gone and stops: no orphan keeps training
        _wait_for(lambda: not _pid_alive(worker), 60, f"worker {worker} to stop")
        assert store.get_job(job.id).state == "running"  # nobody left to say otherwise
    finally:
        store.close()

    # restart: the app on the same database recovers at start-up
    log = _serve_once(url, models, tmp_path / "server-2.log")
    assert "marked failed" in log

    with Store.open(url) as store:
        assert store.integrity_check() == "ok"
        job = store.get_job(job.id)
        assert job.state == "failed", log
        versions = {v.id: v for v in store.list_model_versions(PROJECT)}
        killed = [v for v in versions.values() if v.id != active.id]
        assert len(killed) == 1 and killed[0].state == "failed" and not killed[0].active
        now_active = store.active_model_version(PROJECT)
        assert now_active is not None and now_active.id == active.id
        assert now_active.path == active.path
        # no version that may be used points at a half-written model
        for v in versions.values():
            if v.state == "ready":
                assert (Path(v.path) / "config.json").is_file()
                assert (Path(v.path) / "model.safetensors").is_file()
        assert not (Path(killed[0].path) / "model.safetensors").exists()
        # the killed job's data folder and half-written model are swept at start-up
        assert not (models / ".jobs" / f"job-{job.id}").exists()
        killed_out = Path(killed[0].path)
        assert not list(killed_out.parent.glob(f"{killed_out.name}.work"))
    assert _tree_hash(active_dir) == active_files


def test_kill_9_of_server_during_preannotation_then_restart(
    tmp_path: Path, backend_url: str, first_model
) -> None:
    """The pre-annotation job is started through the page's own event (``/pre_all``)."""
    from gradio_client import Client

    url = backend_url
    models = tmp_path / "models"
    with Store.open(url) as store:
        _fill(store)
        raw = converters.read("spert", DEMO / "conll04_unannotated.json")
        new = [Document(f"u{k:04d}", raw[k % len(raw)].text) for k in range(N_PREANNOTATE)]
        store.import_documents(PROJECT, new, status="new")
        install(store, models, PROJECT, first_model)
        active = store.active_model_version(PROJECT)
        assert active is not None
        before = {d.id for d in store.list_documents(PROJECT)}
    active_files = _tree_hash(Path(active.path))

    port = free_port()
    server = _start_server(url, port, models, tmp_path / "server-1.log")
    store = Store.open(url)
    try:
        _wait_for(lambda: server.poll() is None and _port_open(port), START_TIMEOUT_S, "the server")
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        client.submit(PROJECT, "all", "", "", api_name="/pre_all")

        def predicting() -> bool:
            """The job has stored its first chunk of suggestions and is still running."""
            assert server.poll() is None, "the server ended before it could be killed"
            jobs = store.list_jobs(project=PROJECT, limit=5)
            if not jobs or jobs[0].kind != "preannotate":
                return False
            job = jobs[0]
            assert job.state in ("queued", "running"), f"the job ended ({job.state}) too soon"
            return job.state == "running" and 0 < job.progress < 1

        _wait_for(predicting, PREANNOTATE_TIMEOUT_S, "the pre-annotation to make progress")
        job_id = store.list_jobs(project=PROJECT, limit=1)[0].id
    finally:
        _kill_group(server)
        store.close()
    assert server.returncode == -signal.SIGKILL

    log = _serve_once(url, models, tmp_path / "server-2.log")
    assert "marked failed" in log
    with Store.open(url) as store:
        assert store.integrity_check() == "ok"
        assert store.get_job(job_id).state == "failed"
        assert {d.id for d in store.list_documents(PROJECT)} == before
        # killed half-way: the documents stored before the kill keep their suggestions
        statuses = [d.status for d in store.list_documents(PROJECT)]
        assert 0 < statuses.count("pre-annotated") < N_PREANNOTATE
        now_active = store.active_model_version(PROJECT)
        assert now_active is not None and now_active.id == active.id
    assert _tree_hash(Path(active.path)) == active_files


def run_backup(url: str, backup: Path) -> subprocess.CompletedProcess[str]:
    """``python -m db backup`` of ``url`` into ``backup``, as an administrator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "db", "backup", "--db", url, str(backup)],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_while_writing_then_restore(tmp_path: Path) -> None:
    db_file = tmp_path / "data" / "spanrel.sqlite"
    url = f"sqlite:///{db_file}"
    backup = tmp_path / "backups" / "spanrel.sqlite"
    text = "x" * 2000
    store = Store.open(url)
    store.create_project("p", Schema([EntityType("Drug")]))
    doc_id = store.import_documents("p", [Document("d", text)]).document_ids[0]
    version = 0
    for i in range(30):  # acknowledged before the backup starts
        version = store.apply_edit(
            doc_id, Edit.add_entity("Drug", [(i, i + 1)]), version, "a"
        ).version
    acknowledged = version
    stop = threading.Event()
    errors: list[BaseException] = []
    written = [acknowledged]

    def writer() -> None:
        i = 30
        try:
            while not stop.is_set() and i < len(text):
                edit = Edit.add_entity("Drug", [(i, i + 1)])
                written[0] = store.apply_edit(doc_id, edit, written[0], "w").version
                i += 1
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=writer, name="backup-writer")
    thread.start()
    try:
        out = run_backup(url, backup)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert out.returncode == 0, out.stderr
    assert not errors, errors
    assert written[0] > acknowledged  # the writer really wrote during the backup
    store.close()  # "stop the app"

    # restore as README.md documents: copy the backup over the file, remove -wal/-shm
    shutil.copyfile(backup, db_file)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    with Store.open(url) as restored:
        assert restored.integrity_check() == "ok"
        view = restored.load_document(doc_id)
        assert acknowledged <= view.version <= written[0]
        assert len(view.entities) == view.version  # one entity per edit: no torn state
        spans = {(e.fragments[0][0]) for e in view.entities}
        assert set(range(acknowledged)) <= spans
        # the restored database takes edits again
        restored.apply_edit(doc_id, Edit.add_entity("Drug", [(1999, 2000)]), view.version, "r")


@pytest.mark.pg
def test_backup_of_postgresql_is_refused_with_pg_dump_advice(tmp_path: Path) -> None:
    """SQLite's online backup cannot copy a PostgreSQL database: ``db backup`` must say so and
    write nothing, rather than leave a file that looks like a backup."""
    url = fresh_database_url("postgresql", tmp_path)
    Store.open(url).close()
    backup = tmp_path / "backups" / "spanrel.sqlite"
    out = run_backup(url, backup)
    assert out.returncode == 1, out.stdout
    assert "pg_dump" in out.stderr and "Traceback" not in out.stderr
    assert not backup.exists() and not backup.with_name(backup.name + ".partial").exists()
