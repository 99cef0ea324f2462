"""Retraining end to end through the app's job code (``app.retraining``) on a temporary database:
a real training process per test (a tiny encoder: seconds each)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import time
from pathlib import Path

import pytest

from app.retraining.options import KIND, SETTING_AUTO_ACTIVATE
from app.retraining.retrainer import Retrainer
from app.retraining.training_data import assign_dev_split
from app.retraining.versions import activate, rollback, versions_json
from db import JobBusyError, Store
from tests.first_version import FirstVersion, install, train_first
from tests.retrain.conftest import fill_project, tiny_options

pytestmark = pytest.mark.slow
PROJECT = "corrections"  # the conftest's project
WAIT_S = 300


def tree_hashes(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def wait_for_progress(store: Store, job_id: int, timeout: float = 120) -> None:
    """Until the worker has reported its first training step."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = store.get_job(job_id)
        if job.message.startswith("epoch"):
            return
        assert job.state == "running", job.log
        time.sleep(0.1)
    raise AssertionError("no progress from the training process")


@pytest.fixture(scope="module")
def first_version(tmp_path_factory: pytest.TempPathFactory, tiny_encoder: Path) -> FirstVersion:
    """A real first retraining of the conftest's project, once for the module
    (tests/first_version.py), for the tests that only need an active version beside the
    training they are about."""
    folder = tmp_path_factory.mktemp("first_version")
    return train_first(folder, PROJECT, fill_project, tiny_options(tiny_encoder))


def train_one(retrainer: Retrainer, options) -> int:
    job = retrainer.start(PROJECT, options)
    job = retrainer.wait(job.id, WAIT_S)
    assert job.state == "done", job.log
    return job.result["version"]


def test_retrain_creates_an_active_version_with_metrics(
    store: Store, retrainer: Retrainer, make_options
) -> None:
    job = retrainer.start(PROJECT, make_options())
    assert job.kind == KIND and job.state == "running"
    job = retrainer.wait(job.id, WAIT_S)
    assert job.state == "done", job.log
    assert job.progress == 1.0
    assert "epoch 3/3" in job.log and "dev F1" in job.log
    (mv,) = store.list_model_versions(PROJECT)
    assert mv.state == "ready" and mv.active  # the first version: nothing to compare with
    assert job.result["version"] == mv.id and job.result["activated"]
    m = mv.metrics
    for key in ("entities", "relations"):
        assert set(m[key]) == {"precision", "recall", "f1"}
        assert 0.0 <= m[key]["f1"] <= 1.0
    assert set(m["per_type"]["entities"]) == {"Loc", "Org", "Other", "Peop"}
    assert "Work_For" in m["per_type"]["relations"]
    assert m["compared_with"] is None and m["warm_start_from"] is None
    # the training documents are recorded; dev documents are fixed in the split column
    docs = {d.id: d for d in store.list_documents(PROJECT, status="done")}
    train = {i for i, d in docs.items() if d.split == "train"}
    dev = {i for i, d in docs.items() if d.split == "dev"}
    assert set(mv.training_documents) == train and set(m["dev_document_ids"]) == dev
    assert train and dev and len(train) + len(dev) == 20
    assert m["train_documents"] == len(train) and m["dev_documents"] == len(dev)
    # the model directory is complete; the job's data is gone; nothing half-written is left
    path = Path(mv.path)
    assert (path / "config.json").is_file() and (path / "model.safetensors").is_file()
    models = retrainer.models_dir
    assert not list((models / ".jobs").glob("*"))
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    listed = versions_json(store, PROJECT)
    assert listed[0]["active"] and listed[0]["metrics"]["entities"] == m["entities"]


def test_dev_split_is_fixed_once(store: Store) -> None:
    counts = assign_dev_split(store, PROJECT)
    first = {d.id: d.split for d in store.list_documents(PROJECT, status="done")}
    assert counts["dev"] >= 1 and counts["train"] >= 1
    assert set(first.values()) <= {"train", "dev"}
    # more corrected work later: old documents keep their split
    assign_dev_split(store, PROJECT)
    again = {d.id: d.split for d in store.list_documents(PROJECT, status="done")}
    assert again == first


def test_second_concurrent_retrain_is_refused_and_cancel_leaves_nothing(
    store: Store, retrainer: Retrainer, make_options
) -> None:
    job = retrainer.start(PROJECT, make_options(epochs=500))
    other = Retrainer(store, retrainer.models_dir)  # e.g. a second app or the command line
    with pytest.raises(JobBusyError, match="already running"):
        other.start(PROJECT, make_options())
    with pytest.raises(JobBusyError):
        retrainer.start(PROJECT, make_options())
    wait_for_progress(store, job.id)
    retrainer.cancel(job.id)
    job = retrainer.wait(job.id, WAIT_S)
    assert job.state == "cancelled", job.log
    (mv,) = store.list_model_versions(PROJECT)
    assert mv.state == "failed" and not mv.active
    assert not Path(mv.path).exists()
    assert store.active_model_version(PROJECT) is None


