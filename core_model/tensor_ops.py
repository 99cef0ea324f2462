"""Tensor helpers of the span model (``models``): feed-forward stacks, batched row gathers,
range max-pooling, and the grouping and bounds of candidate pairs.

Kept apart from ``SpanRelModel`` because they are plain functions of tensors, each tested on
its own against a brute-force version (``tests/core_model/test_model_forward.py``).
"""

from __future__ import annotations

import torch
from torch import nn


def ffnn(in_dim: int, hidden: int, out_dim: int, layers: int, dropout: float) -> nn.Sequential:
    """``layers`` linear layers with ReLU and dropout between them."""
    mods: list[nn.Module] = []
    dim = in_dim
    for _ in range(layers - 1):
        mods += [nn.Linear(dim, hidden), nn.ReLU(), nn.Dropout(dropout)]
        dim = hidden
    mods.append(nn.Linear(dim, out_dim))
    return nn.Sequential(*mods)


def batched_gather(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x[b, index[b, ...]]`` for ``x`` of shape ``[B, N, D]`` and ``index`` ``[B, ...]``."""
    b, n, d = x.shape
    offsets = torch.arange(b, device=x.device).view(b, *([1] * (index.dim() - 1))) * n
    # index_select on the flattened rows: much faster on CPU than gather with an expanded index
    out = x.reshape(b * n, d).index_select(0, (index + offsets).reshape(-1))
    return out.view(*index.shape, d)


def range_max(x: torch.Tensor, start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
    """Max of ``x [B, L, D]`` over sub-word ranges ``[start, end]`` (inclusive, shape ``[B, ...]``).

    A sparse table (max over every run of 2^j sub-words) answers each range with two lookups,
    so max-pooling thousands of spans or pairs costs O(L log L) plus O(queries) instead of
    materialising ``[B, queries, L, D]``. Empty ranges (``end < start``) give zeros.
    """
    b, n, d = x.shape
    levels = [x]
    width = 1
    while 2 * width <= n:
        prev = levels[-1]
        nxt = torch.maximum(prev[:, : n - 2 * width + 1], prev[:, width : n - width + 1])
        levels.append(torch.nn.functional.pad(nxt, (0, 0, 0, n - nxt.shape[1])))
        width *= 2
    table = torch.stack(levels, dim=1).view(b, len(levels) * n, d)  # [B, levels * L, D]
    length = (end - start + 1).clamp(min=1, max=n)
    log2 = torch.tensor([0, *(int(i).bit_length() - 1 for i in range(1, n + 1))], device=x.device)
    k = log2[length]
    lo = start.clamp(0, n - 1)
    hi = (end - (1 << k) + 1).clamp(0, n - 1)
    out = torch.maximum(batched_gather(table, k * n + lo), batched_gather(table, k * n + hi))
    return out * (end >= start).unsqueeze(-1).to(out.dtype)


def pair_groups(counts: list[int], budget: int) -> list[list[int]]:
    """Units with pairs, grouped by similar pair count so that padding stays small.

    Padding every unit to the batch's largest pair count would score mostly padding when one
    sentence has many entities; sorted groups of at most ``budget`` padded pairs, whose largest
    count is at most twice their smallest, avoid that (each unit is still in one group only,
    so its keys are projected once).
    """
    order = sorted((i for i, c in enumerate(counts) if c), key=lambda i: counts[i])
    groups: list[list[int]] = []
    current: list[int] = []
    for i in order:
        too_many = (len(current) + 1) * counts[i] > budget
        if current and (too_many or counts[i] > 2 * counts[current[0]]):
            groups.append(current)
            current = []
        current.append(i)
    if current:
        groups.append(current)
    return groups


def between_bounds(
    span_start: torch.Tensor, span_end: torch.Tensor, pairs: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``[B, P]`` bounds (exclusive) of the sub-words strictly between the spans of each pair."""
    first, second = pairs[..., 0], pairs[..., 1]
    lo = torch.minimum(torch.gather(span_end, 1, first), torch.gather(span_end, 1, second))
    hi = torch.maximum(torch.gather(span_start, 1, first), torch.gather(span_start, 1, second))
    return lo, hi


def between_mask(
    x: torch.Tensor, context_mask: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor
) -> torch.Tensor:
    """``[B, P, L]`` local context: empty for adjacent or overlapping spans."""
    pos = torch.arange(x.shape[1], device=x.device)
    return (pos > lo.unsqueeze(-1)) & (pos < hi.unsqueeze(-1)) & context_mask.unsqueeze(1)
