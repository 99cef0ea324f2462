"""Annotation effort saved by pre-annotation: a simulated annotator on the real store and jobs.

    python bench/effort.py --batch 50 --max-docs 900 --order document|uncertainty --out DIR \
        [--policy auto|batch] [--one-pass] [--show-all] [--relation-show X] \
        [--from-scratch|--warm-start] [--epochs N] [--encoder DIR] [--pool N] [--data FILE] \
        [--train-config JSON]

A temporary project gets CoNLL04's training documents without their annotations (the gold ones
are kept aside, by document name). The simulated annotator works as the app's defaults make a
person work: each document is pre-annotated by the active model just before it is opened;
suggestions below the active version's calibrated "Show ≥" thresholds are not seen; the
entities are corrected first, then the page's relation pass suggests relations between the
corrected entities (``app.preannotate.suggest_relations``) and those are corrected; the document
is marked done, and the app's automatic retraining (``app.retraining.auto``) is asked whether a new
version is due (the simulator waits for it; a person would go on meanwhile). Results are
reported per ``--batch`` documents (document order, or least confident first: ``--order
uncertainty`` pre-annotates every unfinished document and takes the highest stored uncertainty,
as the editor's "next" does). The old benchmark is ``--policy batch --one-pass --show-all
--epochs 4 --train-config '{"batch_size": 8, "lr": 5e-5, "patience": null}'``: one retraining
after every batch, the batch pre-annotated at its start, all suggestions shown at once.

What counts as an edit (``plan_edits``): only corrections. Suggestions that are already right
cost nothing: they are accepted wholesale when the document is marked done (``accept_all``),
so "suggestions equal to gold need 0 edits" and "from scratch, edits = gold annotations".
Entities: retype (same span, other type), resize (same type, overlapping span; one
``change_entity`` with the gold fragments) and reject and add cost 1 each; a suggestion that
would need both a retype and a resize is rejected and the gold entity added (2, the same cost).
Relations, after mapping suggested entities to the gold ones they were corrected into (in the
relation pass the entities are already the gold ones): retype
(same arguments, other type), reject and add cost 1; a relation suggestion on a rejected entity
is rejected by the store with it (0, as in the editor); a reversed relation is reject + add.

Per round ``DIR/effort.csv`` gets one row (documents done so far, edits per 100 gold
annotations for entities and relations, the from-scratch edits, suggestion precision/recall
with exact span+type matching, retraining wall time); ``DIR/effort.png`` plots the edits saved
against documents annotated (drawn with Pillow: matplotlib is not a dependency);
``DIR/summary.txt`` repeats the totals printed at the end and ``DIR/versions.json`` holds every
model version with its dev scores and calibrated thresholds. Seeds are fixed (training seed
``--seed``; document order is the file's).

One file of about a thousand lines on purpose: a benchmark is run by hand and read as one
script, top to bottom; it imports the product and repeats none of its rules.
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


def shown_suggestions(
    view: Any, thresholds: tuple[float, float]
) -> tuple[list[Ent], list[Rel], Hidden]:
    """Open suggestions the page shows at ``thresholds`` (entity, relation "Show ≥") as
    matcher input, and the hidden rest. A relation is shown only when both its arguments are
    (an arc needs its two ends)."""
    te, tr = thresholds
    ents, rels = suggestions_of(view)
    conf = {e.id: e.confidence or 0.0 for e in view.entities}
    rconf = {r.id: r.confidence or 0.0 for r in view.relations}
    review = {e.id: e.review for e in view.entities}
    hidden = Hidden()
    shown_e = []
    for e in ents:
        if conf[e.key] >= te:
            shown_e.append(e)
        else:
            hidden.entities.setdefault((e.type, e.fragments), e.key)
    visible = {e.key for e in shown_e} | {k for k, v in review.items() if v == "accepted"}
    shown_r = []
    for r in rels:
        if rconf[r.key] >= tr and r.arg1 in visible and r.arg2 in visible:
            shown_r.append(r)
        else:
            hidden.relations.setdefault((r.type, r.arg1, r.arg2), r.key)
    return shown_e, shown_r, hidden


def accepted_entities(view: Any) -> list[Ent]:
    return [
        Ent(e.id, e.type, tuple(sorted((f[0], f[1]) for f in e.fragments)))
        for e in view.entities
        if e.review == "accepted"
    ]


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


@dataclass
class Hidden:
    """Open suggestions below the page's "Show ≥" thresholds: the annotator does not see them.
    Adding an annotation equal to one of them is done by accepting it (the same one edit), since
    the store refuses a second identical relation."""

    entities: dict[tuple[str, Frags], Any] = field(default_factory=dict)  # -> database id
    relations: dict[tuple[str, Any, Any], Any] = field(default_factory=dict)


def apply_plan(
    store: Any,
    doc_id: int,
    gold: tuple[list[Ent], list[Rel]],
    plan: EditPlan,
    *,
    hidden: Hidden | None = None,
    kinds: tuple[str, ...] = ("entity", "relation"),
    finish: bool = True,
    accept: tuple[float, float] = (0.0, 0.0),
) -> int:
    """Carry ``plan``'s steps of ``kinds`` out on the store; with ``finish``, accept the shown
    suggestions that are left and mark the document done. Returns the store operations made.

    Order: rejects (a rejected entity takes its relations with it), entity changes, entity
    adds, relation retypes, relation adds, then ``accept_all`` at the shown thresholds
    (``accept``: entity, relation; suggestions below them stay open, unseen) and
    ``set_status("done")`` (the "mark done" click: not counted as edits).
    """
    from db.edits import Edit
    from db.views import EditError

    hidden = hidden or Hidden()
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

    if "entity" in kinds:
        for s in plan.of("entity", "reject"):
            edit(Edit.reject(entity_id=s.suggestion))
    if "relation" in kinds:
        for s in plan.of("relation", "reject"):
            edit(Edit.reject(relation_id=s.suggestion))
    db_id = {g: s for s, g in plan.entity_map.items()}  # gold key -> database entity id
    if "entity" in kinds:
        for s in plan.of("entity", "retype"):
            edit(Edit.change_entity(s.suggestion, type=gold_ents[s.gold].type))
        for s in plan.of("entity", "resize"):
            edit(Edit.change_entity(s.suggestion, fragments=list(gold_ents[s.gold].fragments)))
        for s in plan.of("entity", "add"):
            g = gold_ents[s.gold]
            unseen = hidden.entities.pop((g.type, g.fragments), None)
            if unseen is not None:
                edit(Edit.accept(entity_id=unseen))
                db_id[g.key] = unseen
            else:
                db_id[g.key] = edit(Edit.add_entity(g.type, list(g.fragments))).entity_id
    if "relation" in kinds:
        for s in plan.of("relation", "retype"):
            edit(Edit.change_relation(s.suggestion, type=gold_rels[s.gold].type))
        for s in plan.of("relation", "add"):
            g = gold_rels[s.gold]
            a1, a2 = db_id[g.arg1], db_id[g.arg2]
            unseen = hidden.relations.pop((g.type, a1, a2), None)
            if unseen is not None:
                edit(Edit.accept(relation_id=unseen))
            else:
                edit(Edit.add_relation(g.type, a1, a2))
    if not finish:
        return ops
    view = store.load_document(doc_id)
    if any(e.review == "suggested" for e in view.entities) or any(
        r.review == "suggested" for r in view.relations
    ):
        try:
            version = store.accept_all(
                doc_id, accept[0], version, AUTHOR, min_relation_confidence=accept[1]
            ).version
            ops += 1
        except EditError:  # only suggestions that accept_all skips (hidden, rejected args)
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
    retrain_count: int = 0  # retrainings that ran during the round
    entity_threshold: float | None = None  # "Show ≥" of the round's first document
    relation_threshold: float | None = None


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


@dataclass(frozen=True)
class Annotator:
    """How the simulated annotator works. The defaults are the app's: suggestions below the
    active version's calibrated "Show ≥" thresholds are not seen, and once the entities are
    corrected the page's relation pass suggests relations between them (``relation_pass``)."""

    thresholds: bool = True
    relation_pass: bool = True
    #: a relation "Show ≥" the annotator sets by hand instead of the calibrated one
    relation_show: float | None = None


