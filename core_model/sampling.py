"""Candidate spans and pairs, dynamic negative sampling, and padding units into batches.

Training: per unit, the gold entities plus up to ``neg_entity_ratio`` x as many non-entity
spans (at least ``neg_entity_min`` when the unit has no entity), and the gold relations plus up
to ``neg_relation_ratio`` x as many unrelated ordered pairs of gold entities (at least
``neg_relation_min`` when it has no relation). The draw depends on (seed, epoch, unit), so every
epoch sees new negatives and a rerun sees the same ones.
Inference: every span of 1..max_span_width words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import torch

from .encoding import Unit

if TYPE_CHECKING:
    from .distributed import DistContext


@dataclass
class Batch:
    """Padded tensors for a list of units (B units, L sub-words, S spans, P pairs, R types)."""

    input_ids: torch.Tensor  # [B, L] long
    attention_mask: torch.Tensor  # [B, L] bool, real sub-words incl. [CLS]/[SEP]
    context_mask: torch.Tensor  # [B, L] bool, B_S = [CLS] + word sub-words (no [SEP], no pad)
    span_start: torch.Tensor  # [B, S] long, first sub-word of the span
    span_end: torch.Tensor  # [B, S] long, last sub-word of the span (inclusive)
    span_width: torch.Tensor  # [B, S] long, width in words (1..max)
    span_mask: torch.Tensor  # [B, S] bool
    span_word_start: torch.Tensor  # [B, S] long, word index (unit-local)
    span_word_end: torch.Tensor  # [B, S] long, exclusive
    span_labels: torch.Tensor | None = None  # [B, S] long, 0 = None
    rel_pairs: torch.Tensor | None = None  # [B, P, 2] long, indices into the spans
    rel_mask: torch.Tensor | None = None  # [B, P] bool
    rel_labels: torch.Tensor | None = None  # [B, P, R] float, multi-hot
    shape_ids: torch.Tensor | None = None  # [B, L] long, word shape of each sub-word

    def to(self, device: torch.device) -> Batch:
        moved = {
            f.name: (v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v)
            for f in fields(self)
            for v in [getattr(self, f.name)]
        }
        return Batch(**moved)


def enumerate_spans(n_words: int, max_width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All (start, end-exclusive) word spans of width 1..max_width, ordered by width then start."""
    starts, ends = [], []
    for w in range(1, min(max_width, n_words) + 1):
        s = torch.arange(0, n_words - w + 1)
        starts.append(s)
        ends.append(s + w)
    if not starts:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
    return torch.cat(starts), torch.cat(ends)


@dataclass
class SampleConfig:
    max_span_width: int = 10
    neg_entity_ratio: int = 30
    neg_entity_min: int = 30
    neg_relation_ratio: int = 30
    neg_relation_min: int = 30


@dataclass
class UnitSample:
    """Spans (word start, end-exclusive, label) and pairs (i, j, multi-hot) of one unit."""

    spans: list[tuple[int, int]]
    span_labels: list[int]
    pairs: list[tuple[int, int]]
    pair_labels: list[list[float]]


def sample_unit(unit: Unit, cfg: SampleConfig, n_rel_types: int, rng: random.Random) -> UnitSample:
    gold = [(s, e) for _, s, e in unit.entities]
    spans = list(gold)
    labels = [t for t, _, _ in unit.entities]
    gold_set = set(gold)
    n = unit.n_words
    candidates = [
        (s, s + w)
        for w in range(1, min(cfg.max_span_width, n) + 1)
        for s in range(n - w + 1)
        if (s, s + w) not in gold_set
    ]
    k = cfg.neg_entity_ratio * len(gold) if gold else cfg.neg_entity_min
    negs = rng.sample(candidates, min(k, len(candidates)))
    spans.extend(negs)
    labels.extend([0] * len(negs))

    multi: dict[tuple[int, int], list[float]] = {}
    for rtype, h, t in unit.relations:
        multi.setdefault((h, t), [0.0] * n_rel_types)[rtype] = 1.0
    pairs = list(multi)
    pair_labels = [multi[p] for p in pairs]
    neg_pairs = [
        (i, j) for i in range(len(gold)) for j in range(len(gold)) if i != j and (i, j) not in multi
    ]
    k = cfg.neg_relation_ratio * len(pairs) if pairs else cfg.neg_relation_min
    chosen = rng.sample(neg_pairs, min(k, len(neg_pairs)))
    pairs.extend(chosen)
    pair_labels.extend([[0.0] * n_rel_types for _ in chosen])
    return UnitSample(spans, labels, pairs, pair_labels)


