"""Tests for news.dates: parse_date and find_date."""

from __future__ import annotations

from datetime import date

import pytest

from news.dates import find_date, find_date_span, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16 March 2025", date(2025, 3, 16)),
        ("16 Mar 2025", date(2025, 3, 16)),
        ("3rd of September, 2024", date(2024, 9, 3)),
        ("March 18, 2025", date(2025, 3, 18)),
        ("Mar. 18, 2025", date(2025, 3, 18)),
        ("Sept. 4, 2023", date(2023, 9, 4)),
        ("15-05-2025", date(2025, 5, 15)),
        ("15/05/2025", date(2025, 5, 15)),
        ("15.05.2025", date(2025, 5, 15)),
        ("2025-05-15", date(2025, 5, 15)),
        ("2025-05-15T10:31:00Z", date(2025, 5, 15)),
        ("2025-05-15 10:31", date(2025, 5, 15)),
        ("Tuesday, 18 March 2025", date(2025, 3, 18)),
        ("Tue 18 Mar 2025 10:31 IST", date(2025, 3, 18)),
        ("  july 4, 2020  ", date(2020, 7, 4)),
    ],
)
def test_parse_date_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_numeric_dates_prefer_day_first_when_ambiguous() -> None:
    assert parse_date("03/04/2025") == date(2025, 4, 3)
    assert parse_date("03-04-2025") == date(2025, 4, 3)


def test_numeric_dates_fall_back_to_month_first_when_day_first_is_impossible() -> None:
    assert parse_date("05/15/2025") == date(2025, 5, 15)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world",
        "March 2025",  # no day: never invent one
        "31 February 2025",
        "30/02/2024",
        "2025-13-01",
        "16 March 1850",  # outside 1990..2100
        "16 March 2150",
        "13/13/2025",
        "The talks on 16 March 2025 went well",  # not a date on its own
    ],
)
def test_parse_date_rejects(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Time of India15-05-2025", date(2025, 5, 15)),
        ("Updated: March 18, 2025 10:31 IST", date(2025, 3, 18)),
        ("[TASS](#), 16 March 2025", date(2025, 3, 16)),
        ("Published on 2024-11-02 by the desk", date(2024, 11, 2)),
        ("Posted Friday, 7 June 2024 at noon", date(2024, 6, 7)),
    ],
)
def test_find_date_inside_longer_text(text: str, expected: date) -> None:
    assert find_date(text) == expected


def test_find_date_skips_impossible_dates_and_takes_the_first_valid_one() -> None:
    assert find_date("Filed 31/02/2025, corrected 01/03/2025") == date(2025, 3, 1)
    assert find_date("from 2 May 2024 until 9 May 2024") == date(2024, 5, 2)


@pytest.mark.parametrize(
    "text", ["no date here", "about 12 people on the 3rd", "in 2025", "March 2025 report"]
)
def test_find_date_returns_none_without_a_date(text: str) -> None:
    assert find_date(text) is None


def test_find_date_span_reports_offsets() -> None:
    text = "Desk Report 12-06-2025"
    found = find_date_span(text)
    assert found is not None
    value, start, end = found
    assert value == date(2025, 6, 12)
    assert text[start:end] == "12-06-2025"
