"""db.agreement: hand-computed figures on a tiny example, a CoNLL04 pair whose known
perturbations predict its F1s exactly, bratiaa's F1 on the same layers written as a BRAT
project, and the brat samples' doubly present documents."""

from __future__ import annotations

import json
import math
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

import converters
from converters import brat
from converters.document import Document, Entity, Event, Relation
from converters.schema import EntityType, EventType, RelationType, Schema
from db.agreement import AgreementInputError, Counts, agreement, compare
from db.agreement.measures import krippendorff_alpha, overlap_matches
from tests.bench_modules import load_bench
from tests.bratiaa_runs import bratiaa_f1

bench = load_bench("agreement")

D1 = "John Smith works for Acme Corp in Paris ."
D2 = "Mary lives in Rome ."


def make(doc_id: str, text: str, ents: list[tuple], rels: list[tuple] = ()) -> Document:
    """``ents``: (type, start, end, surface) -> T1, T2...; ``rels``: (type, i, j) over them."""
    entities = []
    for k, (type_, s, e, surface) in enumerate(ents, 1):
        assert text[s:e] == surface
        entities.append(Entity(f"T{k}", type_, [(s, e)]))
    relations = [Relation(f"R{k}", t, f"T{i}", f"T{j}") for k, (t, i, j) in enumerate(rels, 1)]
    doc = Document(doc_id, text, entities, relations)
    assert doc.problems() == []
    return doc


def tiny() -> dict[str, list[Document]]:
    """A, B on d1 and d2; C on d1 only, identical to A there."""
    a1 = make(
        "d1",
        D1,
        [("Peop", 0, 10, "John Smith"), ("Org", 21, 30, "Acme Corp"), ("Loc", 34, 39, "Paris")],
        [("Work_For", 1, 2), ("OrgBased_In", 2, 3)],
    )
    b1 = make(
        "d1",
        D1,
        [("Peop", 0, 10, "John Smith"), ("Org", 21, 25, "Acme"), ("Org", 34, 39, "Paris")],
        [("Work_For", 1, 2)],
    )
    a2 = make("d2", D2, [("Peop", 0, 4, "Mary"), ("Loc", 14, 18, "Rome")], [("Live_In", 1, 2)])
    b2 = make("d2", D2, [("Peop", 0, 4, "Mary"), ("Loc", 14, 18, "Rome")], [("Live_In", 1, 2)])
    c1 = make("d1", D1, [(e.type, e.start, e.end, D1[e.start : e.end]) for e in a1.entities])
    c1.relations = [Relation(r.id, r.type, r.arg1, r.arg2) for r in a1.relations]
    return {"A": [a1, a2], "B": [b1, b2], "C": [c1]}


def test_tiny_example_by_hand() -> None:
    result = agreement(tiny())
    ab = result.pair("A", "B")
    assert ab.documents == 2
    # exact: Peop x2 and Rome match; A's Acme Corp / Paris (Loc), B's Acme / Paris (Org) do not
    assert ab.entities.overall == Counts(3, 2, 2)
    assert ab.entities.overall.f1 == pytest.approx(0.6, abs=1e-15)
    assert ab.entities.per_type == {
        "Loc": Counts(1, 1, 0),
        "Org": Counts(0, 1, 2),
        "Peop": Counts(2, 0, 0),
    }
    assert ab.entities.per_type["Loc"].f1 == pytest.approx(2 / 3, abs=1e-15)
    assert ab.entities.per_type["Org"].f1 == 0.0
    # overlap: Acme Corp ~ Acme (Org); Paris stays apart (Loc vs Org)
    assert ab.entities_overlap.overall == Counts(4, 1, 1)
    assert ab.entities_overlap.per_type["Org"] == Counts(1, 0, 1)
    # relations: only Live_In; B's Work_For points at "Acme", not "Acme Corp"
    assert ab.relations.overall == Counts(1, 2, 1)
    assert ab.relations.overall.f1 == pytest.approx(0.4, abs=1e-15)
    assert ab.relations.per_type["Work_For"] == Counts(0, 1, 1)
    # tokens: 14; A and B differ on "Corp" (Org / O) and "Paris" (Loc / Org)
    # A: Peop 3, Org 2, Loc 2, O 7; B: Peop 3, Org 2, Loc 1, O 8 -> p_e = 71/196, p_o = 12/14
    assert ab.tokens == 14
    assert ab.observed == pytest.approx(12 / 14, abs=1e-15)
    assert Fraction(ab.kappa).limit_denominator(1000) == Fraction(97, 125)
    assert ab.kappa == pytest.approx(97 / 125, abs=1e-12)
    # B-C on d1 only: B's labels vs A's; p_o = 7/9, p_e = 28/81 -> 35/53
    bc = result.pair("B", "C")
    assert (bc.documents, bc.tokens) == (1, 9)
    assert bc.kappa == pytest.approx(35 / 53, abs=1e-12)
    assert bc.entities.overall == Counts(1, 2, 2)
    ac = result.pair("A", "C")
    assert ac.entities.overall == Counts(3, 0, 0)
    assert ac.relations.overall == Counts(2, 0, 0)
    assert ac.kappa == 1.0
    # means over the three pairs
    assert result.entities.overall == pytest.approx((0.6 + 1 + 1 / 3) / 3, abs=1e-12)
    assert result.kappa == pytest.approx((97 / 125 + 1 + 35 / 53) / 3, abs=1e-12)
    # alpha: d1's 9 tokens with 3 values, d2's 5 with 2 (C lacks d2): n = 37;
    # n_c: Peop 8, Org 6, Loc 4, O 19; disagreement: Corp 2 + Paris 2 -> 1 - 36*4/892
    assert result.alpha_units == 14
    assert result.alpha == pytest.approx(187 / 223, abs=1e-12)
    assert result.documents == 2 and result.unpaired == []


