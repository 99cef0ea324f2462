"""Calibration checks of suggestion confidences: reliability diagram and expected calibration
error (ECE). A well calibrated model is what makes a confidence threshold meaningful.

numpy only: nothing here imports torch, ``db`` or ``app``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Reliability:
    """A reliability diagram in equal-width confidence bins over [0, 1].

    Per bin: ``counts``, ``mean_confidence`` and ``accuracy`` (None for an empty bin).
    ``ece``: expected calibration error, the count-weighted mean of |accuracy - confidence|.
    """

    edges: list[float]
    counts: list[int]
    mean_confidence: list[float | None]
    accuracy: list[float | None]
    ece: float
    n: int = 0


def reliability(
    confidences: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    bins: int = 10,
) -> Reliability:
    """Reliability diagram and expected calibration error (ECE) of binary confidences.

    Equal-width bins over [0, 1]; a confidence of exactly 1.0 falls in the last bin. A well
    calibrated model's suggestions at confidence ~p are right a share ~p of the time, which is
    what makes a confidence threshold (and the "Accept ≥" button) meaningful.
    """
    p = np.asarray(confidences, dtype=float).ravel()
    y = np.asarray(correct, dtype=float).ravel()
    if p.shape != y.shape:
        raise ValueError("confidences and correct differ in length")
    if bins < 1:
        raise ValueError("bins must be >= 1")
    edges = [i / bins for i in range(bins + 1)]
    idx = np.clip((p * bins).astype(int), 0, bins - 1)
    counts: list[int] = []
    mean_conf: list[float | None] = []
    acc: list[float | None] = []
    ece = 0.0
    for b in range(bins):
        mask = idx == b
        k = int(mask.sum())
        counts.append(k)
        if k == 0:
            mean_conf.append(None)
            acc.append(None)
            continue
        c, a = float(p[mask].mean()), float(y[mask].mean())
        mean_conf.append(c)
        acc.append(a)
        ece += k / len(p) * abs(a - c)
    return Reliability(edges, counts, mean_conf, acc, float(ece), len(p))
