"""The shared word tokenizer: offsets slice back to the tokens, whatever the script."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from converters.tokenize import check_tokens, split_at, tokenize, whitespace_tokenize


def words(text: str) -> list[str]:
    return [text[s:e] for s, e in tokenize(text)]


def test_empty_and_blank_text_have_no_tokens() -> None:
    assert tokenize("") == []
    assert tokenize(" \t\r\n\u00a0\u2003") == []
    assert whitespace_tokenize("") == []


def test_punctuation_is_split_off_but_words_stay_whole() -> None:
    text = "Mr. Smith didn't go to the U.S. in 1999, said self-propelled (x)."
    assert words(text) == [
        "Mr", ".", "Smith", "didn't", "go", "to", "the", "U.S.", "in", "1999", ",",
        "said", "self-propelled", "(", "x", ")", ".",
    ]  # fmt: skip


def test_numbers_clitics_and_repeated_punctuation() -> None:
    assert words("1,000 3.14 10:30 1/2 e.g. --- ...") == [
        "1,000", "3.14", "10:30", "1/2", "e.g.", "---", "...",
    ]  # fmt: skip
    assert words("John 's car , isn 't") == ["John", "'s", "car", ",", "isn", "'t"]
    assert words("'hello'") == ["'", "hello", "'"]


def test_crlf_and_tabs_are_separators() -> None:
    text = "one\r\ntwo\tthree\r\n\r\nfour\x0bfive"
    assert words(text) == ["one", "two", "three", "four", "five"]
    assert all("\r" not in w for w in words(text))


def test_unicode_marks_emoji_and_rtl() -> None:
    decomposed = "cafe\u0301 e\u0301te\u0301"
    assert words(decomposed) == ["cafe\u0301", "e\u0301te\u0301"]
    assert words("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]
    assert words("مرحبا، بالعالم!") == ["مرحبا", "،", "بالعالم", "!"]
    assert words("שלום עולם.") == ["שלום", "עולם", "."]
    assert words("hi 😀👍🏽 👨\u200d👩\u200d👧 🇫🇷🇩🇪 1\ufe0f\u20e3") == [
        "hi", "😀", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "🇩🇪", "1\ufe0f\u20e3",
    ]  # fmt: skip


def test_whitespace_tokenize_splits_only_on_whitespace() -> None:
    text = "said. U.S. (x)\n\tend"
    assert [text[s:e] for s, e in whitespace_tokenize(text)] == ["said.", "U.S.", "(x)", "end"]


def test_split_at_cuts_only_inside_tokens() -> None:
    tokens = [(0, 5), (6, 10)]
    assert split_at(tokens, [0, 2, 5, 6, 8, 8, 10]) == [(0, 2), (2, 5), (6, 8), (8, 10)]
    assert split_at(tokens, []) == tokens
    assert split_at([(0, 4)], [1, 2, 3]) == [(0, 1), (1, 2), (2, 3), (3, 4)]


@pytest.mark.parametrize(
    ("tokens", "reason"),
    [
        ([[0, 1], [0, 3]], "overlaps"),
        ([[0, 3]], "whitespace"),
        ([[0, 1]], "after the last token"),
        ([[2, 3]], "before token 0"),
        ([[0, "1"]], "pair of integers"),
        ([[0, 9]], "outside"),
    ],
)
def test_check_tokens_names_the_problem(tokens: list, reason: str) -> None:
    why = check_tokens("a b", tokens)
    assert why is not None and reason in why


def test_check_tokens_accepts_a_valid_tokenization() -> None:
    assert check_tokens(" a  bc ", [[1, 2], [4, 6]]) is None
    assert check_tokens("", []) is None


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_tokens_slice_back_cover_all_text_and_hold_no_whitespace(text: str) -> None:
    tokens = tokenize(text)
    assert check_tokens(text, tokens) is None
    assert tokenize(text) == tokens  # deterministic
    for s, e in whitespace_tokenize(text):
        assert text[s:e].strip() == text[s:e]
