"""Plain messages -> country, search or hint intents."""

from __future__ import annotations

import pytest

from services.intents import Intent, parse_intent


@pytest.mark.parametrize(("text", "country"), [
    ("what's new in India?", "IN"),
    ("What’s new in India", "IN"),
    ("news on Russia", "RU"),
    ("Serbia", "RS"),
    ("serbia", "RS"),
    ("any news from the Netherlands?", "NL"),
    ("What is happening in the United Kingdom today?", "GB"),
    ("tell me about South Korea please", "KR"),
    ("latest from the US", "US"),
    ("anything Russian?", "RU"),
    ("UK", "GB"),
    ("Brazilian news", "BR"),
])
def test_country_questions(text: str, country: str) -> None:
    assert parse_intent(text) == Intent("country", country=country)


@pytest.mark.parametrize(("text", "query", "country"), [
    ("anything about sanctions?", "sanctions", None),
    ("grain deal", "grain deal", None),
    ("sanctions on Russia", "sanctions", "RU"),
    ("Russian oil exports", "oil exports", "RU"),
    ("what about elections in South Korea?", "elections", "KR"),
    ("tell us about inflation", "inflation", None),
    ("is it raining", "raining", None),
])
def test_searches(text: str, query: str, country: str | None) -> None:
    assert parse_intent(text) == Intent("search", country=country, query=query)


@pytest.mark.parametrize("text", ["hello", "thanks!", "?", "", "   ", "ok cool", "what's new?",
                                  "Hi bot, any news?", "👍"])
def test_nothing_to_act_on_gets_a_hint(text: str) -> None:
    intent = parse_intent(text)
    assert intent == Intent("hint")


def test_short_words_are_not_country_codes() -> None:
    # "in", "it", "is", "us", "no" are ISO codes, but only capitals mean a country.
    assert parse_intent("is it in").kind == "hint"
    assert parse_intent("IT outage").country == "IT"
