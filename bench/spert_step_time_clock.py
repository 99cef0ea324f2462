"""The clock of ``bench/spert_step_time.py``: hooks that time SpERT's steps, and the summary.

Split out of ``bench/spert_step_time.py`` to keep what is measured (the data loader stamping
the start of a step, ``SpERTLoss.compute`` its end, the statistics over the timed steps) in
one place, apart from loading SpERT. Imported through ``bench/spert_step_time.py``, which
re-exports every name.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any


class _Done(Exception):
    """Raised from the hooked data loader once the timed steps are over (ends ``train``)."""


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
