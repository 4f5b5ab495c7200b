"""Parse and find calendar dates written the way news pages and newsletters write them."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from news.textmatch import contains_any, fold_case, required_literals

logger = logging.getLogger(__name__)

MIN_YEAR = 1990
MAX_YEAR = 2100
# A two-digit year from here up is in the 1900s ("97"), below it in the 2000s ("08").
TWO_DIGIT_PIVOT = 90
# A date line (the stamp under a headline) is short: "Updated 3:42 PM ET, Wed December 17, 2008".
MAX_DATE_LINE_CHARS = 100

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

# Each form: a regex (matched case-insensitively) and how to read (year, month, day) from it.
# These are safe inside running text: every one has a four-digit year.
_FORMS: tuple[tuple[str, str], ...] = (
    ("iso", r"(?<!\d)(?P<year>\d{4})-(?P<a>\d{1,2})-(?P<b>\d{1,2})(?!\d)"),
    ("dmy_name", r"(?<!\d)" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR),
    ("mdy_name", r"(?<![a-z])" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR),
    ("numeric", r"(?<![\d.])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)" + _YEAR),
)
# A line that is only a date stamp may also write "2012.08.08", "Dec-19-05", "November 27-2005"
# or "12/16/08": forms too loose for running text, where "3/4/12" may be anything.
_LINE_FORMS: tuple[tuple[str, str], ...] = (
    ("iso", r"(?<!\d)(?P<year>\d{4})(?P<sep>[-/.])(?P<a>\d{1,2})(?P=sep)(?P<b>\d{1,2})(?!\d)"),
    ("dmy_name", r"(?<!\d)" + _DAY + r"(?:\s+(?:of\s+)?|-)" + _MONTH
     + r"(?:,?\s+(?=\d{4})|-)(?P<year>\d{4}|\d{2})(?!\d)"),
    ("mdy_name", r"(?<![a-z])" + _MONTH + r"(?:\s+|-)" + _DAY
     + r"(?:,?\s+(?=\d{4})|-)(?P<year>\d{4}|\d{2})(?!\d)"),
    ("numeric", r"(?<![\d.])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)"
     r"(?P<year>\d{4}|\d{2})(?!\d)"),
)
# Each form with the words it cannot match without (the month names), to skip hopeless scans.
_COMPILED = tuple(
    (kind, re.compile(rx, re.IGNORECASE), required_literals(rx, re.IGNORECASE))
    for kind, rx in _FORMS
)
_FOUR_DIGITS = re.compile(r"\d{4}")


def _renamed(kind: str, rx: str) -> str:
    """Give a form's groups names of their own, so that forms can share one regex."""
    return re.sub(r"\(\?P([<=])(\w+)", rf"(?P\1{kind}_\2", rx)


# The pieces of a date line, one alternation read left to right: a date (its form told by which
# group matched), a day without a year, a time, a weekday, a label, a time zone, separators,
# and anything else: a word, a number or one character, which is not part of a stamp.
_STAMP_PIECES = (
    "(?P<date>" + "|".join(_renamed(kind, rx) for kind, rx in _LINE_FORMS) + ")"
    r"|(?P<day>(?<![a-z])" + _renamed("md", _MONTH) + r"(?:\s+|-)\d{1,2}(?:st|nd|rd|th)?(?!\d))"
    r"|(?P<time>(?:(?<=\d)T|(?<![\d:.]))\d{1,2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?(?P<ampm>\s*[ap]\.?m\b\.?)?"
    r"|(?:\.\d{2})?(?P<ampm2>\s*[ap]\.?m\b\.?))(?![\d:]))"
    r"|(?P<weekday>(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b\.?)"
    r"|(?P<label>(?:first|last|originally|article|story)\b|(?:posted|updated|published|modified"
    r"|edited|created|issued|filed|released|dated?|on|at)\b)"
    r"|(?P<zone>(?-i:Z|UTC|GMT|[A-Z]{1,4}T)(?:[+-]\d{1,2}(?::?\d{2})?)?(?![a-z])|[+-]\d{2}:?\d{2}(?!\d))"
    r"|(?P<sep>[\s,;:|()\[\]/·•–—-]+)"
    r"|(?P<word>[^\W\d_]+|\d+|.)"
)
_STAMP = re.compile(_STAMP_PIECES, re.IGNORECASE)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class DateLine:
    """What a short line says as a date stamp, and the words around the stamp."""

    published: date | None  # the first full date; None for a time or a day without its year
    residue: str  # the other words, inner separators kept ("Reuters, AP"); "" for a pure stamp


