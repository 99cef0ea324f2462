"""Seconds per training step of SpERT's own code (github.com/lavis-nlp/spert) on the CPU.

Measures what ``SpERTTrainer.train`` of SpERT does per batch, run by SpERT's own code: its
``SpERTTrainer`` (tokenizer, ``_load_model``, ``_get_optimizer_params``, optimizer, linear
warm-up schedule, ``SpERTLoss``, ``_train_epoch``), its ``JsonInputReader``, ``Dataset`` and
``sampling`` (CoNLL04 train, which the project keeps in SpERT's JSON format), with the
hyper-parameters of SpERT's ``configs/example_train.conf`` (batch 2, 100 negative entities and
100 negative relations per sentence, max span size 10, lr 5e-5, 10 % warm-up over 20 epochs,
weight decay 0.01, gradient clipping at norm 1.0, max 1000 pairs, size embedding 25, dropout 0.1).
Only the encoder is the project's (``core_model``'s ``default_encoder_dir()``, MiniLM, uncased,
so SpERT's ``--lowercase`` follows the encoder's ``do_lower_case``), loaded offline.

One timed step is SpERT's loop body in ``_train_epoch``: ``model.train()``, ``to_device``, the
forward pass and ``SpERTLoss.compute`` (loss, ``backward``, ``clip_grad_norm_``,
``optimizer.step``, ``scheduler.step``, ``model.zero_grad``, ``loss.item()``). Drawing and
collating the batch (the ``DataLoader``) and tqdm are outside the clock, as in
``bench/model_speed.py``. Batch sampling runs in the main process by default
(``--sampling-processes 0``, like the project's loader; SpERT's config uses 4 worker processes,
which on a 2-core machine compete with the step for the cores). The first ``--warmup-steps``
steps are not counted. SpERT's train loop runs unmodified; the script hooks its ``DataLoader``
(to stamp the start of each step and stop after the timed steps) and its ``SpERTLoss`` (to stamp
the end of each step).

SpERT was written for transformers 4.1.1; the venv has transformers 5. Shims, all at runtime,
none of SpERT's files is edited:

- ``transformers.AdamW`` (removed in transformers 5): a re-implementation of transformers
  4.1.1's ``AdamW`` (per-parameter loop, ``correct_bias``, eps 1e-6), the optimizer SpERT's
  pinned version ran. ``--optimizer torch`` / ``torch-fused`` use ``torch.optim.AdamW``
  instead (``correct_bias=False`` is then not honoured: bias correction stays on).
- ``SpERT.init_weights``: SpERT's ``__init__`` calls ``init_weights()``; transformers 5 needs
  ``post_init()`` (which calls ``init_weights`` itself) before ``from_pretrained`` can finish.
- ``spert.util.check_version``: skipped when the model directory has no ``pytorch_model.bin``
  (it checks the version of saved SpERT models; the encoder directory holds safetensors).
- ``sklearn.metrics`` (only if scikit-learn is missing): a stub so ``spert.evaluator`` imports;
  the evaluator is never run here.

Written against SpERT commit a53f468bebfa9de6d66456dcfbf4b62aef237bf7 (2021-11-24, the
repository's HEAD). Get it as a plain tree (SpERT is not copied into this project)::

    git --git-dir=<bare SpERT repository> archive a53f468 | tar -x -C /tmp/spert-src

Run by hand (not a test), side by side with the project's step on the same machine, idle, the
same threads, alternating the two (e.g. twice each)::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/spert_step_time.py --spert-src /tmp/spert-src \\
        --steps 40 --threads 2
    HF_HUB_OFFLINE=1 .venv/bin/python bench/model_speed.py --steps 40 --train-batch-size 2 \\
        --threads 2 --skip-inference

Prints one JSON line on stdout (SpERT's log and progress bars go to stderr). The median is the
upper median ``sorted(t)[n // 2]`` as in ``bench/model_speed.py``; the epoch estimate uses
SpERT's updates per epoch (documents // batch size: 922 // 2 = 461 for CoNLL04 train).

This script is the command line and the run; the parts live beside it, by concern:
``spert_step_time_optim.py`` (the ``AdamW`` shim and its alternatives),
``spert_step_time_setup.py`` (SpERT imported with the shims, its arguments, its commit) and
``spert_step_time_clock.py`` (the timing hooks and the summary). Their names are re-exported
here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.spert_step_time_clock import StepClock, _Done, summary
from bench.spert_step_time_optim import OPTIMIZERS, LegacyAdamW, torch_adamw
from bench.spert_step_time_setup import (
    SPERT_COMMIT,
    import_spert,
    load_file_module,
    spert_args,
    spert_commit,
)

__all__ = [
    "DATA",
    "OPTIMIZERS",
    "SPERT_COMMIT",
    "LegacyAdamW",
    "StepClock",
    "import_spert",
    "load_file_module",
    "main",
    "spert_args",
    "spert_commit",
    "summary",
    "torch_adamw",
]

DATA = Path(
    os.environ.get("SPANREL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spert-src", type=Path, required=True, help="SpERT's source tree")
    ap.add_argument("--steps", type=int, default=40, help="timed optimizer steps")
    ap.add_argument("--warmup-steps", type=int, default=2, help="untimed steps before")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--encoder", type=Path, help="default: core_model's default encoder")
    ap.add_argument("--data", type=Path, default=DATA, help="folder holding conll04/")
    ap.add_argument(
        "--batch-size", type=int, help="default: SpERT's train_batch_size (example_train.conf: 2)"
    )
    ap.add_argument("--seed", type=int, default=42, help="SpERT's --seed (its util.set_seed)")
    ap.add_argument(
        "--sampling-processes",
        type=int,
        default=0,
        help="SpERT's DataLoader workers (its config: 4; 0 samples in this process, untimed)",
    )
    ap.add_argument(
        "--optimizer",
        choices=sorted(OPTIMIZERS),
        default="transformers-4.1.1",
        help="what SpERT's `from transformers import AdamW` gets",
    )
    cli = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(cli.threads)
    if cli.encoder is None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from core_model.encoder import default_encoder_dir

        cli.encoder = default_encoder_dir()
    src = cli.spert_src.resolve()
    mods = import_spert(src, cli.optimizer)
    trainer_mod = mods["spert_trainer"]
    clock = StepClock(cli.warmup_steps + cli.steps)
    trainer_mod.DataLoader = clock.loader_factory(trainer_mod.DataLoader)
    trainer_mod.SpERTLoss = clock.loss_class(trainer_mod.SpERTLoss)
    with (
        tempfile.TemporaryDirectory(prefix="spert_step_time_") as tmp,
        contextlib.redirect_stdout(sys.stderr),  # SpERT logs to stdout: keep it for the result
    ):
        args = spert_args(mods, src, cli, Path(tmp))
        trainer = trainer_mod.SpERTTrainer(args)
        model_holder: dict[str, Any] = {}
        load_model = trainer._load_model

        def keep_model(input_reader: Any) -> Any:
            model_holder["model"] = load_model(input_reader)
            return model_holder["model"]

        trainer._load_model = keep_model
        try:
            trainer.train(
                train_path=args.train_path,
                valid_path=args.valid_path,
                types_path=args.types_path,
                input_reader_cls=mods["input_reader"].JsonInputReader,
            )
        except _Done:
            pass
        finally:
            trainer._close_summary_writer()
    timed = clock.times[cli.warmup_steps :]
    if not timed:
        raise SystemExit("no step was timed")
    batches = clock.batches[cli.warmup_steps : cli.warmup_steps + len(timed)]
    model = model_holder.get("model")
    result: dict[str, Any] = {
        "impl": "spert",
        "spert_commit": spert_commit(src),
        "encoder": str(cli.encoder),
        "attn_implementation": getattr(model.config, "_attn_implementation", None)
        if model is not None
        else None,
        "lowercase": args.lowercase,
        "optimizer": cli.optimizer,
        "threads": torch.get_num_threads(),
        "train_batch_size": args.train_batch_size,
        "neg_entity_count": args.neg_entity_count,
        "neg_relation_count": args.neg_relation_count,
        "max_span_size": args.max_span_size,
        "lr": args.lr,
        "sampling_processes": args.sampling_processes,
        "seed": args.seed,
        "warmup_steps": cli.warmup_steps,
        "steps": len(timed),
        "documents": clock.documents,
        **summary(timed, clock.updates_epoch),
        "mean_padded_tokens_per_batch": round(sum(b["tokens"] for b in batches) / len(batches), 1),
        "mean_entity_samples_per_batch": round(
            sum(b["entities"] for b in batches) / len(batches), 1
        ),
        "mean_relation_samples_per_batch": round(
            sum(b["relations"] for b in batches) / len(batches), 1
        ),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
