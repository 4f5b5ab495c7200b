"""Tests for the exact regex prefilters: they may skip a regex only when it cannot match."""

from __future__ import annotations

import random
import re

import pytest

from news.textmatch import (
    RowTable,
    contains_any,
    first_chars,
    fold_case,
    has_blank_run,
    max_width,
    required_literals,
    starts_floating,
)

ROWS = [
    ("noise", r"advertisement|sponsored(?: content)?"),
    ("noise", r"(?-i:(?i:by)\s+[A-Z][a-z]+)"),
    ("end", r"(?:\d+\s+)?comments?"),
    ("end", r".{0,40}\bthis site uses cookies\b.{0,100}"),
    ("end", r"(?:©|\(c\)|copyright\b).{0,80}|.{0,60}\ball rights reserved\b.{0,60}"),
    ("section", r"related(?: articles?| posts?)?:?"),
    ("section", r".*"),  # a catch-all after the others: the first group must still win
]
WORDS = ["Advertisement", "SPONSORED content", "by Jane", "BY jane", "12 comments", "Comments",
         "this site uses cookies", "This ſite uses cookies", "© 2025 Example", "(C) Example",
         "Copyright Foo", "all rights reserved", "ALL RİGHTS RESERVED", "Related articles",
         "news", "the", "İ", "ı", "K", " ", "\u00a0", "\t", ".", "x" * 70]


def _naive(text: str) -> str | None:
    """Reference: the first group with a row matching the whole text, row by row."""
    for group, rx in ROWS:
        if re.fullmatch(rx, text, re.IGNORECASE):
            return group
    return None


def test_row_table_agrees_with_trying_every_row() -> None:
    table = RowTable(ROWS, re.IGNORECASE)
    rng = random.Random(7)
    for _ in range(3000):
        text = rng.choice(["", " ", ", "]).join(rng.choices(WORDS, k=rng.randint(1, 4)))
        assert table.first_match(text, fold_case(text)) == _naive(text), text


def test_row_table_refuses_capturing_rows() -> None:
    with pytest.raises(ValueError, match="capture"):
        RowTable([("x", r"(a)b")])


def test_fold_case_matches_what_ignorecase_matches() -> None:
    for char in ("\u0130", "\u0131", "\u017f", "\u212a", "A", "Z"):
        letter = fold_case(char)
        assert re.fullmatch(letter, char, re.IGNORECASE), char


def test_required_literals() -> None:
    assert required_literals(r"advertisement|advert|ad", re.I) == {"ad"}
    assert required_literals(r".{0,9}\b(?:download|install)\b.*store", re.I) in (
        {"download", "install"}, {"store"})
    assert required_literals(r"\d{1,2}[-/.]\d{4}") == {"-", "/", "."}
    assert required_literals(r"a?b*") is None
    assert required_literals(r"© \d+|\(c\)") == {"© ", "(c)"}


def test_width_and_floating() -> None:
    assert max_width(r"ab{0,3}") == 4
    assert max_width(r"ab*") is None
    assert starts_floating(r".{0,40}\bcookies")
    assert not starts_floating(r"cookies.{0,40}")


def test_has_blank_run_is_true_wherever_the_regex_matches() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choices(["a", "b", " ", "\t", "\n", "\u00a0", "\u3000", "é"], k=6))
        if re.search(r"\s{2,}", text):
            assert has_blank_run(text), repr(text)
    assert not has_blank_run("a b c")
    assert not has_blank_run("é b c")


def test_contains_any() -> None:
    assert contains_any("hello world", None)
    assert contains_any("hello world", frozenset({"xyz", "wor"}))
    assert not contains_any("hello world", frozenset({"xyz"}))


def test_first_chars() -> None:
    assert first_chars(r"advertisement|sponsored(?: content)?", re.I) == {"a", "s"}
    assert first_chars(r"\(?(?:file |photo)s?", re.I) == {"(", "f", "p"}
    assert first_chars(r"(?-i:(?i:by)\s+[A-Z])", re.I) == {"b"}
    assert first_chars(r"\b(?=x)[-*|]+") == {"-", "*", "|"}
    assert first_chars(r"(?:time)?\s*\d+") is None  # \s: any blank
    assert first_chars(r".{0,9}x") is None
    assert first_chars(r"a?") is None  # may match empty text


def test_row_table_first_character_dispatch_keeps_the_first_group() -> None:
    rows = [("a", r"\d+ comments"), ("b", r"comments?"), ("c", r"[-*]+"), ("d", r"(?:\d+\s+)?comments")]
    table = RowTable(rows, re.IGNORECASE)
    for text in ("3 comments", "Comments", "COMMENT", "--", "ſ", "K", "x", "2  Comments"):
        expected = next((g for g, rx in rows if re.fullmatch(rx, text, re.I)), None)
        assert table.first_match(text, fold_case(text)) == expected, text
