"""Model selection on the dev documents, and when training ends early.

After every epoch the dev documents are predicted once; the relation threshold is tuned there
(``tune_threshold``) and the selection score is the F1 of relations (or of entities, with
``select_on="entity"`` or no relation types), the other F1 breaking ties. The best epoch's
model is the one kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import TrainConfig
from .documents import Doc
from .predictor import Predictor


def dev_selection(
    predictor: Predictor, dev_docs: list[Doc], cfg: TrainConfig
) -> tuple[float, float, dict[str, Any]]:
    """(selection score, relation threshold, evaluation report) on ``dev_docs``."""
    has_relations = bool(predictor.types.relation_types)
    if cfg.tune_threshold and has_relations:
        thr, report = predictor.tune_threshold(
            dev_docs, cfg.threshold_grid, cfg.eval_batch_size, cfg.select_average
        )
    else:
        thr = predictor.config.relation_threshold
        report = predictor.evaluate(dev_docs, cfg.eval_batch_size, thr)
    avg = cfg.select_average
    ent_f1 = report["entities"][avg]["f1"]
    rel_f1 = report["relations"][avg]["f1"]
    if cfg.select_on == "entity" or not has_relations:
        score = ent_f1 + 1e-6 * rel_f1
    else:
        score = rel_f1 + 1e-6 * ent_f1
    return score, thr, report


def stop_reason(
    cfg: TrainConfig,
    epoch: int,
    since_best: int,
    out_of_time: Callable[[], bool],
    has_dev: bool,
) -> str | None:
    """Why training ends after ``epoch`` before its planned last one (None: go on).

    ``since_best``: epochs since the best dev score. ``out_of_time()`` says whether the time
    budget is spent; it is asked only before the last epoch, since under DDP it is a collective
    every rank must call at the same point.
    """
    if epoch >= cfg.epochs:
        return None
    if out_of_time():
        return f"time budget of {cfg.max_seconds:g} s reached"
    patience = cfg.patience
    # a dev score must exist to stop on; early epochs of a long plan are noisy
    late = 2 * epoch >= cfg.epochs
    if patience and has_dev and late and since_best >= patience:
        return f"no better dev score in {since_best} epochs"
    return None
