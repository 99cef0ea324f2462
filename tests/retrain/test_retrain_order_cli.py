""" "Least confident first" ordering of the next document, the command line (``python -m app
retrain|models``) and recovery from a retraining whose process died."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app import ordering
from app.__main__ import main as app_main
from app.retraining.options import KIND
from app.retraining.recovery import recover_versions
from app.retraining.retrainer import Retrainer
from app.store_backend import StoreBackend
from db import Edit, Store
from tests.cli_runs import run_main

PROJECT = "corrections"  # the conftest's project
REPO = Path(__file__).resolve().parents[2]


def test_next_document_follows_uncertainty_when_chosen(store: Store) -> None:
    backend = StoreBackend(store)
    new = [d.id for d in store.list_documents(PROJECT, status="new")]
    done = [d.id for d in store.list_documents(PROJECT, status="done")]
    assert len(new) == 6
    # default: document order
    assert ordering.get_order(store, PROJECT) == ordering.POSITION
    page = backend.load(str(new[0]))
    assert page["next_id"] == str(new[1])
    # scores from a pre-annotation: new[3] least confident, new[5] never scored
    store.set_uncertainty({new[0]: 0.2, new[1]: 0.5, new[2]: 0.1, new[3]: 0.9, new[4]: 0.5})
    ordering.set_order(store, PROJECT, ordering.UNCERTAINTY)
    assert ordering.uncertain_first(store, PROJECT) == [
        new[3],
        new[1],
        new[4],
        new[0],
        new[2],
        new[5],
    ]
    page = backend.load(str(new[3]))
    assert page["prev_id"] is None and page["next_id"] == str(new[1])
    assert backend.load(str(new[2]))["next_id"] == str(new[5])
    # from a finished document, "next" is the least confident unfinished one
    page = backend.load(str(done[0]))
    assert page["next_id"] == str(new[3])
    # once a document is done it leaves the order
    version = store.load_document(new[3]).version
    store.apply_edit(new[3], Edit.set_status("done"), version, "tester")
    assert ordering.uncertain_first(store, PROJECT)[0] == new[1]
    assert backend.load(str(new[3]))["next_id"] == str(new[1])
    store.set_uncertainty({new[1]: None})  # cleared: after every scored one, in document order
    assert ordering.uncertain_first(store, PROJECT) == [new[4], new[0], new[2], new[1], new[5]]
    ordering.set_order(store, PROJECT, ordering.POSITION)
    assert backend.load(str(new[0]))["next_id"] == str(new[1])
    with pytest.raises(ValueError):
        ordering.set_order(store, PROJECT, "random")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.slow
def test_a_job_whose_process_died_does_not_block_the_next(
    store: Store, retrainer: Retrainer, make_options
) -> None:
    stale = store.create_job(
        KIND,
        project=PROJECT,
        params={"host": socket.gethostname(), "monitor_pid": _dead_pid()},
    )
    store.start_job(stale.id)
    # what a killed ``python -m app retrain`` leaves: the job's data and a half-written model
    job_dir = retrainer.models_dir / ".jobs" / f"job-{stale.id}"
    job_dir.mkdir(parents=True)
    (job_dir / "train.json").write_text("[]")
    orphan_dir = retrainer.models_dir / PROJECT / f"20260101-000000-job{stale.id}"
    work = orphan_dir.parent / f"{orphan_dir.name}.work"
    work.mkdir(parents=True)
    orphan = store.register_model_version(PROJECT, str(orphan_dir), state="training")
    # at the app's start: versions of a job that is still marked running are left alone
    assert recover_versions(store) == 0
    job = retrainer.start(PROJECT, make_options(epochs=1))
    assert store.get_job(stale.id).state == "failed"
    assert "gone" in store.get_job(stale.id).message
    states = {mv.id: mv.state for mv in store.list_model_versions(PROJECT)}
    assert states[orphan.id] == "failed"
    assert not job_dir.exists() and not work.exists()
    assert retrainer.wait(job.id, 300).state == "done"


def app_process(*args: str) -> subprocess.CompletedProcess:
    """``python -m app ...`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )


def run_app(*args: str) -> subprocess.CompletedProcess:
    """The same command line run by ``app.__main__.main`` in this process (tests/cli_runs.py;
    ``python -m app retrain`` runs as a process of its own in tests/security/test_faults.py)."""
    return run_main(app_main, *args)


@pytest.mark.slow
def test_command_line_retrain_and_models(store: Store, tmp_path: Path, tiny_encoder) -> None:
    url = store.url
    out = run_app("models", "--db", url, "--project", PROJECT)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
    out = run_app(
        "retrain",
        "--db",
        url,
        "--project",
        PROJECT,
        "--epochs",
        "1",
        "--encoder",
        str(tiny_encoder),
        "--models-dir",
        str(tmp_path / "models"),
    )
    assert out.returncode == 0, out.stderr + out.stdout
    result = json.loads(out.stdout)
    assert result["state"] == "done" and result["result"]["activated"]
    out = run_app("models", "--db", url, "--project", PROJECT)
    (version,) = json.loads(out.stdout)
    assert version["active"] and version["state"] == "ready"
    assert version["version"] == result["result"]["version"]
    assert set(version["metrics"]["entities"]) == {"precision", "recall", "f1"}
    assert version["training_documents"] == len(version["training_document_ids"]) > 0
    assert Path(version["path"]).parent.parent == tmp_path / "models"
    # in a process of its own: the ``-m`` entry and the exit status of the process
    missing = app_process("models", "--db", url, "--project", "nope")
    assert missing.returncode == 2 and "nope" in missing.stderr
