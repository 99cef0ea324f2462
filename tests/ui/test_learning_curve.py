"""The Model screen's learning curve, as the page receives it and as Chromium draws it.

What a new user saw: nothing after the first version (a one-point line draws no mark), a
vertical line for two versions trained on the same documents, and ticks reading "190.000000".
So: one point per version and score, each version labelled, whole-number ticks, and versions
that share a number of documents side by side in version order, with the exact number in the
tooltip.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from app.screens import models
from app.screens.learning_curve import SPREAD, curve_plot
from db import Store
from tests.ui.pages import AppPage

DOCS = 190


def _version(store: Store, project: str, entity_f1: float, relation_f1: float) -> int:
    """A scored, ready version trained on ``DOCS`` documents; its id."""
    metrics = {
        "train_documents": DOCS,
        "entities": {"f1": entity_f1},
        "relations": {"f1": relation_f1},
    }
    return store.register_model_version(
        project, f"/models/{project}-{entity_f1}", metrics=metrics, state="ready"
    ).id


def _spec(store: Store, project: str) -> dict[str, Any]:
    return json.loads(curve_plot(models.learning_curve_rows(store, project)).plot)


def _points(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["data"]["values"]


def test_one_version_is_a_point_per_score_on_whole_number_axes(store: Store) -> None:
    store.create_project("curve")
    assert _points(_spec(store, "curve")) == []  # drawn empty, saying so
    v1 = _version(store, "curve", 0.415, 0.12)
    spec = _spec(store, "curve")
    points = _points(spec)
    assert [(p["score"], p["dev F1"], p["x"], p["trained on"]) for p in points] == [
        ("entity F1", 41.5, DOCS, DOCS),
        ("relation F1", 12.0, DOCS, DOCS),
    ]
    # a point mark (a line of one point draws nothing), the version labelled once
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert "point" in marks and "text" in marks
    assert [p["label"] for p in points] == [f"v{v1}", ""]
    for axis in ("x", "y"):
        assert spec["encoding"][axis]["axis"] == {"format": "d", "tickMinStep": 1}
    assert spec["encoding"]["x"]["scale"]["domain"][0] == 0  # never a one-value domain


def test_versions_on_the_same_documents_stand_side_by_side(store: Store) -> None:
    store.create_project("same")
    v1 = _version(store, "same", 0.415, 0.12)
    v2 = _version(store, "same", 0.455, 0.15)
    spec = _spec(store, "same")
    at = {(p["version"], p["score"]): p["x"] for p in _points(spec)}
    # each version's scores share one place; the older left of the number, the newer right
    assert at[f"v{v1}", "entity F1"] == at[f"v{v1}", "relation F1"]
    assert at[f"v{v2}", "entity F1"] == at[f"v{v2}", "relation F1"]
    left, right = at[f"v{v1}", "entity F1"], at[f"v{v2}", "entity F1"]
    upper = spec["encoding"]["x"]["scale"]["domain"][1]
    assert left < DOCS < right
    assert right - left == pytest.approx(SPREAD * upper, abs=0.01)
    assert {p["trained on"] for p in _points(spec)} == {DOCS}  # the tooltip's exact number
    assert sorted(p["label"] for p in _points(spec) if p["label"]) == [f"v{v1}", f"v{v2}"]


@pytest.mark.slow
def test_the_model_screen_draws_the_points(browser: Any, served: Any) -> None:
    """Two versions on the same documents: four points, two labels, integer tick labels."""
    store = served.store
    store.create_project("Curve")
    v1 = _version(store, "Curve", 0.415, 0.12)
    v2 = _version(store, "Curve", 0.455, 0.15)
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    ap = AppPage(page, served.url)
    try:
        ap.goto()
        ap.choose_project("Curve")
        ap.tab("Model")
        chart = page.locator("#sr-learning-curve svg.marks")
        chart.locator(".mark-symbol.role-mark path").nth(3).wait_for(timeout=20_000)
        assert chart.locator(".mark-symbol.role-mark path").count() == 4
        shown = chart.locator(".mark-text.role-mark text").all_text_contents()
        assert sorted(t for t in shown if t) == [f"v{v1}", f"v{v2}"]
        ticks = chart.locator(".role-axis-label text").all_text_contents()
        assert ticks and all(re.fullmatch(r"\d+", t) for t in ticks), ticks
        assert str(DOCS) in ticks or "200" in ticks
        xs = [p.bounding_box()["x"] for p in chart.locator(".mark-symbol.role-mark path").all()]
        assert len({round(x) for x in xs}) == 2, xs  # two places, side by side
        assert not ap.errors, ap.errors
    finally:
        page.close()
