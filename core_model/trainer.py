"""Training: ``train(...)`` from Python (the app's retraining job),
or ``python -m core_model train``.

Per epoch: dynamic negative sampling, AdamW with linear warm-up/decay, gradient clipping, then a
dev evaluation that tunes the relation threshold; the best model on dev is kept. After every
epoch the work directory ``<out>.work/`` holds the best model so far (``best/``, a complete
saved model) and the trainer state (``state.pt``), so a crash loses at most one epoch and
``resume=True`` continues. The final model directory appears in one rename at the end.

Under ``torchrun`` with a world size above one (see ``distributed``) every process trains on
its shard of the units through a DDP wrapper (``self._ddp``) around ``self.model``, which stays
the plain model that rank 0 evaluates and saves, so the saved format is the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
import os
import random
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from converters.errors import ConversionError
from converters.schema import Schema

from . import distributed
from .averaging import WeightAverage
from .config import ModelConfig, TrainConfig
from .decoding import has_overlaps, seen_arg_types
from .documents import DataArg, Doc, Skipped, check_types, load, load_types
from .encoder import (
    autocast,
    default_encoder_dir,
    load_pretrained_encoder,
    load_tokenizer,
    max_unit_length,
    use_bf16,
)
from .encoding import build_units
from .loss import joint_loss
from .models import SpanRelModel
from .predictor import Predictor
from .sampling import SampleConfig, TrainDataset
from .saving import TRAINING_FILE, atomic_dir, load_model, save_model, write_json
from .schedule import auto_schedule
from .types import TypeInventory

log = logging.getLogger(__name__)

TypesArg = str | Path | dict[str, Any] | Schema | TypeInventory | None


@dataclass
class TrainProgress:
    """What the progress hook receives: after every step, and once more after each dev pass."""

    epoch: int  # 1-based
    epochs: int
    step: int  # step within the epoch, 1-based
    steps: int  # steps per epoch
    loss: float
    dev_f1: float | None = None  # selection score of this epoch's dev pass (phase "eval")
    phase: str = "train"


@dataclass
class TrainResult:
    model_dir: Path
    best_epoch: int
    threshold: float
    dev_scores: dict[str, Any] | None
    history: list[dict[str, Any]]


class TrainingCancelled(RuntimeError):
    """Raised when the stop callback or stop file asked to stop; ``<out>.work`` can resume."""


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class Trainer:
    def __init__(
        self,
        train_data: DataArg,
        dev_data: DataArg | None,
        types: TypesArg,
        out_dir: str | Path,
        *,
        encoder_dir: str | Path | None = None,
        model_config: ModelConfig | dict[str, Any] | None = None,
        train_config: TrainConfig | None = None,
        init_from: str | Path | None = None,
        progress: Callable[[TrainProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        stop_file: str | Path | None = None,
        resume: bool = False,
        show_progress: bool = True,
    ) -> None:
        self.cfg = train_config or TrainConfig()
        self.out_dir = Path(out_dir)
        self.work_dir = self.out_dir.parent / f"{self.out_dir.name}.work"
        self.progress = progress
        self.should_stop = should_stop
        self.stop_file = Path(stop_file) if stop_file else None
        self.resume = resume
        self.show_progress = show_progress
        self.dist, self.device = distributed.setup(self.cfg.device)
        self._is_main = self.dist is None or self.dist.is_main
        if self.cfg.num_threads:
            torch.set_num_threads(self.cfg.num_threads)
        elif self.dist is not None and self.device.type == "cpu":
            torch.set_num_threads(1)  # N processes share the cores
        # same seed on every rank: identical initial weights (DDP also broadcasts rank 0's)
        seed_everything(self.cfg.seed)

        train_in = load(train_data)
        if not any(doc.tokens for doc in train_in.docs):
            raise ConversionError(train_in.source, "no training document with tokens")
        dev_in = load(dev_data) if dev_data is not None else None
        self.train_docs: list[Doc] = train_in.docs
        self.dev_docs: list[Doc] | None = dev_in.docs if dev_in is not None else None
        self.skipped = Skipped()  # gold the model cannot represent (see documents)
        self.skipped.add(train_in.skipped)
        self.types = load_types(types, self.train_docs)
        check_types(self.train_docs, self.types, train_in.source)
        if dev_in is not None:
            self.skipped.add(dev_in.skipped)
            check_types(dev_in.docs, self.types, dev_in.source)

        overrides = (
            model_config.to_dict()
            if isinstance(model_config, ModelConfig)
            else dict(model_config or {})
        )
        for key in (
            "entity_types",
            "relation_types",
            "symmetric_relations",
            "hidden_size",
            "encoder_source",
        ):
            overrides.pop(key, None)
        labels = dict(
            entity_types=self.types.entity_types,
            relation_types=self.types.relation_types,
            symmetric_relations=self.types.symmetric_relations,
        )
        if init_from is not None:
            if encoder_dir is not None or model_config is not None:
                log.info(
                    "warm start: architecture and encoder come from %s; the given "
                    "encoder directory and model settings are not used",
                    init_from,
                )
            self.model, self.tokenizer = self._warm_start(Path(init_from), labels)
        else:
            enc_dir = Path(encoder_dir) if encoder_dir else default_encoder_dir()
            self.tokenizer = load_tokenizer(enc_dir)
            encoder = load_pretrained_encoder(enc_dir)
            config = ModelConfig(
                **{**overrides, **labels},
                hidden_size=encoder.config.hidden_size,
                encoder_source=str(enc_dir),
            )
            config.max_length = min(
                config.max_length, max_unit_length(self.tokenizer, encoder.config)
            )
            self.model = SpanRelModel(config, encoder)
        self.config = self.model.config
        self._set_decoding()
        self.model.to(self.device)
        self.init_from = str(init_from) if init_from else None
        self.ema: WeightAverage | None = None  # set when a run starts (``ema_decay``)
        self.bf16 = use_bf16(self.device, self.cfg.precision)
        self._deadline: float | None = None  # time.monotonic() past which training stops
        self.stopped_early: str | None = None  # why training ended before its last epoch

    def _set_decoding(self) -> None:
        """Decoding rules learnt from the training data (saved with the model; see decoding)."""
        mode = self.cfg.entity_decoding
        if mode == "auto":
            mode = "all" if has_overlaps(self.train_docs) else "flat"
        self.config.entity_decoding = mode
        self.config.relation_arg_types = (
            seen_arg_types(self.train_docs) if self.cfg.relation_arg_constraints else {}
        )
        log.info(
            "entity decoding %r; relation argument types %s",
            mode,
            "constrained to those seen in training" if self.config.relation_arg_types else "free",
        )

    def _warm_start(self, path: Path, labels: dict[str, Any]) -> tuple[SpanRelModel, Any]:
        """Start from a saved model: its architecture, every weight whose shape still fits."""
        old, tokenizer, _, _ = load_model(path)
        config = ModelConfig.from_dict(
            {**old.config.to_dict(), **labels, "encoder_source": str(path)}
        )
        model = SpanRelModel(config, old.encoder)
        own = model.state_dict()
        keep = {k: v for k, v in old.state_dict().items() if k in own and own[k].shape == v.shape}
        skipped = sorted(set(own) - set(keep))
        model.load_state_dict(keep, strict=False)
        if skipped:
            log.info(
                "warm start from %s: %d tensors re-initialised (types changed): %s",
                path,
                len(skipped),
                ", ".join(skipped[:6]),
            )
        return model, tokenizer

    # -- data ---------------------------------------------------------------------------------
    def _prepare(self) -> None:
        units, stats = build_units(
            self.train_docs, self.tokenizer, self.config.max_length, self.types
        )
        self.unit_stats = dataclasses.asdict(stats)
        sample_cfg = SampleConfig(
            max_span_width=self.config.max_span_width,
            neg_entity_ratio=self.cfg.neg_entity_ratio,
            neg_entity_min=self.cfg.neg_entity_min,
            neg_relation_ratio=self.cfg.neg_relation_ratio,
            neg_relation_min=self.cfg.neg_relation_min,
        )
        self.dataset = TrainDataset(
            units, sample_cfg, len(self.types.relation_types), self.cfg.seed
        )
        per_rank = len(units)
        if self.dist is not None:  # DistributedSampler pads every shard to the same length
            per_rank = math.ceil(len(units) / self.dist.world_size)
        self.steps_per_epoch = math.ceil(per_rank / self.cfg.batch_size)
        if self.cfg.schedule == "auto":
            plan = auto_schedule(per_rank, self.cfg.batch_size)
            self.cfg = dataclasses.replace(self.cfg, epochs=plan.epochs)
            log.info(
                "schedule: %d epochs of %d steps for %d training units",
                plan.epochs,
                plan.steps_per_epoch,
                per_rank,
            )
        if self.cfg.max_steps_per_epoch:
            self.steps_per_epoch = min(self.steps_per_epoch, self.cfg.max_steps_per_epoch)

    def _loader(self, epoch: int) -> torch.utils.data.DataLoader:
        self.dataset.set_epoch(epoch)
        if self.dist is not None:
            # negatives depend on (seed, epoch, unit index), so each rank draws its own shard's
            sampler = torch.utils.data.DistributedSampler(
                self.dataset,
                num_replicas=self.dist.world_size,
                rank=self.dist.rank,
                shuffle=True,
                seed=self.cfg.seed,
            )
            sampler.set_epoch(epoch)
            return torch.utils.data.DataLoader(
                self.dataset,
                batch_size=self.cfg.batch_size,
                sampler=sampler,
                collate_fn=self.dataset.collate,
                num_workers=0,
            )
        gen = torch.Generator().manual_seed(self.cfg.seed * 1000 + epoch)
        return torch.utils.data.DataLoader(
            self.dataset,
            batch_size=self.cfg.batch_size,
            shuffle=True,
            generator=gen,
            collate_fn=self.dataset.collate,
            num_workers=0,
        )

    def _optimizer(self) -> tuple[torch.optim.Optimizer, Any]:
        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight")
        head_lr = self.cfg.head_lr or self.cfg.lr
        groups = []
        for is_encoder in (True, False):
            for decay in (True, False):
                params = [
                    p
                    for n, p in self.model.named_parameters()
                    if n.startswith("encoder.") == is_encoder
                    and any(k in n for k in no_decay) != decay
                ]
                if params:
                    groups.append(
                        {
                            "params": params,
                            "weight_decay": self.cfg.weight_decay if decay else 0.0,
                            "lr": self.cfg.lr if is_encoder else head_lr,
                        }
                    )
        # the fused kernel: the plain implementation's step took 55 % of a training step at
        # batch 2 on a CPU (AdamW walks every tensor, the 11.7 M word-embedding weights too);
        # fused, a whole step is 1.7x faster (bench/RESULTS.md, "Training step"), resumed too
        try:
            opt = torch.optim.AdamW(groups, lr=self.cfg.lr, fused=True)
        except (RuntimeError, ValueError) as exc:  # a device or dtype without the kernel
            log.info("fused AdamW unavailable (%s); using the plain implementation", exc)
            opt = torch.optim.AdamW(groups, lr=self.cfg.lr)
        total = self.steps_per_epoch * self.cfg.epochs
        sched = get_linear_schedule_with_warmup(opt, int(self.cfg.warmup * total), total)
        return opt, sched

    # -- control ------------------------------------------------------------------------------
    def _cancelled(self) -> bool:
        stop = (self.should_stop is not None and self.should_stop()) or (
            self.stop_file is not None and self.stop_file.exists()
        )
        if self.dist is not None:  # a stop asked on any rank stops every rank at the same step
            stop = distributed.any_true(self.dist, stop, self.device)
        return stop

    def _averaged(self) -> AbstractContextManager[None]:
        """The weights to evaluate and save: the moving average when ``ema_decay`` is set."""
        return self.ema.applied() if self.ema is not None else nullcontext()

    def _evaluate(self) -> tuple[float, float, dict[str, Any]]:
        """(selection score, threshold, report) on the dev documents."""
        with self._averaged():
            return self._dev_scores()

    def _dev_scores(self) -> tuple[float, float, dict[str, Any]]:
        assert self.dev_docs is not None
        predictor = Predictor(self.model, self.tokenizer, self.types, self.device)
        if self.cfg.tune_threshold and self.types.relation_types:
            thr, report = predictor.tune_threshold(
                self.dev_docs,
                self.cfg.threshold_grid,
                self.cfg.eval_batch_size,
                self.cfg.select_average,
            )
        else:
            thr = self.config.relation_threshold
            report = predictor.evaluate(self.dev_docs, self.cfg.eval_batch_size, thr)
        avg = self.cfg.select_average
        ent_f1 = report["entities"][avg]["f1"]
        rel_f1 = report["relations"][avg]["f1"]
        if self.cfg.select_on == "entity" or not self.types.relation_types:
            score = ent_f1 + 1e-6 * rel_f1
        else:
            score = rel_f1 + 1e-6 * ent_f1
        return score, thr, report

    def _metadata(self, epoch: int, history: list[dict[str, Any]], dev: dict | None) -> dict:
        return {
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "epoch": epoch,
            "train_config": self.cfg.to_dict(),
            "train_documents": len(self.train_docs),
            "dev_documents": len(self.dev_docs) if self.dev_docs is not None else 0,
            "stopped_early": self.stopped_early,
            "units": self.unit_stats,
            "skipped": self.skipped.as_dict(),
            "init_from": self.init_from,
            "dev_scores": dev,
            "history": history,
            "versions": {"torch": torch.__version__},
        }

    def _save_state(
        self, epoch: int, opt: Any, sched: Any, best: dict[str, Any], history: list[dict[str, Any]]
    ) -> None:
        state = {
            "epoch": epoch,
            "model": self.model.state_dict(),
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else None,
            "best": best,
            "history": history,
            "config": self.config.to_dict(),
            "torch_rng": torch.get_rng_state(),
        }
        tmp = self.work_dir / "state.pt.tmp"
        torch.save(state, tmp)
        os.replace(tmp, self.work_dir / "state.pt")

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> TrainResult:
        try:
            return self._run()
        finally:
            distributed.teardown(self.dist)

    def _run(self) -> TrainResult:
        self._prepare()
        self._ddp: torch.nn.Module = self.model
        if self.dist is not None:
            self._ddp = distributed.wrap(self.model, self.dist, self.device)
            # different dropout masks per rank (the weights are already equal)
            torch.manual_seed(self.cfg.seed + self.dist.rank)
        opt, sched = self._optimizer()
        best: dict[str, Any] = {
            "score": -1.0,
            "epoch": 0,
            "threshold": self.config.relation_threshold,
            "report": None,
        }
        history: list[dict[str, Any]] = []
        first_epoch = 1
        ema_state = None
        state_path = self.work_dir / "state.pt"
        if self.resume and state_path.is_file():
            state = torch.load(state_path, map_location=self.device, weights_only=False)
            saved_cfg = {**state["config"], "relation_threshold": 0.5}
            if saved_cfg != {**self.config.to_dict(), "relation_threshold": 0.5}:
                raise ConversionError(
                    state_path, "saved training state belongs to another model config"
                )
            self.model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
            ema_state = state.get("ema")
            torch.set_rng_state(state["torch_rng"])
            best, history = state["best"], state["history"]
            self.config.relation_threshold = best["threshold"]
            first_epoch = state["epoch"] + 1
            log.info("resuming after epoch %d from %s", state["epoch"], state_path)
        elif self.work_dir.exists() and self._is_main:
            shutil.rmtree(self.work_dir)
        # started from the weights training goes on from (resumed ones included)
        self.ema = WeightAverage(self.model, self.cfg.ema_decay) if self.cfg.ema_decay else None
        if self.ema is not None and ema_state is not None:
            self.ema.load_state_dict(ema_state)
        if self._is_main:
            self.work_dir.mkdir(parents=True, exist_ok=True)
        if self.dist is not None:
            distributed.barrier(self.dist, self.device)
        if self.cfg.max_seconds:
            self._deadline = time.monotonic() + self.cfg.max_seconds

        for epoch in range(first_epoch, self.cfg.epochs + 1):
            started = time.perf_counter()
            mean_loss = self._train_epoch(epoch, opt, sched)
            if self.dist is not None:
                mean_loss = distributed.mean(self.dist, mean_loss, self.device)
            entry: dict[str, Any] = {
                "epoch": epoch,
                "loss": mean_loss,
                "train_seconds": time.perf_counter() - started,
            }
            if self.dev_docs is not None and self._is_main:
                score, thr, report = self._evaluate()
                entry.update(
                    dev_score=score,
                    threshold=thr,
                    entity_f1=report["entities"][self.cfg.select_average]["f1"],
                    relation_f1=report["relations"][self.cfg.select_average]["f1"],
                )
                improved = score > best["score"]
                if self.progress:
                    self.progress(
                        TrainProgress(
                            epoch,
                            self.cfg.epochs,
                            self.steps_per_epoch,
                            self.steps_per_epoch,
                            mean_loss,
                            score,
                            "eval",
                        )
                    )
            elif self.dev_docs is None:
                score, thr, report, improved = 0.0, self.config.relation_threshold, None, True
            else:  # another rank than 0: it receives rank 0's dev result just below
                score, thr, report, improved = 0.0, self.config.relation_threshold, None, False
            if self.dist is not None:
                entry, score, thr, report, improved = distributed.from_main(
                    self.dist, (entry, score, thr, report, improved)
                )
            history.append(entry)
            if self._is_main:
                log.info(
                    "epoch %d: %s",
                    epoch,
                    json.dumps({k: v for k, v in entry.items()}, default=str),
                )
            if improved:
                best = {"score": score, "epoch": epoch, "threshold": thr, "report": report}
                self.config.relation_threshold = thr
            if improved and self._is_main:
                with self._averaged():
                    save_model(
                        self.work_dir / "best",
                        self.model,
                        self.tokenizer,
                        self.types,
                        self._metadata(epoch, history, report),
                    )
            if self._is_main:
                self._save_state(epoch, opt, sched, best, history)
            why = self._stop_reason(epoch, epoch - best["epoch"])
            if why:
                self.stopped_early = why
                history[-1]["stopped"] = why
                log.info("training stops after epoch %d: %s", epoch, why)
                break

        if self._is_main:
            self._publish(best, history)
        if self.dist is not None:
            distributed.barrier(self.dist, self.device)  # the model exists when any rank returns
        # the in-memory model ends with the last epoch's weights; the threshold of the best one
        self.config.relation_threshold = best["threshold"]
        return TrainResult(self.out_dir, best["epoch"], best["threshold"], best["report"], history)

    def _out_of_time(self) -> bool:
        out = self._deadline is not None and time.monotonic() >= self._deadline
        if self.dist is not None:  # every rank stops at the same step
            out = distributed.any_true(self.dist, out, self.device)
        return out

    def _stop_reason(self, epoch: int, since_best: int) -> str | None:
        """Why training ends after ``epoch`` before its planned last one (None: go on)."""
        if epoch >= self.cfg.epochs:
            return None
        if self._out_of_time():
            return f"time budget of {self.cfg.max_seconds:g} s reached"
        patience = self.cfg.patience
        # a dev score must exist to stop on; early epochs of a long plan are noisy
        late = 2 * epoch >= self.cfg.epochs
        if patience and self.dev_docs is not None and late and since_best >= patience:
            return f"no better dev score in {since_best} epochs"
        return None

    def _publish(self, best: dict[str, Any], history: list[dict[str, Any]]) -> None:
        """Copy the best model of the work directory to ``out_dir`` in one rename."""
        best_dir = self.work_dir / "best"
        if not best_dir.is_dir():
            raise ConversionError(self.work_dir, "no model was saved (zero epochs?)")
        meta = json.loads((best_dir / TRAINING_FILE).read_text(encoding="utf-8"))
        meta.update(history=history, best_epoch=best["epoch"], stopped_early=self.stopped_early)
        with atomic_dir(self.out_dir) as tmp:
            for item in best_dir.iterdir():
                if item.is_dir():
                    shutil.copytree(item, tmp / item.name)
                else:
                    shutil.copy2(item, tmp / item.name)
            write_json(tmp / TRAINING_FILE, meta)
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def _train_epoch(self, epoch: int, opt: Any, sched: Any) -> float:
        self.model.train()
        loader = self._loader(epoch)
        total, count = 0.0, 0
        bar = tqdm(
            total=self.steps_per_epoch,
            desc=f"epoch {epoch}/{self.cfg.epochs}",
            disable=not (self.show_progress and self._is_main),
            leave=False,
        )
        for step, batch in enumerate(loader, start=1):
            if step > self.steps_per_epoch:
                break
            if self._cancelled():
                bar.close()
                raise TrainingCancelled(f"training stopped during epoch {epoch}")
            if step > 1 and self._out_of_time():
                break  # the budget ends this epoch here; it is evaluated as usual
            batch = batch.to(self.device)
            with autocast(self.device, self.bf16):
                span_logits, rel_logits = self._ddp(batch)
            loss, _, _ = joint_loss(
                span_logits,
                rel_logits,
                batch,
                self.cfg.span_loss_weight,
                self.cfg.relation_loss_weight,
            )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.max_grad_norm)
            opt.step()
            sched.step()
            if self.ema is not None:
                self.ema.update()
            opt.zero_grad(set_to_none=True)
            value = float(loss.detach())
            total += value
            count += 1
            bar.update(1)
            bar.set_postfix(loss=f"{value:.4f}")
            if self.progress and self._is_main:
                self.progress(
                    TrainProgress(epoch, self.cfg.epochs, step, self.steps_per_epoch, value)
                )
        bar.close()
        return total / max(1, count)


def train(
    train_data: DataArg,
    dev_data: DataArg | None,
    types: TypesArg,
    out_dir: str | Path,
    **kwargs: Any,
) -> TrainResult:
    """Train and save a model directory; keyword arguments are those of ``Trainer``.

    ``train_data``/``dev_data``: a SpERT JSON path, SpERT records, ``converters`` ``Document``s
    or ``Doc``s (``documents.load``). ``types``: a types file, its dict, a ``Schema``, or None
    (inferred from the training data).
    ``progress(TrainProgress)`` is called after every step and after every dev pass;
    ``should_stop()`` returning True or ``stop_file`` existing cancels (``TrainingCancelled``).
    ``init_from``: a saved model directory to warm-start from. ``resume=True`` continues an
    interrupted run from ``<out_dir>.work``.
    """
    return Trainer(train_data, dev_data, types, out_dir, **kwargs).run()
