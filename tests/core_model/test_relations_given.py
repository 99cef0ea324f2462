"""Relations between given entity spans (``Predictor.suggest_relations``) from a real model.

The model is the session's overfit CoNLL04 model (``predicting_model`` in conftest), so the
relation classifier really separates related from unrelated pairs and the comparisons below are
between non-empty results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from core_model import PredictedRelation, Predictor
from core_model.documents import Doc, load_documents
from core_model.encoding import build_units
from core_model.sampling import collate_eval
from core_model.text import split_text

pytestmark = pytest.mark.slow

Span = tuple[int, int, str]


@pytest.fixture(scope="module")
def predictor(predicting_model: Path) -> Predictor:
    return Predictor.load(predicting_model, device="cpu")


@pytest.fixture(scope="module")
def docs(conll_train: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents the model was trained on (SpERT dicts without text: tokens joined by ' ')."""
    return conll_train[:16]


def parsed(doc: dict[str, Any]) -> Doc:
    (d,) = load_documents([doc])
    return d


def gold_spans(doc: dict[str, Any]) -> list[Span]:
    """The gold entities as character spans of the text ``predict`` gives the document."""
    d = parsed(doc)
    assert d.token_offsets is not None
    return [
        (d.token_offsets[e.start][0], d.token_offsets[e.end - 1][1], e.type) for e in d.entities
    ]


def keyed(rels: list[PredictedRelation]) -> dict[tuple[int, int, str], float]:
    return {(r.head, r.tail, r.type): r.probability for r in rels}


def assert_valid(rels: list[PredictedRelation], n_entities: int) -> None:
    for r in rels:
        assert 0 <= r.head < n_entities and 0 <= r.tail < n_entities, r
        assert r.head != r.tail, r


def assert_same(a: dict[tuple[int, int, str], float], b: dict[tuple[int, int, str], float]) -> None:
    assert set(a) == set(b)
    for key, p in a.items():
        assert b[key] == pytest.approx(p, abs=1e-5), key


def with_relations(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["relations"]]


def test_model_predict_uses_the_given_mask(predictor: Predictor, docs) -> None:
    """The model-level hook: its own mask reproduces ``predict``, another mask other pairs."""

    def batch_of(chosen: list[dict[str, Any]]) -> Any:
        units, _ = build_units([parsed(d) for d in chosen], predictor.tokenizer, 512)
        return collate_eval(units, predictor.config.max_span_width)

    model = predictor.model.eval()
    batch = batch_of(docs[:4])
    own = model.predict(batch)
    assert own.pair_mask.any()
    again = model.predict(batch, own.entity_mask)
    for name in ("entity_mask", "pairs", "pair_mask", "rel_probs", "span_probs"):
        assert torch.equal(getattr(own, name), getattr(again, name)), name

    # every slot asked for, in the two shortest documents (every pair of their spans is ~2000
    # pairs): padding slots are still never entities, every ordered pair of real spans is scored
    short = batch_of(sorted(docs, key=lambda d: len(d["tokens"]))[:2])
    everything = model.predict(short, torch.ones_like(short.span_mask))
    assert not short.span_mask.all()  # the shorter document has padding slots
    assert torch.equal(everything.entity_mask, short.span_mask)
    n_spans = short.span_mask.sum(-1)
    assert torch.equal(everything.pair_mask.sum(-1), n_spans * (n_spans - 1))
    with pytest.raises(ValueError, match="shape"):
        model.predict(short, short.span_mask[:, :-1])


def test_gold_entities_give_the_gold_relations(predictor: Predictor, docs) -> None:
    chosen = with_relations(docs)
    assert chosen, "no training document has a relation"
    spans = [gold_spans(d) for d in chosen]
    suggested = predictor.suggest_relations(chosen, spans)
    n_gold = n_found = n_suggested = 0
    for doc, doc_spans, rels in zip(chosen, spans, suggested, strict=True):
        assert_valid(rels, len(doc_spans))
        gold = {(r["head"], r["tail"], r["type"]) for r in doc["relations"]}
        got = set(keyed(rels))
        n_gold += len(gold)
        n_found += len(gold & got)
        n_suggested += len(got)
    assert n_gold > 0 and n_suggested > 0
    assert n_found >= 0.8 * n_gold, (n_found, n_gold)
    assert n_found >= 0.8 * n_suggested, (n_found, n_suggested)


