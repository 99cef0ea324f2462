"""db.curation: three annotators' hand-built layers of one sentence aligned under both policies,
the disagreements they give (types, boundaries, nested entities, relation direction), and what
a curator's pick or the automatic merge does to the curated document."""

from __future__ import annotations

from dataclasses import replace

import pytest

from converters.document import Document, Entity, Event, Relation
from db.curation import (
    MAJORITY,
    POLICIES,
    UNANIMOUS,
    Curation,
    CurationError,
    Disagreement,
    EntitySpec,
    RelationSpec,
    align,
    check_policy,
    merge_edit,
    resolution,
)

TEXT = "John Smith of the University of Paris works for IBM in Paris ."


def at(surface: str, nth: int = 0) -> tuple[int, int]:
    """The offsets of the ``nth`` occurrence of ``surface`` in ``TEXT``."""
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(surface, start + 1)
    return start, start + len(surface)


def doc(ents: dict[str, tuple[str, str]] | None = None, rels: list[tuple] = ()) -> Document:
    """``ents``: id -> (type, surface; ``"Paris#1"`` is the second "Paris"); ``rels``: (type,
    arg1 id, arg2 id[, extra args])."""
    entities = []
    for ent_id, (type_, surface) in (ents or {}).items():
        word, _, nth = surface.partition("#")
        entities.append(Entity(ent_id, type_, [at(word, int(nth or 0))]))
    relations = [
        Relation(f"R{k}", r[0], r[1], r[2], extra_args=list(r[3]) if len(r) > 3 else [])
        for k, r in enumerate(rels, 1)
    ]
    out = Document("d", TEXT, entities, relations)
    assert out.problems() == []
    return out


def ent(type_: str, surface: str, nth: int = 0) -> EntitySpec:
    return EntitySpec(type_, (at(surface, nth),))


JOHN_SMITH, JOHN, IBM = ent("PER", "John Smith"), ent("PER", "John"), ent("ORG", "IBM")
WORK_FOR = RelationSpec("Work_For", JOHN_SMITH, IBM)


def three() -> dict[str, Document]:
    """A and B agree on PER "John Smith", ORG "IBM" and Work_For between them; C marks "John"
    only, IBM as LOC and no relation. The second "Paris" is LOC for A and C, GPE for B. Only
    A marks the first "Paris" (inside "University of Paris")."""
    return {
        "A": doc(
            {
                "T1": ("PER", "John Smith"),
                "T2": ("ORG", "IBM"),
                "T3": ("LOC", "Paris#1"),
                "T4": ("LOC", "Paris"),
            },
            [("Work_For", "T1", "T2")],
        ),
        "B": doc(
            {"T1": ("PER", "John Smith"), "T2": ("ORG", "IBM"), "T3": ("GPE", "Paris#1")},
            [("Work_For", "T1", "T2")],
        ),
        "C": doc({"T1": ("PER", "John"), "T2": ("LOC", "IBM"), "T3": ("LOC", "Paris#1")}),
    }


def by_start(cur: Curation) -> dict[tuple[str, int], Disagreement]:
    found = {(d.kind, d.start): d for d in cur.disagreements}
    assert len(found) == len(cur.disagreements), "one disagreement per kind and start here"
    return found


def supporters(d: Disagreement) -> dict[str, tuple[str, ...]]:
    return {v.label: v.supporters for v in d.variants}


def test_policies_spelled_once() -> None:
    assert POLICIES == (UNANIMOUS, MAJORITY)
    assert check_policy("unanimous") == UNANIMOUS
    with pytest.raises(CurationError, match="'most' is not one of unanimous, majority"):
        check_policy("most")
    with pytest.raises(CurationError, match="not one of"):
        align(three(), doc(), policy="most")


