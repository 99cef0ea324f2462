"""Training s/epoch (measured over a bounded number of steps), inference throughput, peak RSS.

Run by hand (not a test)::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/model_speed.py [--steps 20] [--encoder DIR]
        [--train-batch-size 8] [--threads 2] [--skip-inference]

Training: the CoNLL04 training set with the design defaults (batch 8, 30x negatives, max span
width 10) for the full multihead model and the SpERT-like baseline (all three ablations);
s/epoch = median (and mean) s/step x steps per epoch (922 documents / 8 = 116 steps at batch 8,
461 at SpERT's batch 2).
Inference: sentences/s of ``Predictor.predict`` over the CoNLL04 test set versus a bare
encoder forward over the very same length-sorted batches (ratio goal >= 0.8).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core_model import ModelConfig, Predictor, TrainConfig
from core_model.encoding import build_units
from core_model.loss import joint_loss
from core_model.sampling import collate_eval
from core_model.trainer import Trainer

DATA = Path(
    os.environ.get("SPANREL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_stepper(
    model_cfg: ModelConfig, encoder: str | None, out: Path, batch_size: int
) -> tuple[Any, Trainer]:
    """A function doing one training step (returns its seconds), and its trainer."""
    conll = DATA / "conll04"
    trainer = Trainer(
        conll / "conll04_train.json",
        None,
        conll / "conll04_types.json",
        out,
        encoder_dir=encoder,
        model_config=model_cfg,
        train_config=TrainConfig(epochs=1, device="cpu", batch_size=batch_size),
        show_progress=False,
    )
    trainer._prepare()
    opt, sched = trainer._optimizer()
    loader = iter(trainer._loader(1))
    trainer.model.train()

    def step() -> float:
        batch = next(loader)
        t0 = time.perf_counter()
        span_logits, rel_logits = trainer.model(batch)
        loss, _, _ = joint_loss(span_logits, rel_logits, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainer.model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        return time.perf_counter() - t0

    return step, trainer


def time_inference(predictor: Predictor, docs: list, batch_size: int) -> dict:
    units, _ = build_units(
        predictor.to_docs(docs), predictor.tokenizer, predictor.config.max_length
    )
    order = sorted(range(len(units)), key=lambda i: len(units[i].input_ids))
    batches = [
        collate_eval([units[i] for i in order[s : s + batch_size]], predictor.config.max_span_width)
        for s in range(0, len(order), batch_size)
    ]
    enc = predictor.model.encoder
    enc.eval()

    def bare() -> float:
        t0 = time.perf_counter()
        with torch.inference_mode():
            for b in batches:
                enc(input_ids=b.input_ids, attention_mask=b.attention_mask.long())
        return time.perf_counter() - t0

    def full() -> float:
        t0 = time.perf_counter()
        predictor.predict(docs, batch_size=batch_size)
        return time.perf_counter() - t0

    # arithmetic ceiling of the ratio: matmul/attention FLOPs of predict vs the bare encoder
    with FlopCounterMode(display=False) as count:
        bare()
    flop_bare = count.get_total_flops()
    with FlopCounterMode(display=False) as count:
        full()
    flop_full = count.get_total_flops()
    bare(), full()  # warm-up
    t_bare = t_full = float("inf")
    for _ in range(5):  # alternate, best of five: load spikes from other processes hit both
        t_bare = min(t_bare, bare())
        t_full = min(t_full, full())
    return {
        "sentences": len(units),
        "batch_size": batch_size,
        "bare_encoder_sent_per_s": round(len(units) / t_bare, 1),
        "predict_sent_per_s": round(len(units) / t_full, 1),
        "ratio": round(t_bare / t_full, 3),
        "bare_encoder_gflop": round(flop_bare / 1e9, 1),
        "predict_gflop": round(flop_full / 1e9, 1),
        "flop_ratio": round(flop_bare / flop_full, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--encoder")
    ap.add_argument("--batch-size", type=int, default=16, help="inference batch size")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--train-batch-size", type=int, default=TrainConfig.batch_size)
    ap.add_argument(
        "--model",
        help="saved model for the inference part (default: the models "
        "after the timed training steps)",
    )
    ap.add_argument("--skip-training", action="store_true")
    ap.add_argument("--skip-inference", action="store_true", help="time training steps only")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path("/tmp/spanrel_bench_speed")
    results = {}
    test_docs = json.loads((DATA / "conll04" / "conll04_test.json").read_text())
    if args.model:
        predictor = Predictor.load(args.model, device="cpu")
        results["saved_model_inference"] = time_inference(predictor, test_docs, args.batch_size)
        print("saved model", json.dumps(results["saved_model_inference"]), flush=True)
    configs = {
        "multihead": ModelConfig(),
        "spert_like": ModelConfig(
            span_attention=False, sentence_attention=False, local_attention=False
        ),
    }
    if not args.skip_training:
        # steps of the variants alternate (same batches in the same order for each), so load
        # from other processes on a shared machine hits all of them alike
        steppers = {
            name: make_stepper(cfg, args.encoder, out, args.train_batch_size)
            for name, cfg in configs.items()
        }
        times: dict[str, list[float]] = {name: [] for name in configs}
        for i in range(args.steps + 2):  # the first two steps warm up allocator and kernels
            for name, (step, _) in steppers.items():
                t = step()
                if i >= 2:
                    times[name].append(t)
        for name, (_, trainer) in steppers.items():
            per_step = sorted(times[name])[len(times[name]) // 2]  # median
            mean = sum(times[name]) / len(times[name])
            steps_per_epoch = math.ceil(len(trainer.dataset) / args.train_batch_size)
            r: dict[str, Any] = {
                "train_batch_size": args.train_batch_size,
                "median_s_per_step": round(per_step, 3),
                "mean_s_per_step": round(mean, 3),
                "s_per_epoch_from_mean": round(mean * steps_per_epoch, 1),
                "steps_per_epoch": steps_per_epoch,
                "s_per_epoch": round(per_step * steps_per_epoch, 1),
            }
            if not args.skip_inference:
                trainer.model.eval()
                # inference with the partly trained model (predicts more entities than a
                # trained one)
                predictor = Predictor(trainer.model, trainer.tokenizer, trainer.types, "cpu")
                r["inference_partly_trained"] = time_inference(
                    predictor, test_docs, args.batch_size
                )
            results[name] = r
            print(name, json.dumps(r), flush=True)
    results["peak_rss_mib"] = round(peak_rss_mib(), 1)
    results["threads"] = torch.get_num_threads()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