def test_documents_one_annotator_holds_are_not_compared() -> None:
    layers = tiny()
    extra = make("d3", "Bob left .", [("Peop", 0, 3, "Bob")])
    result = agreement({**layers, "A": [*layers["A"], extra]})
    assert result.unpaired == ["d3"] and result.documents == 2
    assert result.pair("A", "B").entities.overall == Counts(3, 2, 2)
    assert result.alpha_units == 14
    assert result.alpha == pytest.approx(187 / 223, abs=1e-12)
    # a unit with one value is not pairable: it changes nothing
    units = Counter({(("Peop",), ()): 3, ((), ()): 5, ((),): 1})
    with_single = krippendorff_alpha(units)
    del units[((),)]
    assert with_single == krippendorff_alpha(units) and with_single[0] == 8
    with pytest.raises(ValueError, match="at least two"):
        agreement({"A": layers["A"]})
    with pytest.raises(ValueError, match="reference 'Z'"):
        agreement(layers, reference="Z")


def test_reference_counts_and_matrix() -> None:
    layers = tiny()
    result = agreement(layers, reference="A")
    assert [(p.a, p.b) for p in result.pairs] == [("A", "B"), ("A", "C")]
    assert result.alpha is None
    ab = result.pair("A", "B")
    assert (ab.entities.overall.precision, ab.entities.overall.recall) == (0.6, 0.6)
    assert result.pair("B", "A").entities.per_type["Org"] == Counts(0, 2, 1)
    matrix = agreement(layers).matrix("entities")
    assert matrix[0][1] == Counts(3, 2, 2) and matrix[1][0] == Counts(3, 2, 2)
    assert matrix[1][2] == Counts(1, 2, 2) and matrix[0][0] is None
    assert compare(layers["A"], layers["B"]) == ab
    data = json.loads(agreement(layers).to_json())
    assert data["pairs"][0]["entities"]["overall"] == {
        "matched": 3,
        "only_a": 2,
        "only_b": 2,
        "f1": 0.6,
        "precision": 0.6,
        "recall": 0.6,
    }
    assert data["alpha"] == pytest.approx(187 / 223)


def test_symmetric_relations_ignore_direction_only_when_the_schema_says_so() -> None:
    ents = [("Peop", 0, 4, "Mary"), ("Loc", 14, 18, "Rome")]
    a = [make("d2", D2, ents, [("Near", 1, 2)])]
    b = [make("d2", D2, ents, [("Near", 2, 1)])]
    assert compare(a, b).relations.overall == Counts(0, 1, 1)
    schema = Schema(relation_types=[RelationType("Near", options={"symmetric": "true"})])
    assert compare(a, b, schema=schema).relations.overall == Counts(1, 0, 0)


def test_overlap_is_a_maximum_matching() -> None:
    # a greedy pass in order pairs (0,20) with (5,10) and leaves (6,8) alone
    assert overlap_matches([((0, 20),), ((6, 8),)], [((5, 10),), ((15, 25),)]) == 2
    # pairing the exact match first would leave both others alone
    assert overlap_matches([((10, 20),), ((5, 12),)], [((10, 20),), ((18, 30),)]) == 2
    # discontinuous: a gap is not an overlap
    assert overlap_matches([((0, 5), (10, 15))], [((6, 9),)]) == 0
    assert overlap_matches([((0, 5), (10, 15))], [((6, 11),)]) == 1