def test_majority_of_three() -> None:
    cur = align(three(), doc(), policy=MAJORITY)
    assert cur.layers == ("A", "B", "C") and cur.unanimous == 0
    agreed = [v.label for v in cur.agreed]
    assert agreed, "the majority agrees on something"
    # entities first (by position), then the relations that need them
    assert agreed == [
        'PER "John Smith"',
        'ORG "IBM"',
        'LOC "Paris"',
        "Work_For(John Smith → IBM)",
    ]
    assert all(v.agreed and not v.in_curated for v in cur.agreed)

    found = by_start(cur)
    assert sorted(found) == [
        ("entity", 0),
        ("entity", at("Paris")[0]),
        ("entity", at("IBM")[0]),
        ("entity", at("Paris", 1)[0]),
        ("relation", 0),
    ]
    # ordered by start, then kind
    kinds = [d.kind for d in cur.disagreements]
    assert kinds == ["entity", "relation", "entity", "entity", "entity"]
    person = found["entity", 0]
    assert supporters(person) == {'PER "John Smith"': ("A", "B"), 'PER "John"': ("C",)}
    assert [v.agreed for v in person.variants] == [True, False]  # most supported first
    assert person.silent == () and (person.start, person.end) == at("John Smith")
    ibm = found["entity", at("IBM")[0]]
    assert supporters(ibm) == {'ORG "IBM"': ("A", "B"), 'LOC "IBM"': ("C",)}
    paris = found["entity", at("Paris", 1)[0]]
    assert supporters(paris) == {'LOC "Paris"': ("A", "C"), 'GPE "Paris"': ("B",)}
    lone = found["entity", at("Paris")[0]]
    assert supporters(lone) == {'LOC "Paris"': ("A",)} and lone.silent == ("B", "C")
    assert not lone.variants[0].agreed
    work = found["relation", 0]
    assert supporters(work) == {"Work_For(John Smith → IBM)": ("A", "B")}
    assert work.silent == ("C",) and (work.start, work.end) == (0, at("IBM")[1])
    assert not any(d.resolved for d in cur.disagreements)
    assert all(d.id.startswith(f"{d.kind}:{d.start}-{d.end}:") for d in cur.disagreements)


def test_unanimous_merges_only_what_all_hold() -> None:
    layers = three()
    majority, unanimous = align(layers, doc()), align(layers, doc(), policy=UNANIMOUS)
    assert majority.agreed and not unanimous.agreed
    assert merge_edit(unanimous).empty
    # the clustering, and so every id, does not depend on the policy
    assert [d.id for d in unanimous.disagreements] == [d.id for d in majority.disagreements]
    assert not any(v.agreed for d in unanimous.disagreements for v in d.variants)

    # what every layer holds is never a disagreement, and is agreed under both policies
    for layer in layers.values():
        layer.entities.append(Entity("T9", "ORG", [at("University of Paris")]))
    for policy in POLICIES:
        cur = align(layers, doc(), policy=policy)
        assert cur.unanimous == 1
        assert 'ORG "University of Paris"' in [v.label for v in cur.agreed]
        assert all(d.start != at("University")[0] for d in cur.disagreements)


def test_two_layers_majority_is_both() -> None:
    layers = {"A": three()["A"], "B": three()["B"]}
    cur = align(layers, doc(), policy=MAJORITY)
    assert cur.agreed, "A and B agree on something"
    # 1 of 2 is no majority: the same as unanimous
    assert [v.label for v in cur.agreed] == [
        'PER "John Smith"',
        'ORG "IBM"',
        "Work_For(John Smith → IBM)",
    ]
    assert align(layers, doc(), policy=UNANIMOUS).agreed == cur.agreed
    found = by_start(cur)
    assert sorted(found) == [("entity", at("Paris")[0]), ("entity", at("Paris", 1)[0])]
    assert supporters(found["entity", at("Paris", 1)[0]]) == {
        'LOC "Paris"': ("A",),
        'GPE "Paris"': ("B",),
    }
    assert found["entity", at("Paris", 1)[0]].silent == ()


