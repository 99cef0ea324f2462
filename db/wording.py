"""English wording shared by the store's messages and the app's lines.

In ``db`` because both layers write such sentences and ``app`` may import ``db`` but never the
other way round; one copy of each rule keeps the two layers' sentences alike.
"""

from __future__ import annotations


def a_or_an(noun: str) -> str:
    """``noun`` after its indefinite article: ``an annotator``, ``a manager`` (``an`` before a
    lower-case vowel letter, which is all the role names need)."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1: ``1 document``, ``3 documents``;
    ``many``: the plural where it is not ``noun`` plus ``s`` (``history entries``)."""
    return f"{n} {noun if n == 1 else (many or noun + 's')}"
