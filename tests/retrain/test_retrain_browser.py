"""The Model screen in Chromium: press Retrain, watch the progress reach done, see the new
version listed (and plotted), then a second version warm-started from the first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.access import launch_kwargs
from app.ui import FROM_ACTIVE, AppConfig, create_app
from db import Store
from tests.serving import serve

pytestmark = pytest.mark.slow
PROJECT = "corrections"


def _serve(tmp_path: Path, store: Store, options) -> tuple[str, Any, Any]:
    config = AppConfig(
        models_dir=tmp_path / "models", default_user="tester", retrain=options, auto_retrain=False
    )
    app, demo = create_app(store, config)
    url = serve(demo, **launch_kwargs(app))  # as launch.py does (same-origin guard)
    return url, app, demo


def set_epochs(page: Any, n: int) -> None:
    box = page.locator("#sr-retrain-epochs input").first
    box.fill(str(n))
    box.press("Tab")


def test_retrain_button_shows_progress_and_the_new_version(
    in_browser, tmp_path: Path, store: Store, make_options
) -> None:
    if not store.is_sqlite:
        pytest.skip(
            "page only: retraining's store side (jobs, versions, activation) is "
            "tests/retrain/test_retrain_jobs.py, on both databases"
        )
    url, app, demo = _serve(tmp_path, store, make_options(epochs=2))
    try:
        in_browser(lambda browser: _check(browser, url, store))
    finally:
        demo.close()
        app.close()


def _check(browser: Any, url: str, store: Store) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url)
        page.get_by_text("signed in as").first.wait_for(timeout=30_000)
        page.get_by_role("tab", name="Model").click()
        page.locator("#sr-model-info").get_by_text("No model is trained yet").wait_for()
        set_epochs(page, 20)  # long enough to watch the progress between two polls
        page.locator("#sr-retrain").click()
        status = page.locator("#sr-retrain-status")
        # live progress: the epoch/step message appears while the job runs
        status.get_by_text("epoch").first.wait_for(timeout=180_000)  # worker start-up on a busy CPU
        status.get_by_text("done").first.wait_for(timeout=120_000)
        (mv,) = store.list_model_versions(PROJECT)
        assert mv.state == "ready" and mv.active
        # the versions table lists it as active, with its path
        page.wait_for_function(
            "p => { const t = document.querySelector('#sr-model-versions');"
            " return t && t.innerText.includes(p) && /\\bactive\\b/.test(t.innerText); }",
            arg=mv.path,
            timeout=10_000,
        )
        page.locator("#sr-model-info").get_by_text(f"version {mv.id}").wait_for()
        # the learning curve shows the one version: a point per score, labelled once
        chart = page.locator("#sr-learning-curve svg.marks")
        chart.get_by_text(f"v{mv.id}", exact=True).wait_for(timeout=10_000)
        assert chart.locator(".mark-symbol.role-mark path").count() == 2  # entity, relation F1
        # one click re-runs the new active version over every unfinished document
        unfinished = {d.id for d in store.list_documents(PROJECT) if d.status != "done"}
        page.locator("#sr-refresh-suggestions").click()
        page.locator("#sr-model-msg").get_by_text(
            f"{len(unfinished)} document(s) pre-annotated"
        ).wait_for(timeout=60_000)
        scored = dict(store.uncertainty_order(PROJECT))
        assert all(scored.get(i) is not None for i in unfinished)
        # a second retraining, chosen to start warm from version 1 (a project this small would
        # start from the encoder by default); a click during it is refused with a clear
        # message, and Cancel stops it leaving version 1 active
        page.locator("#sr-retrain-from").get_by_label(FROM_ACTIVE).check()
        set_epochs(page, 100)  # the most the page allows; cancelled below
        page.locator("#sr-retrain").click()
        # the second job runs (the status may still show the first job's epochs meanwhile: a
        # click before the start is known would race it)
        _wait_until(lambda: len(store.list_jobs(project=PROJECT, state="running")) == 1)
        status.get_by_text("epoch").first.wait_for(timeout=180_000)  # worker start-up on a busy CPU
        page.locator("#sr-retrain").click()
        # the refusal's toast stays until closed (the status line under it is redrawn by the
        # progress timer, which under load can replace the refusal before it is seen there)
        refusal = page.locator(".toast-body", has_text="already running")
        refusal.first.wait_for(timeout=60_000)
        page.locator("#sr-retrain-cancel").click()
        status.get_by_text("cancelled").first.wait_for(timeout=60_000)
        jobs = [j for j in store.list_jobs(project=PROJECT) if j.kind == "retrain"]
        assert [j.state for j in jobs] == ["cancelled", "done"]
        assert any(
            j.kind != "retrain" and j.state == "done" for j in store.list_jobs(project=PROJECT)
        )
        assert jobs[0].params["warm_start_from"] == mv.id
        assert store.active_model_version(PROJECT).id == mv.id
        assert not errors, errors
    finally:
        page.close()


def _wait_until(condition: Any, seconds: float = 180.0) -> None:
    """Poll ``condition`` until it holds (a job starting on a busy CPU may take a while)."""
    import time

    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.2)
