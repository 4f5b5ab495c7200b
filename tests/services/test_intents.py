"""Plain messages -> country, search, period or hint intents."""

from __future__ import annotations

from datetime import date

import pytest

from news.language import using_language
from services.intents import Intent, Period, Window, month_window, parse_intent


@pytest.mark.parametrize(("text", "country"), [
    ("what's new in India?", "IN"),
    ("What’s new in India", "IN"),
    ("news on Russia", "RU"),
    ("Serbia", "RS"),
    ("serbia", "RS"),
    ("any news from the Netherlands?", "NL"),
    ("tell me about South Korea please", "KR"),
    ("latest from the US", "US"),
    ("anything Russian?", "RU"),
    ("UK", "GB"),
    ("Brazilian news", "BR"),
])
def test_country_questions(text: str, country: str) -> None:
    assert parse_intent(text) == Intent("country", countries=(country,))


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
    assert parse_intent(text) == Intent("search", countries=(country,) if country else (), query=query)


@pytest.mark.parametrize("text", ["hello", "thanks!", "?", "", "   ", "ok cool", "what's new?",
                                  "Hi bot, any news?", "👍"])
def test_nothing_to_act_on_gets_a_hint(text: str) -> None:
    intent = parse_intent(text)
    assert intent == Intent("hint")


def test_short_words_are_not_country_codes() -> None:
    # "in", "it", "is", "us", "no" are ISO codes, but only capitals mean a country.
    assert parse_intent("is it in").kind == "hint"
    assert parse_intent("IT outage").country == "IT"


@pytest.mark.parametrize(("text", "countries"), [
    ("Russia and Ukraine", ("RU", "UA")),
    ("news on the US and Russia?", ("US", "RU")),
    ("India, China and Brazil", ("IN", "CN", "BR")),
    ("what about Turkey?", ("TR",)),
    ("Qatar?", ("QA",)),
    ("any news about Tajikistan", ("TJ",)),
    ("news from Belarus", ("BY",)),
])
def test_one_or_more_countries(text: str, countries: tuple[str, ...]) -> None:
    assert parse_intent(text) == Intent("country", countries=countries)


@pytest.mark.parametrize(("text", "kind", "period"), [
    ("What is happening in the United Kingdom today?", "country", Period("day", 0)),
    ("news about Russia this week", "country", Period("recent", 7)),
    ("Russia in March", "country", Period("month", 3)),
    ("India in May 2025", "country", Period("month", 5, 2025)),
    ("what happened yesterday?", "period", Period("day", 1)),
    ("what happened last month", "period", Period("month_ago", 1)),
    ("sanctions in March 2025", "search", Period("month", 3, 2025)),
])
def test_periods(text: str, kind: str, period: Period) -> None:
    intent = parse_intent(text)
    assert (intent.kind, intent.period) == (kind, period)
    assert "March" not in (intent.query or "") and "2025" not in (intent.query or "")


def test_may_is_a_month_only_when_it_reads_as_one() -> None:
    assert parse_intent("May I ask about Qatar?") == Intent("country", countries=("QA",))
    assert parse_intent("Qatar in may").period == Period("month", 5)


@pytest.mark.parametrize(("text", "intent"), [
    ("что нового в Индии в марте", Intent("country", countries=("IN",), period=Period("month", 3))),
    ("новости Индии за март 2025", Intent("country", countries=("IN",), period=Period("month", 3, 2025))),
    ("новости Китая с марта 2025 г.", Intent("country", countries=("CN",), period=Period("month", 3, 2025))),
    ("в марте 2025 года", Intent("period", period=Period("month", 3, 2025))),
    ("санкции в мае", Intent("search", query="санкции", period=Period("month", 5))),
    ("что нового в России за май", Intent("country", countries=("RU",), period=Period("month", 5))),
    ("новости о Китае за июнь", Intent("country", countries=("CN",), period=Period("month", 6))),
    ("в июле 2024", Intent("period", period=Period("month", 7, 2024))),
    ("с июля", Intent("period", period=Period("month", 7))),
    ("декабря 2024г", Intent("period", period=Period("month", 12, 2024))),
    ("Was gibt es Neues in Indien im März", Intent("country", countries=("IN",), period=Period("month", 3))),
    ("im März 2025", Intent("period", period=Period("month", 3, 2025))),
    ("Nachrichten zu Indien seit Maerz", Intent("country", countries=("IN",), period=Period("month", 3))),
    ("Neues in Indien im Dezember 2024", Intent("country", countries=("IN",), period=Period("month", 12, 2024))),
    ("Neues im Juni", Intent("period", period=Period("month", 6))),
    ("Inflation im Juli", Intent("search", query="Inflation", period=Period("month", 7))),
    ("Nachrichten von Okt 2024", Intent("period", period=Period("month", 10, 2024))),
])
def test_russian_and_german_months(text: str, intent: Intent) -> None:
    assert parse_intent(text) == intent


@pytest.mark.parametrize(("text", "query"), [
    ("новости про Марту", "Марту"),  # a name, not March
    ("Марта", "Марта"),  # Russian months are lower case: a capital alone is a name
    ("Wetter im Jan", "Wetter Jan"),  # "Jan" is also a first name
    ("mortgage APR", "mortgage APR"),  # an abbreviation alone is not a month
])
def test_words_like_month_names_are_searched(text: str, query: str) -> None:
    assert parse_intent(text) == Intent("search", query=query)


@pytest.mark.parametrize(("language", "label"), [
    ("en", "in March 2025"), ("ru", "за март 2025"), ("de", "im März 2025")])
def test_month_is_named_in_the_readers_language(language: str, label: str) -> None:
    with using_language(language):
        assert month_window(2025, 3).label == label
        assert parse_intent({"en": "in March 2025", "ru": "в марте 2025 года",
                             "de": "im März 2025"}[language]).period.window(date(2026, 1, 1)).label == label


@pytest.mark.parametrize(("period", "today", "newest", "window"), [
    (Period("recent", 7), date(2025, 3, 20), None,
     Window(date(2025, 3, 14), date(2025, 3, 20), "in the last 7 days")),
    (Period("day", 1), date(2025, 3, 1), None, Window(date(2025, 2, 28), date(2025, 2, 28), "yesterday")),
    (Period("month_ago", 1), date(2025, 1, 15), None,
     Window(date(2024, 12, 1), date(2024, 12, 31), "in December 2024")),
    # A month without a year: the latest one up to today, or up to the newest story stored.
    (Period("month", 3), date(2026, 12, 6), None, Window(date(2026, 3, 1), date(2026, 3, 31), "in March 2026")),
    (Period("month", 3), date(2026, 12, 6), date(2025, 5, 15),
     Window(date(2025, 3, 1), date(2025, 3, 31), "in March 2025")),
    (Period("month", 6), date(2026, 12, 6), date(2025, 5, 15),
     Window(date(2024, 6, 1), date(2024, 6, 30), "in June 2024")),
    (Period("month", 2, 2024), date(2026, 12, 6), None,
     Window(date(2024, 2, 1), date(2024, 2, 29), "in February 2024")),
])
def test_period_windows(period: Period, today: date, newest: date | None, window: Window) -> None:
    assert period.window(today, newest) == window