def _month_number(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _numeric_order(a: int, b: int, sep: str, two_digit_year: bool) -> tuple[int, int]:
    """Return (month, day) of a numeric date whose year comes last.

    A field over 12 can only be the day. Otherwise "12/16/08"-style stamps (slash or dash and a
    two-digit year) are the US month-first habit; every other form reads day-first.
    """
    month_first = b > 12 or (a <= 12 and two_digit_year and sep in "/-")
    return (a, b) if month_first else (b, a)


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 1900 if year >= TWO_DIGIT_PIVOT else 2000
    return year


def _ymd(kind: str, get: dict[str, str]) -> tuple[int, int, int]:
    year = _full_year(get["year"])
    if kind == "iso":
        return year, int(get["a"]), int(get["b"])
    if kind == "numeric":
        month, day = _numeric_order(int(get["a"]), int(get["b"]), get["sep"], len(get["year"]) == 2)
        return year, month, day
    return year, _month_number(get["month"]), int(get["day"])


def _valid(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:  # 31 February and friends
        return None


def _to_date(kind: str, m: re.Match[str]) -> date | None:
    return _valid(*_ymd(kind, m.groupdict()))


def _stamp_date(m: re.Match[str]) -> date | None:
    """Read the date of a date piece of _STAMP from whichever form's groups matched."""
    groups = {name: value for name, value in m.groupdict().items() if value is not None}
    for kind, _ in _LINE_FORMS:
        if f"{kind}_year" in groups:
            prefix = len(kind) + 1
            return _valid(*_ymd(kind, {k[prefix:]: v for k, v in groups.items()
                                       if k.startswith(kind + "_")}))
    return None


def parse_date(text: str) -> date | None:
    """Parse a string that is a date (optionally with weekday, time and label); None otherwise."""
    found = read_date_line(text)
    if found is None or found.residue:
        return None
    return found.published


def is_date_line(line: str) -> bool:
    """Return True for a line that is only a date stamp: a date or a timestamp, and its labels."""
    found = read_date_line(line)
    return found is not None and not found.residue


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


def read_date_line(line: str) -> DateLine | None:
    """Read a short line as a date stamp, with or without words around it; None if it is not.

    A stamp holds a full date ("Posted: Tue, Dec. 16, 2008 1:30 PM EST", "12/16/08"), or a time
    that is plainly a timestamp ("Updated 9:06 AM", "Dec. 24 4:33 AM EST", "14:30 GMT"): a bare
    time or a day without its year gives no date, and then no other word may stand beside it.
    """
    text = line.strip()
    if len(text) > MAX_DATE_LINE_CHARS or _DIGIT.search(text) is None:
        return None
    published, times, clues, residue = None, 0, 0, []
    previous = ""
    for m in _STAMP.finditer(text):
        piece = _piece(m, previous)
        if piece == "date":
            published = published or _stamp_date(m)
        times += piece == "time"
        clues += piece in _CLUES or (piece == "time" and bool(m["ampm"] or m["ampm2"]))
        residue.append(m.group() if piece in ("word", "sep") else " ")
        previous = piece if piece != "sep" else previous
    return _stamp(published, times > 0 and clues > 0, "".join(residue).strip())


# What shows a bare time to be a timestamp rather than a score or a verse: "9:06 AM", a zone,
# a label ("Updated"), a weekday or a day of the month beside it.
_CLUES = frozenset(("zone", "label", "weekday", "day"))


def _piece(m: re.Match[str], previous: str) -> str:
    """Name the kind of a _STAMP match; an impossible date or a stray zone is just a word."""
    piece = m.lastgroup or "word"
    if piece == "date" and _stamp_date(m) is None:
        return "word"
    if piece == "zone" and previous not in ("date", "time", "zone"):
        return "word"  # "EST" after a time or a date; elsewhere just capitals
    return piece


def _stamp(published: date | None, timed: bool, residue: str) -> DateLine | None:
    residue = " ".join(residue.split()).strip(_SEPARATORS)
    if published is not None:
        return DateLine(published, residue)
    return DateLine(None, "") if timed and not residue else None


_SEPARATORS = " ,;:|()[]/·•–—-"
