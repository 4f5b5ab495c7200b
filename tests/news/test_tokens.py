"""Tests for news.tokens: the batched tokenisers agree with the one-text ones."""

from __future__ import annotations

import pytest

from news.tokens import (
    content_words,
    content_words_of_lines,
    raw_words,
    stem,
    words,
    words_of_lines,
)

TEXTS = [
    "Farmers' unions rejected the plan, officials said.",
    "Don't ''quote'' me: it's the 'best' deal 'tis ever seen'",
    "'Leading and trailing' apostrophes ' alone '",
    "Plain ASCII with digits 2024 and under_scores.",
    "Non-ASCII “quotes” — and Straße, İstanbul…",
    "",
    "   ",
]


@pytest.mark.parametrize("text", TEXTS)
def test_words_match_the_pattern(text: str) -> None:
    assert words(text) == [w.casefold() for w in raw_words(text.casefold().replace("’", "'"))]


def test_lines_tokenise_like_single_texts() -> None:
    assert words_of_lines(TEXTS) == [words(t) for t in TEXTS]
    assert content_words_of_lines(TEXTS) == [content_words(t) for t in TEXTS]


def test_typographic_lines_tokenise_like_single_texts() -> None:
    # Quotes, dashes and ellipses only: the batch reads them as ASCII in one pass.
    texts = ["He said “no” — twice…", "The minister’s ‘final’ offer – «rejected»", "Plain."]
    assert words_of_lines(texts) == [words(t) for t in texts]
    assert content_words_of_lines(texts) == [content_words(t) for t in texts]


def test_lines_holding_newlines_fall_back_to_single_texts() -> None:
    texts = ["one line", "two\nlines here", "it's"]
    assert words_of_lines(texts) == [words(t) for t in texts]
    assert words_of_lines([]) == []


def test_content_words_learns_new_tokens_once() -> None:
    first = content_words("Zyxwvut zyxwvuts were quoted 12345 times")
    assert first == ["zyxwvut", "zyxwvut", "quot", "time"]
    assert content_words("Zyxwvut zyxwvuts were quoted 12345 times") == first


@pytest.mark.parametrize(("word", "stemmed"), [
    ("", ""), ("s", "s"), ("'s", ""), ("talks", "talk"), ("talk", "talk"), ("press", "press"),
    ("rising", "ris"), ("king", "king"), ("sing", "sing"), ("announced", "announc"),
    ("red", "red"), ("parties", "party"), ("ties", "tie"), ("meeting's", "meet"),
    ("russia's", "russia"), ("quoted12345", "quoted12345"), ("2024", "2024"), ("g", "g"),
    ("d", "d"), ("used", "used"),
])
def test_stem_strips_inflections_and_leaves_other_words(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed
