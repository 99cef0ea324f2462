"""The trainer's work directory: per-epoch training state, its metadata, and publishing.

After every epoch ``<out>.work/`` holds the best model so far (``best/``, a complete saved
model) and the trainer state (``state.pt``: weights, optimizer, schedule, weight average, RNG,
history), so a crash loses at most one epoch and a resumed run continues where it stopped. The
final model directory appears in one rename at the end (``publish_best``), so a reader never
sees half a model.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from converters.errors import ConversionError

from .averaging import WeightAverage
from .config import ModelConfig
from .saving import TRAINING_FILE, atomic_dir, write_json

STATE_FILE = "state.pt"


@dataclass
class ResumedState:
    """What ``load_state`` restores besides the weights, optimizer and schedule it loads."""

    epoch: int  # the last finished epoch
    best: dict[str, Any]
    history: list[dict[str, Any]]
    ema: dict[str, Any] | None


def save_state(
    work_dir: Path,
    *,
    epoch: int,
    model: torch.nn.Module,
    opt: Any,
    sched: Any,
    ema: WeightAverage | None,
    best: dict[str, Any],
    history: list[dict[str, Any]],
    config: ModelConfig,
) -> None:
    """Write ``state.pt`` atomically (a crash mid-write leaves the previous epoch's)."""
    state = {
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(),
        "ema": ema.state_dict() if ema is not None else None,
        "best": best,
        "history": history,
        "config": config.to_dict(),
        "torch_rng": torch.get_rng_state(),
    }
    tmp = work_dir / f"{STATE_FILE}.tmp"
    torch.save(state, tmp)
    os.replace(tmp, work_dir / STATE_FILE)


def load_state(
    state_path: Path,
    device: torch.device,
    *,
    model: torch.nn.Module,
    opt: Any,
    sched: Any,
    config: ModelConfig,
) -> ResumedState:
    """Restore weights, optimizer, schedule and RNG from ``state_path`` in place.

    The saved model config must equal ``config`` but for the relation threshold (tuned per
    epoch): resuming into another architecture would load mismatched tensors.
    """
    state = torch.load(state_path, map_location=device, weights_only=False)
    saved_cfg = {**state["config"], "relation_threshold": 0.5}
    if saved_cfg != {**config.to_dict(), "relation_threshold": 0.5}:
        raise ConversionError(state_path, "saved training state belongs to another model config")
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["torch_rng"])
    return ResumedState(state["epoch"], state["best"], state["history"], state.get("ema"))


def publish_best(
    work_dir: Path,
    out_dir: Path,
    best: dict[str, Any],
    history: list[dict[str, Any]],
    stopped_early: str | None,
) -> None:
    """Copy the best model of the work directory to ``out_dir`` in one rename."""
    best_dir = work_dir / "best"
    if not best_dir.is_dir():
        raise ConversionError(work_dir, "no model was saved (zero epochs?)")
    meta = json.loads((best_dir / TRAINING_FILE).read_text(encoding="utf-8"))
    meta.update(history=history, best_epoch=best["epoch"], stopped_early=stopped_early)
    with atomic_dir(out_dir) as tmp:
        for item in best_dir.iterdir():
            if item.is_dir():
                shutil.copytree(item, tmp / item.name)
            else:
                shutil.copy2(item, tmp / item.name)
        write_json(tmp / TRAINING_FILE, meta)
    shutil.rmtree(work_dir, ignore_errors=True)