def _pad_units(
    units: list[Unit],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    length = max(len(u.input_ids) for u in units)
    ids = torch.zeros(len(units), length, dtype=torch.long)
    att = torch.zeros(len(units), length, dtype=torch.bool)
    ctx = torch.zeros(len(units), length, dtype=torch.bool)
    shapes = torch.zeros(len(units), length, dtype=torch.long)
    for b, u in enumerate(units):
        ids[b, : len(u.input_ids)] = torch.tensor(u.input_ids)
        att[b, : len(u.input_ids)] = True
        ctx[b, : len(u.input_ids) - 1] = True  # everything but [SEP]
        if u.shape_ids:
            shapes[b, : len(u.shape_ids)] = torch.tensor(u.shape_ids)
    return ids, att, ctx, shapes


def _span_tensors(
    units: list[Unit], spans: list[tuple[torch.Tensor, torch.Tensor]], max_width: int
) -> dict[str, torch.Tensor]:
    size = max(1, max(len(s) for s, _ in spans))
    out = {
        name: torch.zeros(len(units), size, dtype=torch.long)
        for name in ("span_start", "span_end", "span_width", "span_word_start", "span_word_end")
    }
    out["span_mask"] = torch.zeros(len(units), size, dtype=torch.bool)
    for b, (u, (ws, we)) in enumerate(zip(units, spans, strict=True)):
        m = len(ws)
        if m == 0:
            continue
        sub_start = torch.tensor(u.word_sub_start)
        sub_end = torch.tensor(u.word_sub_end)
        out["span_start"][b, :m] = sub_start[ws]
        out["span_end"][b, :m] = sub_end[we - 1]
        out["span_width"][b, :m] = (we - ws).clamp(max=max_width)
        out["span_word_start"][b, :m] = ws
        out["span_word_end"][b, :m] = we
        out["span_mask"][b, :m] = True
    return out


def collate_train(
    units: list[Unit], samples: list[UnitSample], max_width: int, n_rel_types: int
) -> Batch:
    ids, att, ctx, shapes = _pad_units(units)
    spans = [
        (
            torch.tensor([s for s, _ in smp.spans], dtype=torch.long),
            torch.tensor([e for _, e in smp.spans], dtype=torch.long),
        )
        for smp in samples
    ]
    st = _span_tensors(units, spans, max_width)
    labels = torch.zeros_like(st["span_start"])
    n_pairs = max(1, max(len(s.pairs) for s in samples))
    pairs = torch.zeros(len(units), n_pairs, 2, dtype=torch.long)
    pmask = torch.zeros(len(units), n_pairs, dtype=torch.bool)
    plabels = torch.zeros(len(units), n_pairs, n_rel_types, dtype=torch.float)
    for b, smp in enumerate(samples):
        labels[b, : len(smp.span_labels)] = torch.tensor(smp.span_labels, dtype=torch.long)
        if smp.pairs:
            k = len(smp.pairs)
            pairs[b, :k] = torch.tensor(smp.pairs, dtype=torch.long)
            pmask[b, :k] = True
            plabels[b, :k] = torch.tensor(smp.pair_labels, dtype=torch.float)
    return Batch(
        ids,
        att,
        ctx,
        **st,
        span_labels=labels,
        rel_pairs=pairs,
        rel_mask=pmask,
        rel_labels=plabels,
        shape_ids=shapes,
    )


def collate_eval(units: list[Unit], max_width: int) -> Batch:
    ids, att, ctx, shapes = _pad_units(units)
    spans = [enumerate_spans(u.n_words, max_width) for u in units]
    return Batch(ids, att, ctx, **_span_tensors(units, spans, max_width), shape_ids=shapes)


class TrainDataset(torch.utils.data.Dataset):
    """Units with negatives redrawn per epoch (``set_epoch``), reproducibly from the seed."""

    def __init__(self, units: list[Unit], cfg: SampleConfig, n_rel_types: int, seed: int) -> None:
        self.units = units
        self.cfg = cfg
        self.n_rel_types = n_rel_types
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.units)

    def __getitem__(self, i: int) -> tuple[Unit, UnitSample]:
        rng = random.Random(hash((self.seed, self.epoch, i)))
        return self.units[i], sample_unit(self.units[i], self.cfg, self.n_rel_types, rng)

    def collate(self, items: list[tuple[Unit, UnitSample]]) -> Batch:
        units = [u for u, _ in items]
        samples = [s for _, s in items]
        return collate_train(units, samples, self.cfg.max_span_width, self.n_rel_types)


def epoch_loader(
    dataset: TrainDataset, batch_size: int, seed: int, epoch: int, dist: DistContext | None
) -> torch.utils.data.DataLoader:
    """The shuffled batches of ``epoch``: reproducible from the seed, one shard per rank
    under DDP."""
    dataset.set_epoch(epoch)
    if dist is not None:
        # negatives depend on (seed, epoch, unit index), so each rank draws its own shard's
        sampler = torch.utils.data.DistributedSampler(
            dataset,
            num_replicas=dist.world_size,
            rank=dist.rank,
            shuffle=True,
            seed=seed,
        )
        sampler.set_epoch(epoch)
        return torch.utils.data.DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            collate_fn=dataset.collate,
            num_workers=0,
        )
    gen = torch.Generator().manual_seed(seed * 1000 + epoch)
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        generator=gen,
        collate_fn=dataset.collate,
        num_workers=0,
    )
