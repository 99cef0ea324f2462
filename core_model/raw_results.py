"""Threshold-free model results per document, gathered batch by batch and then constrained.

The predictor runs the model over units (sentences, or windows of long documents) in batches
sorted by length; ``collect_batch`` maps each batch's spans and scored pairs back to their
documents' ``RawDoc``, and ``apply_rules`` applies the decoding rules learnt in training
(``decoding``). No threshold is applied here, so one model pass serves every threshold
(evaluation, tuning, prediction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .decoding import flat_keep
from .encoding import Unit


@dataclass
class RawDoc:
    """Threshold-free result: entities and every scored pair with its per-type probabilities."""

    entities: list[tuple[int, int, int, float]] = field(default_factory=list)  # s, e, type, p
    pair_chunks: list[np.ndarray] = field(default_factory=list)  # [k, 2] entity indices
    prob_chunks: list[np.ndarray] = field(default_factory=list)  # [k, R]
    min_span_margin: float = 1.0

    def pairs(self, n_rel: int) -> tuple[np.ndarray, np.ndarray]:
        if not self.pair_chunks:
            return np.zeros((0, 2), dtype=np.int64), np.zeros((0, n_rel), dtype=np.float32)
        return np.concatenate(self.pair_chunks), np.concatenate(self.prob_chunks)


def collect_batch(
    units: list[Unit],
    batch: Any,
    out: Any,
    raws: list[RawDoc],
    slots: list[dict[int, int]] | None = None,
) -> None:
    """Add a batch's entities and scored pairs to the documents' results.

    Without ``slots`` the predicted entities are appended; with them (per unit, span slot
    -> given entity) the entities are already listed and only the pairs are mapped.
    """
    probs = out.span_probs.cpu()
    ent_mask = out.entity_mask.cpu()
    top2 = probs.topk(min(2, probs.shape[-1]), dim=-1).values
    margin = (top2[..., 0] - top2[..., -1]).masked_fill(~batch.span_mask.cpu(), 1.0)
    w_start = batch.span_word_start.cpu()
    w_end = batch.span_word_end.cpu()
    pairs, pair_mask, rel_probs = out.pairs.cpu(), out.pair_mask.cpu(), out.rel_probs.cpu()
    for b, unit in enumerate(units):
        raw = raws[unit.doc_index]
        raw.min_span_margin = min(raw.min_span_margin, float(margin[b].min()))
        span_idx = ent_mask[b].nonzero().flatten()
        to_entity = torch.full((probs.shape[1],), -1, dtype=torch.long)
        if slots is not None:
            for si, ei in slots[b].items():
                to_entity[si] = ei
        elif len(span_idx):
            base = len(raw.entities)
            to_entity[span_idx] = torch.arange(base, base + len(span_idx))
            p, t = probs[b, span_idx].max(-1)
            for si, pi, ti in zip(span_idx.tolist(), p.tolist(), t.tolist(), strict=True):
                raw.entities.append(
                    (
                        int(w_start[b, si]) + unit.word_start,
                        int(w_end[b, si]) + unit.word_start,
                        ti,
                        pi,
                    )
                )
        k = int(pair_mask[b].sum())
        if k:
            raw.pair_chunks.append(to_entity[pairs[b, :k]].numpy())
            raw.prob_chunks.append(rel_probs[b, :k].numpy())


def apply_rules(
    raw: RawDoc,
    allowed: np.ndarray | None,
    entity_decoding: str,
    n_rel: int,
    decode_entities: bool = True,
) -> None:
    """Flat entity decoding and relation argument types (see ``decoding``), in place."""
    flat = decode_entities and entity_decoding == "flat" and len(raw.entities) > 1
    if not flat and (allowed is None or not raw.pair_chunks):
        return
    pairs, probs = raw.pairs(n_rel)
    if flat:
        keep = flat_keep(raw.entities)
        remap = np.full(len(raw.entities), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        raw.entities = [raw.entities[i] for i in keep]
        pairs = remap[pairs]
        ok = (pairs >= 0).all(axis=1)
        pairs, probs = pairs[ok], probs[ok]
    if allowed is not None and len(pairs):
        types = np.array([t for _, _, t, _ in raw.entities], dtype=np.int64)
        ok = allowed[:, types[pairs[:, 0]], types[pairs[:, 1]]].T  # [pairs, R]
        probs = np.where(ok, probs, 0.0).astype(probs.dtype)
    raw.pair_chunks, raw.prob_chunks = ([pairs], [probs]) if len(pairs) else ([], [])
