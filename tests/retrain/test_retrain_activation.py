"""When a freshly trained version becomes active: only when strictly better on the same dev
documents than the version active when training started
(``app.retraining.versions.decide_activation``)."""

from __future__ import annotations

from typing import Any

from app.retraining.versions import decide_activation


def scores(rel_f1: float, ent_f1: float) -> dict[str, Any]:
    return {
        "relations": {"precision": rel_f1, "recall": rel_f1, "f1": rel_f1},
        "entities": {"precision": ent_f1, "recall": ent_f1, "f1": ent_f1},
    }


def metrics(new: tuple[float, float], old: tuple[float, float] | None) -> dict[str, Any]:
    m = scores(*new)
    m["compared_with"] = {"version": 1, **scores(*old)} if old is not None else None
    return m


def test_better_on_dev_activates() -> None:
    ok, why = decide_activation(
        2, metrics((0.5, 0.7), (0.4, 0.9)), auto=True, previous_id=1, active_id=1
    )
    assert ok and "better on dev than version 1" in why
    # relation F1 ties: entity F1 decides
    ok, _ = decide_activation(
        2, metrics((0.4, 0.8), (0.4, 0.7)), auto=True, previous_id=1, active_id=1
    )
    assert ok


def test_not_better_waits() -> None:
    for new in ((0.3, 0.9), (0.4, 0.7)):  # worse, then a tie: the active version stays
        ok, why = decide_activation(
            2, metrics(new, (0.4, 0.7)), auto=True, previous_id=1, active_id=1
        )
        assert not ok and "not better on dev" in why and "it waits" in why


def test_setting_off_or_changed_active_or_no_comparison_waits() -> None:
    better = metrics((0.9, 0.9), (0.1, 0.1))
    ok, why = decide_activation(2, better, auto=False, previous_id=1, active_id=1)
    assert not ok and "automatic activation is off" in why
    ok, why = decide_activation(3, better, auto=True, previous_id=1, active_id=2)
    assert not ok and "changed during training" in why
    ok, why = decide_activation(2, metrics((0.9, 0.9), None), auto=True, previous_id=1, active_id=1)
    assert not ok and "could not be evaluated" in why


def test_first_version_is_activated_unless_the_setting_is_off() -> None:
    ok, why = decide_activation(1, scores(0.0, 0.0), auto=True, previous_id=None, active_id=None)
    assert ok and "no active model" in why
    ok, _ = decide_activation(1, scores(0.0, 0.0), auto=False, previous_id=None, active_id=None)
    assert not ok
