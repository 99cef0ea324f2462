"""Annotation effort saved by pre-annotation: a simulated annotator on the real store and jobs.

    python bench/effort.py --batch 50 --max-docs 900 --epochs N --order document|uncertainty \
        --out DIR [--encoder DIR] [--pool N] [--data FILE] [--train-config JSON]

A temporary project gets CoNLL04's training documents without their annotations (the gold ones
are kept aside, by document name). In rounds, the next ``--batch`` documents (document order, or
least confident first: ``--order uncertainty`` pre-annotates every unfinished document and takes
the highest stored uncertainty, as the editor's "next" does) are pre-annotated by the active
model (``app.preannotate.preannotate``); the simulator turns the suggestions into the gold
annotations with the fewest edits through ``Store.apply_edit`` (author ``simulator``), marks the
document done and, after the batch, starts a retraining exactly as the Model screen's button does
(``app.retrain.Retrainer.start``; the app decides about activation). Before the first model
exists the documents are annotated from scratch.

What counts as an edit (``plan_edits``): only corrections. Suggestions that are already right
cost nothing: they are accepted wholesale when the document is marked done (``accept_all``),
so "suggestions equal to gold need 0 edits" and "from scratch, edits = gold annotations".
Entities: retype (same span, other type), resize (same type, overlapping span; one
``change_entity`` with the gold fragments) and reject and add cost 1 each; a suggestion that
would need both a retype and a resize is rejected and the gold entity added (2, the same cost).
Relations, after mapping suggested entities to the gold ones they were corrected into: retype
(same arguments, other type), reject and add cost 1; a relation suggestion on a rejected entity
is rejected by the store with it (0, as in the editor); a reversed relation is reject + add.

Per round ``DIR/effort.csv`` gets one row (documents done so far, edits per 100 gold
annotations for entities and relations, the from-scratch edits, suggestion precision/recall
with exact span+type matching, retraining wall time); ``DIR/effort.png`` plots the edits saved
against documents annotated (drawn with Pillow: matplotlib is not a dependency);
``DIR/summary.txt`` repeats the totals printed at the end. Seeds are fixed (training seed
``--seed``; document order is the file's).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

log = logging.getLogger("bench.effort")

DATA = Path(
    os.environ.get("SPANREL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
PROJECT = "effort"
AUTHOR = "simulator"
ORDERS = ("document", "uncertainty")

Frags = tuple[tuple[int, int], ...]


# -- minimal edits (pure: no store) ------------------------------------------------------------


@dataclass(frozen=True)
class Ent:
    """An entity as the matcher sees it: any hashable key, a type and its fragments."""

    key: Any
    type: str
    fragments: Frags

    @property
    def start(self) -> int:
        return min(s for s, _ in self.fragments)

    @property
    def end(self) -> int:
        return max(e for _, e in self.fragments)


@dataclass(frozen=True)
class Rel:
    """A relation: ``arg1``/``arg2`` are keys of entities of the same side (suggested/gold)."""

    key: Any
    type: str
    arg1: Any
    arg2: Any


@dataclass(frozen=True)
class Step:
    """One correction (or a kept suggestion, ``op="keep"``, which costs nothing).

    ``op``: keep, retype, resize, reject, add (and ``cascade``: a relation suggestion rejected
    by the store together with its rejected argument, free). ``suggestion``/``gold``: keys.
    """

    kind: str  # "entity" | "relation"
    op: str
    suggestion: Any = None
    gold: Any = None

    @property
    def cost(self) -> int:
        return 0 if self.op in ("keep", "cascade") else 1


@dataclass
class EditPlan:
    steps: list[Step] = field(default_factory=list)
    entity_map: dict[Any, Any] = field(default_factory=dict)  # suggestion key -> gold key

    def edits(self, kind: str) -> int:
        return sum(s.cost for s in self.steps if s.kind == kind)

    def of(self, kind: str, op: str) -> list[Step]:
        return [s for s in self.steps if s.kind == kind and s.op == op]


def _entity_cost(s: Ent, g: Ent) -> int | None:
    """0 exact, 1 one change (retype or resize), None: cheaper as reject + add."""
    if s.fragments == g.fragments:
        return 0 if s.type == g.type else 1
    if s.type == g.type and s.start < g.end and g.start < s.end:
        return 1
    return None


def _max_matching(left: list[Any], edges: dict[Any, list[Any]]) -> dict[Any, Any]:
    """Maximum bipartite matching (Kuhn's augmenting paths): right -> left. Documents hold a
    handful of entities, so the simple algorithm is plenty."""
    match: dict[Any, Any] = {}

    def augment(u: Any, seen: set[Any]) -> bool:
        for v in edges.get(u, []):
            if v in seen:
                continue
            seen.add(v)
            if v not in match or augment(match[v], seen):
                match[v] = u
                return True
        return False

    for u in left:
        augment(u, set())
    return match


def plan_edits(
    suggested: Sequence[Ent],
    suggested_relations: Sequence[Rel],
    gold: Sequence[Ent],
    gold_relations: Sequence[Rel],
) -> EditPlan:
    """The fewest corrections turning the suggestions into the gold annotations.

    Entities: exact matches are taken first (swapping one away never saves an edit), then a
    maximum matching of the one-edit pairs (retype/resize) minimises the rest, since every
    unmatched suggestion costs a reject and every unmatched gold entity an add. Relations are
    then matched under that entity mapping: same type and arguments kept, same arguments and
    another type retyped, others rejected, missing ones added. (Entity and relation costs are
    minimised in that order, not jointly.)
    """
    plan = EditPlan()
    free_gold = {g.key: g for g in gold}
    exact: dict[tuple[str, Frags], list[Any]] = {}
    for g in gold:
        exact.setdefault((g.type, g.fragments), []).append(g.key)
    rest: list[Ent] = []
    for s in suggested:
        keys = exact.get((s.type, s.fragments))
        if keys:
            g_key = keys.pop(0)
            del free_gold[g_key]
            plan.entity_map[s.key] = g_key
            plan.steps.append(Step("entity", "keep", s.key, g_key))
        else:
            rest.append(s)
    edges = {
        s.key: [g.key for g in free_gold.values() if _entity_cost(s, g) is not None] for s in rest
    }
    matched = {s_key: g_key for g_key, s_key in _max_matching([s.key for s in rest], edges).items()}
    for s in rest:
        g_key = matched.get(s.key)
        if g_key is None:
            plan.steps.append(Step("entity", "reject", s.key))
            continue
        g = free_gold.pop(g_key)
        op = "retype" if s.fragments == g.fragments else "resize"
        plan.entity_map[s.key] = g_key
        plan.steps.append(Step("entity", op, s.key, g_key))
    plan.steps.extend(Step("entity", "add", None, g.key) for g in free_gold.values())

    rejected = {s.key for s in suggested} - set(plan.entity_map)
    open_gold = {r.key: r for r in gold_relations}
    by_key = {(r.type, r.arg1, r.arg2): r.key for r in gold_relations}
    mapped: list[tuple[Rel, Any, Any]] = []
    for r in suggested_relations:
        if r.arg1 in rejected or r.arg2 in rejected:
            plan.steps.append(Step("relation", "cascade", r.key))
            continue
        a1, a2 = plan.entity_map.get(r.arg1), plan.entity_map.get(r.arg2)
        g_key = by_key.get((r.type, a1, a2))
        if g_key is not None and g_key in open_gold:
            del open_gold[g_key]
            plan.steps.append(Step("relation", "keep", r.key, g_key))
        else:
            mapped.append((r, a1, a2))
    for r, a1, a2 in mapped:
        g_key = next(
            (g.key for g in open_gold.values() if (g.arg1, g.arg2) == (a1, a2) and a1 is not None),
            None,
        )
        if g_key is None:
            plan.steps.append(Step("relation", "reject", r.key))
        else:
            del open_gold[g_key]
            plan.steps.append(Step("relation", "retype", r.key, g_key))
    plan.steps.extend(Step("relation", "add", None, g.key) for g in open_gold.values())
    return plan


def gold_of(doc: Any) -> tuple[list[Ent], list[Rel]]:
    """Gold ``converters`` document -> matcher input; exact duplicates dropped (the store
    refuses a second identical relation, and a duplicate is no annotation work)."""
    ents: dict[tuple[str, Frags], Ent] = {}
    ids: dict[str, Any] = {}
    for e in doc.entities:
        frags = tuple(sorted((int(a), int(b)) for a, b in e.fragments))
        ent = ents.setdefault((e.type, frags), Ent(e.id, e.type, frags))
        ids[e.id] = ent.key
    rels: dict[tuple[str, Any, Any], Rel] = {}
    for r in doc.relations:
        if r.arg1 in ids and r.arg2 in ids:
            k = (r.type, ids[r.arg1], ids[r.arg2])
            rels.setdefault(k, Rel(r.id, r.type, ids[r.arg1], ids[r.arg2]))
    return list(ents.values()), list(rels.values())


def suggestions_of(view: Any) -> tuple[list[Ent], list[Rel]]:
    """Open suggestions of a ``DocumentView`` -> matcher input (keys are database ids)."""
    ents = [
        Ent(e.id, e.type, tuple(sorted((f[0], f[1]) for f in e.fragments)))
        for e in view.entities
        if e.review == "suggested"
    ]
    rels = [
        Rel(r.id, r.type, r.arg1, r.arg2)
        for r in view.relations
        if r.review == "suggested" and r.arg1 is not None and r.arg2 is not None
    ]
    return ents, rels


def accepted_of(view: Any) -> tuple[set[tuple[str, Frags]], set[tuple[str, Any, Any]]]:
    """Accepted annotations of a view as comparable sets (the check after each document)."""
    spans = {
        e.id: (e.type, tuple(sorted((f[0], f[1]) for f in e.fragments)))
        for e in view.entities
        if e.review == "accepted"
    }
    rels = {
        (r.type, spans[r.arg1], spans[r.arg2])
        for r in view.relations
        if r.review == "accepted" and r.arg1 in spans and r.arg2 in spans
    }
    return set(spans.values()), rels


def apply_plan(store: Any, doc_id: int, gold: tuple[list[Ent], list[Rel]], plan: EditPlan) -> int:
    """Carry ``plan`` out on the store, accept what is left and mark the document done.

    Order: rejects (a rejected entity takes its relations with it), entity changes, entity
    adds, relation retypes, relation adds, then ``accept_all`` and ``set_status("done")`` (the
    "mark done" click: not counted as edits). Returns the store operations made.
    """
    from db.edits import Edit
    from db.views import EditError

    gold_ents = {g.key: g for g in gold[0]}
    gold_rels = {r.key: r for r in gold[1]}
    version = store.load_document(doc_id).version
    ops = 0

    def edit(e: Edit) -> Any:
        nonlocal version, ops
        result = store.apply_edit(doc_id, e, version, AUTHOR)
        version = result.version
        ops += 1
        return result

    for s in plan.of("entity", "reject"):
        edit(Edit.reject(entity_id=s.suggestion))
    for s in plan.of("relation", "reject"):
        edit(Edit.reject(relation_id=s.suggestion))
    db_id = {g: s for s, g in plan.entity_map.items()}  # gold key -> database entity id
    for s in plan.of("entity", "retype"):
        edit(Edit.change_entity(s.suggestion, type=gold_ents[s.gold].type))
    for s in plan.of("entity", "resize"):
        edit(Edit.change_entity(s.suggestion, fragments=list(gold_ents[s.gold].fragments)))
    for s in plan.of("entity", "add"):
        g = gold_ents[s.gold]
        db_id[g.key] = edit(Edit.add_entity(g.type, list(g.fragments))).entity_id
    for s in plan.of("relation", "retype"):
        edit(Edit.change_relation(s.suggestion, type=gold_rels[s.gold].type))
    for s in plan.of("relation", "add"):
        g = gold_rels[s.gold]
        edit(Edit.add_relation(g.type, db_id[g.arg1], db_id[g.arg2]))
    if any(e.review == "suggested" for e in store.load_document(doc_id).entities) or any(
        r.review == "suggested" for r in store.load_document(doc_id).relations
    ):
        try:
            version = store.accept_all(doc_id, 0.0, version, AUTHOR).version
            ops += 1
        except EditError:  # only suggestions that accept_all skips (e.g. on rejected args)
            pass
    edit(Edit.set_status("done"))
    return ops


def check_gold(view: Any, gold: tuple[list[Ent], list[Rel]]) -> None:
    """The document's accepted annotations must now be exactly the gold ones."""
    spans, rels = accepted_of(view)
    by_key = {g.key: (g.type, g.fragments) for g in gold[0]}
    want_spans = set(by_key.values())
    want_rels = {(r.type, by_key[r.arg1], by_key[r.arg2]) for r in gold[1]}
    if spans != want_spans or rels != want_rels:
        raise AssertionError(
            f"{view.name}: simulated corrections did not reach the gold annotations "
            f"(entities {sorted(spans ^ want_spans)}, relations {sorted(rels ^ want_rels)})"
        )


# -- rounds ------------------------------------------------------------------------------------


@dataclass
class RoundRecord:
    round: int
    documents_done: int
    batch_documents: int
    model_version: int | None
    gold_entities: int
    gold_relations: int
    entity_edits: int
    relation_edits: int
    scratch_entity_edits: int
    scratch_relation_edits: int
    entity_edits_per_100: float
    relation_edits_per_100: float
    scratch_edits_per_100: float
    edits_saved_pct: float
    entity_precision: float | None
    entity_recall: float | None
    relation_precision: float | None
    relation_recall: float | None
    preannotate_seconds: float
    retrain_seconds: float | None
    retrain_state: str
    activated: bool


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _per100(a: int, b: int) -> float:
    return round(100.0 * a / b, 2) if b else 0.0


def setup_project(store: Any, project: str, documents: Sequence[Any], schema: Any) -> dict:
    """Import ``documents`` without annotations (status new); gold matcher input by name."""
    gold: dict[str, tuple[list[Ent], list[Rel]]] = {}
    bare = []
    for i, d in enumerate(documents):
        name = f"doc{i:04d}"
        d = replace(d, id=name)
        gold[name] = gold_of(d)
        bare.append(replace(d, entities=[], relations=[], events=[], attributes=[]))
    store.create_project(project, schema)
    store.import_documents(project, bare, status="new")
    return gold


def next_batch(store: Any, project: str, order: str, size: int, has_model: bool) -> list[int]:
    """The next ``size`` unfinished documents: document order, or least confident first."""
    from app.preannotate import preannotate

    if order == "uncertainty" and has_model:
        pending = [d.id for d in store.list_documents(project) if d.status != "done"]
        preannotate(store, project, pending)
        return [doc_id for doc_id, _ in store.uncertainty_order(project)[:size]]
    return [d.id for d in store.list_documents(project) if d.status != "done"][:size]


def run_rounds(
    store: Any,
    project: str,
    gold: dict[str, tuple[list[Ent], list[Rel]]],
    retrainer: Any,
    options: Any,
    *,
    batch: int,
    max_docs: int,
    order: str = "document",
    on_round: Any = None,
) -> list[RoundRecord]:
    """Annotate ``max_docs`` documents ``batch`` at a time, retraining after every batch."""
    from app.preannotate import preannotate
    from app.retrain import RetrainError

    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    rows: list[RoundRecord] = []
    done = 0
    limit = min(max_docs, len(gold))
    while done < limit:
        active = store.active_model_version(project)
        started = time.perf_counter()
        ids = next_batch(store, project, order, min(batch, limit - done), active is not None)
        if active is not None and order == "document":
            preannotate(store, project, ids)
        pre_s = time.perf_counter() - started
        c = dict.fromkeys(
            ("ge", "gr", "ee", "re", "sugg_e", "sugg_r", "ok_e", "ok_r"),
            0,
        )
        for doc_id in ids:
            view = store.load_document(doc_id)
            g = gold[view.name]
            s_ents, s_rels = suggestions_of(view)
            plan = plan_edits(s_ents, s_rels, *g)
            apply_plan(store, doc_id, g, plan)
            check_gold(store.load_document(doc_id), g)
            c["ge"] += len(g[0])
            c["gr"] += len(g[1])
            c["ee"] += plan.edits("entity")
            c["re"] += plan.edits("relation")
            c["sugg_e"] += len(s_ents)
            c["sugg_r"] += len(s_rels)
            g_spans = {(e.type, e.fragments) for e in g[0]}
            c["ok_e"] += sum(1 for e in s_ents if (e.type, e.fragments) in g_spans)
            sk = {e.key: (e.type, e.fragments) for e in s_ents}
            gk = {e.key: (e.type, e.fragments) for e in g[0]}
            g_rels = {(r.type, gk[r.arg1], gk[r.arg2]) for r in g[1]}
            c["ok_r"] += sum(
                1
                for r in s_rels
                if r.arg1 in sk and r.arg2 in sk and (r.type, sk[r.arg1], sk[r.arg2]) in g_rels
            )
        done += len(ids)
        started = time.perf_counter()
        try:
            job = retrainer.wait(retrainer.start(project, options).id)
            state, result = job.state, job.result or {}
            if job.state != "done":
                log.warning("retraining after round %d: %s %s", len(rows) + 1, state, job.message)
        except RetrainError as exc:  # e.g. fewer done documents than a retraining needs
            log.warning("retraining after round %d not started: %s", len(rows) + 1, exc)
            state, result = "not started", {}
        retrain_s = time.perf_counter() - started
        gold_all = c["ge"] + c["gr"]
        row = RoundRecord(
            round=len(rows) + 1,
            documents_done=done,
            batch_documents=len(ids),
            model_version=active.id if active else None,
            gold_entities=c["ge"],
            gold_relations=c["gr"],
            entity_edits=c["ee"],
            relation_edits=c["re"],
            scratch_entity_edits=c["ge"],
            scratch_relation_edits=c["gr"],
            entity_edits_per_100=_per100(c["ee"], c["ge"]),
            relation_edits_per_100=_per100(c["re"], c["gr"]),
            scratch_edits_per_100=100.0 if gold_all else 0.0,
            edits_saved_pct=round(100.0 - _per100(c["ee"] + c["re"], gold_all), 2),
            entity_precision=_ratio(c["ok_e"], c["sugg_e"]) if active else None,
            entity_recall=_ratio(c["ok_e"], c["ge"]) if active else None,
            relation_precision=_ratio(c["ok_r"], c["sugg_r"]) if active else None,
            relation_recall=_ratio(c["ok_r"], c["gr"]) if active else None,
            preannotate_seconds=round(pre_s, 2),
            retrain_seconds=round(retrain_s, 2),
            retrain_state=state,
            activated=bool(result.get("activated")),
        )
        rows.append(row)
        if on_round is not None:
            on_round(row)
        if not ids:
            break
    return rows


# -- output ------------------------------------------------------------------------------------


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


# -- command line ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> list[RoundRecord]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=50, help="documents per round")
    parser.add_argument("--max-docs", type=int, default=900, help="documents annotated in all")
    parser.add_argument("--epochs", type=int, help="default: app.retrain.DEFAULT_TRAIN_CONFIG")
    parser.add_argument("--order", choices=ORDERS, default="document")
    parser.add_argument("--out", type=Path, required=True, help="folder for effort.csv/.png")
    parser.add_argument("--encoder", help="base encoder directory (default: core_model's)")
    parser.add_argument("--data", type=Path, default=DATA / "conll04" / "conll04_train.json")
    parser.add_argument("--pool", type=int, help="import only the first N documents")
    parser.add_argument("--seed", type=int, default=42, help="training seed")
    parser.add_argument("--train-config", default="{}", help="JSON TrainConfig overrides")
    parser.add_argument("--model-config", default="{}", help="JSON ModelConfig overrides")
    parser.add_argument(
        "--replot", action="store_true", help="only redraw DIR/effort.png from DIR/effort.csv"
    )
    args = parser.parse_args(argv)
    if args.replot:
        rows = read_csv(args.out / "effort.csv")
        write_plot(rows, args.out / "effort.png")
        return rows
    if args.batch < 1 or args.max_docs < 1:
        parser.error("--batch and --max-docs must be at least 1")
    logging.basicConfig(level=logging.WARNING)

    import converters
    from app.retrain import Retrainer, RetrainOptions
    from db import Store

    docs = converters.read("spert", args.data)
    if args.pool:
        docs = docs[: args.pool]
    schema = converters.read_schema("spert", args.data)
    options = RetrainOptions(
        epochs=args.epochs,
        encoder_dir=args.encoder,
        train_config={"seed": args.seed, **json.loads(args.train_config)},
        model_config=json.loads(args.model_config),
    )
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'effort.sqlite'}")
        retrainer = Retrainer(store, Path(tmp) / "models")
        try:
            gold = setup_project(store, PROJECT, docs, schema)

            done: list[RoundRecord] = []

            def show(r: RoundRecord) -> None:
                done.append(r)  # written after every round: a long run can be cut short
                write_csv(done, args.out / "effort.csv")
                write_plot(done, args.out / "effort.png")
                print(
                    f"round {r.round}: {r.documents_done} done; edits/100 gold: entities "
                    f"{r.entity_edits_per_100}, relations {r.relation_edits_per_100} "
                    f"(saved {r.edits_saved_pct}%); retrain {r.retrain_seconds} s "
                    f"({r.retrain_state})",
                    flush=True,
                )

            rows = run_rounds(
                store,
                PROJECT,
                gold,
                retrainer,
                options,
                batch=args.batch,
                max_docs=args.max_docs,
                order=args.order,
                on_round=show,
            )
        finally:
            retrainer.shutdown()
            store.close()
    text = summary(rows)
    (args.out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    print(text)
    return rows


if __name__ == "__main__":
    main()
