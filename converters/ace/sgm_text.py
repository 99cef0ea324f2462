"""ACE ``.sgm`` source text: tag removal, character references and the two offset systems.

ACE APF offsets (``charseq START``/``END``, END inclusive) count the characters of the ``.sgm``
file after removing its tags only: character references such as ``&amp;`` are NOT decoded and
count as their five characters. That is the LDC files' convention, and the JET, CoreNLP and
DyGIE++ readers follow it. Users, though, should see ``&``, so ``Document.text`` is the decoded
text and :class:`SgmText` maps offsets between the two:

- ``raw``  -- the ``.sgm`` with every ``<...>`` tag removed; ACE offsets index this string.
- ``text`` -- ``raw`` with character references decoded; ``Document.text`` is this string.

Decoded references: the five XML ones (``&amp; &lt; &gt; &quot; &apos;``) and numeric ones
(``&#38;``, ``&#x26;``). Any other ``&name;`` (SGML entities such as ``&nbsp;``) is left as it
is, in both strings, because its meaning depends on an SGML declaration we do not have.

A text offset is a boundary between characters (Python slicing); a raw offset may fall inside a
reference, which no text offset can express -- :meth:`SgmText.charseq_to_span` reports such
spans as inexact so the ACE writer can keep the original raw offsets.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

TAG_RE = re.compile(r"<[^>]*>")
REFERENCE_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _decode_reference(body: str) -> str | None:
    """The character a reference body (``amp``, ``#38``, ``#x26``) stands for, or ``None``."""
    if body in _NAMED:
        return _NAMED[body]
    code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def strip_tags(sgm: str) -> str:
    """The ``.sgm`` with tags removed: the string ACE offsets count.

    Only the part up to the last ``>`` can hold a tag; a ``<`` after it is plain text. Cutting
    there first keeps this linear: on a hostile file of many ``<`` and no ``>`` the regex
    alone would rescan to the end from every ``<`` (quadratic: minutes for a megabyte).
    """
    last = sgm.rfind(">")
    if last < 0:
        return sgm
    return TAG_RE.sub("", sgm[: last + 1]) + sgm[last + 1 :]


def escape_text(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so ``text`` can sit inside an ``.sgm`` element."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class SgmText:
    """An ``.sgm`` file's text in both offset systems, with maps between them.

    ``raw_starts[i]`` is where text character ``i`` begins in ``raw``; the list ends with
    ``len(raw)`` so text boundary ``len(text)`` maps too.
    """

    sgm: str
    raw: str
    text: str
    raw_starts: list[int] = field(repr=False)

    @classmethod
    def parse(cls, sgm: str) -> SgmText:
        """Split an ``.sgm`` file's content into raw (tag-stripped) and decoded text."""
        raw = strip_tags(sgm)
        pieces: list[str] = []
        starts: list[int] = []
        pos = 0
        for match in REFERENCE_RE.finditer(raw):
            char = _decode_reference(match.group(1))
            if char is None:
                continue
            pieces.append(raw[pos : match.start()])
            starts.extend(range(pos, match.start()))
            pieces.append(char)
            starts.append(match.start())
            pos = match.end()
        pieces.append(raw[pos:])
        starts.extend(range(pos, len(raw) + 1))
        return cls(sgm=sgm, raw=raw, text="".join(pieces), raw_starts=starts)

    @classmethod
    def from_text(cls, text: str, docid: str) -> SgmText:
        """A minimal ``.sgm`` whose decoded text is exactly ``text``.

        Nothing but tags surrounds the text (the document id goes in a ``DOC`` attribute, not
        a ``DOCID`` element), so text offsets written to ACE and read back are unchanged.
        """
        docid_attr = escape_text(docid).replace('"', "&quot;")
        sgm = f'<DOC DOCID="{docid_attr}"><TEXT>{escape_text(text)}</TEXT></DOC>'
        made = cls.parse(sgm)
        if made.text != text:  # pragma: no cover - escape_text/parse are inverse by design
            raise AssertionError("sgm escaping does not round-trip")
        return made

    # -- offsets ---------------------------------------------------------------------------
    def text_to_raw(self, offset: int) -> int:
        """Raw offset of text boundary ``offset`` (0 <= offset <= len(text))."""
        if not 0 <= offset <= len(self.text):
            raise IndexError(f"text offset {offset} outside 0..{len(self.text)}")
        return self.raw_starts[offset]

    def raw_to_text(self, offset: int) -> int:
        """Text index of the character that covers raw offset ``offset``.

        At a character boundary this is the exact inverse of :meth:`text_to_raw`; inside a
        reference (``&a|mp;``) it is the reference's decoded character.
        """
        if not 0 <= offset <= len(self.raw):
            raise IndexError(f"raw offset {offset} outside 0..{len(self.raw)}")
        return bisect_right(self.raw_starts, offset) - 1

    def is_raw_boundary(self, offset: int) -> bool:
        """Whether raw ``offset`` starts a text character (is not inside a reference)."""
        return self.raw_starts[self.raw_to_text(offset)] == offset

    def span_to_charseq(self, start: int, end: int) -> tuple[int, int]:
        """Text span ``[start, end)`` -> ACE ``(START, END)`` with END inclusive (raw)."""
        return self.text_to_raw(start), self.text_to_raw(end) - 1

    def charseq_to_span(self, start: int, end: int) -> tuple[int, int, bool]:
        """ACE ``(START, END)`` -> text span ``[start, end)`` and whether it is exact.

        Inexact means START or END falls inside a character reference; the span then covers
        the whole decoded character.
        """
        first = self.raw_to_text(start)
        last = self.raw_to_text(end)
        exact = self.raw_starts[first] == start and self.raw_starts[last + 1] == end + 1
        return first, last + 1, exact

    def raw_slice(self, start: int, end: int) -> str:
        """``raw[START:END+1]``: what an ACE charseq with these offsets contains."""
        return self.raw[start : end + 1]