@pytest.mark.parametrize("threshold", [None, 0.05])
def test_predicted_entities_give_the_relations_of_predict(
    predictor: Predictor, docs, threshold: float | None
) -> None:
    predictions = predictor.predict(docs, threshold=threshold)
    spans = [[(e.start, e.end, e.type) for e in p.entities] for p in predictions]
    suggested = predictor.suggest_relations(docs, spans, threshold=threshold)
    total = 0
    for pred, doc_spans, rels in zip(predictions, spans, suggested, strict=True):
        assert_valid(rels, len(doc_spans))
        assert_same(keyed(pred.relations), keyed(rels))
        total += len(rels)
    assert total >= 1


def test_unrepresentable_spans_are_skipped_and_indices_kept(predictor: Predictor, docs) -> None:
    doc = max(with_relations(docs), key=lambda d: len(d["relations"]))
    gold = gold_spans(doc)
    d = parsed(doc)
    assert d.token_offsets is not None and len(d.tokens) > predictor.config.max_span_width
    offsets = d.token_offsets
    long_token = next(i for i, (s, e) in enumerate(offsets) if e - s >= 3)
    width = predictor.config.max_span_width + 1
    junk: list[Span] = [
        (offsets[long_token][0] + 1, offsets[long_token][1], "Peop"),  # starts inside a token
        (offsets[long_token][0], offsets[long_token][1] - 1, "Org"),  # ends inside a token
        (offsets[0][0], offsets[width - 1][1], "Org"),  # one word wider than the model takes
        (offsets[1][0], offsets[1][0], "Loc"),  # empty
    ]
    # junk first, between and after the gold spans: indices must stay the caller's
    given = [junk[0], *gold[:1], junk[1], junk[2], *gold[1:], junk[3]]
    position = {given.index(g): k for k, g in enumerate(gold)}  # index in given -> in gold
    expected = keyed(predictor.suggest_relations([doc], [gold])[0])
    assert expected
    rels = predictor.suggest_relations([doc], [given])[0]
    assert_valid(rels, len(given))
    junk_index = {i for i, g in enumerate(given) if g in junk}
    assert not any(r.head in junk_index or r.tail in junk_index for r in rels)
    assert_same(
        expected, {(position[h], position[t], r): p for (h, t, r), p in keyed(rels).items()}
    )


def test_span_across_sentences_is_skipped(predictor: Predictor, docs) -> None:
    """Raw text: each sentence is a unit, so a span over a sentence end is never scored."""
    texts = [parsed(d).text or "" for d in with_relations(docs)]
    # two documents that are one whole sentence each (per syntok), one after the other
    first, second = [
        t for t in texts if t.endswith(".") and len(split_text(t).sentences or []) == 1
    ][:2]
    text = first + " " + second
    split = split_text(text)
    assert split.sentences is not None and len(split.sentences) == 2, split.sentences
    assert split.token_offsets is not None
    end_of_first = split.sentences[0][1]
    across: Span = (
        split.token_offsets[end_of_first - 1][0],
        split.token_offsets[end_of_first][1],
        "Org",
    )
    prediction = predictor.predict([text])[0]
    assert prediction.relations
    spans = [across, *[(e.start, e.end, e.type) for e in prediction.entities]]
    rels = predictor.suggest_relations([text], [spans])[0]
    assert_valid(rels, len(spans))
    assert all(0 not in (r.head, r.tail) for r in rels)
    shifted = {(h + 1, t + 1, r): p for (h, t, r), p in keyed(prediction.relations).items()}
    assert_same(shifted, keyed(rels))
    # and no relation links entities of different sentences
    for r in rels:
        assert (spans[r.head][0] < across[0]) == (spans[r.tail][0] < across[0]), r


def test_repeated_span_shares_its_scores(predictor: Predictor, docs) -> None:
    doc = with_relations(docs)[0]
    gold = gold_spans(doc)
    base = keyed(predictor.suggest_relations([doc], [gold])[0])
    assert base
    h, t, _ = next(iter(base))
    given = [*gold, gold[h], gold[t]]  # both arguments of a relation once more
    copy = {h: len(gold), t: len(gold) + 1}
    rels = keyed(predictor.suggest_relations([doc], [given])[0])
    expected = dict(base)
    for (a, b, r), p in base.items():
        for a2 in {a, copy.get(a, a)}:
            for b2 in {b, copy.get(b, b)}:
                expected[(a2, b2, r)] = p
    assert_same(expected, rels)
    assert not any({a, b} in ({h, copy[h]}, {t, copy[t]}) for a, b, _ in rels)