@dataclass
class DocCount:
    gold_entities: int = 0
    gold_relations: int = 0
    entity_edits: int = 0
    relation_edits: int = 0
    shown_entities: int = 0
    shown_relations: int = 0
    right_entities: int = 0
    right_relations: int = 0

    def add(self, other: DocCount) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def page_thresholds(store: Any, project: str, annotator: Annotator) -> tuple[float, float]:
    """The page's default "Show ≥" (entity, relation): the active version's calibration."""
    active = store.active_model_version(project)
    chosen = (active.metrics or {}).get("thresholds") if active and annotator.thresholds else None
    if not isinstance(chosen, dict):
        chosen = {}
    entity = float((chosen.get("entity") or {}).get("show", 0.0))
    relation = float((chosen.get("relation") or {}).get("show", 0.0))
    if active and annotator.relation_show is not None:
        relation = annotator.relation_show
    return entity, relation


def _right(suggested: Sequence[Ent], suggested_rels: Sequence[Rel], gold: Any) -> tuple[int, int]:
    g_spans = {(e.type, e.fragments) for e in gold[0]}
    ok_e = sum(1 for e in suggested if (e.type, e.fragments) in g_spans)
    sk = {e.key: (e.type, e.fragments) for e in suggested}
    gk = {e.key: (e.type, e.fragments) for e in gold[0]}
    g_rels = {(r.type, gk[r.arg1], gk[r.arg2]) for r in gold[1]}
    ok_r = sum(
        1
        for r in suggested_rels
        if r.arg1 in sk and r.arg2 in sk and (r.type, sk[r.arg1], sk[r.arg2]) in g_rels
    )
    return ok_e, ok_r


