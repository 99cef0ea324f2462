"""Property tests: random documents with overlapping, nested and discontinuous entities."""

from __future__ import annotations

from collections import Counter

from hypothesis import event, given, settings
from hypothesis import strategies as st

from converters import Document, Entity, Relation, spert

TOKEN = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")),
    min_size=1,
    max_size=6,
).filter(lambda t: not any(c.isspace() for c in t))


@st.composite
def records(draw) -> dict:
    tokens = draw(st.lists(TOKEN, min_size=1, max_size=12))
    n = len(tokens)
    entities = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, n - 1))
        end = draw(st.integers(start + 1, n))
        entities.append({"type": draw(st.sampled_from(["A", "B", "Ü-x"])), "start": start,
                         "end": end})  # fmt: skip
    relations = []
    if entities:
        for _ in range(draw(st.integers(0, 4))):
            relations.append(
                {
                    "type": draw(st.sampled_from(["r", "s"])),
                    "head": draw(st.integers(0, len(entities) - 1)),
                    "tail": draw(st.integers(0, len(entities) - 1)),
                }
            )
    record = {"tokens": tokens, "entities": entities, "relations": relations}
    if draw(st.booleans()):
        record["orig_id"] = draw(st.integers(0, 5) | st.text(max_size=3))
    return record


# about two in three generated inputs hold both; below this share a test fails rather than
# pass on inputs with nothing to round-trip
MIN_WITH_ENTITIES_AND_RELATIONS = 0.4


def test_spert_records_round_trip_exactly() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None)
    @given(st.lists(records(), min_size=1, max_size=4))
    def run(recs: list[dict]) -> None:
        check_records_round_trip(recs)
        seen["inputs"] += 1
        if any(r["entities"] and r["relations"] for r in recs):
            seen["with entities and relations"] += 1
            event("with entities and relations")

    run()
    share = seen["with entities and relations"] / seen["inputs"]
    assert share >= MIN_WITH_ENTITIES_AND_RELATIONS, seen


def check_records_round_trip(recs: list[dict]) -> None:
    documents = spert.from_records(recs)
    assert all(doc.problems() == [] for doc in documents)
    back, problems = spert.to_records(documents)
    assert problems == []
    assert back == recs
    # without the kept tokens, text and character offsets alone give the same annotations
    for doc in documents:
        del doc.metadata["tokens"]
    again, problems = spert.to_records(documents)
    assert problems == []
    for got, want in zip(again, recs, strict=True):
        assert got["relations"] == want["relations"]
        for g, w in zip(got["entities"], want["entities"], strict=True):
            assert g["type"] == w["type"]
            assert "".join(got["tokens"][g["start"] : g["end"]]) == "".join(
                want["tokens"][w["start"] : w["end"]]
            )


TEXT_CHARS = st.sampled_from([*"ab.,'-é😀ش\u0301", " ", " ", "\t", "\r\n", "\n"])


@st.composite
def documents(draw) -> Document:
    text = "".join(draw(st.lists(TEXT_CHARS, min_size=1, max_size=30)))
    n = len(text)
    entities = []
    for k in range(draw(st.integers(0, 6))):
        cuts = sorted(draw(st.sets(st.integers(0, n), min_size=2, max_size=6)))
        pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
        frags = pairs[: draw(st.integers(1, len(pairs)))]
        entities.append(Entity(f"T{k + 1}", draw(st.sampled_from(["A", "B"])), frags))
    relations = []
    if entities:
        ids = [e.id for e in entities]
        for k in range(draw(st.integers(0, 4))):
            arg1, arg2 = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
            relations.append(Relation(f"R{k + 1}", "r", arg1, arg2))
    return Document("doc", text, entities=entities, relations=relations)


def test_documents_map_to_tokens_and_back() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None)
    @given(documents())
    def run(doc: Document) -> None:
        check_document_maps_to_tokens_and_back(doc)
        seen["inputs"] += 1
        if doc.entities and doc.relations:
            seen["with entities and relations"] += 1
            event("with entities and relations")

    run()
    share = seen["with entities and relations"] / seen["inputs"]
    assert share >= MIN_WITH_ENTITIES_AND_RELATIONS, seen


def check_document_maps_to_tokens_and_back(doc: Document) -> None:
    [record], problems = spert.to_records([doc])
    warned = " ".join(p.message for p in problems)
    kept = []
    for ent in doc.entities:
        text = doc.text[ent.start : ent.end]
        if ent.is_discontinuous:
            assert ent.id in warned and "discontinuous" in warned
        elif not text.strip():
            assert ent.id in warned and "whitespace-only" in warned
        else:
            if text != text.strip():
                assert ent.id in warned and "trimmed" in warned
            kept.append((ent, text.strip()))
    assert len(record["entities"]) == len(kept)
    for written, (ent, text) in zip(record["entities"], kept, strict=True):
        assert written["type"] == ent.type
        # the written tokens are slices of the text, so the entity's text without the
        # whitespace between tokens equals the covered tokens joined
        covered = "".join(record["tokens"][written["start"] : written["end"]])
        assert covered == "".join(text.split())
    kept_ids = {ent.id for ent, _ in kept}
    for rel in doc.relations:
        if rel.arg1 not in kept_ids or rel.arg2 not in kept_ids:
            assert rel.id in warned
    assert len(record["relations"]) == sum(
        1 for r in doc.relations if r.arg1 in kept_ids and r.arg2 in kept_ids
    )
    # what was written reads back and writes again unchanged
    back = spert.from_records([record])
    again, problems = spert.to_records(back)
    assert again == [record] and problems == []
