"""Temperature scaling of binary suggestion confidences: fitting T on dev, and applying it.

A golden-section search over log T (the NLL is unimodal there), so numpy suffices: nothing here
imports torch, scipy, ``db`` or ``app``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

# temperatures searched by fit_temperature (log-uniform bracket)
T_MIN, T_MAX = 0.05, 20.0
_EPS = 1e-12


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def _nll(z: np.ndarray, y: np.ndarray, t: float) -> float:
    """Mean binary NLL of sigmoid(z / t) (stable: log sigmoid(x) = -log(1 + e^-x))."""
    x = z / t
    return float(np.mean(y * np.logaddexp(0.0, -x) + (1 - y) * np.logaddexp(0.0, x)))


def fit_temperature(
    confidences: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
) -> float:
    """Temperature scaling of binary confidences: the T > 0 minimising the NLL of
    sigmoid(logit(p) / T) on the dev suggestions (T > 1: the model was overconfident).

    The NLL is convex in 1/T (a one-feature logistic regression without intercept), hence
    unimodal in log T, so a golden-section search over log T in [T_MIN, T_MAX] finds it
    without scipy. Returns 1.0 (no change) when there is nothing to fit: no data, or a single
    class (the optimum is then T -> 0 or infinity, which says nothing useful).
    """
    p = np.asarray(confidences, dtype=float).ravel()
    y = np.asarray(correct, dtype=float).ravel()
    if p.shape != y.shape:
        raise ValueError("confidences and correct differ in length")
    if len(p) == 0 or y.min() == y.max():
        return 1.0
    z = _logit(p)

    def f(log_t: float) -> float:
        return _nll(z, y, math.exp(log_t))

    lo, hi = math.log(T_MIN), math.log(T_MAX)
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = f(a), f(b)
    while hi - lo > 1e-6:
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = f(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = f(b)
    return float(math.exp((lo + hi) / 2))


def apply_temperature(p: Any, temperature: float) -> Any:
    """sigmoid(logit(p) / T) for a float (returns a float) or an array (returns an array)."""
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    arr = np.asarray(p, dtype=float)
    out = 1.0 / (1.0 + np.exp(-_logit(arr) / temperature))
    return float(out) if arr.ndim == 0 else out
