"""Automatic retraining (``app.retraining.auto``) on a real store with real training processes:
it starts exactly once when the count of new done documents is reached, never while another
retraining of the project runs, and not at all when switched off."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import converters
from app.retraining.auto import (
    FIRST,
    SETTING_AUTO_RETRAIN,
    AutoRetrainer,
    documents_needed,
    trained_on,
)
from app.retraining.options import KIND
from app.retraining.retrainer import Retrainer
from db import Store
from db.views import JobInfo

pytestmark = pytest.mark.slow
PROJECT = "corrections"  # the conftest's project: 20 done documents, 6 new
DEMO = Path(__file__).resolve().parents[2] / "app" / "demo"
WAIT_S = 300
CHECK_THREAD = "spanrel-auto-retrain"  # the thread ``AutoRetrainer.check_later`` starts


def retrain_jobs(store: Store) -> list:
    return [j for j in store.list_jobs(project=PROJECT, limit=100) if j.kind == KIND]


def wait_ended(store: Store, job_id: int) -> str:
    """The job's final state, followed in the store: a job started on another thread (the
    app's start-up check, a monitor's ``on_finished``) may not be registered with the
    ``Retrainer`` yet when a test asks it to wait."""
    t0 = time.monotonic()
    while (state := store.get_job(job_id).state) in ("queued", "running"):
        assert time.monotonic() - t0 < WAIT_S, f"job {job_id} still {state}"
        time.sleep(0.2)
    return state


def wired(store: Store, models: Path, options) -> tuple[Retrainer, AutoRetrainer, threading.Event]:
    """A ``Retrainer`` whose ended jobs call ``AutoRetrainer.finished``, as the app wires them,
    and an event set once such a call has done all its work.

    ``finished`` runs its check on a thread of its own (``check_later``): the event waits for
    that thread too, so a test can assert what the check did without guessing how long a
    busy machine takes to run it.
    """
    holder: dict = {}
    checked = threading.Event()

    def on_finished(project: str, job: JobInfo) -> None:
        before = set(threading.enumerate())
        try:
            holder["auto"].finished(project, job)
            for thread in set(threading.enumerate()) - before:
                if thread.name == CHECK_THREAD:
                    thread.join(WAIT_S)
        finally:
            checked.set()

    retrainer = Retrainer(store, models, on_finished=on_finished)
    holder["auto"] = AutoRetrainer(store, retrainer, options)
    return retrainer, holder["auto"], checked


def add_done(store: Store, n: int, start: int) -> None:
    """``n`` more gold documents marked done (imported gold counts as done work)."""
    docs = converters.read("spert", DEMO / "conll04_gold.json")[start : start + n]
    for i, d in enumerate(docs):
        d.id = f"x{start + i:03d}"
    store.import_documents(PROJECT, docs, status="done", author="tester")


def test_needed_documents_grow_with_the_project() -> None:
    assert documents_needed(0) == FIRST
    needed = [documents_needed(n) for n in (20, 100, 400, 2000, 10_000)]
    assert needed == sorted(needed)
    assert needed[0] == FIRST and needed[-1] == 200 and needed[2] == 100


def test_starts_once_when_due_and_never_while_one_runs(
    store: Store, retrainer: Retrainer, make_options
) -> None:
    auto = AutoRetrainer(store, retrainer, lambda: make_options(epochs=2))
    state = auto.state(PROJECT)
    assert state.done == 20 and state.trained_on == 0 and state.due
    # two checks at the same moment (an annotator's save and the app start): one job
    results: list = []
    threads = [
        threading.Thread(target=lambda: results.append(auto.check(PROJECT))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    started = [j for j in results if j is not None]
    assert len(started) == 1, results
    assert len(retrain_jobs(store)) == 1
    # while it runs, more done documents do not start a second one
    add_done(store, 15, start=40)
    assert auto.state(PROJECT).running_job == started[0].id
    assert auto.check(PROJECT) is None
    job = retrainer.wait(started[0].id, WAIT_S)
    assert job.state == "done", job.log
    assert len(retrain_jobs(store)) == 1

    # the version saw the 20 documents done when it started; the 15 added meanwhile are due
    assert trained_on(store, PROJECT) == 20
    second = auto.check(PROJECT)
    assert second is not None
    assert auto.check(PROJECT) is None
    assert retrainer.wait(second.id, WAIT_S).state == "done"

    # that one saw 35; the next starts after exactly documents_needed(35) more
    assert trained_on(store, PROJECT) == 35
    need = documents_needed(35)
    assert auto.check(PROJECT) is None
    add_done(store, need - 1, start=60)
    assert auto.state(PROJECT).remaining == 1
    assert auto.check(PROJECT) is None
    assert len(retrain_jobs(store)) == 2
    add_done(store, 1, start=60 + need - 1)
    third = auto.check(PROJECT)
    assert third is not None
    assert auto.check(PROJECT) is None  # exactly once
    assert retrainer.wait(third.id, WAIT_S).state == "done"
    assert len(retrain_jobs(store)) == 3
    assert not auto.state(PROJECT).due


def test_switched_off_by_the_project_or_the_app(
    store: Store, retrainer: Retrainer, make_options
) -> None:
    store.update_project_settings(PROJECT, {SETTING_AUTO_RETRAIN: False})
    auto = AutoRetrainer(store, retrainer, lambda: make_options(epochs=1))
    assert not auto.state(PROJECT).due
    assert auto.check(PROJECT) is None
    store.update_project_settings(PROJECT, {SETTING_AUTO_RETRAIN: True})
    off = AutoRetrainer(store, retrainer, lambda: make_options(epochs=1), enabled=False)
    assert off.check(PROJECT) is None
    assert "off" in off.state(PROJECT).describe()
    assert retrain_jobs(store) == []
    assert auto.state(PROJECT).due  # on again: due, so the checks above did decide


def test_a_finished_job_starts_the_next_when_due(
    store: Store, tmp_path: Path, make_options
) -> None:
    """``Retrainer(on_finished=auto.finished)``, as the app wires it: documents marked done
    during a retraining start the next one when it ends."""
    retrainer, auto, checked = wired(store, tmp_path / "models2", lambda: make_options(epochs=1))
    try:
        first = auto.check(PROJECT)
        assert first is not None
        add_done(store, documents_needed(20) + 5, start=40)  # more than the next needs
        assert retrainer.wait(first.id, WAIT_S).state == "done"
        assert checked.wait(WAIT_S), "on_finished never ran its check"
        jobs = retrain_jobs(store)
        assert len(jobs) == 2, jobs
        newest = max(j.id for j in jobs)
        assert newest != first.id
        assert wait_ended(store, newest) == "done", store.get_job(newest).log
    finally:
        retrainer.shutdown()


def test_app_start_trains_the_first_model_and_refreshes_unopened_documents(
    store: Store, tmp_path: Path, make_options
) -> None:
    """A fresh app on a project with gold documents marked done (the demo after ``make run``):
    the first model starts by itself, the screens say suggestions are coming, and once it is
    active the documents nobody has opened get pre-annotated by it."""
    from app.ui import AppConfig, create_app

    config = AppConfig(models_dir=tmp_path / "models", retrain=make_options(epochs=2))
    app, _ = create_app(store, config)
    try:
        t0 = time.monotonic()
        while not retrain_jobs(store):
            assert time.monotonic() - t0 < 60, "no retraining started at app start"
            time.sleep(0.2)
        (job,) = retrain_jobs(store)
        assert store.active_model_version(PROJECT) is None
        # while it trains, the Documents and Model screens say when suggestions come
        assert "first model is training" in app.suggestions_pending(PROJECT)
        assert "first model is training" in app.model_markdown(PROJECT)
        _, note = app.documents_frame(PROJECT)
        assert "suggestions will appear" in note
        assert wait_ended(store, job.id) == "done", store.get_job(job.id).log
        active = store.active_model_version(PROJECT)
        assert active is not None
        assert app.suggestions_pending(PROJECT) == ""
        info = app.model_markdown(PROJECT)
        assert f"version {active.id}" in info and "more document(s) are marked done" in info
        # the unopened documents are refreshed by the new version in the job queue
        t0 = time.monotonic()
        while True:
            pre = [j for j in store.list_jobs(project=PROJECT) if j.kind == "preannotate"]
            if pre and pre[0].state not in ("queued", "running"):
                break
            assert time.monotonic() - t0 < WAIT_S, "no refresh of the unopened documents"
            time.sleep(0.2)
        assert pre[0].state == "done", pre[0].log
        assert pre[0].params["model_version"] == active.id
        unopened = [d for d in store.list_documents(PROJECT) if d.status != "done"]
        assert unopened and all(d.status == "pre-annotated" for d in unopened)
        # the status alone is set by a run that stores nothing, and this barely trained model
        # suggests nothing on unseen sentences: what it does store is each document's
        # uncertainty, and the values are the active version's
        from app.preannotate import model_input
        from core_model import Predictor

        views = [store.load_document(d.id) for d in unopened]
        predictions = Predictor.load(active.path, device="cpu").predict(
            [model_input(v) for v in views]
        )
        stored = dict(store.uncertainty_order(PROJECT))
        for view, prediction in zip(views, predictions, strict=True):
            assert stored[view.id] is not None, view.name
            assert stored[view.id] == pytest.approx(prediction.uncertainty, abs=1e-4), view.name
        # exactly one retraining: nothing new was marked done
        assert len(retrain_jobs(store)) == 1
    finally:
        app.close()


def test_a_cancelled_run_is_not_restarted_until_more_documents_are_done(
    store: Store, tmp_path: Path, make_options
) -> None:
    retrainer, auto, checked = wired(store, tmp_path / "models3", lambda: make_options(epochs=50))
    try:
        job = auto.check(PROJECT)
        assert job is not None
        retrainer.cancel(job.id)
        assert retrainer.wait(job.id, WAIT_S).state == "cancelled"
        # the check that the cancelled job's end triggered has run: it started nothing
        assert checked.wait(WAIT_S), "on_finished never ran its check"
        assert len(retrain_jobs(store)) == 1
        assert auto.check(PROJECT) is None  # still due by count, but cancelled by a person
        add_done(store, 1, start=40)
        assert auto.check(PROJECT) is not None
    finally:
        retrainer.shutdown()