def test_argument_type_constraints(
    predictor: Predictor, docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retyping the head of one gold relation removes that relation and nothing else.

    The document has a second gold relation that does not touch the retyped entity: it must
    still be suggested, so the check that nothing returned breaks a constraint has relations
    of constrained types to look at.
    """
    arg_types = predictor.config.relation_arg_types

    def untouched(doc: dict[str, Any]) -> set[tuple[int, int, str]]:
        """The gold relations not involving the first relation's head entity."""
        h = doc["relations"][0]["head"]
        return {
            (r["head"], r["tail"], r["type"])
            for r in doc["relations"]
            if h not in (r["head"], r["tail"])
        }

    doc = next(
        d
        for d in with_relations(docs)
        if d["relations"][0]["type"] in arg_types
        and any(rt in arg_types for _, _, rt in untouched(d))
    )
    others = untouched(doc)
    gold = gold_spans(doc)
    rel = doc["relations"][0]
    h, t, rtype = rel["head"], rel["tail"], rel["type"]
    allowed = {tuple(p) for p in arg_types[rtype]}
    assert (gold[h][2], gold[t][2]) in allowed
    found = keyed(predictor.suggest_relations([doc], [gold])[0])
    assert (h, t, rtype) in found
    assert others <= set(found), others

    wrong = next(x for x in predictor.config.entity_types if (x, gold[t][2]) not in allowed)
    for head_type in (wrong, "NotAModelType"):
        spans = list(gold)
        spans[h] = (*gold[h][:2], head_type)
        rels = predictor.suggest_relations([doc], [spans])[0]
        # the relations away from the retyped entity stay, with their probabilities
        assert others <= set(keyed(rels)), head_type
        assert_same({k: found[k] for k in others}, {k: keyed(rels)[k] for k in others})
        assert any(r.type in arg_types for r in rels), head_type
        for r in rels:  # nothing returned breaks a constraint
            if r.type in arg_types:
                assert [spans[r.head][2], spans[r.tail][2]] in arg_types[r.type], r
        assert (h, t, rtype) not in keyed(rels), head_type

        # the classifier does not see types: without this relation type's constraint the same
        # pair comes back with the same probability
        free = {k: v for k, v in arg_types.items() if k != rtype}
        with monkeypatch.context() as m:
            m.setattr(predictor.config, "relation_arg_types", free)
            unconstrained = keyed(predictor.suggest_relations([doc], [spans])[0])
        assert unconstrained.get((h, t, rtype)) == pytest.approx(found[(h, t, rtype)], abs=1e-5)


def test_symmetric_relation_in_one_direction(
    predictor: Predictor, docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = max(docs, key=lambda d: len(d["entities"]))
    gold = gold_spans(doc)
    assert len(gold) >= 3
    monkeypatch.setattr(predictor.config, "relation_arg_types", {})
    # threshold 0: every pair and type is returned, so both directions would pass
    directed = keyed(predictor.suggest_relations([doc], [gold], threshold=0.0)[0])
    n = len(gold)
    assert len(directed) == n * (n - 1) * len(predictor.config.relation_types)
    symmetric = predictor.config.relation_types[0]
    monkeypatch.setattr(predictor.types, "symmetric_relations", [symmetric])
    rels = predictor.suggest_relations([doc], [gold], threshold=0.0)[0]
    assert_valid(rels, n)
    merged = [r for r in rels if r.type == symmetric]
    assert len(merged) == n * (n - 1) // 2
    for r in merged:
        assert gold[r.head][0] < gold[r.tail][0], r
        both = max(directed[(r.head, r.tail, symmetric)], directed[(r.tail, r.head, symmetric)])
        assert r.probability == pytest.approx(both, abs=1e-6)
    others = {k: p for k, p in keyed(rels).items() if k[2] != symmetric}
    assert_same({k: p for k, p in directed.items() if k[2] != symmetric}, others)


def test_one_entity_list_per_input(predictor: Predictor, docs) -> None:
    with pytest.raises(ValueError, match="entity lists"):
        predictor.suggest_relations(docs[:2], [gold_spans(docs[0])])
    assert predictor.suggest_relations([docs[0], ""], [[], []]) == [[], []]
