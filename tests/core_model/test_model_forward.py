"""Tensor shapes and masks of the model; every attention variant and ablation trains a step."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from core_model import load_documents
from core_model.attention import make_attention, masked_softmax
from core_model.config import ATTENTION_VARIANTS, ModelConfig
from core_model.encoder import load_pretrained_encoder, load_tokenizer
from core_model.encoding import build_units
from core_model.loss import joint_loss
from core_model.models import SpanRelModel
from core_model.sampling import SampleConfig, collate_eval, collate_train, sample_unit
from core_model.types import TypeInventory

TYPES = TypeInventory(["Loc", "Org", "Peop", "Other"], ["Work_For", "Live_In"])
DOCS = [
    {
        "tokens": [
            "John",
            "Smith",
            "works",
            "for",
            "Acme",
            "Corporation",
            "in",
            "Springfield",
            ".",
        ],
        "entities": [
            {"type": "Peop", "start": 0, "end": 2},
            {"type": "Org", "start": 4, "end": 6},
            {"type": "Loc", "start": 7, "end": 8},
        ],
        "relations": [
            {"type": "Work_For", "head": 0, "tail": 1},
            {"type": "Live_In", "head": 0, "tail": 2},
        ],
    },
    {
        "tokens": ["Mary", "lives", "in", "Paris", "."],
        "entities": [{"type": "Peop", "start": 0, "end": 1}, {"type": "Loc", "start": 3, "end": 4}],
        "relations": [{"type": "Live_In", "head": 0, "tail": 1}],
    },
]


def make_model(encoder_dir: Path, **overrides) -> tuple[SpanRelModel, object]:
    torch.manual_seed(0)
    encoder = load_pretrained_encoder(encoder_dir)
    cfg = ModelConfig(
        entity_types=TYPES.entity_types,
        relation_types=TYPES.relation_types,
        hidden_size=encoder.config.hidden_size,
        max_length=128,
        **overrides,
    )
    return SpanRelModel(cfg, encoder), load_tokenizer(encoder_dir)


def train_batch(model: SpanRelModel, tokenizer) -> tuple:
    units, _ = build_units(load_documents(DOCS), tokenizer, 128, TYPES)
    samples = [sample_unit(u, SampleConfig(max_span_width=4), 2, random.Random(0)) for u in units]
    return units, collate_train(units, samples, 4, 2)


def test_masked_softmax_empty_rows_are_zero() -> None:
    scores = torch.randn(2, 3, 5)
    mask = torch.ones(2, 3, 5, dtype=torch.bool)
    mask[0, 1] = False
    mask[1, 2, 3:] = False
    w = masked_softmax(scores, mask)
    assert torch.all(w[0, 1] == 0)
    assert torch.allclose(w[1, 2].sum(), torch.tensor(1.0))
    assert torch.all(w[1, 2, 3:] == 0)
    assert not torch.isnan(w).any()


@pytest.mark.parametrize("variant", ATTENTION_VARIANTS)
def test_attention_shapes_and_empty_context(variant: str) -> None:
    att = make_attention(variant, q_dim=12, k_dim=16, heads=8, additive_dim=8)
    q = torch.randn(2, 7, 12, requires_grad=True)
    k = torch.randn(2, 5, 16)
    mask = torch.ones(2, 7, 5, dtype=torch.bool)
    mask[1, 3] = False  # one query sees nothing
    mask[0, :, 4] = False  # a padded key
    out = att(q, k, mask)
    assert out.shape == (2, 7, 16)
    assert torch.all(out[1, 3] == 0)
    out.sum().backward()
    assert q.grad is not None and torch.isfinite(q.grad).all()
    # a padded key's content cannot change the result
    k2 = k.clone()
    k2[0, 4] = 1e3
    assert torch.allclose(att(q, k2, mask)[0], out[0], atol=1e-5)


def test_span_representation_shapes_and_single_subword(tiny_encoder_dir: Path) -> None:
    model, tok = make_model(tiny_encoder_dir, max_span_width=4)
    model.eval()
    _, batch = train_batch(model, tok)
    h = model.config.hidden_size
    with torch.no_grad():
        x = model.encode(batch)
        r_s = model.span_representations(x, batch)
    b, s = batch.span_start.shape
    assert r_s.shape == (b, s, 4 * h + model.config.width_dim)
    # a one-sub-word span: F_s = X at that sub-word, H_s = [X; X]
    single = ((batch.span_start == batch.span_end) & batch.span_mask).nonzero()[0]
    bi, si = int(single[0]), int(single[1])
    pos = int(batch.span_start[bi, si])
    vec = r_s[bi, si]
    assert torch.allclose(vec[h : 2 * h], x[bi, pos], atol=1e-6)
    assert torch.allclose(vec[2 * h : 3 * h], x[bi, pos], atol=1e-6)
    assert torch.allclose(vec[3 * h : 4 * h], x[bi, pos], atol=1e-6)
    # [CLS] and words are context, [SEP] and padding are not
    short = int(batch.attention_mask.sum(-1).argmin())
    n = int(batch.attention_mask[short].sum())
    assert batch.context_mask[short, : n - 1].all() and not batch.context_mask[short, n - 1 :].any()


def test_maxpool_ablation_is_span_max(tiny_encoder_dir: Path) -> None:
    model, tok = make_model(tiny_encoder_dir, max_span_width=4, span_attention=False)
    model.eval()
    _, batch = train_batch(model, tok)
    h = model.config.hidden_size
    with torch.no_grad():
        x = model.encode(batch)
        r_s = model.span_representations(x, batch)
    for bi, si in batch.span_mask.nonzero()[:20].tolist():
        a, e = int(batch.span_start[bi, si]), int(batch.span_end[bi, si])
        assert torch.allclose(r_s[bi, si, h : 2 * h], x[bi, a : e + 1].max(0).values)


def test_padding_does_not_change_predictions(tiny_encoder_dir: Path) -> None:
    model, tok = make_model(tiny_encoder_dir, max_span_width=4)
    model.eval()
    units, _ = build_units(load_documents(DOCS), tok, 128, TYPES)
    short = min(units, key=lambda u: len(u.input_ids))
    alone = model.predict(collate_eval([short], 4))
    together = model.predict(collate_eval([short, *[u for u in units if u is not short]], 4))
    s = alone.span_probs.shape[1]
    assert torch.allclose(alone.span_probs[0], together.span_probs[0, :s], atol=1e-5)
    assert not together.entity_mask[0, s:].any()  # padded span slots never become entities


def test_local_context_empty_for_adjacent_and_overlapping(tiny_encoder_dir: Path) -> None:
    for local in (True, False):
        model, tok = make_model(tiny_encoder_dir, max_span_width=4, local_attention=local)
        model.eval()
        _, batch = train_batch(model, tok)
        with torch.no_grad():
            x = model.encode(batch)
        # spans by sub-word: A = [1, 2], B = [3, 3] (adjacent), C = [2, 4] (overlaps A), D = [6, 6]
        start = torch.tensor([[1, 3, 2, 6]])
        end = torch.tensor([[2, 3, 4, 6]])
        pairs = torch.tensor([[[0, 1], [1, 0], [0, 2], [0, 3]]])
        captured = {}

        def hook(_m, _inp, out, captured=captured):
            captured["local"] = _inp[0]

        handle = model.ffnn_local.register_forward_hook(hook)
        reduced = torch.randn(1, 4, model.config.reduce)
        with torch.no_grad():
            logits = model.relation_logits(
                x[:1], batch.context_mask[:1], reduced, start, end, pairs
            )
        handle.remove()
        f_r = captured["local"]
        assert logits.shape == (1, 4, 2)
        assert torch.all(f_r[0, 0] == 0) and torch.all(f_r[0, 1] == 0) and torch.all(f_r[0, 2] == 0)
        assert f_r[0, 3].abs().sum() > 0  # sub-words 3..5 lie between A and D
        if not local:
            assert torch.allclose(f_r[0, 3], x[0, 3:6].max(0).values)


ABLATIONS = [
    {},
    {"span_attention": False},
    {"sentence_attention": False},
    {"local_attention": False},
    {"span_attention": False, "sentence_attention": False, "local_attention": False},
]


@pytest.mark.parametrize("variant", ATTENTION_VARIANTS)
@pytest.mark.parametrize("ablation", ABLATIONS, ids=lambda a: "+".join(a) or "full")
def test_variant_forward_backward(tiny_encoder_dir: Path, variant: str, ablation: dict) -> None:
    model, tok = make_model(tiny_encoder_dir, max_span_width=4, attention=variant, **ablation)
    model.train()
    _, batch = train_batch(model, tok)
    span_logits, rel_logits = model(batch)
    assert span_logits.shape == (*batch.span_start.shape, len(TYPES.entity_types) + 1)
    assert rel_logits.shape == (*batch.rel_pairs.shape[:2], len(TYPES.relation_types))
    loss, span_loss, rel_loss = joint_loss(span_logits, rel_logits, batch)
    assert torch.isfinite(loss) and rel_loss > 0
    assert torch.allclose(loss, 0.4 * span_loss + 0.6 * rel_loss)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert model.encoder.embeddings.word_embeddings.weight.grad.abs().sum() > 0
    model.eval()
    out = model.predict(collate_eval([*build_units(load_documents(DOCS), tok, 128)[0]], 4))
    assert out.span_probs.shape[-1] == len(TYPES.entity_types) + 1
    assert torch.allclose(out.span_probs.sum(-1)[out.span_probs.sum(-1) > 0], torch.tensor(1.0))


@pytest.mark.parametrize("variant", ["multihead", "dot"])
@pytest.mark.parametrize("ablation", ABLATIONS, ids=lambda a: "+".join(a) or "full")
def test_fast_span_classifier_equals_concat_path(
    tiny_encoder_dir: Path, ablation: dict, variant: str
) -> None:
    model, tok = make_model(tiny_encoder_dir, max_span_width=4, attention=variant, **ablation)
    model.eval()
    _, batch = train_batch(model, tok)
    with torch.no_grad():
        x = model.encode(batch)
        r_s = model.span_representations(x, batch)
        slow = model.span_classifier(r_s)
        hidden, rows = model.span_inference(x, batch)
        assert torch.allclose(slow, model.span_classifier[1:](hidden), atol=1e-5)
        bi, si = batch.span_mask.nonzero(as_tuple=True)
        assert torch.allclose(rows(bi, si), r_s[bi, si], atol=1e-5)
        # the folded relation path equals relation_logits on every pair of some real spans
        reduced = model.reduce(r_s)
        coin = torch.rand(batch.span_mask.shape, generator=torch.Generator().manual_seed(0))
        keep = batch.span_mask & (coin < 0.5)
        kb, ks = keep.nonzero(as_tuple=True)
        fold = model.relation_fold(reduced[kb, ks])
        rows = torch.zeros_like(batch.span_start)
        rows[kb, ks] = torch.arange(len(kb))
        n = int(keep.sum(1).min())
        assert n >= 2
        pairs = torch.stack(
            [torch.cartesian_prod(*[keep[i].nonzero().flatten()[:n]] * 2) for i in range(len(keep))]
        )
        args = (batch.span_start, batch.span_end, pairs)
        slow = model.relation_logits(x, batch.context_mask, reduced, *args)
        fast = model.relation_inference(x, batch.context_mask, fold, rows, *args)
        assert torch.allclose(slow, fast, atol=1e-5)
        # and the relation path of predict() matches reducing the full R_s. A random model may
        # predict fewer than two entities in a unit (then no pair is scored), so the same real
        # spans as above are given as its entities: every unit has pairs to compare.
        out = model.predict(batch, keep)
        ok = out.pair_mask
        assert torch.equal(ok.sum(1), keep.sum(1) * (keep.sum(1) - 1))
        logits = model.relation_logits(
            x, batch.context_mask, reduced, batch.span_start, batch.span_end, out.pairs
        )
        assert torch.allclose(torch.sigmoid(logits)[ok], out.rel_probs[ok], atol=1e-5)


def test_range_max_matches_brute_force() -> None:
    from core_model.tensor_ops import range_max

    torch.manual_seed(1)
    x = torch.randn(2, 13, 5, requires_grad=True)
    start = torch.tensor([[0, 3, 12, 5, 7], [2, 0, 4, 9, 1]])
    end = torch.tensor([[12, 3, 12, 4, 11], [9, 6, 3, 12, 1]])  # includes empty ranges
    out = range_max(x, start, end)
    for b in range(2):
        for q in range(5):
            a, e = int(start[b, q]), int(end[b, q])
            want = x[b, a : e + 1].max(0).values if e >= a else torch.zeros(5)
            assert torch.equal(out[b, q], want)
    out.sum().backward()
    assert torch.isfinite(x.grad).all()


def test_pair_groups_cover_each_unit_once_with_little_padding() -> None:
    from core_model.tensor_ops import pair_groups as _pair_groups

    rng = random.Random(3)
    for _ in range(200):
        counts = [rng.choice([0, 0, 2, 6, 12, 20, 56, 132, 380, 1200]) for _ in range(16)]
        groups = _pair_groups(counts, 1000)
        flat = [i for g in groups for i in g]
        assert sorted(flat) == [i for i, c in enumerate(counts) if c]  # each unit once
        for g in groups:
            sizes = [counts[i] for i in g]
            assert len(g) == 1 or len(g) * max(sizes) <= 1000  # padded pairs within budget
            assert max(sizes) <= 2 * min(sizes)  # padding at most half of a group's slots
