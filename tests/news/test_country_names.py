"""Country names typed in the bot's other languages, in any grammatical case, and the Russian
and German question shapes."""

from __future__ import annotations

import pytest

from news.countries.lookup import UnknownCountryError, resolve_country
from news.countries.names import localized_name, russian_forms
from services.intents import parse_intent


@pytest.mark.parametrize(("text", "code"), [
    ("Индия", "IN"), ("Индии", "IN"), ("Индию", "IN"), ("Индией", "IN"), ("индии", "IN"),
    ("Германии", "DE"), ("Китае", "CN"), ("Китаем", "CN"), ("США", "US"),
    ("Соединенных Штатах", "US"), ("Южной Корее", "KR"), ("Израиле", "IL"), ("Ирана", "IR"),
    ("Нидерландах", "NL"), ("России", "RU"), ("Россия", "RU"),
    ("Indien", "IN"), ("Indiens", "IN"), ("Russland", "RU"), ("Deutschlands", "DE"),
])
def test_localized_names_in_any_case_resolve(text: str, code: str) -> None:
    assert resolve_country(text) == code


def test_unknown_words_stay_unknown() -> None:
    with pytest.raises(UnknownCountryError):
        resolve_country("Абракадабра")


def test_russian_declension_rule() -> None:
    assert russian_forms("Индия") == ["Индия", "Индии", "Индии", "Индию", "Индией", "Индии"]
    assert russian_forms("Китай")[5] == "Китае" and russian_forms("Иран")[4] == "Ираном"
    assert russian_forms("Южная Корея")[5] == "Южной Корее"
    assert set(russian_forms("Перу")) == {"Перу"}  # indeclinable
    assert localized_name("IN", "ru") == "Индия" and localized_name("IN", "de") == "Indien"


@pytest.mark.parametrize(("text", "countries", "kind"), [
    ("что нового в Индии?", ("IN",), "country"),
    ("новости о Китае", ("CN",), "country"),
    ("что с Германией?", ("DE",), "country"),
    ("Россия и Украина", ("RU", "UA"), "country"),
    ("was gibt es Neues in Indien?", ("IN",), "country"),
    ("what's new in India?", ("IN",), "country"),
])
def test_question_shapes_in_each_language(text: str, countries: tuple, kind: str) -> None:
    intent = parse_intent(text)
    assert (intent.kind, intent.countries) == (kind, countries), intent


def test_russian_periods_and_searches() -> None:
    today = parse_intent("что нового в США сегодня?")
    assert today.countries == ("US",) and today.period and today.period.kind == "day"
    search = parse_intent("новости о санкциях против России")
    assert search.kind == "search" and search.countries == ("RU",) and "санкциях" in search.query