def test_same_name_different_text_is_an_error() -> None:
    a = [make("d1", D1, [])]
    b = [make("d1", D1.replace("Paris", "Lyon"), [])]
    with pytest.raises(AgreementInputError, match=r"'d1'.*'A' and 'B'"):
        agreement({"A": a, "B": b})


def test_perturbed_conll04_pair_predicts_its_f1(shared_data: Path) -> None:
    gold = converters.read("spert", shared_data / "conll04" / "conll04_train_dev.json")[:300]
    n = sum(len(d.entities) for d in gold)
    k_drop, k_shift, k_retype = 17, 23, 29
    other, record = bench.perturb(gold, drop=k_drop, shift=k_shift, retype=k_retype, seed=7)
    assert (len(record.dropped), len(record.shifted), len(record.retyped)) == (17, 23, 29)
    pair = compare(gold, other)
    k = k_drop + k_shift + k_retype
    assert pair.entities.overall == Counts(n - k, k, k_shift + k_retype)
    assert pair.entities.overall.f1 == pytest.approx(
        2 * (n - k) / (2 * (n - k) + k + k_shift + k_retype), abs=1e-12
    )
    assert pair.entities_overlap.overall == Counts(
        n - k_drop - k_retype, k_drop + k_retype, k_retype
    )
    # per type: a retyped entity is only-in-A for its old type, only-in-B for its new one
    assert sorted(pair.entities.per_type) == ["Loc", "Org", "Other", "Peop"]
    for t, counts in pair.entities.per_type.items():
        gold_t = sum(1 for d in gold for e in d.entities if e.type == t)
        dropped_t = sum(1 for key in record.dropped if _type(gold, *key) == t)
        shifted_t = sum(1 for key in record.shifted if _type(gold, *key) == t)
        from_t = sum(1 for old, _ in record.retyped.values() if old == t)
        to_t = sum(1 for _, new in record.retyped.values() if new == t)
        gone = dropped_t + shifted_t + from_t
        assert counts == Counts(gold_t - gone, gone, shifted_t + to_t), t
    # relations: lost when an argument was dropped; changed when one was shifted or retyped
    dropped, changed = set(record.dropped), set(record.shifted) | set(record.retyped)
    r_total = lost = moved = 0
    for d in gold:
        for r in d.relations:
            r_total += 1
            args = {(d.id, r.arg1), (d.id, r.arg2)}
            if args & dropped:
                lost += 1
            elif args & changed:
                moved += 1
    assert lost and moved
    assert pair.relations.overall == Counts(r_total - lost - moved, lost + moved, moved)
    assert pair.kappa is not None and 0.8 < pair.kappa < 1
    assert compare(gold, gold).entities.overall == Counts(n, 0, 0)
    assert compare(gold, gold).kappa == 1.0


def _type(docs: list[Document], doc_id: str, eid: str) -> str:
    return next(d for d in docs if d.id == doc_id).entity(eid).type


def _write_project(root: Path, layers: dict[str, list[Document]], schema: Schema) -> None:
    """bratiaa's layout: ``annotation.conf`` at the root, one folder per annotator with the
    same relative ``.ann``/``.txt`` paths (bratiaa/agree.py: ``input_generator``)."""
    brat.write_conf(schema, root / "annotation.conf")
    for name, docs in layers.items():
        assert brat.write_corpus(docs, root / name) == []


def test_entity_f1_equalsbratiaa_f1(shared_data: Path, tmp_path: Path) -> None:
    corpus = shared_data / "conll04" / "conll04_train_dev.json"
    gold = converters.read("spert", corpus)[:200]
    schema = converters.read_schema("spert", corpus.with_name("conll04_types.json"))
    b, _ = bench.perturb(gold, drop=10, shift=12, retype=15, seed=3)
    c, _ = bench.perturb(gold, drop=20, shift=5, retype=9, seed=4)
    layers = {"ann1": gold, "ann2": b, "ann3": c}
    _write_project(tmp_path, layers, schema)
    theirs = bratiaa_f1(tmp_path)
    ours = agreement(layers, schema=schema)
    assert theirs.annotators == ["ann1", "ann2", "ann3"] and len(theirs.documents) == 200
    matrix = theirs.compute_total_f1_matrix()
    compared = 0
    for i, x in enumerate(theirs.annotators):
        for j, y in enumerate(theirs.annotators):
            if i < j:
                assert abs(ours.pair(x, y).entities.overall.f1 - matrix[i][j]) < 1e-9
                compared += 1
    assert compared == 3
    avg, _ = theirs.mean_sd_total()
    assert abs(ours.entities.overall - avg) < 1e-9
    per_label, _ = theirs.mean_sd_per_label()
    assert sorted(ours.entities.per_type) == theirs.labels == ["Loc", "Org", "Other", "Peop"]
    for label, value in zip(theirs.labels, per_label, strict=True):
        assert abs(ours.entities.per_type[label] - value) < 1e-9
    # one pair alone, per type: bratiaa's own project of two annotators
    pair_root = tmp_path / "pair"
    _write_project(pair_root, {"ann1": gold, "ann2": b}, schema)
    theirs = bratiaa_f1(pair_root)
    pair = compare(gold, b)
    per_label, _ = theirs.mean_sd_per_label()
    for label, value in zip(theirs.labels, per_label, strict=True):
        assert abs(pair.entities.per_type[label].f1 - value) < 1e-9
    assert abs(pair.entities.overall.f1 - theirs.mean_sd_total()[0]) < 1e-9
    assert pair.entities.overall.f1 < 0.97  # the perturbations show