def test_merge_then_disagreements_of_the_majority_read_resolved() -> None:
    layers = three()
    cur = align(layers, doc())
    edit = merge_edit(cur)
    assert not edit.empty
    paris = ent("LOC", "Paris", 1)
    assert edit.add_entities == (JOHN_SMITH, IBM, paris) and edit.add_relations == (WORK_FOR,)
    assert edit.remove_entities == () and edit.remove_relations == ()
    assert edit.describe() == [
        '+ PER "John Smith"',
        '+ ORG "IBM"',
        '+ LOC "Paris"',
        "+ Work_For(John Smith → IBM)",
    ]

    merged = doc(
        {"T1": ("PER", "John Smith"), "T2": ("ORG", "IBM"), "T3": ("LOC", "Paris#1")},
        [("Work_For", "T1", "T2")],
    )
    after = align(layers, merged)
    assert after.agreed == () and merge_edit(after).empty
    assert [d.id for d in after.disagreements] == [d.id for d in cur.disagreements]
    resolved = {(d.kind, d.start): d.resolved for d in after.disagreements}
    assert resolved == {
        ("entity", 0): True,
        ("relation", 0): True,
        ("entity", at("Paris")[0]): False,  # only A marked it: the curator decides
        ("entity", at("IBM")[0]): True,
        ("entity", at("Paris", 1)[0]): True,
    }
    assert len(after.unresolved) == 1


def test_ids_are_stable_and_change_with_the_layers_there() -> None:
    layers = three()
    first = align(layers, doc())
    again = align(three(), doc(ents={"T1": ("LOC", "Paris#1")}))  # curated content aside
    assert first.disagreements and [d.id for d in first.disagreements] == [
        d.id for d in again.disagreements
    ]
    # C changes its mind about IBM: that disagreement gets a new id, the others keep theirs
    layers["C"].entities[1] = replace(layers["C"].entities[1], type="GPE")
    changed = align(layers, doc())
    old_ibm = by_start(first)["entity", at("IBM")[0]].id
    new_ibm = by_start(changed)["entity", at("IBM")[0]].id
    assert old_ibm != new_ibm
    assert by_start(changed)["entity", 0].id == by_start(first)["entity", 0].id
    with pytest.raises(CurationError, match=f"disagreement '{old_ibm}' is not in this document"):
        resolution(changed, old_ibm, IBM.key)
    # who holds a variant is not part of the id: the same variants, the same question
    old_paris = by_start(first)["entity", at("Paris", 1)[0]]
    layers["A"].entities = [e for e in layers["A"].entities if e.id != "T3"]
    now_paris = by_start(align(layers, doc()))["entity", at("Paris", 1)[0]]
    assert now_paris.silent == ("A",) and now_paris.id == old_paris.id


def test_resolution_picks_one_and_drops_its_alternatives() -> None:
    layers = three()
    # the curated document holds C's "John" with a relation on it, and B's LOC IBM
    curated = doc({"T1": ("PER", "John"), "T2": ("LOC", "IBM")}, [("Work_For", "T1", "T2")])
    cur = align(layers, curated)
    person = by_start(cur)["entity", 0]
    assert [v.label for v in person.held] == ['PER "John"'] and person.resolved

    pick = person.variant(JOHN_SMITH.key)
    edit = resolution(cur, person.id, pick.key)
    assert edit.add_entities == (JOHN_SMITH,) and edit.remove_entities == (JOHN,)
    # the relation on the removed entity goes with it, and the edit says so
    assert edit.remove_relations == (RelationSpec("Work_For", JOHN, ent("LOC", "IBM")),)
    assert edit.add_relations == ()
    assert edit.describe() == [
        "- Work_For(John → IBM)",
        '- PER "John"',
        '+ PER "John Smith"',
    ]

    # picking what the curated document holds already changes nothing
    assert resolution(cur, person.id, JOHN.key).empty
    # None rejects every variant: the held one goes
    none = resolution(cur, person.id, None)
    assert none.remove_entities == (JOHN,) and none.add_entities == ()
    with pytest.raises(CurationError, match="is not a variant of disagreement"):
        resolution(cur, person.id, IBM.key)


