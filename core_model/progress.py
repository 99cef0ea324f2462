"""What a training run reports to its caller: progress after every step and dev pass, the
final result, and cancellation.

Kept apart from the loop so that callers (the app's retraining worker, the CLI) can import the
types they receive without reading the trainer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class TrainProgress:
    """What the progress hook receives: after every step, and once more after each dev pass."""

    epoch: int  # 1-based
    epochs: int
    step: int  # step within the epoch, 1-based
    steps: int  # steps per epoch
    loss: float
    dev_f1: float | None = None  # selection score of this epoch's dev pass (phase "eval")
    phase: str = "train"


@dataclass
class TrainResult:
    model_dir: Path
    best_epoch: int
    threshold: float
    dev_scores: dict[str, Any] | None
    history: list[dict[str, Any]]


class TrainingCancelled(RuntimeError):
    """Raised when the stop callback or stop file asked to stop; ``<out>.work`` can resume."""
