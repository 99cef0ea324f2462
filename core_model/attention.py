"""The four attention variants of the paper, for single-vector queries over a masked sequence.

Every variant maps queries ``[B, Q, dq]`` over keys/values ``[B, L, dk]`` with a boolean mask
broadcastable to ``[B, Q, L]`` to ``[B, Q, dk]``. All queries of a batch (every span, every
pair) are scored in one tensor operation. A query whose mask is empty gets a zero vector
(the design's rule for an empty local context) instead of the NaN a plain softmax would give.

Each variant first passes the query through one linear layer (``query_linear``);
``forward_projected`` takes a query already so projected. That layer is linear in the query,
so inference can project each entity once instead of every pair it takes part in.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis restricted to ``mask``; rows with no key are all zeros."""
    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = torch.softmax(scores, dim=-1)
    return weights * mask.to(weights.dtype)


def has_key(mask: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """``[B, Q, 1]``: 1 where a query sees at least one key, else 0 (in ``out``'s dtype).

    An empty mask gives zero weights; multiplying by this keeps such an output exactly zero
    (no bias leak through an output projection).
    """
    return mask.any(-1, keepdim=True).expand(*out.shape[:2], 1).to(out.dtype)


class MultiHeadAttention(nn.Module):
    """Q, K and V projected to the key size, ``heads`` heads of scaled dot-product attention."""

    def __init__(self, q_dim: int, k_dim: int, heads: int = 8) -> None:
        super().__init__()
        if k_dim % heads:
            raise ValueError(f"encoder hidden size {k_dim} is not divisible by {heads} heads")
        self.heads = heads
        self.q = nn.Linear(q_dim, k_dim)
        self.k = nn.Linear(k_dim, k_dim)
        self.v = nn.Linear(k_dim, k_dim)
        self.out = nn.Linear(k_dim, k_dim)

    def attend(self, q: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Concatenated head outputs ``[B, Q, d]`` for already projected queries ``q``."""
        b, nq, d = q.shape
        nk = keys.shape[1]
        hd = d // self.heads
        q = q.view(b, nq, self.heads, hd).transpose(1, 2)  # [B, h, Q, hd]
        k = self.k(keys).view(b, nk, self.heads, hd).transpose(1, 2)  # [B, h, L, hd]
        v = self.v(keys).view(b, nk, self.heads, hd).transpose(1, 2)
        mask = mask.unsqueeze(1)  # [B, 1, Q or 1, L]
        if bool(mask.any(-1).all()):
            # every query sees a key (sentence context): the fused kernel is exact and faster
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        else:  # some local context is empty: masked softmax gives those queries zeros
            scores = q @ k.transpose(-1, -2) / math.sqrt(hd)  # [B, h, Q, L]
            ctx = masked_softmax(scores, mask) @ v
        return ctx.transpose(1, 2).reshape(b, nq, d)

    @property
    def query_linear(self) -> nn.Linear:
        return self.q

    def forward_projected(
        self, q: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        ctx = self.attend(q, keys, mask)
        return self.out(ctx) * has_key(mask, ctx)

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.forward_projected(self.q(query), keys, mask)


class AdditiveAttention(nn.Module):
    """Bahdanau: ``score = v^T tanh(W1 q + W2 k)``."""

    def __init__(self, q_dim: int, k_dim: int, hidden: int = 128) -> None:
        super().__init__()
        self.w1 = nn.Linear(q_dim, hidden, bias=False)
        self.w2 = nn.Linear(k_dim, hidden)
        self.v = nn.Linear(hidden, 1, bias=False)

    @property
    def query_linear(self) -> nn.Linear:
        return self.w1

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.forward_projected(self.w1(query), keys, mask)

    def forward_projected(
        self, q: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        hidden = torch.tanh(q.unsqueeze(2) + self.w2(keys).unsqueeze(1))
        scores = self.v(hidden).squeeze(-1)  # [B, Q, L]
        return masked_softmax(scores, mask) @ keys


class DotAttention(nn.Module):
    """``score = w^T (FFNN(q) * FFNN(k))``: both projected to the key size, weighted product."""

    def __init__(self, q_dim: int, k_dim: int) -> None:
        super().__init__()
        self.q = nn.Linear(q_dim, k_dim)
        self.k = nn.Linear(k_dim, k_dim)
        self.w = nn.Parameter(torch.ones(k_dim))
        self.scale = 1.0 / math.sqrt(k_dim)

    @property
    def query_linear(self) -> nn.Linear:
        return self.q

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.forward_projected(self.q(query), keys, mask)

    def forward_projected(
        self, q: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        # w^T (q * k) = (q * w) . k, so no [B, Q, L, d] tensor is ever built
        scores = (q * self.w) @ self.k(keys).transpose(-1, -2) * self.scale
        return masked_softmax(scores, mask) @ keys


class GeneralAttention(nn.Module):
    """Luong general: ``score = q W k^T``."""

    def __init__(self, q_dim: int, k_dim: int) -> None:
        super().__init__()
        self.w = nn.Linear(q_dim, k_dim, bias=False)
        self.scale = 1.0 / math.sqrt(k_dim)

    @property
    def query_linear(self) -> nn.Linear:
        return self.w

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.forward_projected(self.w(query), keys, mask)

    def forward_projected(
        self, q: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        scores = q @ keys.transpose(-1, -2) * self.scale
        return masked_softmax(scores, mask) @ keys


def make_attention(
    variant: str, q_dim: int, k_dim: int, heads: int = 8, additive_dim: int = 128
) -> nn.Module:
    if variant == "multihead":
        return MultiHeadAttention(q_dim, k_dim, heads)
    if variant == "additive":
        return AdditiveAttention(q_dim, k_dim, additive_dim)
    if variant == "dot":
        return DotAttention(q_dim, k_dim)
    if variant == "general":
        return GeneralAttention(q_dim, k_dim)
    raise ValueError(f"unknown attention variant {variant!r}")