def test_relation_variant_brings_its_arguments_and_keeps_direction() -> None:
    layers = {
        "A": doc({"T1": ("PER", "John Smith"), "T2": ("ORG", "IBM")}, [("Work_For", "T1", "T2")]),
        "B": doc({"T1": ("PER", "John Smith"), "T2": ("ORG", "IBM")}, [("Work_For", "T2", "T1")]),
        "C": doc({"T1": ("PER", "John Smith"), "T2": ("ORG", "IBM")}, [("Kill", "T1", "T2")]),
    }
    cur = align(layers, doc({"T1": ("ORG", "IBM")}))
    assert cur.unanimous == 2 and cur.agreed == (cur.agreed[0],)  # PER John Smith (ORG held)
    assert len(cur.disagreements) == 1, "one pair of argument extents: one disagreement"
    rel = cur.disagreements[0]
    assert rel.kind == "relation" and len(rel.variants) == 3
    assert {v.label for v in rel.variants} == {
        "Work_For(John Smith → IBM)",
        "Work_For(IBM → John Smith)",  # the reversed direction is a variant of its own
        "Kill(John Smith → IBM)",
    }
    assert rel.silent == () and (rel.start, rel.end) == (0, at("IBM")[1])

    edit = resolution(cur, rel.id, WORK_FOR.key)
    # the curated document lacks PER John Smith: it comes with the relation; ORG IBM is there
    assert edit.add_entities == (JOHN_SMITH,) and edit.add_relations == (WORK_FOR,)
    assert edit.remove_relations == () and edit.remove_entities == ()

    # a curated document holding two alternatives is not resolved; the pick drops the other
    curated = doc(
        {"T1": ("PER", "John Smith"), "T2": ("ORG", "IBM")},
        [("Work_For", "T1", "T2"), ("Kill", "T1", "T2")],
    )
    cur = align(layers, curated)
    rel = cur.disagreements[0]
    assert len(rel.held) == 2 and not rel.resolved
    edit = resolution(cur, rel.id, WORK_FOR.key)
    assert edit.remove_relations == (RelationSpec("Kill", JOHN_SMITH, IBM),)
    assert edit.add_relations == () and edit.add_entities == ()


def test_nested_and_overlapping_entities() -> None:
    university, paris = ent("ORG", "University of Paris"), ent("LOC", "Paris")
    uni_short = ent("ORG", "University")
    layers = {
        "A": doc({"T1": ("ORG", "University of Paris"), "T2": ("LOC", "Paris")}),  # nested
        "B": doc({"T1": ("ORG", "University")}),
        "C": doc({"T1": ("LOC", "Paris")}),
    }
    cur = align(layers, doc(), policy=UNANIMOUS)
    assert cur.disagreements
    # A drew ORG and LOC together: not alternatives. B's shorter ORG is an alternative to A's
    found = by_start(cur)
    assert sorted(found) == [("entity", at("University")[0]), ("entity", at("Paris")[0])]
    org, loc = found["entity", at("University")[0]], found["entity", at("Paris")[0]]
    assert {v.spec: v.supporters for v in org.variants} == {university: ("A",), uni_short: ("B",)}
    assert (org.start, org.end) == at("University of Paris") and org.silent == ("C",)
    assert {v.spec: v.supporters for v in loc.variants} == {paris: ("A", "C")}
    assert loc.silent == ("B",)

    # the curated document holds A's reading: both disagreements are resolved
    curated = doc({"T1": ("ORG", "University of Paris"), "T2": ("LOC", "Paris")})
    cur = align(layers, curated, policy=UNANIMOUS)
    assert cur.disagreements and all(d.resolved for d in cur.disagreements)
    org = by_start(cur)["entity", at("University")[0]]
    edit = resolution(cur, org.id, uni_short.key)
    # B's ORG replaces A's; the nested LOC is no alternative to it and stays
    assert edit.add_entities == (uni_short,) and edit.remove_entities == (university,)

    # chained overlaps are one disagreement: B's "University" and C's "Paris" both overlap A's
    # "University of Paris" (and not each other); a pick drops only its own alternatives
    layers["A"] = doc({"T1": ("ORG", "University of Paris")})
    cur = align(layers, curated, policy=UNANIMOUS)
    assert len(cur.disagreements) == 1
    chain = cur.disagreements[0]
    assert {v.spec for v in chain.variants} == {university, uni_short, paris}
    assert len(chain.held) == 2 and not chain.resolved  # A's ORG and C's LOC: alternatives
    edit = resolution(cur, chain.id, paris.key)
    assert edit.add_entities == () and edit.remove_entities == (university,)
    edit = resolution(cur, chain.id, uni_short.key)
    assert edit.add_entities == (uni_short,) and edit.remove_entities == (university,)
    edit = resolution(cur, chain.id, university.key)
    assert edit.add_entities == () and edit.remove_entities == (paris,)
    # B's and C's entities do not overlap: holding both is a consistent choice, resolved
    both = align(
        layers, doc({"T1": ("ORG", "University"), "T2": ("LOC", "Paris")}), policy=UNANIMOUS
    )
    assert len(both.disagreements[0].held) == 2 and both.disagreements[0].resolved

    # nested entities two annotators drew alike, the third neither: two disagreements, both
    # merged by the majority
    layers = {"A": curated, "B": curated, "C": doc()}
    cur = align(layers, doc(), policy=MAJORITY)
    assert [v.spec for v in cur.agreed] == [university, paris]
    assert [len(d.variants) for d in cur.disagreements] == [1, 1]
    assert all(d.silent == ("C",) for d in cur.disagreements)
    merged = align(layers, curated, policy=MAJORITY)
    assert merged.disagreements and all(d.resolved for d in merged.disagreements)


