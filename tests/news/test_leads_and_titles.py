"""Headline-less text: the lead is kept, titles end at a real boundary, short articles load."""

from __future__ import annotations

import pytest

from news.split.splitter import split_document
from news.split.text import MAX_TITLE_CHARS, fallback_title
from news.summarize.summary import summarize
from news.types import ExtractedDocument

LEAD = (
    "The town council of Westhaven voted on Monday to close the old harbour bridge to lorries "
    "after engineers found cracks in two of its steel supports."
)
REST = [
    "Engineers from the regional roads agency inspected the bridge last week and said the "
    "cracks had grown since the last survey in spring.",
    "'We cannot take any risk with a bridge that carries school buses,' said the mayor.",
    "Lorries will be sent along the coast road, which adds about twenty minutes to the trip "
    "to the ferry port, according to the agency.",
    "A local baker said her deliveries would now start an hour earlier.",
    "The council expects repairs to take at least four months and to cost about two million.",
]
ARTICLE = LEAD + " " + " ".join(REST)


def _text(text: str) -> ExtractedDocument:
    return ExtractedDocument(text=text, format="text")


def test_headline_less_text_keeps_its_lead_in_the_summary() -> None:
    items = split_document(_text(ARTICLE))
    assert len(items) == 1 and items[0].title_from_body
    summary = summarize(items[0].title, items[0].body, title_from_body=items[0].title_from_body)
    assert summary.startswith(LEAD)


def test_real_headline_echo_is_still_dropped() -> None:
    body = "Harbour bridge shut to lorries\n" + ARTICLE
    assert summarize("Harbour bridge shut to lorries", body).startswith(LEAD)


def test_long_summary_skips_first_person_quotes_and_stays_verbatim() -> None:
    summary = summarize("Harbour bridge shut to lorries", ARTICLE)
    assert len(summary) <= 350 and "We cannot" not in summary
    assert summary.startswith(LEAD + " " + REST[0])
    assert ARTICLE.replace(REST[1] + " ", "").startswith(summary.removesuffix("…"))


def test_last_sentence_is_cut_at_a_clause_boundary() -> None:
    summary = summarize("Harbour bridge shut to lorries", ARTICLE)
    assert summary.endswith("the coast road…")


@pytest.mark.parametrize(
    ("body", "title"),
    [
        (
            "Gov. Mara Lind of Westhaven signed the harbour bill on Monday. Critics objected.",
            "Gov. Mara Lind of Westhaven signed the harbour bill on Monday",
        ),
        (
            "Club owner John W. Henry sold his shares to Dr. Ada Moss. The deal closed on Friday.",
            "Club owner John W. Henry sold his shares to Dr. Ada Moss",
        ),
        (
            "The regional roads agency closed the old harbour bridge to lorries on Monday, "
            "after engineers found cracks in two of its steel supports during a routine survey.",
            "The regional roads agency closed the old harbour bridge to lorries on Monday",
        ),
    ],
)
def test_fallback_title_ends_at_a_sentence_or_clause(body: str, title: str) -> None:
    assert fallback_title(body) == title


def test_long_fallback_title_without_clause_is_cut_at_a_word() -> None:
    body = " ".join(["Westhaven"] + ["harbour"] * 40) + "."
    title = fallback_title(body)
    assert len(title) <= MAX_TITLE_CHARS and title.endswith("harbour…")


@pytest.mark.parametrize(
    "text",
    [
        "Harbour bridge reopens\n\n"
        "The harbour bridge in Westhaven reopened to traffic on Monday after three weeks of repairs,",
        "The harbour bridge in Westhaven reopened to traffic on Monday after three weeks of repairs",
        "Harbour bridge reopens to traffic in Westhaven\n\nHarbour bridge reopens to traffic in Westhaven",
    ],
)
def test_one_paragraph_article_loads_as_one_item(text: str) -> None:
    items = split_document(_text(text))
    assert len(items) == 1
    assert "reopen" in items[0].title and "reopen" in items[0].body


def test_headline_of_a_one_paragraph_article_is_its_title() -> None:
    text = "Harbour bridge reopens\n\nThe bridge reopened on Monday after three weeks of repairs"
    [item] = split_document(_text(text))
    assert (item.title, item.body) == ("Harbour bridge reopens", text.split("\n\n")[1])
    assert not item.title_from_body


def test_tiny_text_still_yields_nothing() -> None:
    assert split_document(_text("Bridge news\nToo short.")) == []
