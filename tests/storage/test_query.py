"""User text to full-text queries: anything typed must become a valid query."""

from __future__ import annotations

import pytest

from storage.query import parse_query, to_fts5, to_tsquery


def test_plain_words_are_anded_and_quoted():
    q = parse_query("India sanctions")
    assert to_fts5(q) == '"india" AND "sanctions"'


def test_phrases_exclusions_prefix_and_or():
    q = parse_query('"New Delhi" sanc* OR tariffs -oil')
    assert to_fts5(q) == '"new delhi" AND ("sanc"* OR "tariffs") NOT "oil"'


def test_a_prefix_shorter_than_three_letters_is_a_whole_word():
    assert to_fts5(parse_query("co* tariffs")) == '"co" AND "tariffs"'
    assert to_fts5(parse_query("tar*")) == '"tar"*'
    assert to_tsquery(parse_query("co*")) == to_tsquery(parse_query("co"))


@pytest.mark.parametrize(
    "text", ['"', "(", "a AND (b", "***", "-", "NOT", 'x" OR', "AND OR NOT", "' ; DROP TABLE items"]
)
def test_malformed_input_never_raises(text):
    q = parse_query(text)
    fts = to_fts5(q)
    assert fts.count('"') % 2 == 0  # every token stays quoted


def test_only_exclusions_is_empty():
    assert parse_query("-oil -gas").is_empty
    assert parse_query("").is_empty
    assert not parse_query("oil").is_empty


def test_not_operator_excludes_next_word():
    q = parse_query("NOT gas oil")
    assert [t.words for t in q.excluded] == [("gas",)]
    assert to_fts5(q) == '"oil" NOT "gas"'


def test_unicode_words_are_kept():
    q = parse_query("санкции Россия")
    assert to_fts5(q) == '"санкции" AND "россия"'


def test_tsquery_rendering():
    q = parse_query('"New Delhi" sanc* OR tariffs -oil')
    assert to_tsquery(q) == "(('new' <-> 'delhi')) & ('sanc':* | 'tariffs') & !'oil'"