def annotate_document(
    store: Any,
    doc_id: int,
    gold: tuple[list[Ent], list[Rel]],
    annotator: Annotator,
    thresholds: tuple[float, float],
) -> DocCount:
    """Correct one document to its gold annotations with the fewest edits and mark it done.

    One pass: the suggestions shown are corrected together. Two passes (the app's default, when
    a model is active): the entities are corrected and confirmed first, then the relation pass
    (``app.preannotate.suggest_relations``, which the page runs by itself once no entity
    suggestion is open) suggests relations between them, and those are corrected.
    """
    from app.preannotate import suggest_relations

    view = store.load_document(doc_id)
    ents, rels, hidden = shown_suggestions(view, thresholds)
    count = DocCount(len(gold[0]), len(gold[1]), shown_entities=len(ents))
    two_pass = annotator.relation_pass and store.active_model_version(view.project) is not None
    if not two_pass:
        plan = plan_edits(ents, rels, *gold)
        apply_plan(store, doc_id, gold, plan, hidden=hidden, accept=thresholds)
        count.entity_edits, count.relation_edits = plan.edits("entity"), plan.edits("relation")
        count.shown_relations = len(rels)
        count.right_entities, count.right_relations = _right(ents, rels, gold)
        return count
    plan = plan_edits(ents, [], gold[0], [])
    apply_plan(store, doc_id, gold, plan, hidden=hidden, kinds=("entity",), finish=False)
    count.entity_edits = plan.edits("entity")
    count.right_entities = _right(ents, [], gold)[0]
    from db.views import EditError

    try:  # the shown entity suggestions left are right: accepted as they stand (no edit)
        version = store.load_document(doc_id).version
        store.accept_all(doc_id, thresholds[0], version, AUTHOR, min_relation_confidence=2.0)
    except EditError:
        pass
    suggest_relations(store, doc_id, author=AUTHOR)
    view = store.load_document(doc_id)
    _, rels, hidden = shown_suggestions(view, thresholds)
    confirmed = accepted_entities(view)
    plan = plan_edits(confirmed, rels, *gold)
    if plan.edits("entity"):
        raise AssertionError(f"{view.name}: confirmed entities differ from gold before relations")
    apply_plan(store, doc_id, gold, plan, hidden=hidden, kinds=("relation",), accept=thresholds)
    count.relation_edits = plan.edits("relation")
    count.shown_relations = len(rels)
    count.right_relations = _right(confirmed, rels, gold)[1]
    return count


