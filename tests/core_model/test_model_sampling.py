"""Span enumeration and dynamic negative sampling counts."""

from __future__ import annotations

import random

import torch

from core_model.encoding import Unit
from core_model.sampling import SampleConfig, TrainDataset, enumerate_spans, sample_unit


def _unit(n_words: int, entities: list, relations: list) -> Unit:
    ids = list(range(100, 100 + n_words))
    return Unit(
        0,
        0,
        [101, *ids, 102],
        list(range(1, n_words + 1)),
        list(range(1, n_words + 1)),
        entities,
        relations,
    )


def test_enumerate_spans_counts_and_width() -> None:
    s, e = enumerate_spans(12, 10)
    widths = e - s
    assert int(widths.max()) == 10 and int(widths.min()) == 1
    assert len(s) == sum(12 - w + 1 for w in range(1, 11))
    assert len(set(zip(s.tolist(), e.tolist(), strict=True))) == len(s)
    s, e = enumerate_spans(3, 10)
    assert len(s) == 6  # 3 + 2 + 1
    assert len(enumerate_spans(0, 10)[0]) == 0


def test_negative_entity_counts() -> None:
    cfg = SampleConfig(max_span_width=10)
    rng = random.Random(0)
    # 40 words, 2 entities: 60 negatives
    u = _unit(40, [(1, 0, 2), (2, 5, 6)], [])
    smp = sample_unit(u, cfg, 3, rng)
    assert smp.span_labels[:2] == [1, 2]
    assert smp.span_labels.count(0) == 60
    assert len(set(smp.spans)) == len(smp.spans)  # negatives never repeat a gold span
    # no entity: at least 30 negatives
    smp = sample_unit(_unit(40, [], []), cfg, 3, rng)
    assert len(smp.spans) == 30 and set(smp.span_labels) == {0}
    # few candidates: all of them
    smp = sample_unit(_unit(3, [(1, 0, 1)], []), cfg, 3, rng)
    assert len(smp.spans) == 6 and smp.span_labels.count(0) == 5


def test_negative_relation_counts_and_multilabel() -> None:
    cfg = SampleConfig()
    ents = [(1, i, i + 1) for i in range(0, 20, 2)]  # 10 entities -> 90 ordered pairs
    rels = [(0, 0, 1), (2, 0, 1), (1, 3, 4)]  # pair (0,1) carries two types
    smp = sample_unit(_unit(30, ents, rels), cfg, 3, random.Random(1))
    assert smp.pairs[:2] == [(0, 1), (3, 4)]
    assert smp.pair_labels[0] == [1.0, 0.0, 1.0]
    assert smp.pair_labels[1] == [0.0, 1.0, 0.0]
    negatives = smp.pairs[2:]
    assert len(negatives) == 60  # 30 x 2 gold pairs, out of 88 available
    assert all(i != j and (i, j) not in {(0, 1), (3, 4)} for i, j in negatives)
    assert all(sum(lbl) == 0 for lbl in smp.pair_labels[2:])
    # a unit with entities but no relation gets neg_relation_min pairs (here all 90)
    smp = sample_unit(_unit(30, ents, []), cfg, 3, random.Random(1))
    assert len(smp.pairs) == 30
    smp = sample_unit(_unit(30, ents, []), SampleConfig(neg_relation_min=0), 3, random.Random(1))
    assert smp.pairs == []


def test_negatives_redrawn_each_epoch_and_reproducible() -> None:
    units = [_unit(40, [(1, 0, 2)], [])]
    ds = TrainDataset(units, SampleConfig(), 1, seed=7)
    ds.set_epoch(1)
    first = ds[0][1].spans
    ds.set_epoch(2)
    second = ds[0][1].spans
    assert first != second
    ds.set_epoch(1)
    assert ds[0][1].spans == first
    batch = ds.collate([ds[0]])
    assert batch.span_labels.shape == (1, 31)
    assert int(batch.span_labels[0, 0]) == 1
    assert batch.rel_pairs.shape[:2] == batch.rel_mask.shape
    assert not bool(batch.rel_mask.any())
    assert torch.equal(batch.span_width[0, :1], torch.tensor([2]))