def test_killed_training_process_leaves_the_active_model_intact(
    store: Store, retrainer: Retrainer, make_options, first_version: FirstVersion
) -> None:
    v1 = install(store, retrainer.models_dir, PROJECT, first_version).id
    active = store.active_model_version(PROJECT)
    assert active is not None and active.id == v1
    before = tree_hashes(Path(active.path))
    job = retrainer.start(PROJECT, make_options(epochs=500))
    wait_for_progress(store, job.id)
    pid = retrainer.worker_pid(job.id)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    job = retrainer.wait(job.id, WAIT_S)
    assert job.state == "failed"
    assert "killed" in job.message and "ERROR" in job.log
    after = store.active_model_version(PROJECT)
    assert after is not None and after.id == v1 and after.path == active.path
    assert tree_hashes(Path(active.path)) == before
    failed = [mv for mv in store.list_model_versions(PROJECT) if mv.id != v1]
    assert [mv.state for mv in failed] == ["failed"]
    assert not Path(failed[0].path).exists()
    leftovers = [p.name for p in Path(active.path).parent.iterdir()]
    assert leftovers == [Path(active.path).name]
    # the project can be retrained again at once
    assert retrainer.running_job(PROJECT) is None


def test_warm_start_and_from_scratch_are_compared_with_the_active_version(
    store: Store, retrainer: Retrainer, make_options
) -> None:
    """Version bookkeeping only; what activation and rollback do to the suggestions is
    checked with a model that predicts, in test_rollback_predictions.py."""
    v1 = train_one(retrainer, make_options(epochs=3))
    # a second version, warm-started from v1; the project's setting keeps it waiting
    store.update_project_settings(PROJECT, {SETTING_AUTO_ACTIVATE: False})
    job2 = retrainer.start(PROJECT, make_options(epochs=2, from_scratch=False))
    assert job2.params["warm_start_from"] == v1 and not job2.params["from_scratch"]
    job2 = retrainer.wait(job2.id, WAIT_S)
    assert job2.state == "done" and not job2.result["activated"], job2.log
    assert "automatic activation is off" in job2.result["reason"]
    v2 = job2.result["version"]
    mv2 = next(mv for mv in store.list_model_versions(PROJECT) if mv.id == v2)
    assert mv2.state == "ready" and not mv2.active
    assert mv2.metrics["warm_start_from"] == v1
    assert mv2.metrics["compared_with"]["version"] == v1
    assert set(mv2.metrics["delta"]) >= {"entities", "relations"}
    assert set(mv2.metrics["delta"]["entities_per_type"]) == {"Loc", "Org", "Other", "Peop"}
    assert store.active_model_version(PROJECT).id == v1
    # by default a small project (20 documents) starts from the base encoder even though a
    # version is active (core_model.schedule.warm_start); still compared with it
    v3 = train_one(retrainer, make_options(epochs=1))
    mv3 = next(mv for mv in store.list_model_versions(PROJECT) if mv.id == v3)
    assert mv3.metrics["warm_start_from"] is None and not mv3.active
    # a project this small trains without word shapes (core_model.schedule.word_shapes)
    assert json.loads((Path(mv3.path) / "config.json").read_text())["word_shapes"] is False
    assert mv3.metrics["compared_with"]["version"] == v1
    assert store.list_jobs(project=PROJECT)[0].params["from_scratch"]
    activate(store, PROJECT, v2)
    assert store.active_model_version(PROJECT).id == v2
    # rollback: the newest ready version older than the active one
    assert rollback(store, PROJECT).id == v1


def test_failed_training_process_is_marked_failed_with_its_log(
    store: Store, retrainer: Retrainer, make_options, tmp_path: Path, first_version: FirstVersion
) -> None:
    v1 = install(store, retrainer.models_dir, PROJECT, first_version).id
    active = store.active_model_version(PROJECT)
    before = tree_hashes(Path(active.path))
    missing = tmp_path / "no-such-encoder"
    options = dataclasses.replace(make_options(from_scratch=True), encoder_dir=str(missing))
    job = retrainer.start(PROJECT, options)
    job = retrainer.wait(job.id, WAIT_S)
    assert job.state == "failed" and "exit code 1" in job.message, job.log
    assert "training process log (end)" in job.log and "error:" in job.log
    assert store.active_model_version(PROJECT).id == v1
    assert tree_hashes(Path(active.path)) == before
    failed = [mv for mv in store.list_model_versions(PROJECT) if mv.id != v1]
    assert [mv.state for mv in failed] == ["failed"] and not Path(failed[0].path).exists()
    assert not list((retrainer.models_dir / ".jobs").glob("*"))