def next_batch(store: Any, project: str, order: str, size: int, has_model: bool) -> list[int]:
    """The next ``size`` unfinished documents: document order, or least confident first."""
    from app.preannotate import preannotate

    if order == "uncertainty" and has_model:
        pending = [d.id for d in store.list_documents(project) if d.status != "done"]
        preannotate(store, project, pending)
        return [doc_id for doc_id, _ in store.uncertainty_order(project)[:size]]
    return [d.id for d in store.list_documents(project) if d.status != "done"][:size]


POLICIES = ("auto", "batch")


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
    policy: str = "auto",
    annotator: Annotator | None = None,
    on_round: Any = None,
) -> list[RoundRecord]:
    """Annotate ``max_docs`` documents, reported ``batch`` at a time.

    ``policy="auto"``: the app's automatic retraining (``app.retraining.auto``) is asked after
    every document marked done; a retraining it starts is waited for (a person would go on
    with the old model for those minutes), and each document is pre-annotated just before it
    is opened, by the model active then (as the app refreshes unopened documents after a new
    version). ``policy="batch"``: one retraining after every batch, the batch pre-annotated at
    its start (the old benchmark).
    """
    from app.preannotate import preannotate
    from app.retraining.auto import AutoRetrainer
    from app.retraining.options import RetrainError

    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    annotator = annotator or Annotator()
    auto = AutoRetrainer(store, retrainer, lambda: options)
    rows: list[RoundRecord] = []
    done = 0
    limit = min(max_docs, len(gold))

    def retrain(job: Any) -> tuple[str, dict[str, Any], float]:
        started = time.perf_counter()
        job = retrainer.wait(job.id)
        if job.state != "done":
            log.warning("retraining job %d: %s %s", job.id, job.state, job.message)
        return job.state, job.result or {}, time.perf_counter() - started

    while done < limit:
        active = store.active_model_version(project)
        thresholds = page_thresholds(store, project, annotator)
        started = time.perf_counter()
        ids = next_batch(store, project, order, min(batch, limit - done), active is not None)
        if policy == "batch" and active is not None and order == "document":
            preannotate(store, project, ids)
        pre_s = time.perf_counter() - started
        total = DocCount()
        states: list[str] = []
        retrain_s = 0.0
        activated = False
        for doc_id in ids:
            if policy == "auto" and order == "document":
                now = store.active_model_version(project)
                if now is not None:
                    t0 = time.perf_counter()
                    preannotate(store, project, [doc_id])
                    pre_s += time.perf_counter() - t0
            view = store.load_document(doc_id)
            g = gold[view.name]
            shown = page_thresholds(store, project, annotator)
            total.add(annotate_document(store, doc_id, g, annotator, shown))
            check_gold(store.load_document(doc_id), g)
            if policy == "auto":
                job = auto.check(project)
                if job is not None:
                    state, result, secs = retrain(job)
                    states.append(state)
                    retrain_s += secs
                    activated = activated or bool(result.get("activated"))
        done += len(ids)
        if policy == "batch":
            try:
                state, result, secs = retrain(retrainer.start(project, options))
                states.append(state)
                retrain_s += secs
                activated = bool(result.get("activated"))
            except RetrainError as exc:  # e.g. fewer done documents than a retraining needs
                log.warning("retraining after round %d not started: %s", len(rows) + 1, exc)
                states.append("not started")
        ge, gr = total.gold_entities, total.gold_relations
        row = RoundRecord(
            round=len(rows) + 1,
            documents_done=done,
            batch_documents=len(ids),
            model_version=active.id if active else None,
            gold_entities=ge,
            gold_relations=gr,
            entity_edits=total.entity_edits,
            relation_edits=total.relation_edits,
            scratch_entity_edits=ge,
            scratch_relation_edits=gr,
            entity_edits_per_100=_per100(total.entity_edits, ge),
            relation_edits_per_100=_per100(total.relation_edits, gr),
            scratch_edits_per_100=100.0 if ge + gr else 0.0,
            edits_saved_pct=round(
                100.0 - _per100(total.entity_edits + total.relation_edits, ge + gr), 2
            ),
            entity_precision=_ratio(total.right_entities, total.shown_entities) if active else None,
            entity_recall=_ratio(total.right_entities, ge) if active else None,
            relation_precision=_ratio(total.right_relations, total.shown_relations)
            if active
            else None,
            relation_recall=_ratio(total.right_relations, gr) if active else None,
            preannotate_seconds=round(pre_s, 2),
            retrain_seconds=round(retrain_s, 2) if states else None,
            retrain_state=",".join(states) or "none",
            activated=activated,
            retrain_count=len(states),
            entity_threshold=thresholds[0] if active else None,
            relation_threshold=thresholds[1] if active else None,
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
    parser.add_argument(
        "--epochs", type=int, help="a fixed number of epochs (default: the automatic schedule)"
    )
    parser.add_argument(
        "--policy",
        choices=POLICIES,
        default="auto",
        help="auto: the app's automatic retraining (default); batch: after every batch",
    )
    parser.add_argument(
        "--one-pass", action="store_true", help="no relation pass between corrected entities"
    )
    parser.add_argument(
        "--show-all", action="store_true", help="ignore the calibrated Show thresholds"
    )
    parser.add_argument(
        "--relation-show",
        type=float,
        default=None,
        help="a fixed relation Show threshold instead of the calibrated one (entities keep theirs)",
    )
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--from-scratch",
        dest="from_scratch",
        action="store_const",
        const=True,
        help="train every version from the base encoder (default: by size, as the app)",
    )
    start.add_argument(
        "--warm-start",
        dest="from_scratch",
        action="store_const",
        const=False,
        help="train every version from the active one (default: by size, as the app)",
    )
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
    from app.retraining.options import RetrainOptions
    from app.retraining.retrainer import Retrainer
    from db import Store

    docs = converters.read("spert", args.data)
    if args.pool:
        docs = docs[: args.pool]
    schema = converters.read_schema("spert", args.data)
    options = RetrainOptions(
        epochs=args.epochs,
        encoder_dir=args.encoder,
        from_scratch=args.from_scratch,
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
                    f"(saved {r.edits_saved_pct}%); {r.retrain_count} retraining(s) "
                    f"{r.retrain_seconds} s ({r.retrain_state}); show >= "
                    f"{r.entity_threshold}/{r.relation_threshold}",
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
                policy=args.policy,
                annotator=Annotator(
                    thresholds=not args.show_all,
                    relation_pass=not args.one_pass,
                    relation_show=args.relation_show,
                ),
                on_round=show,
            )
            from app.retraining.versions import versions_json

            # every version's dev scores, schedule and calibrated thresholds (RESULTS' tables)
            (args.out / "versions.json").write_text(
                json.dumps(versions_json(store, PROJECT), indent=1, default=str), encoding="utf-8"
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
