"""A small deterministic word tokenizer that returns character offsets, shared by converters.

Every token is a ``(start, end)`` range of the input text (END exclusive) such that
``text[start:end]`` *is* the token: nothing is normalised, replaced or dropped, so offsets can
always be mapped back to the document. That guarantee is why this is hand-written rather than
``syntok``: syntok reports ``"n't"`` with the value ``"not"``, treats the hyphen of
``"self-propelled"`` as spacing (the ``"-"`` becomes no token at all) and always splits the
final period off ``"U.S."``, so its values are not slices of the text.

The rules follow the CoNLL04 and ADE token lists (``shared/data``, SpERT JSON): tokenizing
each record's tokens joined by spaces gives back exactly the record's tokens for 1049 of 1441
CoNLL04 records (72.8 %; 99.0 % of tokens) and 4220 of 4272 ADE records (98.8 %; 99.9 % of
tokens), up from 775 (53.8 %) and 4214 (98.6 %) when every period not in ``U.S.`` was split off
and ``$`` was split from its amount. Most of the CoNLL04 remainder is the data disagreeing with
itself: it keeps the last word's period (``said.``) in 330 sentences and splits it off in 806.

Rules (applied left to right, no locale, one lookup table: titles such as ``Dr``):

- whitespace (``str.isspace``: spaces, tabs, CR/LF, NBSP, ...) separates tokens and is never
  part of one;
- a *word* is a run of letters, digits, combining marks and connector punctuation (``_``), in
  any script, so ``"café"`` written with a combining accent, Devanagari vowel signs or Arabic
  harakat stay inside their word. A word continues across
  - an apostrophe or hyphen between two word characters (``don't``, ``self-propelled``,
    ``34-year``),
  - a period between two word characters (``3.14``, ``example.com``, ``U.S``),
  - a comma, colon or slash between two digits (``1,000``, ``10:30``, ``1/2``),
  - a zero-width (non-)joiner between two word characters (Persian, Indic scripts);
- a currency sign directly before a digit starts that word (``$100``, ``€1,5``);
- a period right after a word is part of it (``Dr.``, ``Nov.``, ``Inc.``, ``F.``) unless it
  ends a sentence, and it ends one when, past whitespace and closing quotes or brackets, the
  text ends or a letter that is not lower case follows; a title (``Dr. Smith``) or a single
  capital (``John F. Kennedy``) before such a letter ends none. A word made of single letters
  separated by periods always takes its final period (``U.S.``, ``e.g.``). So ``Inc.``
  stays whole before ``,``, ``said`` or ``(``, and ``said.`` gives ``said``, ``.`` at the
  end, before ``He`` or before ``"`` and the end; ``...`` is never taken;
- an English clitic standing alone after whitespace (``'s``, ``'t``, ``'ll``, ...: text that
  was already tokenized that way) is one token;
- a run of one repeated character among ``. - – — ! ? * = ~`` is one token (``...``, ``--``);
- any other character (punctuation, symbol, emoji) is a token on its own, together with the
  marks, variation selectors, skin-tone modifiers and ZWJ-joined characters that belong to it,
  so ``👨‍👩‍👧`` and flag pairs stay one token.

Scripts written without spaces (Chinese, Japanese, Thai) come out as one token per run; that
is a known limit, acceptable because writers split tokens further at every entity boundary
(``split_at``) so annotations still map to whole tokens.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence

Span = tuple[int, int]

_APOSTROPHES_HYPHENS = frozenset("'\u2019-\u2010\u2011")
_DIGIT_JOINERS = frozenset(",:/")
_ZERO_WIDTH_JOINERS = frozenset("\u200c\u200d")
_ABBREVIATION = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_CLITIC = re.compile(r"['\u2019](?:s|t|m|d|re|ll|ve)\b", re.IGNORECASE)
_REPEATABLE = frozenset(".-\u2013\u2014!?*=~")
# Abbreviations that stand before a name, so a capital after their period starts no sentence.
_TITLES = frozenset((
    "Adm", "Capt", "Cmdr", "Col", "Cpl", "Dr", "Fr", "Ft", "Gen", "Gov", "Hon", "Lt", "Maj",
    "Messrs", "Mme", "Mlle", "Mr", "Mrs", "Ms", "Mt", "Pres", "Prof", "Pvt", "Rep", "Rev", "Sen",
    "Sgt", "St", "Supt",
))  # fmt: skip
# Closing quotes and brackets: a sentence may end inside them ("... he said.")
_CLOSING = frozenset("\"'\u2019\u201d\u00bb)]}")


def _is_word(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LNM" or cat == "Pc"


def _is_attached(ch: str) -> bool:
    """Characters that belong to the symbol before them (marks, modifiers, tags)."""
    cp = ord(ch)
    return (
        unicodedata.category(ch)[0] == "M"
        or 0x1F3FB <= cp <= 0x1F3FF  # emoji skin-tone modifiers (category Sk)
        or 0xE0020 <= cp <= 0xE007F  # tag characters of subdivision flags
    )


def _is_regional_indicator(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _word_end(text: str, i: int) -> int:
    """End of the word starting at ``i`` (``text[i]`` is a word character)."""
    n = len(text)
    start = i
    i += 1
    while i < n:
        ch = text[i]
        if _is_word(ch):
            i += 1
            continue
        if i + 1 < n and _is_word(text[i + 1]):
            prev, nxt = text[i - 1], text[i + 1]
            if ch in _APOSTROPHES_HYPHENS or ch in _ZERO_WIDTH_JOINERS or ch == ".":
                i += 2
                continue
            if ch in _DIGIT_JOINERS and prev.isdigit() and nxt.isdigit():
                i += 2
                continue
        break
    if i < n and text[i] == "." and _period_stays(text, start, i):
        i += 1
    return i


def _period_stays(text: str, start: int, end: int) -> bool:
    """Whether the period at ``text[end]`` belongs to the word ``text[start:end]``.

    It does unless it ends a sentence: CoNLL04 keeps ``Dr.``, ``Sen.``, ``Nov.``, ``Inc.``,
    ``F.`` whole wherever the sentence goes on, and splits the period off the last word.
    """
    if _ABBREVIATION.fullmatch(text, start, end):
        return True
    n = len(text)
    j = end + 1
    if j < n and text[j] == ".":
        return False  # an ellipsis is its own token
    while j < n and (text[j].isspace() or text[j] in _CLOSING):
        j += 1
    if j == n:
        return False
    nxt = text[j]
    if unicodedata.category(nxt)[0] == "L" and not nxt.islower():
        word = text[start:end]
        return word in _TITLES or (len(word) == 1 and word.isupper())
    return True


def _symbol_end(text: str, i: int) -> int:
    """End of the symbol cluster starting at ``i`` (a non-word, non-space character)."""
    n = len(text)
    flag_pair = _is_regional_indicator(text[i])
    i += 1
    while i < n:
        ch = text[i]
        if _is_attached(ch):
            i += 1
        elif ch == "\u200d" and i + 1 < n and not text[i + 1].isspace():
            i += 2
        elif flag_pair and _is_regional_indicator(ch):
            flag_pair = False
            i += 1
        else:
            break
    return i


def tokenize(text: str) -> list[Span]:
    """Word tokens of ``text`` as ``(start, end)`` offsets; see the module docstring."""
    tokens: list[Span] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if _is_word(ch):
            end = _word_end(text, i)
        elif unicodedata.category(ch) == "Sc" and i + 1 < n and text[i + 1].isdigit():
            end = _word_end(text, i + 1)
        elif (m := _CLITIC.match(text, i)) and (i == 0 or text[i - 1].isspace()):
            end = m.end()
        elif ch in _REPEATABLE:
            end = i + 1
            while end < n and text[end] == ch:
                end += 1
        else:
            end = _symbol_end(text, i)
        tokens.append((i, end))
        i = end
    return tokens


def whitespace_tokenize(text: str) -> list[Span]:
    """Maximal runs of non-whitespace characters: the inverse of joining tokens by spaces."""
    return [m.span() for m in re.finditer(r"[^\s]+", text)]


def split_at(tokens: Sequence[Span], cuts: Iterable[int]) -> list[Span]:
    """``tokens`` with every token cut at each offset of ``cuts`` strictly inside it.

    Writers pass every entity start and end here, so each entity covers whole tokens.
    """
    points = sorted(set(cuts))
    out: list[Span] = []
    for start, end in tokens:
        k = bisect_right(points, start)
        while k < len(points) and points[k] < end:
            out.append((start, points[k]))
            start = points[k]
            k += 1
        out.append((start, end))
    return out


def trim_spaces(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without the white space at either edge: an entity's extent as tokens
    can hold it (tokens never start or end with a space)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def check_tokens(text: str, tokens: Sequence[Sequence[int]]) -> str | None:
    """Why ``tokens`` is not a valid tokenization of ``text``, or ``None`` when it is.

    Valid means: ``(start, end)`` integer pairs, in order, not overlapping, non-empty, free of
    whitespace, and covering every non-whitespace character (so no text is lost).
    """
    pos = 0
    n = len(text)
    for k, token in enumerate(tokens):
        if (
            not isinstance(token, (list, tuple))
            or len(token) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in token)
        ):
            return f"token {k} is not a (start, end) pair of integers"
        start, end = token
        if not (pos <= start < end <= n):
            return f"token {k} ({start}, {end}) is empty, overlaps or is outside the text"
        if text[pos:start].strip():
            return f"text before token {k} at {pos}-{start} is in no token"
        if any(c.isspace() for c in text[start:end]):
            return f"token {k} ({start}, {end}) contains whitespace"
        pos = end
    if text[pos:].strip():
        return f"text after the last token at {pos}-{n} is in no token"
    return None
