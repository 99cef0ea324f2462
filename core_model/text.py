"""Raw text to sentences of word tokens with exact character offsets.

syntok (maintained, pure Python, already a project dependency) is used rather than pysbd
because it segments *and* tokenizes in one pass and reports each token's offset into the
original string, so offsets never need re-aligning; tokens are checked against the text anyway.
"""

from __future__ import annotations

import syntok.segmenter as segmenter

from .documents import Doc


def split_text(text: str, doc_id: str | None = None) -> Doc:
    """A ``Doc`` with one entry in ``sentences`` per sentence; empty text gives no tokens."""
    tokens: list[str] = []
    offsets: list[tuple[int, int]] = []
    sentences: list[tuple[int, int]] = []
    for paragraph in segmenter.analyze(text):
        for sentence in paragraph:
            first = len(tokens)
            for tok in sentence:
                value = tok.value
                start = tok.offset
                if not value or text[start : start + len(value)] != value:
                    # syntok normalises nothing we know of, but never trust a misaligned token
                    found = text.find(value, offsets[-1][1] if offsets else 0)
                    if not value or found < 0:
                        continue
                    start = found
                tokens.append(value)
                offsets.append((start, start + len(value)))
            if len(tokens) > first:
                sentences.append((first, len(tokens)))
    return Doc(tokens=tokens, doc_id=doc_id, text=text, token_offsets=offsets, sentences=sentences)
