"""The .sgm text model: tag stripping, reference decoding and the two offset systems."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from converters.ace.sgm_text import SgmText, escape_text, strip_tags


def test_parse_keeps_unknown_entities_and_decodes_numeric_ones() -> None:
    src = SgmText.parse("<DOC><TEXT>a&amp;b &#38;&#x3C; &nbsp; &bogus</TEXT></DOC>")
    assert src.raw == "a&amp;b &#38;&#x3C; &nbsp; &bogus"
    assert src.text == "a&b &< &nbsp; &bogus"
    assert src.charseq_to_span(1, 5) == (1, 2, True)  # "&amp;" -> "&"
    assert src.charseq_to_span(2, 5) == (1, 2, False)  # starts inside the reference


@given(st.text(alphabet=st.sampled_from("ab &<>;#\n\r\u00e9x"), max_size=60))
def test_from_text_round_trips_and_maps_invert(text: str) -> None:
    src = SgmText.from_text(text, "doc&1")
    again = SgmText.parse(src.sgm)
    assert again.text == text
    assert again.raw == strip_tags(src.sgm) == escape_text(text)
    for i in range(len(text) + 1):
        raw = again.text_to_raw(i)
        assert again.raw_to_text(raw) == i and again.is_raw_boundary(raw)
    for i in range(len(text)):
        start, end = again.span_to_charseq(i, i + 1)
        assert again.charseq_to_span(start, end) == (i, i + 1, True)
        assert SgmText.parse(again.raw_slice(start, end)).text == text[i]
