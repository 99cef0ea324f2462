"""SpERT-style strict evaluation: entities, relations with and without argument types.

An entity is correct when its token boundaries and type match; a relation ("strict") when its
type and both arguments (boundaries and types) match; "without types" drops the argument
types. Per document the gold and predicted tuples are compared as sets; for each type
precision/recall/F1 follow, micro-averaged (pooled counts) and macro-averaged (mean of the
per-type figures over the types that occur in gold or prediction, as sklearn's ``macro`` with
SpERT's label list). Arguments of a symmetric relation type are put in reading order first.
Values are fractions in [0, 1].
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

EntityTuple = tuple[int, int, str]  # token start, token end (exclusive), type
RelationTuple = tuple[EntityTuple, EntityTuple, str]


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float

    def to_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


def prf(correct: int, predicted: int, gold: int) -> PRF:
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p, r, f)


def score(gold: Iterable[Iterable[Hashable]], pred: Iterable[Iterable[Hashable]]) -> dict[str, Any]:
    """Micro, macro and per-type P/R/F1 of per-document tuple sets; the type is ``t[2]``."""
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_ok: Counter[str] = Counter()
    for g_doc, p_doc in zip(gold, pred, strict=True):
        g_set, p_set = set(g_doc), set(p_doc)
        n_gold.update(t[2] for t in g_set)
        n_pred.update(t[2] for t in p_set)
        n_ok.update(t[2] for t in g_set & p_set)
    types = sorted(set(n_gold) | set(n_pred))
    per_type = {t: prf(n_ok[t], n_pred[t], n_gold[t]) for t in types}
    micro = prf(sum(n_ok.values()), sum(n_pred.values()), sum(n_gold.values()))
    if types:
        macro = PRF(
            sum(m.precision for m in per_type.values()) / len(types),
            sum(m.recall for m in per_type.values()) / len(types),
            sum(m.f1 for m in per_type.values()) / len(types),
        )
    else:
        macro = PRF(0.0, 0.0, 0.0)
    return {
        "micro": micro.to_dict(),
        "macro": macro.to_dict(),
        "per_type": {
            t: {
                **per_type[t].to_dict(),
                "support": n_gold[t],
                "predicted": n_pred[t],
                "correct": n_ok[t],
            }
            for t in types
        },
        "support": sum(n_gold.values()),
    }


def orient(rel: RelationTuple, symmetric: set[str]) -> RelationTuple:
    """Reading order for the arguments of a symmetric relation (SpERT's ``_adjust_rel``)."""
    head, tail, rtype = rel
    if rtype in symmetric and tail[0] < head[0]:
        return tail, head, rtype
    return rel


def _untyped(rel: RelationTuple) -> tuple[tuple[int, int], tuple[int, int], str]:
    return rel[0][:2], rel[1][:2], rel[2]


def evaluate_tuples(
    gold_entities: list[list[EntityTuple]],
    gold_relations: list[list[RelationTuple]],
    pred_entities: list[list[EntityTuple]],
    pred_relations: list[list[RelationTuple]],
    symmetric: Iterable[str] = (),
) -> dict[str, Any]:
    """The full report: ``entities``, ``relations`` (strict) and ``relations_untyped``."""
    sym = set(symmetric)
    g_rel = [[orient(r, sym) for r in doc] for doc in gold_relations]
    p_rel = [[orient(r, sym) for r in doc] for doc in pred_relations]
    return {
        "entities": score(gold_entities, pred_entities),
        "relations": score(g_rel, p_rel),
        "relations_untyped": score(
            [[_untyped(r) for r in d] for d in g_rel], [[_untyped(r) for r in d] for d in p_rel]
        ),
    }


def gold_tuples(docs: list[Any]) -> tuple[list[list[EntityTuple]], list[list[RelationTuple]]]:
    """Gold tuples of ``documents.Doc`` objects."""
    ents, rels = [], []
    for doc in docs:
        e = [(x.start, x.end, x.type) for x in doc.entities]
        ents.append(e)
        rels.append([(e[r.head], e[r.tail], r.type) for r in doc.relations])
    return ents, rels
