"""The output of ``bench/effort.py``: ``effort.csv``, ``effort.png`` and the summary text.

Split out of ``bench/effort.py`` to keep the results' formats (and ``--replot``, which reads a
finished run's CSV back) in one place, apart from the simulation. Imported through
``bench/effort.py``, which re-exports every name.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from bench.effort_rounds import RoundRecord, _per100


def write_csv(rows: Sequence[RoundRecord], path: Path) -> None:
    names = [f.name for f in fields(RoundRecord)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=names)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "" if v is None else v for k, v in asdict(r).items()})


def write_plot(rows: Sequence[RoundRecord], path: Path) -> None:
    """Learning curve: % of from-scratch edits saved (total, entities, relations) against the
    documents annotated before the round's batch. Plain Pillow drawing."""
    from PIL import Image, ImageDraw, ImageFont

    w, h, left, right, top, bottom = 800, 500, 70, 170, 40, 60
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    d.font = ImageFont.load_default(size=13)  # the tiny bitmap default drops the spaces
    pw, ph = w - left - right, h - top - bottom
    xs = [r.documents_done - r.batch_documents for r in rows]
    xmax = max([*xs, 1])
    series = {
        "total": ([r.edits_saved_pct for r in rows], (31, 119, 180)),
        "entities": (
            [100.0 - r.entity_edits_per_100 if r.gold_entities else None for r in rows],
            (44, 160, 44),
        ),
        "relations": (
            [100.0 - r.relation_edits_per_100 if r.gold_relations else None for r in rows],
            (214, 39, 40),
        ),
    }
    values = [v for ys, _ in series.values() for v in ys if v is not None]
    ymin = min([0.0, *values])
    ymax = max([100.0, *values])

    def px(x: float, y: float) -> tuple[float, float]:
        return left + pw * x / xmax, top + ph * (ymax - y) / (ymax - ymin)

    for y in range(-int(-ymin // 20 * 20), int(ymax) + 1, 20):
        _, yy = px(0, y)
        d.line([(left, yy), (left + pw, yy)], fill=(225, 225, 225))
        d.text((left - 40, yy - 6), f"{y}%", fill="black")
    _, y0 = px(0, 0)
    d.line([(left, y0), (left + pw, y0)], fill=(150, 150, 150))
    d.rectangle([left, top, left + pw, top + ph], outline="black")
    for x in sorted(set(xs)):
        xx, _ = px(x, ymin)
        d.line([(xx, top + ph), (xx, top + ph + 5)], fill="black")
        d.text((xx - 10, top + ph + 8), str(x), fill="black")
    d.text((left, 12), "Edits saved vs annotating from scratch (%)", fill="black")
    d.text((left + pw // 2 - 90, h - 25), "documents annotated before the round", fill="black")
    for i, (name, (ys, colour)) in enumerate(series.items()):
        pts = [px(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
        if len(pts) > 1:
            d.line(pts, fill=colour, width=2)
        for x, y in pts:
            d.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
        ly = top + 20 * i + 10
        d.line([(w - right + 15, ly), (w - right + 40, ly)], fill=colour, width=3)
        d.text((w - right + 48, ly - 6), name, fill="black")
    img.save(path, format="PNG")


def read_csv(path: Path) -> list[RoundRecord]:
    """Rows of an ``effort.csv`` back as records (to redraw the plot of a finished run)."""
    kinds = {f.name: str(f.type) for f in fields(RoundRecord)}

    def value(name: str, text: str) -> Any:
        kind = kinds[name]
        if text == "":
            return None
        if kind.startswith("int"):
            return int(text)
        if kind.startswith("float"):
            return float(text)
        if kind == "bool":
            return text == "True"
        return text

    with path.open(encoding="utf-8", newline="") as fh:
        return [
            RoundRecord(**{k: value(k, v) for k, v in row.items()}) for row in csv.DictReader(fh)
        ]


def summary(rows: Sequence[RoundRecord]) -> str:
    ge = sum(r.gold_entities for r in rows)
    gr = sum(r.gold_relations for r in rows)
    ee = sum(r.entity_edits for r in rows)
    re = sum(r.relation_edits for r in rows)
    assisted = [r for r in rows if r.model_version is not None]
    ae = sum(r.entity_edits for r in assisted)
    ar = sum(r.relation_edits for r in assisted)
    age = sum(r.gold_entities for r in assisted)
    agr = sum(r.gold_relations for r in assisted)
    lines = [
        f"rounds: {len(rows)}, documents annotated: {rows[-1].documents_done if rows else 0}",
        f"all rounds: {ee + re} edits vs {ge + gr} from scratch "
        f"(entities {ee}/{ge}, relations {re}/{gr}): "
        f"{100 - _per100(ee + re, ge + gr):.1f}% saved",
    ]
    if assisted:
        lines.append(
            f"rounds with a model: {ae + ar} edits vs {age + agr} from scratch; per 100 gold: "
            f"entities {_per100(ae, age):.1f}, relations {_per100(ar, agr):.1f} "
            f"({100 - _per100(ae + ar, age + agr):.1f}% saved)"
        )
        last = assisted[-1]
        lines.append(
            f"last round ({last.documents_done - last.batch_documents} documents before it): "
            f"{last.edits_saved_pct:.1f}% saved; entity P/R {last.entity_precision}/"
            f"{last.entity_recall}, relation P/R {last.relation_precision}/"
            f"{last.relation_recall}"
        )
    times = [r.retrain_seconds for r in rows if r.retrain_seconds is not None]
    if times:
        lines.append(
            f"retraining wall time: {sum(times):.1f} s in all, last {times[-1]:.1f} s; "
            f"pre-annotation {sum(r.preannotate_seconds for r in rows):.1f} s in all"
        )
    return "\n".join(lines)
