"""How long to train on a project's data: a number of optimizer steps, not of epochs.

Why steps: what a retraining learns depends on how many optimizer steps it takes. Four epochs
on 80 sentences are about 50 steps at batch 8, far from converged (entity recall 0.18 after
100 documents in the effort benchmark), while 30 epochs on 900 sentences would be 3,400 steps
and half an hour on a CPU. Measured on CoNLL04 slices (``bench/RESULTS.md``, "Retraining
schedule"): dev relation F1 levels off after about 120-250 steps at batch 2 with a fast head
learning rate, and about 400 steps gave the best edits saved after 100 documents. So a small
project gets many epochs and a large one few, with the step count growing only slowly with the
data, but never fewer than ``MIN_EPOCHS`` passes over it (a large project's warm start was
still improving after two); selection on the project's dev documents keeps the best epoch and
early stopping ends a run that has stopped improving, and an optional time budget caps the
wall time.

``TrainConfig(schedule="auto")`` makes the trainer call ``auto_schedule`` with the number of
training units it built (sentences, or chunks of long documents: what a step draws from) and
train that many epochs; the app's retraining uses it by default. An explicit epoch count (the
Retrain screen's advanced field, ``python -m app retrain --epochs``) is a fixed schedule.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass

from .config import TrainConfig

log = logging.getLogger(__name__)

#: batch size of the schedule: SpERT's batch 2 learns most per second on a CPU at this size
BATCH_SIZE = 2
#: optimizer steps for a small project; larger ones get ``STEPS_PER_UNIT`` more per unit
BASE_STEPS = 400
#: extra steps per training unit beyond ``BASE_UNITS`` (at batch 2, the app's, ``MIN_EPOCHS``
#: asks for more past it, so the minimum decides there; a larger batch still follows this)
STEPS_PER_UNIT = 0.5
BASE_UNITS = 200
#: a large project still gets four passes over its data: at 600 documents, a warm start from a
#: 300-document model kept improving on dev through its second epoch, and four epochs saved
#: more edits than two (RESULTS, "Four epochs at least")
MIN_EPOCHS = 4
MAX_EPOCHS = 40
#: training units from which a retraining starts from the active version instead of the base
#: encoder (``warm_start``)
WARM_START_FROM_UNITS = 200
#: training units from which a retraining's new model reads word shapes (``word_shapes``)
WORD_SHAPES_FROM_UNITS = 75


@dataclass(frozen=True)
class Schedule:
    """A training plan for ``units`` training units (sentences or document chunks)."""

    units: int
    epochs: int
    batch_size: int
    steps_per_epoch: int

    @property
    def steps(self) -> int:
        return self.epochs * self.steps_per_epoch


def target_steps(units: int) -> int:
    """Optimizer steps wanted for ``units`` training units (grows slowly past BASE_UNITS)."""
    return int(BASE_STEPS + STEPS_PER_UNIT * max(0, units - BASE_UNITS))


def auto_schedule(units: int, batch_size: int = BATCH_SIZE) -> Schedule:
    """The schedule for ``units`` training units: fewer units, more epochs.

    ``units``: what one training step draws from; for sentence-level corpora one per document.
    """
    units = max(1, int(units))
    per_epoch = math.ceil(units / batch_size)
    epochs = min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(target_steps(units) / per_epoch)))
    return Schedule(
        units=units,
        epochs=epochs,
        batch_size=batch_size,
        steps_per_epoch=per_epoch,
    )


def plan_steps(units: int, cfg: TrainConfig, world_size: int = 1) -> tuple[TrainConfig, int]:
    """``cfg`` with its epoch count (``auto_schedule`` when ``schedule="auto"``) and the steps
    per epoch for ``units`` training units shared by ``world_size`` ranks.

    Under DDP the distributed sampler pads every rank's shard to the same length, so the steps
    follow from the shard size; ``max_steps_per_epoch`` caps them after the plan is made.
    """
    per_rank = math.ceil(units / world_size) if world_size > 1 else units
    steps_per_epoch = math.ceil(per_rank / cfg.batch_size)
    if cfg.schedule == "auto":
        plan = auto_schedule(per_rank, cfg.batch_size)
        cfg = dataclasses.replace(cfg, epochs=plan.epochs)
        log.info(
            "schedule: %d epochs of %d steps for %d training units",
            plan.epochs,
            plan.steps_per_epoch,
            per_rank,
        )
    if cfg.max_steps_per_epoch:
        steps_per_epoch = min(steps_per_epoch, cfg.max_steps_per_epoch)
    return cfg, steps_per_epoch


@dataclass(frozen=True)
class SizeRules:
    """What a retraining on ``units`` training units decides by the project's size.

    Why one object: the retrainer counts the project once and asks every size rule with that
    count, so the warm start and the word shapes can never be decided from two different counts.
    """

    units: int
    warm_start: bool
    word_shapes: bool


def size_rules(units: int) -> SizeRules:
    """Every size rule of a retraining on ``units`` training units (``warm_start``,
    ``word_shapes``)."""
    return SizeRules(units=units, warm_start=warm_start(units), word_shapes=word_shapes(units))


def warm_start(units: int) -> bool:
    """Whether a retraining on ``units`` training units should start from the active version
    (True) or from the base encoder (False).

    Measured with the effort benchmark on CoNLL04 (``bench/RESULTS.md``, "Warm start or from
    scratch"): chaining warm starts from the first tiny models cost edits while the project is
    small (50-250 documents annotated: 37.5 % saved warm against 42.9 % from scratch; dev F1
    higher from scratch for versions on 77-160 training documents), and helped once it is not
    (250-400 documents: 49.5 % against 41.9 %; dev F1 higher warm from 201 training documents).
    """
    return units >= WARM_START_FROM_UNITS


def word_shapes(units: int) -> bool:
    """Whether a new model trained on ``units`` training units should read word shapes
    (``ModelConfig.word_shapes``).

    Measured on CoNLL04 slices with the app's settings (``bench/RESULTS.md``, "Word shapes"):
    on 78 training units (100 documents) they saved 3.6 points more edits over three slices
    (41.2 against 37.6 %, better on each), on 39 (50 documents) 3.6 points fewer (23.5 against
    27.1 %; two of the three runs stopped early with entity recall near 0.3), and the effort
    benchmark's rounds agreed (-11.7 points after 50 documents, +7.2 after 100).
    """
    return units >= WORD_SHAPES_FROM_UNITS
