"""core_model.calibration: edit-minimising thresholds, labelling, reliability, temperature."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core_model import calibration
from core_model.calibration import (
    OUTCOMES,
    ScoredSuggestion,
    accept_threshold,
    apply_temperature,
    calibrate,
    edit_threshold,
    expected_edits,
    fit_temperature,
    label_entities,
    label_relations,
    reliability,
)

S = ScoredSuggestion


def scored(*pairs: tuple[float, str]) -> list[ScoredSuggestion]:
    return [S(c, o) for c, o in pairs]


# the brief's example: 0.9 right, 0.8 wrong, 0.7 right, 0.3 wrong, 0.2 wrong, 2 gold missed.
# edits(t) = wrong shown + right hidden + 2:
#   t <= 0.2: 3 + 0 + 2 = 5     t = 0.3: 2 + 0 + 2 = 4     t = 0.7: 1 + 0 + 2 = 3
#   t = 0.8:  1 + 1 + 2 = 4     t = 0.9: 0 + 1 + 2 = 3     t > 0.9: 0 + 2 + 2 = 4
# minimum 3 at 0.7 and at 0.9: the tie goes to the lower one, 0.7 (3 shown, 2 of them right).
EXAMPLE = scored((0.9, "right"), (0.8, "wrong"), (0.7, "right"), (0.3, "wrong"), (0.2, "wrong"))


def test_hand_example_cost_curve() -> None:
    got = {t: expected_edits(EXAMPLE, 2, t) for t in (0.0, 0.2, 0.3, 0.7, 0.8, 0.9, 0.95)}
    assert got == {0.0: 5, 0.2: 5, 0.3: 4, 0.7: 3, 0.8: 4, 0.9: 3, 0.95: 4}


def test_hand_example_threshold_takes_lowest_tie() -> None:
    choice = edit_threshold(EXAMPLE, 2)
    assert choice.threshold == 0.7  # not 0.9, which costs the same
    assert choice.edits == 3
    assert choice.edits_at_zero == 5
    assert choice.shown == 3
    assert choice.precision == pytest.approx(2 / 3)


def test_tie_between_show_all_and_a_cut_shows_all() -> None:
    # 0.6 right, 0.4 wrong, 0.3 right: showing all costs 1 (the reject of 0.4); t = 0.6 costs 1
    # (the add of 0.3's gold). Lowest tie: 0.3 (everything shown)
    items = scored((0.6, "right"), (0.4, "wrong"), (0.3, "right"))
    choice = edit_threshold(items, 0)
    assert (choice.threshold, choice.edits, choice.shown) == (0.3, 1, 3)


def test_fixable_costs_one_shown_or_hidden() -> None:
    # a shown fixable is a retype (1) that spares the add; hidden, its gold item is added (1)
    items = scored((0.9, "fixable"))
    assert expected_edits(items, 0, 0.5) == 1
    assert expected_edits(items, 0, 0.95) == 1
    # 0.9 fixable, 0.5 wrong, 1 missed: show all = 1 + 1 + 1 = 3; t = 0.9 -> 1 + 1 = 2, and
    # hiding everything also costs 2: the lower tie, 0.9, wins
    items = scored((0.9, "fixable"), (0.5, "wrong"))
    choice = edit_threshold(items, 1)
    assert (choice.threshold, choice.edits, choice.edits_at_zero) == (0.9, 2, 3)
    assert choice.precision == 0.0  # a fixable is not exactly right


def test_no_suggestions() -> None:
    choice = edit_threshold([], 4)
    assert (choice.threshold, choice.edits, choice.edits_at_zero, choice.shown) == (0.0, 4, 4, 0)
    assert accept_threshold([], 0.0) == 1.0


def test_all_wrong_hides_everything() -> None:
    choice = edit_threshold(scored((0.6, "wrong"), (0.4, "wrong")), 1)
    assert choice.threshold > 0.6
    assert (choice.edits, choice.shown) == (1, 0)
    assert choice.threshold == 0.61  # two decimals when that still hides 0.6
    top = edit_threshold(scored((1.0, "wrong")), 0)
    assert top.threshold > 1.0 and top.shown == 0 and top.edits == 0


def test_threshold_rounded_down_when_free() -> None:
    # the optimum is 0.757; 0.75 shows the same suggestions
    choice = edit_threshold(scored((0.757, "right"), (0.2, "wrong")), 0)
    assert (choice.threshold, choice.edits) == (0.75, 0)
    # binary floats: 0.29 * 100 < 29, yet 0.29 stays 0.29
    assert edit_threshold(scored((0.29, "right"), (0.1, "wrong")), 0).threshold == 0.29


def test_threshold_kept_exact_when_rounding_costs() -> None:
    # 0.75 would also show the wrong 0.752: keep 0.755
    choice = edit_threshold(scored((0.755, "right"), (0.752, "wrong"), (0.2, "wrong")), 0)
    assert (choice.threshold, choice.edits, choice.shown) == (0.755, 0, 1)


def test_grid_restricts_candidates() -> None:
    # on the grid 0.0 (5), 0.5 (3 = 1 wrong + 0 hidden + 2) and 1.0 (4): 0.5
    choice = edit_threshold(EXAMPLE, 2, grid=[1.0, 0.5, 0.0])
    assert (choice.threshold, choice.edits) == (0.5, 3)


two_decimals = st.integers(0, 100).map(lambda k: k / 100)
items_strategy = st.lists(
    st.builds(S, st.one_of(two_decimals, st.floats(0, 1)), st.sampled_from(OUTCOMES)),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(items=items_strategy, missed=st.integers(0, 5))
def test_exact_search_agrees_with_brute_force(items: list[ScoredSuggestion], missed: int) -> None:
    choice = edit_threshold(items, missed)
    grid = [k / 1000 for k in range(0, 1011)]
    naive = {t: expected_edits(items, missed, t) for t in [*grid, *(s.confidence for s in items)]}
    best = min(naive.values())
    assert choice.edits == best
    assert expected_edits(items, missed, choice.threshold) == best
    assert choice.edits_at_zero == expected_edits(items, missed, 0.0)
    assert choice.shown == sum(s.confidence >= choice.threshold for s in items)
    # the lowest tie: no optimal confidence lies below the chosen threshold
    optimal = [s.confidence for s in items if naive[s.confidence] == best]
    if optimal:
        assert choice.threshold <= min(optimal)
    if items:
        assert choice.threshold == round(choice.threshold, 2) or choice.threshold in {
            s.confidence for s in items
        }


def test_accept_threshold_hand_example() -> None:
    items = scored(
        (0.95, "right"),
        (0.9, "right"),
        (0.85, "wrong"),
        (0.8, "right"),
        (0.6, "right"),
        (0.5, "wrong"),
    )
    # precision of >= t: 0.5: 4/6, 0.6: 4/5, 0.8: 3/4, 0.85: 2/3, 0.9: 2/2
    assert accept_threshold(items, 0.5) == 0.9
    assert accept_threshold(items, 0.5, min_precision=0.75) == 0.6
    assert accept_threshold(items, 0.7, min_precision=0.75) == 0.7  # never below show
    assert accept_threshold(items, 0.5, min_precision=0.0) == 0.5
    assert accept_threshold(scored((0.9, "wrong"), (0.8, "fixable")), 0.0) == 1.0


def test_accept_threshold_rounding_up() -> None:
    # 0.902 qualifies; 0.91 would hide everything: keep 0.902
    assert accept_threshold(scored((0.905, "right"), (0.902, "right"), (0.5, "wrong")), 0.5) == (
        0.902
    )
    # 0.902 qualifies and 0.91 still shows a right one: 0.91
    assert accept_threshold(scored((0.915, "right"), (0.902, "right"), (0.5, "wrong")), 0.5) == (
        0.91
    )


# -- labelling ---------------------------------------------------------------------------------


def outcomes(items: list[ScoredSuggestion]) -> list[str]:
    return [s.outcome for s in items]


def test_label_entities_mixed() -> None:
    gold = [(0, 5, "PER"), (10, 15, "ORG"), (20, 25, "LOC"), (30, 35, "PER")]
    pred = [
        (0, 5, "PER", 0.9),  # right
        (0, 5, "PER", 0.6),  # duplicate of a covered entity: wrong
        (10, 15, "PER", 0.8),  # same span, other type: fixable (retype)
        (19, 25, "LOC", 0.7),  # same type, overlapping: fixable (resize)
        (21, 24, "LOC", 0.5),  # a second resize onto the covered LOC: wrong
        (40, 45, "ORG", 0.4),  # nothing there: wrong
        (31, 36, "ORG", 0.3),  # would need retype + resize: wrong
    ]
    items, missed = label_entities(pred, gold)
    assert outcomes(items) == ["right", "wrong", "fixable", "fixable", "wrong", "wrong", "wrong"]
    assert [s.confidence for s in items] == [p[3] for p in pred]
    assert missed == 1  # (30, 35, PER)


def test_label_entities_exact_before_fixable_and_greedy_by_confidence() -> None:
    # the exact match wins the gold entity even at a lower confidence
    items, missed = label_entities([(0, 10, "ORG", 0.9), (0, 10, "PER", 0.3)], [(0, 10, "PER")])
    assert (outcomes(items), missed) == (["wrong", "right"], 0)
    # two fixables for one gold entity: the more confident gets it
    items, missed = label_entities([(2, 8, "PER", 0.4), (0, 10, "ORG", 0.7)], [(0, 10, "PER")])
    assert (outcomes(items), missed) == (["wrong", "fixable"], 0)
    items, missed = label_entities([(2, 8, "PER", 0.8), (0, 10, "ORG", 0.7)], [(0, 10, "PER")])
    assert (outcomes(items), missed) == (["fixable", "wrong"], 0)


def test_label_entities_duplicate_can_fix_another_gold() -> None:
    # two gold entities on one span: the second copy retypes into the other one
    gold = [(0, 5, "PER"), (0, 5, "ORG")]
    items, missed = label_entities([(0, 5, "PER", 0.9), (0, 5, "PER", 0.8)], gold)
    assert (outcomes(items), missed) == (["right", "fixable"], 0)


def test_label_entities_edges() -> None:
    # half-open spans: touching is not overlapping
    items, missed = label_entities([(5, 10, "PER", 0.9)], [(0, 5, "PER")])
    assert (outcomes(items), missed) == (["wrong"], 1)
    # identical gold entities count once
    assert label_entities([], [(0, 5, "PER"), (0, 5, "PER")]) == ([], 1)
    assert label_entities([], []) == ([], 0)


def test_label_relations() -> None:
    a, b, c = (0, 5), (10, 15), (20, 25)
    gold = [(a, b, "works_for"), (a, c, "lives_in"), (b, c, "located_in")]
    pred = [
        (a, b, "works_for", 0.9),  # right
        (a, b, "works_for", 0.5),  # duplicate, nothing else on (a, b): wrong
        (a, c, "kill", 0.8),  # same arguments, other type: fixable
        (a, c, "located_in", 0.7),  # second fixable onto the covered (a, c): wrong
        (b, a, "works_for", 0.6),  # reversed: wrong
    ]
    items, missed = label_relations(pred, gold)
    assert outcomes(items) == ["right", "wrong", "fixable", "wrong", "wrong"]
    assert missed == 1  # (b, c)


def test_label_relations_right_beats_fixable_and_duplicates_fix() -> None:
    a, b = (0, 5), (10, 15)
    items, missed = label_relations([(a, b, "r2", 0.95), (a, b, "r1", 0.3)], [(a, b, "r1")])
    assert (outcomes(items), missed) == (["wrong", "right"], 0)
    gold = [(a, b, "r1"), (a, b, "r2")]
    items, missed = label_relations([(a, b, "r1", 0.9), (a, b, "r1", 0.8)], gold)
    assert (outcomes(items), missed) == (["right", "fixable"], 0)
    # lists instead of tuples for spans (JSON) work too
    items, missed = label_relations([([0, 5], [10, 15], "r1", 0.5)], [([0, 5], [10, 15], "r1")])
    assert (outcomes(items), missed) == (["right"], 0)


def test_labels_feed_the_cost_model() -> None:
    # expected_edits at 0 equals the benchmark's count for showing everything: 1 keep (0),
    # 1 duplicate reject, 1 retype, 1 resize, 3 rejects, 1 add = 7
    gold = [(0, 5, "PER"), (10, 15, "ORG"), (20, 25, "LOC"), (30, 35, "PER")]
    pred = [
        (0, 5, "PER", 0.9),
        (0, 5, "PER", 0.6),
        (10, 15, "PER", 0.8),
        (19, 25, "LOC", 0.7),
        (21, 24, "LOC", 0.5),
        (40, 45, "ORG", 0.4),
        (31, 36, "ORG", 0.3),
    ]
    items, missed = label_entities(pred, gold)
    assert expected_edits(items, missed, 0.0) == 7


# -- calibration -------------------------------------------------------------------------------


def test_reliability_hand_example() -> None:
    rel = reliability([0.05, 0.15, 0.95, 1.0], [False, True, True, True])
    # bins: [0, .1): conf .05 acc 0; [.1, .2): .15 / 1; [.9, 1]: .975 / 1
    assert rel.counts == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert rel.accuracy[2] is None and rel.mean_confidence[2] is None
    assert rel.ece == pytest.approx((0.05 + 0.85 + 2 * 0.025) / 4)
    assert rel.n == 4 and len(rel.edges) == 11


def test_reliability_calibrated_vs_overconfident() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 20000)
    calibrated = reliability(p, rng.uniform(0, 1, p.size) < p)
    assert calibrated.ece < 0.02
    # the truth is sigmoid(logit(p) / 2): the model's confidences are too extreme
    truth = apply_temperature(p, 2.0)
    over = reliability(p, rng.uniform(0, 1, p.size) < truth)
    assert over.ece > 0.06
    assert sum(over.counts) == p.size


def test_fit_temperature_recovers_two() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(0, 3, 50000)
    conf = 1 / (1 + np.exp(-z))  # what the model says
    y = rng.uniform(0, 1, z.size) < 1 / (1 + np.exp(-z / 2))  # what is true
    t = fit_temperature(conf, y)
    assert t == pytest.approx(2.0, abs=0.1)
    # calibrated data: T ~ 1
    y1 = rng.uniform(0, 1, z.size) < conf
    assert fit_temperature(conf, y1) == pytest.approx(1.0, abs=0.06)
    # rescaling with the fitted T makes them calibrated
    assert reliability(apply_temperature(conf, t), y).ece < reliability(conf, y).ece / 3


def test_fit_temperature_degenerate_and_apply() -> None:
    assert fit_temperature([], []) == 1.0
    assert fit_temperature([0.9, 0.8], [True, True]) == 1.0
    assert apply_temperature(0.5, 3.0) == pytest.approx(0.5)
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert apply_temperature(sig(2.0), 2.0) == pytest.approx(sig(1.0))
    assert isinstance(apply_temperature(0.7, 2.0), float)
    assert apply_temperature(np.array([0.7, 0.3]), 1.0) == pytest.approx([0.7, 0.3])
    with pytest.raises(ValueError):
        apply_temperature(0.5, 0.0)


def test_calibrate_json_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    # the example has 4 gold entities: trust dev from 4 on, so its choice is what is used
    monkeypatch.setattr(calibration, "MIN_GOLD", 4)
    out = calibrate(EXAMPLE, 2, [], 3)
    json.dumps(out)  # plain floats and ints
    ent, rel = out["entity"], out["relation"]
    assert ent["source"] == "dev"
    assert ent["show"] == 0.7 and ent["edits"] == 3 and ent["edits_show_all"] == 5
    assert ent["edits_at_show"] == 3
    assert ent["accept"] == 0.9  # >= 0.7: 2/3; >= 0.8: 1/2; >= 0.9: 1/1
    assert {"ece", "temperature", "reliability"} <= set(ent)
    assert sum(ent["reliability"]["counts"]) == len(EXAMPLE)
    # 3 gold relations (fewer than 4): the defaults
    assert rel["source"] == "default"
    assert (rel["show"], rel["accept"]) == calibration.DEFAULTS["relation"]
    assert rel["dev_show"] == 0.0 and rel["edits"] == 3
    assert out["dev_items"]["entity"] == {
        "suggestions": 5,
        "right": 2,
        "fixable": 0,
        "wrong": 3,
        "missed": 2,
        "gold": 4,
    }
    assert out["dev_items"]["relation"]["gold"] == 3


def test_small_dev_sets_fall_back_to_the_defaults() -> None:
    """A first model's dev set holds a document or two: thresholds chosen there are noise."""
    few = [S(0.9, "right"), S(0.2, "wrong")]
    out = calibrate(few, 1, few, 1)
    assert out["entity"]["source"] == out["relation"]["source"] == "default"
    assert (out["entity"]["show"], out["entity"]["accept"]) == calibration.DEFAULTS["entity"]
    many = [S(0.9, "right")] * 20 + [S(0.3, "wrong")] * 20
    out = calibrate(many, calibration.MIN_GOLD - 20, many, 0)
    assert out["entity"]["source"] == "dev" and out["entity"]["show"] == 0.9
    assert out["relation"]["source"] == "default"  # 20 gold relations only


def test_outcome_validated() -> None:
    with pytest.raises(ValueError):
        S(0.5, "maybe")


def test_module_imports_no_torch_db_or_app() -> None:
    src = Path(__file__).resolve().parents[2] / "core_model" / "calibration.py"
    tree = ast.parse(src.read_text(encoding="utf-8"))
    roots = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.add((node.module or "").split(".")[0])
    assert not roots & {"torch", "db", "app", "scipy"}
