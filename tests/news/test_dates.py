"""Tests for news.dates: parse_date, find_date and date lines."""

from __future__ import annotations

from datetime import date

import pytest

from news.dates import (
    DateLine,
    find_date,
    find_date_span,
    is_date_line,
    parse_date,
    read_date_line,
)


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


# ---- date lines: the stamp under (or over) a headline ----


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("04/03/25 1:30 AM EST", date(2025, 4, 3)),  # US stamp: month first
        ("Thu Apr 3, 2025 2:41pm EDT", date(2025, 4, 3)),
        ("Posted: Thursday, April 3, 2025", date(2025, 4, 3)),
        ("Updated 3:42 PM ET, Thu April 3, 2025", date(2025, 4, 3)),
        ("April 3, 2025 - 5:12PM", date(2025, 4, 3)),
        ("APRIL 3, 2025 11:34PM", date(2025, 4, 3)),
        ("2025-04-03T14:30:00Z", date(2025, 4, 3)),
        ("2025-04-03T14:30:00+02:00", date(2025, 4, 3)),
        ("03.04.2025 14:30", date(2025, 4, 3)),
        ("Published: 2025.04.03 09:01 AM", date(2025, 4, 3)),
        ("Last updated: 3 April 2025 at 16:12 BST", date(2025, 4, 3)),
        ("Thursday, April 3-2025 at 16:12", date(2025, 4, 3)),
        ("Edited on Thu Apr-03-25 03:49 PM", date(2025, 4, 3)),
        ("03-Apr-2025", date(2025, 4, 3)),
        ("First Posted: 04/03/25 06:44 PM ET Updated: 04/05/25 05:12 AM ET", date(2025, 4, 3)),
        ("on April 3, 2025 at 10:50 AM, updated April 5, 2025 at 12:16 PM", date(2025, 4, 3)),
        ("POSTED: 04/03/25, 9:00 PM PDT |", date(2025, 4, 3)),
        ("Fri., Apr. 4, 2025 11:45 AM PDT", date(2025, 4, 4)),
        ("on April 3rd, 2025", date(2025, 4, 3)),
        ("Article posted on 03.04.2025", date(2025, 4, 3)),
        ("4/3/98", date(1998, 4, 3)),  # a two-digit year from 90 up is in the 1900s
    ],
)
def test_date_lines_are_read_with_their_date(line: str, expected: date) -> None:
    assert read_date_line(line) == DateLine(expected, "")
    assert is_date_line(line)
    assert parse_date(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("04/13/25", date(2025, 4, 13)),  # 13 cannot be a month: month first
        ("13/04/25", date(2025, 4, 13)),  # 13 cannot be a month: day first
        ("04/03/25", date(2025, 4, 3)),  # both possible, two-digit year with "/": US month first
        ("04-03-25", date(2025, 4, 3)),  # the same with "-"
        ("04.03.25", date(2025, 3, 4)),  # dots are European: day first
        ("04/03/2025", date(2025, 3, 4)),  # four-digit year: day first (as find_date reads it)
        ("04/13/2025", date(2025, 4, 13)),  # unless only month first is possible
    ],
)
def test_ambiguous_numeric_dates_follow_one_explicit_rule(line: str, expected: date) -> None:
    assert parse_date(line) == expected


@pytest.mark.parametrize(
    "line", ["Apr. 3 4:33 AM EST", "Updated 9:06 AM", "14:30 GMT", "Thursday 9:30 a.m."]
)
def test_timestamps_without_a_year_are_date_lines_without_a_date(line: str) -> None:
    assert read_date_line(line) == DateLine(None, "")
    assert is_date_line(line)
    assert parse_date(line) is None  # no year written: none invented


def test_words_beside_a_date_are_kept_apart_from_it() -> None:
    assert read_date_line("Coastal Times | 3 April 2025 |") == DateLine(
        date(2025, 4, 3), "Coastal Times")
    assert not is_date_line("Coastal Times | 3 April 2025")


@pytest.mark.parametrize(
    "line",
    [
        "Harbour reopens at 9:06 AM",  # a sentence with a time
        "The fire started at 9:06 on Tuesday",
        "Final score 20-13",
        "10:30",  # a bare time: a score, a verse, a clock
        "Chapter 3:16",
        "March 2025",
        "Apr. 3",  # a day without year or time
        "2025-13-01",
        "31/02/25",
        "Flights cut on 3 April 2025",
        "ET phones home at 9",
        "x" * 200 + " 3 April 2025",
    ],
)
def test_lines_that_are_not_just_a_stamp(line: str) -> None:
    assert not is_date_line(line)
    found = read_date_line(line)
    assert found is None or found.residue


def test_two_digit_years_are_not_read_in_running_text() -> None:
    assert find_date("The squad won 3/4/12 of its games") is None
    assert find_date("Posted 04/03/25 at noon") is None


def test_long_lines_are_refused_at_once() -> None:
    assert read_date_line("3 April 2025 " + " " * 50_000 + "x") is None
