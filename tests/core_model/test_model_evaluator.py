"""The evaluator against P/R/F1 computed by hand (micro, macro, per type, strict/untyped)."""

from __future__ import annotations

import pytest

from core_model.evaluator import evaluate_tuples, prf, score


def test_prf_zero_division() -> None:
    assert prf(0, 0, 0).f1 == 0.0
    assert prf(0, 0, 3).precision == 0.0
    m = prf(2, 4, 5)
    assert m.precision == 0.5 and m.recall == 0.4
    assert m.f1 == pytest.approx(2 * 0.5 * 0.4 / 0.9)


def test_entity_scores_micro_macro_by_hand() -> None:
    gold = [
        [(0, 1, "Per"), (2, 4, "Loc"), (5, 6, "Org")],
        [(0, 2, "Per"), (3, 4, "Loc")],
    ]
    pred = [
        [(0, 1, "Per"), (2, 4, "Org"), (5, 6, "Org"), (7, 8, "Loc")],  # 1 wrong type, 1 spurious
        [(0, 2, "Per"), (3, 5, "Loc")],  # wrong boundary
    ]
    r = score(gold, pred)
    # Per: gold 2, pred 2, correct 2. Loc: gold 2, pred 2 (7-8, 3-5), correct 0.
    # Org: gold 1, pred 2, correct 1.
    assert r["per_type"]["Per"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "support": 2,
        "predicted": 2,
        "correct": 2,
    }
    assert r["per_type"]["Loc"]["f1"] == 0.0
    assert r["per_type"]["Org"]["precision"] == 0.5
    assert r["per_type"]["Org"]["recall"] == 1.0
    assert r["per_type"]["Org"]["f1"] == pytest.approx(2 / 3)
    # micro: correct 3, predicted 6, gold 5
    assert r["micro"]["precision"] == pytest.approx(3 / 6)
    assert r["micro"]["recall"] == pytest.approx(3 / 5)
    assert r["micro"]["f1"] == pytest.approx(2 * 0.5 * 0.6 / 1.1)
    # macro: mean of per-type figures over Loc, Org, Per
    assert r["macro"]["precision"] == pytest.approx((1.0 + 0.0 + 0.5) / 3)
    assert r["macro"]["recall"] == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert r["macro"]["f1"] == pytest.approx((1.0 + 0.0 + 2 / 3) / 3)
    assert r["support"] == 5


def test_relations_strict_and_untyped() -> None:
    a, b, c = (0, 1, "Per"), (3, 4, "Org"), (6, 7, "Loc")
    b_wrong = (3, 4, "Loc")
    gold_e = [[a, b, c]]
    gold_r = [[(a, b, "Work_For"), (b, c, "OrgBased_In")]]
    pred_e = [[a, b_wrong, c]]
    pred_r = [[(a, b_wrong, "Work_For"), (c, b_wrong, "OrgBased_In"), (a, c, "Live_In")]]
    r = evaluate_tuples(gold_e, gold_r, pred_e, pred_r)
    # strict: nothing matches (argument type wrong / direction wrong)
    assert r["relations"]["micro"]["f1"] == 0.0
    assert r["relations"]["micro"]["precision"] == 0.0
    # untyped: (a,b,Work_For) matches; (c,b) is reversed, (a,c,Live_In) spurious
    u = r["relations_untyped"]
    assert u["micro"]["precision"] == pytest.approx(1 / 3)
    assert u["micro"]["recall"] == pytest.approx(1 / 2)
    assert u["per_type"]["Work_For"]["f1"] == 1.0
    assert u["per_type"]["OrgBased_In"]["f1"] == 0.0
    assert u["per_type"]["Live_In"]["f1"] == 0.0
    assert u["macro"]["f1"] == pytest.approx(1 / 3)
    assert r["entities"]["micro"]["f1"] == pytest.approx(2 / 3)


def test_symmetric_relations_ignore_direction() -> None:
    a, b = (0, 1, "Per"), (3, 4, "Per")
    gold_r = [[(a, b, "Sibling")]]
    pred_r = [[(b, a, "Sibling")]]
    plain = evaluate_tuples([[a, b]], gold_r, [[a, b]], pred_r)
    assert plain["relations"]["micro"]["f1"] == 0.0
    sym = evaluate_tuples([[a, b]], gold_r, [[a, b]], pred_r, symmetric=["Sibling"])
    assert sym["relations"]["micro"]["f1"] == 1.0


def test_duplicates_count_once_and_empty() -> None:
    r = score([[(0, 1, "A")]], [[(0, 1, "A"), (0, 1, "A")]])
    assert r["micro"]["precision"] == 1.0
    empty = score([[]], [[]])
    assert empty["micro"]["f1"] == 0.0 and empty["per_type"] == {}
