"""The simulated annotator of ``bench/effort.py``: what the page shows, and the corrections.

Split out of ``bench/effort.py`` to keep the annotator's side (the suggestions shown at the
"Show ≥" thresholds, carrying an ``EditPlan`` out on the store, the one- or two-pass work on a
document and its edit counts) apart from the rounds and the report. Imported through
``bench/effort.py``, which re-exports every name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from bench.effort_edits import EditPlan, Ent, Frags, Rel, plan_edits

AUTHOR = "simulator"


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
