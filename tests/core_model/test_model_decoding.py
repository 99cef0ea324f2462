"""Decoding rules: flat entity decoding and relation argument types, alone and in a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core_model import ModelConfig, Predictor, TrainConfig, load_documents, train
from core_model.decoding import allowed_matrix, flat_keep, has_overlaps, seen_arg_types


def test_flat_keep_prefers_probable_then_earlier_then_shorter() -> None:
    ents = [(0, 2, 1, 0.6), (1, 3, 2, 0.9), (3, 4, 1, 0.5), (3, 5, 1, 0.5), (5, 6, 1, 0.1)]
    # (1,3) beats (0,2); (3,4) and (3,5) tie: the shorter wins; (5,6) touches nothing kept
    assert flat_keep(ents) == [1, 2, 4]
    assert flat_keep([ents[i] for i in (4, 3, 2, 1, 0)]) == [0, 2, 3]  # same spans kept
    assert flat_keep([]) == []
    nested = [(0, 4, 1, 0.7), (1, 2, 2, 0.8)]
    assert flat_keep(nested) == [1]


def test_overlaps_and_arg_types_from_documents(shared_data: Path) -> None:
    conll = load_documents(shared_data / "conll04" / "conll04_train.json")
    ade = load_documents(shared_data / "ade" / "ade_split_0_train.json")
    assert not has_overlaps(conll)
    assert has_overlaps(ade)
    seen = seen_arg_types(conll)
    assert seen["Work_For"] == [["Peop", "Org"]]
    assert seen["Kill"] == [["Peop", "Peop"]]
    assert seen_arg_types(ade) == {"Adverse-Effect": [["Adverse-Effect", "Drug"]]}


def test_allowed_matrix_leaves_unlisted_types_free() -> None:
    m = allowed_matrix({"R1": [["A", "B"], ["A", "X"]]}, ["A", "B"], ["R1", "R2"])
    assert m is not None and m.shape == (2, 3, 3)
    assert m[0, 1, 2] and not m[0, 2, 1] and not m[0, 1, 1]  # unknown type "X" ignored
    assert m[1].all()
    assert allowed_matrix({}, ["A"], ["R1"]) is None


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, tiny_encoder_dir, conll_train, conll_types) -> Path:
    out = tmp_path_factory.mktemp("decoding") / "m"
    train(
        conll_train[:12],
        conll_train[12:16],
        conll_types,
        out,
        encoder_dir=tiny_encoder_dir,
        model_config=ModelConfig(max_span_width=4),
        train_config=TrainConfig(epochs=1, batch_size=4, head_lr=1e-3, eval_batch_size=8),
        show_progress=False,
    )
    return out


def test_trainer_saves_the_rules_it_chose(model_dir: Path, conll_train) -> None:
    cfg = json.loads((model_dir / "config.json").read_text())
    assert cfg["entity_decoding"] == "flat"  # no two CoNLL04 entities overlap
    docs = load_documents(conll_train[:12])
    assert cfg["relation_arg_types"] == seen_arg_types(docs)


@pytest.mark.slow
def test_rules_in_prediction(predicting_model: Path, conll_train) -> None:
    """The rules cut what they forbid, and only that.

    The session's overfit model predicts the Work_For relations of the 16 documents it learnt
    (always Peop -> Org) with confidence, and on the unseen documents after them, at a low
    threshold, also Work_For between other types (Peop -> Loc, Loc -> Org): so the constraint
    has both something to keep and something to cut.
    """
    p = Predictor.load(predicting_model, device="cpu")
    docs = conll_train[:60]
    p.config.entity_decoding, p.config.relation_arg_types = "all", {}
    free = p.predict(docs, threshold=0.05)
    assert any(has_overlaps([x]) for x in free)
    p.config.entity_decoding = "flat"
    flat = p.predict(docs, threshold=0.05)
    assert not has_overlaps(flat)
    for a, b in zip(free, flat, strict=True):
        assert {(e.start, e.end, e.type) for e in b.entities} <= {
            (e.start, e.end, e.type) for e in a.entities
        }
    p.config.relation_arg_types = {"Work_For": [["Peop", "Org"]]}
    constrained = p.predict(docs, threshold=0.05)

    def work_for(preds: list, types: tuple[str, str] | None = None) -> set[tuple[int, int, int]]:
        return {
            (i, r.head, r.tail)
            for i, x in enumerate(preds)
            for r in x.relations
            if r.type == "Work_For"
            and (types is None or (x.entities[r.head].type, x.entities[r.tail].type) == types)
        }

    unconstrained, peop_org = work_for(flat), work_for(flat, ("Peop", "Org"))
    assert peop_org, "no Work_For between Peop and Org was predicted: nothing to keep"
    assert len(unconstrained) > len(peop_org), "no Work_For between other types: nothing to cut"
    # exactly the Peop -> Org ones survive
    kept = work_for(constrained)
    assert len(unconstrained) > len(kept)
    assert work_for(constrained, ("Peop", "Org")) == kept == peop_org
    # other relation types are untouched
    others = [[(r.type, r.head, r.tail) for r in x.relations if r.type != "Work_For"] for x in flat]
    assert any(others), "no other relation type was predicted"
    assert others == [
        [(r.type, r.head, r.tail) for r in x.relations if r.type != "Work_For"] for x in constrained
    ]