def test_discontinuous_entities_compare_as_fragment_sets() -> None:
    a = doc()
    a.entities = [Entity("T1", "PER", [at("Smith"), at("John")])]  # fragments in any order
    b = doc()
    b.entities = [Entity("T1", "PER", [at("John"), at("Smith")])]
    cur = align({"A": a, "B": b}, doc(), policy=UNANIMOUS)
    assert [v.label for v in cur.agreed] == ['PER "John Smith"'] and cur.disagreements == ()
    assert cur.agreed[0].spec.fragments == (at("John"), at("Smith"))


def test_curators_own_version_resolves_a_position() -> None:
    cur = align(three(), doc({"T1": ("PER", "John Smith of")}))
    person = by_start(cur)["entity", 0]
    assert person.held == () and person.curator_own == ('PER "John Smith of"',)
    assert person.resolved
    assert not by_start(cur)["entity", at("IBM")[0]].resolved


def test_what_is_left_out() -> None:
    layers = three()
    # a relation to an event is not aligned (counted), nor an event's trigger
    layers["A"].entities.append(Entity("T8", "Hire", [at("works")]))
    layers["A"].events.append(Event("E1", "Hire", "T8", [("Agent", "T1")]))
    layers["A"].relations.append(Relation("R9", "About", "T1", "E1"))
    cur = align(layers, doc())
    assert cur.skipped_relations == {"A": 1, "B": 0, "C": 0}
    assert all(d.start != at("works")[0] for d in cur.disagreements)

    # extra arguments are part of a relation's key
    with_time = {k: three()[k] for k in ("A", "B")}
    with_time["A"].relations[0].extra_args = [("Time", "T3")]
    cur = align(with_time, doc(), policy=MAJORITY)
    labels = {v.label for d in cur.disagreements for v in d.variants if d.kind == "relation"}
    assert "Work_For(John Smith → IBM; Time: Paris)" in labels


def test_layers_must_share_the_text() -> None:
    other = Document("d", TEXT + " More.")
    with pytest.raises(CurationError, match="'B''s layer has another text"):
        align({"A": doc(), "B": other}, doc())


def test_no_layers_nothing_to_curate() -> None:
    cur = align({}, doc({"T1": ("PER", "John")}))
    assert cur.layers == () and cur.agreed == () and cur.disagreements == ()
    assert cur.to_dict()["unresolved"] == 0