def test_where_bratiaa_differs(tmp_path: Path) -> None:
    """bratiaa keeps a file's text-bound annotations in a set of (type, spans in file order):
    a duplicate counts once, fragments in another order are another annotation."""
    schema = Schema(entity_types=[EntityType("Peop"), EntityType("Loc")])
    ents = [("Peop", 0, 4, "Mary"), ("Loc", 14, 18, "Rome")]
    with_duplicate = make("d2", D2, [*ents, ("Loc", 14, 18, "Rome")])
    single = make("d2", D2, ents)
    _write_project(tmp_path / "dup", {"a": [with_duplicate], "b": [single]}, schema)
    assert math.isclose(bratiaa_f1(tmp_path / "dup").mean_sd_total()[0], 1.0)
    ours = compare([with_duplicate], [single]).entities.overall
    assert ours == Counts(2, 1, 0) and ours.f1 == pytest.approx(0.8)
    # fragments: the same discontinuous extent written in two orders
    x = Document("d2", D2, [Entity("T1", "Peop", [(0, 4), (14, 18)])])
    y = Document("d2", D2, [Entity("T1", "Peop", [(14, 18), (0, 4)])])
    _write_project(tmp_path / "order", {"a": [x], "b": [y]}, schema)
    assert bratiaa_f1(tmp_path / "order").mean_sd_total()[0] == 0.0
    assert compare([x], [y]).entities.overall == Counts(1, 0, 0)
    # an event trigger: bratiaa's labels are the conf's entity types, so it stops; we leave
    # triggers out of the entities
    event_doc = Document(
        "d2",
        D2,
        [Entity("T1", "Peop", [(0, 4)]), Entity("T2", "Living", [(5, 10)])],
        events=[Event("E1", "Living", "T2", [("Agent", "T1")])],
    )
    with_events = Schema(entity_types=[EntityType("Peop")], event_types=[EventType("Living")])
    _write_project(tmp_path / "event", {"a": [event_doc], "b": [event_doc]}, with_events)
    with pytest.raises(KeyError, match="Living"):
        bratiaa_f1(tmp_path / "event")
    assert compare([event_doc], [event_doc]).entities.per_type == {"Peop": Counts(1, 0, 0)}


def test_brat_samples_documents_present_twice(shared_data: Path) -> None:
    """The brat samples hold no document annotated twice: the only texts present twice are
    four of brat's tutorial pages, in ``tutorials/bio`` and ``tutorials/news``, with empty
    ``.ann`` files both times; the other tutorial pages share their names but not their texts
    (bio and news examples)."""
    tutorials = shared_data / "brat-samples" / "brat-example-data" / "tutorials"
    bio = brat.read_corpus(tutorials / "bio")
    news = brat.read_corpus(tutorials / "news")
    with pytest.raises(AgreementInputError, match=r"'000-introduction'.*'bio' and 'news'"):
        agreement({"bio": bio, "news": news})
    texts = {d.id: d.text for d in bio}
    same = sorted(d.id for d in news if texts.get(d.id) == d.text)
    assert same == ["010-navigation", "020-top_bar", "030-login", "999-complete"]
    result = agreement(
        {"bio": [d for d in bio if d.id in same], "news": [d for d in news if d.id in same]}
    )
    pair = result.pairs[0]
    assert pair.documents == 4 and pair.tokens > 500
    assert pair.entities.overall == Counts() and pair.entities.overall.f1 is None
    assert pair.relations.overall == Counts() and pair.entities.per_type == {}
    # all tokens outside for both: agreement is total but chance explains all of it
    assert pair.observed == 1.0 and pair.kappa is None and result.alpha is None
    json.loads(result.to_json())
