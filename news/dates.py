"""Parse and find calendar dates written the way news pages and newsletters write them."""

from __future__ import annotations

import logging
import re
from datetime import date
from operator import itemgetter

from news.textmatch import contains_any, fold_case, required_literals

logger = logging.getLogger(__name__)

MIN_YEAR = 1990
MAX_YEAR = 2100

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})(?!\d)"
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+"
# Each optional part carries the blanks before it: "\s*(?:am)?\s*(?:zone)?" and the "\s*" after
# the time left three ways to split a run of blanks, and a failing match tried them all
# (cubic: "1 January 2024 10:30" + 20,000 blanks + "x" never finished).
_TIME = (
    r"(?:[T\s,]+(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[ap]\.?m\.?)?"
    r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}|\(?[A-Z]{2,5}\)?))?)?"
)

# Each form: a regex (matched case-insensitively) and how to read (year, month, day) from it.
_FORMS: tuple[tuple[str, str], ...] = (
    ("iso", r"(?<!\d)(?P<year>\d{4})-(?P<a>\d{1,2})-(?P<b>\d{1,2})(?!\d)"),
    ("dmy_name", r"(?<!\d)" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR),
    ("mdy_name", r"(?<![a-z])" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR),
    ("numeric", r"(?<![\d.])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)" + _YEAR),
)
# Each form with the words it cannot match without (the month names), to skip hopeless scans.
_COMPILED = tuple(
    (kind, re.compile(rx, re.IGNORECASE), required_literals(rx, re.IGNORECASE))
    for kind, rx in _FORMS
)
_FOUR_DIGITS = re.compile(r"\d{4}")
# Whole-string forms for parse_date: an optional weekday before, an optional time after.
_FULL = tuple(
    (kind, re.compile(r"\s*(?:" + _WEEKDAY + r")?" + rx + _TIME + r"\s*", re.IGNORECASE))
    for kind, rx in _FORMS
)


def _month_number(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _numeric_day_first(a: int, b: int) -> tuple[int, int]:
    """Return (month, day): day-first unless only the month-first reading is possible."""
    if a > 12 or b <= 12:
        return b, a
    return a, b


def _ymd(kind: str, m: re.Match[str]) -> tuple[int, int, int]:
    year = int(m["year"])
    if kind == "iso":
        return year, int(m["a"]), int(m["b"])
    if kind == "numeric":
        month, day = _numeric_day_first(int(m["a"]), int(m["b"]))
        return year, month, day
    return year, _month_number(m["month"]), int(m["day"])


def _to_date(kind: str, m: re.Match[str]) -> date | None:
    year, month, day = _ymd(kind, m)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:  # 31 February and friends
        return None


def parse_date(text: str) -> date | None:
    """Parse a string that is a date (optionally with weekday and time); None otherwise."""
    cleaned = text.strip()
    for kind, full in _FULL:
        m = full.fullmatch(cleaned)
        if m:
            return _to_date(kind, m)
    return None


def _candidates(text: str) -> list[tuple[int, str, re.Match[str]]]:
    if _FOUR_DIGITS.search(text) is None:  # every form has a four-digit year
        return []
    folded = fold_case(text)
    found = [
        (m.start(), kind, m)
        for kind, rx, needs in _COMPILED
        if contains_any(folded, needs)
        for m in rx.finditer(text)
    ]
    found.sort(key=itemgetter(0))  # stable: at one offset the forms keep their table order
    return found


def find_date(text: str) -> date | None:
    """Find the first valid date anywhere inside a longer string; None if there is none."""
    for _, kind, m in _candidates(text):
        found = _to_date(kind, m)
        if found is not None:
            return found
    return None


def find_date_span(text: str) -> tuple[date, int, int] | None:
    """Find the first valid date in text and return it with its (start, end) offsets."""
    for start, kind, m in _candidates(text):
        found = _to_date(kind, m)
        if found is not None:
            return found, start, m.end()
    return None

