"""The optimizer and learning-rate schedule of a training run.

AdamW in four parameter groups (encoder or head, with or without weight decay; the head may
learn faster, ``head_lr``) and a linear warm-up then decay over the whole run.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from transformers import get_linear_schedule_with_warmup

from .config import TrainConfig

log = logging.getLogger(__name__)

#: parameters without weight decay (biases and normalisation weights)
NO_DECAY = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight")


def build_optimizer(
    model: torch.nn.Module, cfg: TrainConfig, total_steps: int
) -> tuple[torch.optim.Optimizer, Any]:
    """AdamW over ``model``'s parameters and its linear schedule over ``total_steps``."""
    head_lr = cfg.head_lr or cfg.lr
    groups = []
    for is_encoder in (True, False):
        for decay in (True, False):
            params = [
                p
                for n, p in model.named_parameters()
                if n.startswith("encoder.") == is_encoder and any(k in n for k in NO_DECAY) != decay
            ]
            if params:
                groups.append(
                    {
                        "params": params,
                        "weight_decay": cfg.weight_decay if decay else 0.0,
                        "lr": cfg.lr if is_encoder else head_lr,
                    }
                )
    # the fused kernel: the plain implementation's step took 55 % of a training step at
    # batch 2 on a CPU (AdamW walks every tensor, the 11.7 M word-embedding weights too);
    # fused, a whole step is 1.7x faster (bench/RESULTS.md, "Training step"), resumed too
    try:
        opt = torch.optim.AdamW(groups, lr=cfg.lr, fused=True)
    except (RuntimeError, ValueError) as exc:  # a device or dtype without the kernel
        log.info("fused AdamW unavailable (%s); using the plain implementation", exc)
        opt = torch.optim.AdamW(groups, lr=cfg.lr)
    sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup * total_steps), total_steps)
    return opt, sched
