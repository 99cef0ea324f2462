"""The minimal-edit matcher of ``bench/effort.py``: what counts as an edit, with no store.

Split out of ``bench/effort.py`` so the pure part (``plan_edits`` and the ``Ent``/``Rel`` it
matches) can be read, tested and reused (``bench/retrain_schedule.py``) on its own; the rules
are described in ``bench/effort.py``'s docstring. Imported through ``bench/effort.py``, which
re-exports every name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

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
