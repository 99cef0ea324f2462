"""Shared by the model benchmarks: train one configuration, evaluate, time it, peak RSS."""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core_model import ModelConfig, Predictor, TrainConfig, train

DATA = Path(
    os.environ.get("SPANREL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)

VARIANTS = {
    "multihead": {},
    "additive": {"attention": "additive"},
    "dot": {"attention": "dot"},
    "general": {"attention": "general"},
    # all three ablations: the SpERT-like baseline
    "spert_like": {"span_attention": False, "sentence_attention": False, "local_attention": False},
    # one ablation each (multihead otherwise): which part makes the difference
    "no_span_attention": {"span_attention": False},
    "no_sentence_attention": {"sentence_attention": False},
    "no_local_attention": {"local_attention": False},
}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_variant(
    variant: str,
    train_data: Path,
    dev_data: Path | None,
    test_data: Path,
    types: Path,
    *,
    epochs: int,
    seed: int,
    encoder: str | None,
    max_steps_per_epoch: int | None,
    select_average: str,
    keep_dir: Path | None = None,
    head_lr: float | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix=f"spanrel_{variant}_")) / "model"
    started = time.perf_counter()
    result = train(
        train_data,
        dev_data,
        types,
        out,
        encoder_dir=encoder,
        model_config=ModelConfig(**VARIANTS[variant]),
        train_config=TrainConfig(
            epochs=epochs,
            seed=seed,
            device="auto",
            max_steps_per_epoch=max_steps_per_epoch,
            select_average=select_average,
            head_lr=head_lr,
            **({"lr": lr} if lr is not None else {}),
            **({"batch_size": batch_size} if batch_size is not None else {}),
        ),
    )
    wall = time.perf_counter() - started
    report = Predictor.load(out).evaluate(test_data)
    train_s = [h["train_seconds"] for h in result.history]
    summary = {
        "variant": variant,
        "epochs": epochs,
        "seed": seed,
        "lr": lr if lr is not None else TrainConfig.lr,
        "head_lr": head_lr,
        "batch_size": batch_size if batch_size is not None else TrainConfig.batch_size,
        "best_epoch": result.best_epoch,
        "threshold": result.threshold,
        "train_s_per_epoch": round(sum(train_s) / len(train_s), 1),
        "wall_s": round(wall, 1),
        "test": {
            key: {avg: round(100 * report[key][avg]["f1"], 2) for avg in ("micro", "macro")}
            for key in ("entities", "relations", "relations_untyped")
        },
        "dev_history": [
            {k: h.get(k) for k in ("epoch", "entity_f1", "relation_f1", "threshold")}
            for h in result.history
        ],
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
    if keep_dir is not None:
        if keep_dir.exists():
            shutil.rmtree(keep_dir)
        shutil.copytree(out, keep_dir)
    shutil.rmtree(out.parent, ignore_errors=True)
    print(json.dumps(summary), flush=True)
    return summary
