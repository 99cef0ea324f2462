"""The Model screen's learning curve: dev F1 of each scored version against the number of
documents it was trained on, as a Vega-Lite chart that ``gr.Plot`` draws.

Gradio's ``LinePlot`` draws no point marks (a version alone is an invisible one-point line) and
leaves the axis format to Vega's default for a one-value domain ("190.000000"), so the chart is
specified here, in full, with no plotting package: a line per score, a point per version and
score, integer ticks, and each version labelled. Versions trained on the same number of
documents (a retraining on unchanged data, another seed, a registered model) stand side by side
around that number, in version order, instead of on one vertical line; the tooltip still
gives the exact number.

``gr.Plot`` passes a ``PlotData`` through as it is and draws an "altair" one with Vega-Embed,
so no Altair is needed; the page's CSS (``app.ui.CSS``) makes the chart as wide as its box.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from gradio.components.plot import PlotData

TITLE = "Learning curve: dev F1 of each version"
HEIGHT = 260
#: how far apart (a fraction of the x axis) versions trained on the same documents are drawn
SPREAD = 0.025
#: the x axis reaches at least this far, so a first small version does not sit on the right edge
MIN_X = 10


@dataclass(frozen=True)
class CurvePoint:
    """One version's dev F1 for one score, where the chart draws it."""

    version: int
    documents: int  # trained on (the tooltip's number)
    f1: float  # percent
    score: str  # "entity F1" or "relation F1"
    x: float  # ``documents``, moved aside when other versions share it
    label: str  # "v3" on the version's highest point, "" on its others


def curve_points(rows: list[list[Any]]) -> list[CurvePoint]:
    """``models.learning_curve_rows`` (documents, F1, score, version id) placed on the chart.

    The versions sharing a number of documents are spread evenly around it, oldest left, at
    ``SPREAD`` of the axis apart; a version's scores share its place. Each version is labelled
    once, above its highest point.
    """
    parsed = [(int(v), int(n), float(f1), str(score)) for n, f1, score, v in rows]
    upper = _upper(max((n for _, n, _, _ in parsed), default=0))
    versions_at: dict[int, list[int]] = defaultdict(list)
    for version, n, _, _ in sorted(parsed):
        if version not in versions_at[n]:
            versions_at[n].append(version)
    top: dict[int, tuple[float, str]] = {}
    for version, _, f1, score in parsed:
        if version not in top or f1 > top[version][0]:
            top[version] = (f1, score)
    points = []
    for version, n, f1, score in parsed:
        shared = versions_at[n]
        slot = shared.index(version) - (len(shared) - 1) / 2
        points.append(
            CurvePoint(
                version=version,
                documents=n,
                f1=f1,
                score=score,
                x=round(n + slot * SPREAD * upper, 3),
                label=f"v{version}" if top[version] == (f1, score) else "",
            )
        )
    return sorted(points, key=lambda p: (p.score, p.version))


def _upper(most: int) -> int:
    """The x axis' end: a little past the largest number of documents, at least ``MIN_X``."""
    return max(MIN_X, most + max(1, round(0.08 * most)))


def curve_spec(points: list[CurvePoint]) -> dict[str, Any]:
    """The Vega-Lite specification of the chart (also drawn, empty, before a first version)."""
    upper = _upper(max((p.documents for p in points), default=0))
    values = [
        {
            "version": f"v{p.version}",
            "trained on": p.documents,
            "dev F1": p.f1,
            "score": p.score,
            "x": p.x,
            "label": p.label,
        }
        for p in points
    ]
    x = {
        "field": "x",
        "type": "quantitative",
        "title": "training documents",
        # whole documents only: no "190.000000", no tick between two integers
        "axis": {"format": "d", "tickMinStep": 1},
        "scale": {"domain": [0, upper], "nice": False},
    }
    y = {
        "field": "dev F1",
        "type": "quantitative",
        "title": "dev F1 (%)",
        "axis": {"format": "d", "tickMinStep": 1},
        "scale": {"domain": [0, 100]},
    }
    color = {"field": "score", "type": "nominal", "title": None, "legend": {"orient": "bottom"}}
    tooltip = [
        {"field": "version", "type": "nominal"},
        {"field": "trained on", "type": "quantitative", "format": "d"},
        {"field": "score", "type": "nominal"},
        {"field": "dev F1", "type": "quantitative", "format": ".1f"},
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": TITLE, "subtitle": "" if points else "no version has dev scores yet"},
        "width": "container",
        "height": HEIGHT,
        "autosize": {"type": "fit", "contains": "padding"},
        "background": "transparent",
        # no "..." menu (its "Open in Vega Editor" would send the scores off-site); SVG, whose
        # marks and labels a test can read
        "usermeta": {"embedOptions": {"actions": False, "renderer": "svg"}},
        "data": {"values": values},
        "encoding": {"x": x, "y": y},
        "layer": [
            {"mark": {"type": "line"}, "encoding": {"color": color}},
            {
                "mark": {"type": "point", "filled": True, "size": 70},
                "encoding": {"color": color, "tooltip": tooltip},
            },
            {
                "mark": {"type": "text", "dy": -11, "fontSize": 11},
                "encoding": {"text": {"field": "label"}},
            },
        ],
        # mid-grey text reads on the light and the dark theme alike
        "config": {
            "axis": {"labelColor": "#6b7280", "titleColor": "#6b7280", "gridColor": "#e5e7eb"},
            "legend": {"labelColor": "#6b7280"},
            "title": {"color": "#6b7280", "fontWeight": "normal"},
            "text": {"color": "#6b7280"},
            "view": {"stroke": None},
        },
    }


def curve_plot(rows: list[list[Any]]) -> PlotData:
    """What ``gr.Plot`` is given: the chart of ``rows`` (``models.learning_curve_rows``)."""
    return PlotData(type="altair", plot=json.dumps(curve_spec(curve_points(rows))))
