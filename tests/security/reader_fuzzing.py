"""What the reader fuzz tests here share: the derandomized hypothesis budget, the check every
read document must pass, the shares of inputs each test must see, and the strategy pieces and
the text mutator the BRAT and SpERT inputs are built from.

Most BRAT and SpERT inputs are files written from valid documents that hold entities and
relations: reading one must give back exactly the document it was written from, and writing
what was read then reading it again must give the same document. The rest are such files
broken on purpose (a character changed, a line dropped or repeated, an offset moved, a record
field given a bad value) or arbitrary text. A reader either reads those into documents that
pass ``Document.problems() == []`` and round-trip as well, or raises ``ConversionError`` that
starts with the file and the line of the problem (for a broken SpERT record: that record, and
the line it starts on): no other exception, no hang. Each of these tests counts its inputs and
fails when too few held an entity and a relation or too few were refused, so a change to the
strategies cannot quietly leave nothing to check.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check_documents(docs) -> None:
    """Every document a reader gave back passes its own checks, its fragments inside its text
    (imported as ``_check`` by the test modules)."""
    for doc in docs:
        assert doc.problems() == []
        for ent in doc.entities:
            assert all(0 <= s < e <= len(doc.text) for s, e in ent.fragments)


# Most inputs must be documents read back whole with entities and relations, and some must be
# refused: below these shares a fuzz test fails rather than pass on little. (About a fifth is
# broken on purpose, but a broken file is sometimes still valid: 14-19 % were refused.)
MIN_ROUND_TRIPS_WITH_RELATIONS = 0.5
MIN_REFUSED = 0.05
# hypothesis draws small integers far more often than others (0 from integers(0, 5) about
# half the time), so kinds and counts are drawn from lists, where every item is as likely
INPUT_KINDS = ["valid"] * 7 + ["broken"] * 2 + ["arbitrary"]
CONTENT = ["entities and relations"] * 8 + ["entities only", "nothing"]
ENTITY_TYPES = st.sampled_from(["Drug", "Effect", "Severe-effect", "Loc"])
RELATION_TYPES = st.sampled_from(["Causes", "Treats", "Located_In"])
NUMBER = re.compile(r"\d+")
EDITS = ["insert", "delete", "replace", "drop line", "repeat line", "swap lines", "number"]


def counts(draw, content: str) -> tuple[int, int]:
    """How many entities and relations a document or record of ``content`` gets."""
    entities = 0 if content == "nothing" else draw(st.sampled_from(range(1, 6)))
    relations = draw(st.sampled_from(range(1, 4))) if content == "entities and relations" else 0
    return entities, relations


def mutate(draw, text: str, alphabet: st.SearchStrategy[str]) -> str:
    """``text`` with one to three edits: a character inserted, deleted or replaced, a line
    dropped, repeated or swapped with the next, or a number moved."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(EDITS))
        k = draw(st.integers(0, len(lines) - 1))
        line = lines[k]
        at = draw(st.integers(0, len(line)))
        if op == "insert":
            lines[k] = line[:at] + draw(alphabet) + line[at:]
        elif op == "delete":
            lines[k] = line[:at] + line[at + 1 :]
        elif op == "replace":
            lines[k] = line[:at] + draw(alphabet) + line[at + 1 :]
        elif op == "drop line" and len(lines) > 1:
            del lines[k]
        elif op == "repeat line":
            lines.insert(k, line)
        elif op == "swap lines" and k + 1 < len(lines):
            lines[k], lines[k + 1] = lines[k + 1], line
        elif op == "number" and (numbers := list(NUMBER.finditer(line))):
            m = draw(st.sampled_from(numbers))
            value = int(m.group()) + draw(st.sampled_from([-2, -1, 1, 2, 1000]))
            lines[k] = line[: m.start()] + str(value) + line[m.end() :]
    return "\n".join(lines)
