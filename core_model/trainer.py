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

This module holds the loop and the ``Trainer`` that ties the pieces together: the starting
model (``model_setup``), the optimizer and schedule (``optimizer``), dev selection and early
stopping (``selection``), the work directory (``checkpoints``) and what the caller receives
(``progress``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import random
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from converters.errors import ConversionError
from converters.schema import Schema

from . import distributed
from .averaging import WeightAverage
from .checkpoints import STATE_FILE, load_state, publish_best, save_state
from .config import ModelConfig, TrainConfig
from .documents import DataArg, Doc, Skipped, check_types, load, load_types
from .encoder import autocast, use_bf16
from .encoding import build_units
from .loss import joint_loss
from .model_setup import build_model, set_decoding
from .optimizer import build_optimizer
from .predictor import Predictor
from .progress import TrainingCancelled, TrainProgress, TrainResult
from .sampling import SampleConfig, TrainDataset, epoch_loader
from .saving import save_model
from .schedule import plan_steps
from .selection import dev_selection, stop_reason
from .types import TypeInventory

log = logging.getLogger(__name__)

TypesArg = str | Path | dict[str, Any] | Schema | TypeInventory | None


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

        self.model, self.tokenizer = build_model(self.types, encoder_dir, model_config, init_from)
        self.config = self.model.config
        set_decoding(self.config, self.train_docs, self.cfg)
        self.model.to(self.device)
        self.init_from = str(init_from) if init_from else None
        self.ema: WeightAverage | None = None  # set when a run starts (``ema_decay``)
        self.bf16 = use_bf16(self.device, self.cfg.precision)
        self._deadline: float | None = None  # time.monotonic() past which training stops
        self.stopped_early: str | None = None  # why training ended before its last epoch

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
        world_size = self.dist.world_size if self.dist is not None else 1
        self.cfg, self.steps_per_epoch = plan_steps(len(units), self.cfg, world_size)

    def _loader(self, epoch: int) -> torch.utils.data.DataLoader:
        return epoch_loader(self.dataset, self.cfg.batch_size, self.cfg.seed, epoch, self.dist)

    def _optimizer(self) -> tuple[torch.optim.Optimizer, Any]:
        return build_optimizer(self.model, self.cfg, self.steps_per_epoch * self.cfg.epochs)

    # -- control ------------------------------------------------------------------------------
    def _cancelled(self) -> bool:
        stop = (self.should_stop is not None and self.should_stop()) or (
            self.stop_file is not None and self.stop_file.exists()
        )
        if self.dist is not None:  # a stop asked on any rank stops every rank at the same step
            stop = distributed.any_true(self.dist, stop, self.device)
        return stop

    def _notify(
        self, epoch: int, step: int, loss: float, dev_f1: float | None = None, phase: str = "train"
    ) -> None:
        """Call the progress hook (rank 0 only: the others train the same steps)."""
        if self.progress and self._is_main:
            self.progress(
                TrainProgress(
                    epoch, self.cfg.epochs, step, self.steps_per_epoch, loss, dev_f1, phase
                )
            )

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
        return dev_selection(predictor, self.dev_docs, self.cfg)

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
        state_path = self.work_dir / STATE_FILE
        if self.resume and state_path.is_file():
            resumed = load_state(
                state_path,
                self.device,
                model=self.model,
                opt=opt,
                sched=sched,
                config=self.config,
            )
            ema_state = resumed.ema
            best, history = resumed.best, resumed.history
            self.config.relation_threshold = best["threshold"]
            first_epoch = resumed.epoch + 1
            log.info("resuming after epoch %d from %s", resumed.epoch, state_path)
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
                self._notify(epoch, self.steps_per_epoch, mean_loss, score, "eval")
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
                save_state(
                    self.work_dir,
                    epoch=epoch,
                    model=self.model,
                    opt=opt,
                    sched=sched,
                    ema=self.ema,
                    best=best,
                    history=history,
                    config=self.config,
                )
            why = stop_reason(
                self.cfg,
                epoch,
                epoch - best["epoch"],
                self._out_of_time,
                self.dev_docs is not None,
            )
            if why:
                self.stopped_early = why
                history[-1]["stopped"] = why
                log.info("training stops after epoch %d: %s", epoch, why)
                break

        if self._is_main:
            publish_best(self.work_dir, self.out_dir, best, history, self.stopped_early)
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
            self._notify(epoch, step, value)
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
