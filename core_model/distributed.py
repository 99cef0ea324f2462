"""Scale-out under ``torchrun``: one process per device, DistributedDataParallel.

``torchrun --nproc_per_node N -m core_model train ...`` sets ``WORLD_SIZE``, ``RANK`` and
``LOCAL_RANK``; with a world size above one the trainer joins the process group (``nccl`` when
it trains on CUDA, ``gloo`` on CPU), shards the data with a ``DistributedSampler`` and
averages gradients through DDP. Dev evaluation and every write happen on rank 0; the ranks
exchange only small decisions (stop, the epoch summary, the best epoch) so they stay in step.
Without those variables (or with a world size of one) nothing here is used and training is
the plain single-process loop.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as torch_dist

from .encoder import resolve_device

log = logging.getLogger(__name__)

# Rank 0 evaluates on dev while the others wait in the next collective: allow a long dev pass.
TIMEOUT = dt.timedelta(hours=3)


@dataclass(frozen=True)
class DistContext:
    """Where this process sits in a torchrun job."""

    rank: int
    local_rank: int
    world_size: int
    backend: str

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def env_world_size() -> int:
    """The world size torchrun announced (1 when not launched by torchrun)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1


def setup(device_pref: str) -> tuple[DistContext | None, torch.device]:
    """Join the process group when launched with a world size > 1; return the device to use.

    Single process: ``(None, resolve_device(device_pref))``, exactly as before.
    """
    world = env_world_size()
    if world <= 1:
        return None, resolve_device(device_pref)
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    device = resolve_device(device_pref)
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        backend = "gloo"
    if not torch_dist.is_initialized():
        kwargs: dict[str, Any] = {"backend": backend, "timeout": TIMEOUT}
        if backend == "nccl":
            kwargs["device_id"] = device
        torch_dist.init_process_group(**kwargs)
    ctx = DistContext(rank, local_rank, world, backend)
    log.info("rank %d/%d (%s) on %s", rank, world, backend, device)
    return ctx, device


def wrap(model: torch.nn.Module, ctx: DistContext, device: torch.device) -> torch.nn.Module:
    """DDP around ``model`` (which stays the object that is saved and evaluated).

    ``find_unused_parameters``: ablations leave attention blocks out of the graph, a model
    without relation types never uses the relation head, and the encoder's pooler never
    reaches the loss, so some parameters get no gradient in a step.
    """
    return torch.nn.parallel.DistributedDataParallel(
        model,
        device_ids=[device.index] if device.type == "cuda" else None,
        find_unused_parameters=True,
    )


def _flag_device(ctx: DistContext, device: torch.device) -> torch.device:
    return device if ctx.backend == "nccl" else torch.device("cpu")


def any_true(ctx: DistContext, flag: bool, device: torch.device) -> bool:
    """True on every rank when it is True on at least one (a stop request anywhere)."""
    t = torch.tensor([1.0 if flag else 0.0], device=_flag_device(ctx, device))
    torch_dist.all_reduce(t, op=torch_dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def mean(ctx: DistContext, value: float, device: torch.device) -> float:
    """The mean of ``value`` over the ranks (the epoch's training loss)."""
    t = torch.tensor([value], dtype=torch.float64, device=_flag_device(ctx, device))
    torch_dist.all_reduce(t, op=torch_dist.ReduceOp.SUM)
    return float(t.item()) / ctx.world_size


def from_main(ctx: DistContext, obj: Any) -> Any:
    """Rank 0's ``obj`` on every rank (picklable, small: decisions and summaries)."""
    box = [obj if ctx.is_main else None]
    torch_dist.broadcast_object_list(box, src=0)
    return box[0]


def barrier(ctx: DistContext, device: torch.device) -> None:
    if ctx.backend == "nccl":
        torch_dist.barrier(device_ids=[device.index])
    else:
        torch_dist.barrier()


def teardown(ctx: DistContext | None) -> None:
    if ctx is not None and torch_dist.is_initialized():
        torch_dist.destroy_process_group()
