"""Property: any document BRAT can represent goes format_ann -> parse_ann unchanged, ids
included (overlapping, nested and discontinuous entities, every other line kind)."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import event, given, settings
from hypothesis import strategies as st

from converters import brat
from converters.document import (
    Attribute,
    Document,
    Entity,
    Event,
    Group,
    Normalization,
    Note,
    Relation,
)

BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# unicode incl. emoji and tabs; line breaks come in through the text's "lines" below
CHARS = st.characters(
    blacklist_categories=("Cs",), blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
)
LINE = st.text(CHARS | st.sampled_from("😀é 中\t"), min_size=1, max_size=30)
TOKEN = st.from_regex(r"[A-Za-z][A-Za-z0-9_\-]{0,8}", fullmatch=True)
FREE = st.text(CHARS, max_size=20).map(lambda s: s.rstrip())


@st.composite
def documents(draw) -> Document:
    lines = draw(st.lists(LINE, min_size=1, max_size=6))
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n"]))
    # fragments never cross a line break (BRAT cannot hold that; see test_brat_write)
    segments, pos = [], 0
    for line in lines:
        segments.append((pos, pos + len(line)))
        pos += len(line) + (2 if "\r\n" in text else 1)

    def fragment():
        s, e = draw(st.sampled_from(segments))
        a = draw(st.integers(s, e - 1))
        return a, draw(st.integers(a + 1, e))

    entities = []
    for i in range(draw(st.integers(0, 8))):
        frags = [fragment() for _ in range(draw(st.integers(1, 3)))]
        entities.append(Entity(f"T{i + 1}", draw(TOKEN), frags))
    ids = [e.id for e in entities]
    events, relations = [], []
    if entities:
        for i in range(draw(st.integers(0, 3))):
            trigger = draw(st.sampled_from(ids))
            args = draw(st.lists(st.tuples(TOKEN, st.sampled_from(ids)), max_size=3))
            events.append(Event(f"E{i + 1}", draw(TOKEN), trigger, args))
        targets = ids + [e.id for e in events]
        for i in range(draw(st.integers(0, 4))):
            relations.append(
                Relation(
                    f"R{i + 1}",
                    draw(TOKEN),
                    draw(st.sampled_from(targets)),
                    draw(st.sampled_from(targets)),
                    draw(TOKEN),
                    draw(TOKEN),
                )
            )
    everything = ids + [e.id for e in events] + [r.id for r in relations]
    attributes, norms, notes, groups = [], [], [], []
    if everything:
        pick = st.sampled_from(everything)
        for i in range(draw(st.integers(0, 3))):
            value = draw(st.none() | st.from_regex(r"[A-Za-z0-9]+( [A-Za-z0-9]+)?", fullmatch=True))
            attributes.append(Attribute(f"A{i + 1}", draw(TOKEN), draw(pick), value))
        if draw(st.booleans()):
            attributes.append(Attribute("M1", draw(TOKEN), draw(pick)))
        for i in range(draw(st.integers(0, 2))):
            norms.append(
                Normalization(
                    f"N{i + 1}",
                    draw(TOKEN),
                    draw(pick),
                    draw(TOKEN),
                    draw(TOKEN) + ":x1",
                    draw(FREE),
                )
            )
        for i in range(draw(st.integers(0, 2))):
            notes.append(Note(f"#{i + 1}", "AnnotatorNotes", draw(pick), draw(FREE)))
        if ids:
            for _ in range(draw(st.integers(0, 2))):
                groups.append(Group("Equiv", draw(st.lists(st.sampled_from(ids), min_size=1))))
    return Document("doc", text, entities, relations, events, attributes, norms, notes, groups)


# about two in three generated documents hold both; below this share the test fails rather
# than pass on documents with nothing to round-trip
MIN_WITH_ENTITIES_AND_RELATIONS = 0.4


def test_format_then_parse_is_identity() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None)
    @given(documents())
    def run(doc: Document) -> None:
        assert doc.problems() == []
        ann, problems = brat.format_ann_with_problems(doc)
        assert problems == []
        assert not any(BREAKS.search(line) for line in ann.split("\n"))
        back = brat.parse_ann(doc.text, ann, doc.id, "doc.ann")
        assert back == doc
        assert brat.format_ann(back) == ann
        seen["documents"] += 1
        if doc.entities and doc.relations:
            seen["with entities and relations"] += 1
            event("with entities and relations")

    run()
    share = seen["with entities and relations"] / seen["documents"]
    assert share >= MIN_WITH_ENTITIES_AND_RELATIONS, seen
