"""The optimizers ``bench/spert_step_time.py`` can hand SpERT as ``transformers.AdamW``.

Split out of ``bench/spert_step_time.py`` to keep the optimizer shim (a re-implementation of
transformers 4.1.1's ``AdamW``, which SpERT pins and transformers 5 no longer has, and the
``torch.optim.AdamW`` alternatives of ``--optimizer``) apart from the loading and the timing.
Imported through ``bench/spert_step_time.py``, which re-exports every name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch


class LegacyAdamW(torch.optim.Optimizer):
    """The ``AdamW`` of transformers 4.1.1 (which SpERT pins), for transformers 5, which has none.

    Decoupled weight decay applied after the Adam update, optional bias correction, one
    parameter tensor at a time, as that version did.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        correct_bias: bool = True,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "correct_bias": correct_bias,
        }
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                state["step"] += 1
                exp_avg.mul_(beta1).add_(grad, alpha=1.0 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
                denom = exp_avg_sq.sqrt().add_(group["eps"])
                step_size = group["lr"]
                if group["correct_bias"]:
                    bias_correction1 = 1.0 - beta1 ** state["step"]
                    bias_correction2 = 1.0 - beta2 ** state["step"]
                    step_size = step_size * math.sqrt(bias_correction2) / bias_correction1
                p.addcdiv_(exp_avg, denom, value=-step_size)
                if group["weight_decay"] > 0.0:
                    p.add_(p, alpha=-group["lr"] * group["weight_decay"])
        return loss


def torch_adamw(fused: bool) -> Callable[..., torch.optim.Optimizer]:
    """``torch.optim.AdamW`` under SpERT's call (``correct_bias`` dropped, eps as transformers')."""

    def make(params: Iterable[Any], correct_bias: bool = True, **kwargs: Any) -> Any:
        kwargs.setdefault("eps", 1e-6)
        return torch.optim.AdamW(params, fused=fused or None, **kwargs)

    return make


OPTIMIZERS: dict[str, Callable[..., Any]] = {
    "transformers-4.1.1": LegacyAdamW,
    "torch": torch_adamw(fused=False),
    "torch-fused": torch_adamw(fused=True),
}
