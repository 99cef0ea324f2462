"""Exponential moving average of the trainable weights, for evaluating and saving.

Off by default (the design page does not use it). With small data and a small batch the
weights after any one step carry that step's noise; the average over the last ~1/(1-decay)
steps is a smoother model to select on dev and to ship. Training itself always continues from
the raw weights: the average is only swapped in while the trainer evaluates and saves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


class WeightAverage:
    """Shadow copies of ``model``'s trainable parameters, updated after each optimiser step."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.shadow = [p.detach().clone() for p in self.params]
        self.updates = 0

    @torch.no_grad()
    def update(self) -> None:
        # the usual warm-up (1 + n) / (10 + n): early steps are not dragged to the start weights
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        torch._foreach_lerp_(self.shadow, [p.detach() for p in self.params], 1.0 - decay)

    @contextmanager
    def applied(self) -> Iterator[None]:
        """The averaged weights in the model inside the block, the raw ones again after it."""
        with torch.no_grad():
            raw = [p.detach().clone() for p in self.params]
            for p, s in zip(self.params, self.shadow, strict=True):
                p.copy_(s)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, r in zip(self.params, raw, strict=True):
                    p.copy_(r)

    def state_dict(self) -> dict[str, object]:
        return {"shadow": self.shadow, "updates": self.updates}

    def load_state_dict(self, state: dict[str, object]) -> None:
        shadow = state["shadow"]
        assert isinstance(shadow, list) and len(shadow) == len(self.shadow)
        with torch.no_grad():
            for s, saved in zip(self.shadow, shadow, strict=True):
                s.copy_(saved)
        self.updates = int(state["updates"])  # type: ignore[arg-type]
