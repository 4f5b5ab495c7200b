"""Tests for news.sentences.split_sentences."""

from __future__ import annotations

import pytest

from news.sentences import split_sentences


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. Senate voted on the bill late at night.",
        "Officials from the U.K. and the U.N. met in Geneva on Tuesday.",
        "Mr. Novak and Mrs. Kowal greeted Dr. Adeyemi at the door.",
        "Gen. Harris, Lt. Ortiz and Sen. Blake toured the base with Rep. Moore.",
        "The parade moved down St. Anne Street toward the harbour.",
        "Rivera Jr. spoke for Acme Inc. and Delta Corp. at the hearing.",
        "Smaller lenders, e.g. credit unions, i.e. member-owned banks, were spared.",
        "Fruit, bread, etc. were handed out in the square.",
        "The treaty was signed on Jan. 14 and ratified on Sept. 3 in the capital.",
        "Vice President J.D. Vance met S. Jaishankar in the afternoon.",
        "Growth slowed to 2.5 per cent as the fund spent $1.2bn on bonds.",
        "The motion, listed as No. 5 on the agenda, passed easily.",
        "He paused... and then continued with the speech.",
        "Team A vs. Team B ended in a draw after extra time.",
    ],
)
def test_abbreviations_do_not_split(text: str) -> None:
    assert split_sentences(text) == [text]


def test_splits_plain_sentences() -> None:
    text = "The vote passed. Markets rose! Will it last? Nobody knows."
    assert split_sentences(text) == ["The vote passed.", "Markets rose!", "Will it last?", "Nobody knows."]


@pytest.mark.parametrize("closing", ['."', ".”", "?’", '!"'])
def test_closing_quote_belongs_to_ending_sentence(closing: str) -> None:
    opening = "“" if closing.endswith("”") else ("‘" if closing.endswith("’") else '"')
    text = f"She said {opening}we will stay{closing} The crowd cheered."
    assert split_sentences(text) == [f"She said {opening}we will stay{closing}", "The crowd cheered."]


def test_ambiguous_abbreviation_ends_sentence_before_a_clause_opener() -> None:
    text = "The delegation flew to the U.S. The visit lasted two days."
    assert split_sentences(text) == ["The delegation flew to the U.S.", "The visit lasted two days."]


def test_sentence_may_start_with_digit_or_quote() -> None:
    text = 'Talks ended. 2024 was a hard year. "We tried," he said.'
    assert split_sentences(text) == ["Talks ended.", "2024 was a hard year.", '"We tried," he said.']


def test_lowercase_after_question_mark_does_not_split() -> None:
    text = '"Why now?" asked the minister, frowning.'
    assert split_sentences(text) == [text]


def test_paragraph_breaks_always_end_a_sentence() -> None:
    text = "A headline without a stop\n\nFirst body sentence here\nSecond line as paragraph.\n"
    assert split_sentences(text) == [
        "A headline without a stop",
        "First body sentence here",
        "Second line as paragraph.",
    ]


def test_lowercase_continuation_line_is_joined() -> None:
    text = "The minister said the plan\nwould be delayed until spring."
    assert split_sentences(text) == [text]


def test_hard_wrapped_block_is_joined() -> None:
    text = (
        "The regional council approved a new budget on Monday after a long debate over\n"
        "Funding for schools and roads, which had divided the members for several months\n"
        "And threatened to delay the whole plan. Officials welcomed it.\n"
    )
    out = split_sentences(text)
    assert len(out) == 2
    assert out[0].startswith("The regional council") and out[0].endswith("whole plan.")


def test_slices_are_verbatim_and_in_order() -> None:
    text = "  One sentence here.   Two follows it!\n\nThree ends the text?  "
    out = split_sentences(text)
    assert out == ["One sentence here.", "Two follows it!", "Three ends the text?"]
    positions = [text.index(s) for s in out]
    assert positions == sorted(positions)


def test_empty_and_whitespace() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t") == []


def test_cyrillic_and_cjk() -> None:
    text = "Президент В. Путин прибыл в Минск. Переговоры начались утром.\n会议开始了。双方进行了会谈。"
    assert split_sentences(text) == [
        "Президент В. Путин прибыл в Минск.",
        "Переговоры начались утром.",
        "会议开始了。",
        "双方进行了会谈。",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # longer than any abbreviation: a sentence end without looking the word up
        ("It rose by approx. Ten people came.", ["It rose by approx. Ten people came."]),
        ("It rose sharply. Ten people came.", ["It rose sharply.", "Ten people came."]),
        ("Figures came from x.quoted12345. Then it ended.", ["Figures came from x.quoted12345.", "Then it ended."]),
        ("Visitors came from the A.B.C.D. Then it ended.", ["Visitors came from the A.B.C.D.", "Then it ended."]),
        ("Visitors came from the A.B.C.D. The end.", ["Visitors came from the A.B.C.D.", "The end."]),
        ("Sample.\nLine two.", ["Sample.", "Line two."]),
    ],
)
def test_long_words_before_a_period_end_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
