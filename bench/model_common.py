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

from core_model import ModelConfig, Predictor, TrainConfig, load_documents
from core_model.trainer import Trainer

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


class PairedTrainer(Trainer):
    """With ``ema_decay`` set: each epoch also scores the raw weights, on dev and test.

    The averaged weights never feed back into training, so one run gives both arms of the
    comparison on the same trajectory (same seed, same batches): the trainer selects and saves
    the averaged model as usual, and ``paired`` records what the raw weights would have given
    under the same dev selection rule. Test scores are recorded for the analysis only.
    """

    def __init__(self, *args: Any, test_data: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.test_docs = load_documents(test_data)  # read once, scored twice per epoch
        self.paired: list[dict[str, Any]] = []

    def _evaluate(self) -> tuple[float, float, dict[str, Any]]:
        result = super()._evaluate()
        if self.ema is None:
            return result
        predictor = Predictor(self.model, self.tokenizer, self.types, self.device)
        raw_score, raw_thr, raw_dev = self._dev_scores()
        raw_test = predictor.evaluate(self.test_docs, threshold=raw_thr)
        with self._averaged():
            ema_test = predictor.evaluate(self.test_docs, threshold=result[1])
        self.paired.append(
            {
                "raw": {"dev_score": raw_score, "threshold": raw_thr, "test": _f1s(raw_test)},
                "ema": {"dev_score": result[0], "threshold": result[1], "test": _f1s(ema_test)},
                "raw_dev": _f1s(raw_dev),
            }
        )
        return result


def _f1s(report: dict[str, Any]) -> dict[str, float]:
    return {k: round(100 * report[k]["micro"]["f1"], 2) for k in ("entities", "relations")}


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
    ema_decay: float | None = None,
) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix=f"spanrel_{variant}_")) / "model"
    started = time.perf_counter()
    trainer = PairedTrainer(
        train_data,
        dev_data,
        types,
        out,
        test_data=test_data,
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
            ema_decay=ema_decay,
        ),
    )
    result = trainer.run()
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
    if trainer.paired:
        summary["ema_decay"] = ema_decay
        summary["paired_epochs"] = trainer.paired
        # the raw weights under the trainer's own rule: best dev score, first epoch on ties
        raw_best = max(trainer.paired, key=lambda p: p["raw"]["dev_score"])
        summary["raw_weights_selected_on_dev"] = {
            "epoch": trainer.paired.index(raw_best) + 1,
            **raw_best["raw"],
        }
    if keep_dir is not None:
        if keep_dir.exists():
            shutil.rmtree(keep_dir)
        shutil.copytree(out, keep_dir)
    shutil.rmtree(out.parent, ignore_errors=True)
    print(json.dumps(summary), flush=True)
    return summary
