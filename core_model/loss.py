"""Joint loss ``L = 0.4 * CE(spans) + 0.6 * BCE(relations)`` over the sampled spans and pairs."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .sampling import Batch


def joint_loss(
    span_logits: torch.Tensor,
    rel_logits: torch.Tensor,
    batch: Batch,
    span_weight: float = 0.4,
    relation_weight: float = 0.6,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(total, span loss, relation loss); a batch without pairs has relation loss 0 (as SpERT)."""
    assert batch.span_labels is not None and batch.rel_mask is not None
    if batch.span_mask.any():
        span_loss = F.cross_entropy(
            span_logits[batch.span_mask].float(), batch.span_labels[batch.span_mask]
        )
    else:  # only possible with neg_entity_min = 0 and units without entities
        span_loss = span_logits.sum() * 0.0
    if rel_logits.shape[-1] and batch.rel_mask.any():
        rel = F.binary_cross_entropy_with_logits(
            rel_logits[batch.rel_mask].float(), batch.rel_labels[batch.rel_mask], reduction="none"
        )
        rel_loss = rel.mean(-1).mean()
    else:
        rel_loss = rel_logits.sum() * 0.0
    return span_weight * span_loss + relation_weight * rel_loss, span_loss, rel_loss
