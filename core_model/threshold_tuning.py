"""Relation F1 at many thresholds from one model pass, for tuning the relation threshold.

Training tunes the threshold on the dev documents after every epoch, so this must cost about
one evaluation, not one per threshold: the raw results (``raw_results``) hold every scored
pair's per-type probability, which are compared against the gold relations once.
"""

from __future__ import annotations

import numpy as np

from .documents import Doc
from .evaluator import gold_tuples, prf
from .raw_results import RawDoc


def f1_by_threshold(
    docs: list[Doc],
    raws: list[RawDoc],
    grid: list[float],
    average: str,
    entity_types: list[str],
    relation_types: list[str],
) -> list[tuple[float, float]]:
    """Strict relation F1 (``average``: micro or macro) at every threshold of ``grid``.

    Every candidate (pair, type) is marked correct or not once; each threshold then only
    counts. Relations without direction merging only: symmetric types need the full scoring.
    """
    names_e, n_rel = entity_types, len(relation_types)
    _, g_rel = gold_tuples(docs)
    all_probs, all_correct = [], []
    gold_per_type = np.zeros(n_rel)
    rel_index = {r: i for i, r in enumerate(relation_types)}
    for raw, gold in zip(raws, g_rel, strict=True):
        for _, _, r in set(gold):
            gold_per_type[rel_index[r]] += 1
        pairs, probs = raw.pairs(n_rel)
        correct = np.zeros(probs.shape, dtype=bool)
        if len(pairs) and gold:
            ent_index = {(s, e, names_e[t - 1]): i for i, (s, e, t, _) in enumerate(raw.entities)}
            pair_index = {(int(h), int(t)): k for k, (h, t) in enumerate(pairs)}
            for head, tail, r in set(gold):
                i, j = ent_index.get(head), ent_index.get(tail)
                k = pair_index.get((i, j)) if i is not None and j is not None else None
                if k is not None:
                    correct[k, rel_index[r]] = True
        all_probs.append(probs)
        all_correct.append(correct)
    probs = np.concatenate(all_probs) if all_probs else np.zeros((0, n_rel))
    correct = np.concatenate(all_correct) if all_correct else np.zeros((0, n_rel), bool)
    out = []
    for t in grid:
        hit = probs >= t
        n_pred = hit.sum(0).astype(float)
        n_ok = (hit & correct).sum(0).astype(float)
        if average == "micro":
            out.append((t, prf(int(n_ok.sum()), int(n_pred.sum()), int(gold_per_type.sum())).f1))
        else:
            present = (n_pred + gold_per_type) > 0
            f1s = [
                prf(int(n_ok[r]), int(n_pred[r]), int(gold_per_type[r])).f1
                for r in range(n_rel)
                if present[r]
            ]
            out.append((t, sum(f1s) / len(f1s) if f1s else 0.0))
    return out
