"""What a retraining is asked to do: its job kind, the app's training settings, the options of
one run and the error that refuses one.

Why a module of its own: every other module of the package (the data, the recovery, the
manager) and every caller (the Model screen, the command line, benchmarks) needs these, and
they need nothing of the package in turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from db import StoreError

#: the job kind of a retraining (``Store.create_job``)
KIND = "retrain"
#: the project setting that lets a better version become active by itself (default on)
SETTING_AUTO_ACTIVATE = "auto_activate"

#: Training settings of an app retraining (``core_model.TrainConfig`` fields). The number of
#: epochs follows the data (``core_model.schedule``: about 400 optimizer steps for a small
#: project, a few epochs for a large one) at SpERT's batch 2 with a fast-learning head; the best
#: epoch on the project's dev documents is kept and a run that stops improving ends early.
#: Measured in ``bench/retrain_schedule.py`` and ``bench/effort.py`` (``bench/RESULTS.md``).
DEFAULT_TRAIN_CONFIG: dict[str, Any] = {
    "schedule": "auto",
    "epochs": 20,  # the ceiling of a fixed schedule; "auto" sets it from the data
    "batch_size": 2,
    "lr": 1e-4,
    "head_lr": 1e-3,
    "warmup": 0.1,
    "patience": 4,
    "seed": 42,
    "device": "auto",
    "precision": "fp32",
}


class RetrainError(StoreError):
    """Retraining cannot start (no data, no dev document...); the message says what to do."""


@dataclass
class RetrainOptions:
    """How to train. ``auto_activate`` None: the project's setting (default on)."""

    epochs: int | None = None  # a fixed number of epochs instead of the automatic schedule
    max_seconds: float | None = None  # time budget of the training loop
    #: True: from the base encoder; False: from the active version; None: by the project's
    #: size (``core_model.schedule.warm_start`` on its training documents)
    from_scratch: bool | None = None
    auto_activate: bool | None = None
    encoder_dir: str | None = None  # base encoder (default: core_model's default encoder)
    train_config: dict[str, Any] = field(default_factory=dict)  # TrainConfig overrides
    model_config: dict[str, Any] = field(default_factory=dict)  # ModelConfig overrides

    def resolved_train_config(self) -> dict[str, Any]:
        cfg = {**DEFAULT_TRAIN_CONFIG, **self.train_config}
        if self.epochs is not None:
            cfg["epochs"] = int(self.epochs)
            cfg["schedule"] = "fixed"
        if self.max_seconds is not None:
            if not self.max_seconds > 0:
                raise RetrainError("the time budget must be a positive number of seconds")
            cfg["max_seconds"] = float(self.max_seconds)
        if int(cfg["epochs"]) < 1:
            raise RetrainError("epochs must be at least 1")
        return cfg
