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
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.machinery
import importlib.util
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import torch

SPERT_COMMIT = "a53f468bebfa9de6d66456dcfbf4b62aef237bf7"
DATA = Path(
    os.environ.get("SPANREL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


class _Done(Exception):
    """Raised from the hooked data loader once the timed steps are over (ends ``train``)."""


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


def load_file_module(name: str, path: Path) -> types.ModuleType:
    """A module of SpERT's tree by file (``args.py``, ``config_reader.py``), under ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_spert(src: Path, optimizer: str) -> dict[str, Any]:
    """SpERT's modules, with the shims for transformers 5 (see the module docstring)."""
    if not (src / "spert" / "spert_trainer.py").is_file():
        raise SystemExit(f"{src} is not a SpERT source tree (spert/spert_trainer.py missing)")
    sys.path.insert(0, str(src))
    import transformers
    from spert import input_reader, models, util  # SpERT's package

    # transformers 5: from_pretrained needs what post_init() sets (all_tied_weights_keys);
    # SpERT's __init__ calls init_weights(), which post_init() itself calls in turn
    base_init_weights = transformers.PreTrainedModel.init_weights
    in_post_init = [False]

    def init_weights(self: Any) -> None:
        if in_post_init[0]:
            base_init_weights(self)
            return
        in_post_init[0] = True
        try:
            self.post_init()
        finally:
            in_post_init[0] = False

    models.SpERT.init_weights = init_weights

    check_version = util.check_version

    def check_version_if_saved(config: Any, model_class: Any, model_path: str) -> None:
        if os.path.isfile(os.path.join(model_path, "pytorch_model.bin")):
            check_version(config, model_class, model_path)

    util.check_version = check_version_if_saved

    stubs: list[str] = []
    if importlib.util.find_spec("sklearn") is None:
        sklearn = types.ModuleType("sklearn")
        metrics = types.ModuleType("sklearn.metrics")
        sklearn.__spec__ = importlib.machinery.ModuleSpec("sklearn", None)
        metrics.__spec__ = importlib.machinery.ModuleSpec("sklearn.metrics", None)

        def prfs(*args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError("scikit-learn stub: SpERT's evaluation is not run here")

        metrics.precision_recall_fscore_support = prfs  # type: ignore[attr-defined]
        sklearn.metrics = metrics  # type: ignore[attr-defined]
        sys.modules["sklearn"] = sklearn
        sys.modules["sklearn.metrics"] = metrics
        stubs = ["sklearn", "sklearn.metrics"]
    # the module object behind ``transformers`` can be replaced while models import, so set
    # the name on the current one, right before SpERT's trainer imports it
    sys.modules["transformers"].AdamW = OPTIMIZERS[optimizer]  # type: ignore[attr-defined]
    try:
        from spert import spert_trainer
    finally:
        for name in stubs:  # the evaluator holds its reference; nothing else should see them
            sys.modules.pop(name, None)
    return {
        "spert_trainer": spert_trainer,
        "input_reader": input_reader,
        "args": load_file_module("spert_args", src / "args.py"),
        "config_reader": load_file_module("spert_config_reader", src / "config_reader.py"),
    }


def spert_args(mods: dict[str, Any], src: Path, cli: argparse.Namespace, tmp: Path) -> Any:
    """SpERT's training arguments: its ``example_train.conf`` read by its own config reader and
    argument parser, then the paths, CPU, seed and sampling processes of this benchmark."""
    reader = mods["config_reader"]
    runs = reader._read_config(src / "configs" / "example_train.conf")
    run_config: dict[str, str] = runs[0][1]
    args = mods["args"].train_argparser().parse_args(reader._convert_config(run_config))
    for key, value in run_config.items():  # as SpERT's _yield_configs does
        if value.lower() == "false":
            setattr(args, key, False)
    tok_cfg_path = cli.encoder / "tokenizer_config.json"
    tok_cfg = json.loads(tok_cfg_path.read_text()) if tok_cfg_path.is_file() else {}
    conll = cli.data / "conll04"
    overrides: dict[str, Any] = {
        "model_path": str(cli.encoder),
        "tokenizer_path": str(cli.encoder),
        "train_path": str(conll / "conll04_train.json"),
        "valid_path": str(conll / "conll04_dev.json"),
        "types_path": str(conll / "conll04_types.json"),
        "log_path": str(tmp / "log"),
        "save_path": str(tmp / "save"),
        "cpu": True,
        "lowercase": bool(tok_cfg.get("do_lower_case", False)),
        "seed": cli.seed,
        "sampling_processes": cli.sampling_processes,
        "store_predictions": False,
        "store_examples": False,
    }
    if cli.batch_size is not None:
        overrides["train_batch_size"] = cli.batch_size
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


class StepClock:
    """Hooks into SpERT's trainer: the data loader stamps the start of a step as it hands a
    batch over, the loss stamps its end after ``SpERTLoss.compute`` returns."""

    def __init__(self, total_steps: int) -> None:
        self.total_steps = total_steps
        self.start = 0.0
        self.times: list[float] = []
        self.batches: list[dict[str, int]] = []
        self.updates_epoch = 0
        self.documents = 0

    def loader_factory(self, real_loader: Callable[..., Any]) -> Callable[..., Iterable[Any]]:
        clock = self

        class TimedLoader:
            def __init__(self, dataset: Any, **kwargs: Any) -> None:
                self.loader = real_loader(dataset, **kwargs)
                clock.documents = dataset.document_count
                clock.updates_epoch = dataset.document_count // kwargs["batch_size"]

            def __len__(self) -> int:
                return len(self.loader)

            def __iter__(self) -> Iterator[Any]:
                for batch in self.loader:
                    if len(clock.times) >= clock.total_steps:
                        raise _Done
                    clock.batches.append(
                        {
                            "tokens": int(batch["encodings"].numel()),
                            "entities": int(batch["entity_sample_masks"].sum()),
                            "relations": int(batch["rel_sample_masks"].sum()),
                        }
                    )
                    clock.start = time.perf_counter()
                    yield batch
                raise _Done  # fewer batches than steps: stop with what was timed

        return TimedLoader

    def loss_class(self, base: type) -> type:
        clock = self

        class TimedSpERTLoss(base):  # type: ignore[misc, valid-type]
            def compute(self, *args: Any, **kwargs: Any) -> Any:
                loss = super().compute(*args, **kwargs)
                clock.times.append(time.perf_counter() - clock.start)
                return loss

        return TimedSpERTLoss


def summary(times: list[float], per_epoch: int) -> dict[str, Any]:
    ordered = sorted(times)
    median = ordered[len(ordered) // 2]  # upper median, as bench/model_speed.py
    mean = sum(ordered) / len(ordered)
    p90 = ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]  # nearest rank
    return {
        "median_s_per_step": round(median, 3),
        "mean_s_per_step": round(mean, 3),
        "p90_s_per_step": round(p90, 3),
        "steps_per_epoch": per_epoch,
        "s_per_epoch": round(median * per_epoch, 1),
        "s_per_epoch_from_mean": round(mean * per_epoch, 1),
    }


def spert_commit(src: Path) -> str:
    """HEAD of ``src`` when it is a git checkout, else the commit this script was written for
    (an archive export carries no commit)."""
    if (src / ".git").exists():
        out = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode == 0:
            return out.stdout.strip()
    return SPERT_COMMIT


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
