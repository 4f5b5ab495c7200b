"""Understand plain messages: countries, a topic search, a period, or nothing to act on.

Pure: text in, an Intent out. Filler words ("what's new in", "any news on", "please") are
dropped; a period ("today", "this week", "in March", "March 2025") is read first; then each
longest run of words that names a country (name, short form or demonym, via the gazetteer)
becomes a country ("Russia and Ukraine": two); the remaining content words become a search.
A period is resolved to dates by `Period.window`, which needs today (and the newest stored day).
Russian and German questions have their filler words and periods too ("что нового в Индии?",
"новости о Китае за март", "was gibt es Neues in Indien im März?"); country names in any case
form come from the gazetteer's localized names, month names from CLDR (through Babel).
"""

from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from babel.dates import get_month_names

from briefs.i18n import _, format_month, ngettext
from news.countries.lookup import UnknownCountryError, resolve_country

logger = logging.getLogger(__name__)

MAX_COUNTRY_WORDS = 4
MAX_COUNTRIES = 3  # "Russia, Ukraine and Turkey"; more is a list, not a question
# A country is looked for among the first this many words only: each look-up of an unknown
# phrase costs milliseconds (close names are searched), and a 4,000-character message held the
# bot for 12 s. A real question names its country well before.
MAX_QUESTION_WORDS = 16
RECENT_DAYS = 7  # "this week", and the window a question without a period looks at
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
# Words that carry no subject: question frames, greetings, politeness, news vocabulary.
_FILLER_WORDS = """
a about after all am an and any anything are as at be been brief briefing briefings by
can could coverage current daily developments did do does doing done for from get give
going good got hello happened happening has have headlines hey hi how i in info information
is it items just know last latest lately let like look me more most my new news newest of
on ok okay or over please recent recently regarding report reports say says see show so
some something stories story summary tell thank thanks the there these this today tonight
to up update updates was we week what whats what's where which while who why will with
within world would yesterday you your us yes no yeah nope bye cool great nice fine sure
welcome morning evening afternoon night bot help month past during since ask may might
should want need interested hear heard find going on there's
"""
# The same for the other languages the bot speaks (prepositions included: "в Индии").
_FILLER_WORDS_RU = """
а в во вот где дай дайте есть за и из или как какая какие какой ли мне на новенького
новое нового новости новостей новость ну о об обо по пожалуйста покажи покажите последние
последних привет про происходит расскажи расскажите с свежие сводка сводку сейчас скажи
слышно со событие события спасибо там творится у узнать хочу что что-нибудь чего
"""
_FILLER_WORDS_DE = """
aktuell aktuelle aktuellen bitte gibt gibt's hallo im ist letzte letzten mir nachrichten
es neu neues neueste neuesten neuigkeiten sag über zeig zeige zu zum zur und oder was wie
"""
FILLER = frozenset((_FILLER_WORDS + _FILLER_WORDS_RU + _FILLER_WORDS_DE).split())


def _german_months() -> dict[str, int]:
    """Return German month names, "März" also as typed without the umlaut ("Maerz")."""
    names = {name.lower(): n for n, name in get_month_names("wide", "stand-alone", "de").items()}
    return names | {name.replace("ä", "ae"): n for name, n in names.items()}


def _russian_months() -> dict[str, int]:
    """Return Russian month names in the cases a period takes: "за март", "с марта", "в марте"."""
    nominative = get_month_names("wide", "stand-alone", "ru")
    genitive = get_month_names("wide", "format", "ru")  # CLDR's date-format names: "марта"
    forms: dict[str, int] = {}
    for n, name in genitive.items():
        # The prepositional case swaps the genitive ending (-а/-я) for -е: марта -> марте,
        # мая -> мае, июня -> июне, июля -> июле.
        forms.update({nominative[n]: n, name: n, name[:-1] + "е": n})
    return forms


def _german_abbreviations() -> dict[str, int]:
    """Return German short month names ("Okt", "Sept", "Mär"), except "Jan": also a first name."""
    short = {name.rstrip(".").lower(): n for context in ("format", "stand-alone")
             for n, name in get_month_names("abbreviated", context, "de").items()}
    del short["jan"]
    return short


# English and German month names are a period after a lead word, before a year, or
# capitalised ("May" aside: "May I ask" is not a month).
MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name} | _german_months()
# Russian names and German abbreviations only after a lead word or before a year: Russian
# writes months in lower case, so a capital tells nothing ("Марта" is also a name), and
# "APR" or "Nov" alone may mean something else.
LED_MONTHS = _russian_months() | _german_abbreviations()
_MONTH_LEADS = frozenset({"in", "during", "since", "for", "of", "from",
                          "в", "за", "с",  # в марте, за март, с марта
                          "im", "seit", "von", "vom", "ab", "für"})
# Words that may follow a Russian year: "в марте 2025 года", "марта 2025 г.".
_YEAR_WORDS = frozenset({"года", "году", "год", "г"})
# Relative periods: (words, kind, amount). Longest first.
_RELATIVE: tuple[tuple[tuple[str, ...], str, int], ...] = (
    (("this", "week"), "recent", RECENT_DAYS),
    (("last", "week"), "recent", RECENT_DAYS),
    (("past", "week"), "recent", RECENT_DAYS),
    (("this", "month"), "month_ago", 0),
    (("last", "month"), "month_ago", 1),
    (("today",), "day", 0),
    (("tonight",), "day", 0),
    (("yesterday",), "day", 1),
    (("на", "этой", "неделе"), "recent", RECENT_DAYS),
    (("за", "неделю"), "recent", RECENT_DAYS),
    (("в", "этом", "месяце"), "month_ago", 0),
    (("в", "прошлом", "месяце"), "month_ago", 1),
    (("сегодня",), "day", 0),
    (("вчера",), "day", 1),
    (("diese", "woche"), "recent", RECENT_DAYS),
    (("heute",), "day", 0),
    (("gestern",), "day", 1),
)


@dataclass(frozen=True, slots=True)
class Window:
    """Dates from start to end (inclusive) and how a sentence names them ("in March 2025")."""

    start: date
    end: date
    label: str

    def holds(self, day: date) -> bool:
        """Tell whether *day* falls in the window."""
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Period:
    """A period a message names: kind 'day' (n days ago), 'recent' (last n days),
    'month_ago' (calendar month n months back) or 'month' (month, optional year)."""

    kind: str
    amount: int = 0
    year: int | None = None

    def window(self, today: date, newest: date | None = None) -> Window:
        """Return the dates meant; a month without a year is the latest one up to *newest*."""
        if self.kind == "day":
            day = today - timedelta(days=self.amount)
            return Window(day, day, _("today") if self.amount == 0 else _("yesterday"))
        if self.kind == "recent":
            return recent_window(today, self.amount)
        if self.kind == "month_ago":
            year, month = divmod(today.year * 12 + today.month - 1 - self.amount, 12)
            return month_window(year, month + 1)
        reference = min(today, newest) if newest else today
        year = self.year or (reference.year if self.amount <= reference.month else reference.year - 1)
        return month_window(year, self.amount)


def recent_window(today: date, days: int = RECENT_DAYS) -> Window:
    """Return the last *days* days up to today, named "in the last 7 days"."""
    days = max(1, days)
    return Window(today - timedelta(days=days - 1), today,
                  _("today") if days == 1 else ngettext("in the last %(num)d day",
                                                       "in the last %(num)d days", days))


def month_window(year: int, month: int) -> Window:
    """Return one calendar month, named "in March 2025"."""
    last = calendar.monthrange(year, month)[1]
    return Window(date(year, month, 1), date(year, month, last),
                  _("in %(month)s", month=format_month(year, month)))


@dataclass(frozen=True, slots=True)
class Intent:
    """What a plain message asks for: kind is 'country', 'search', 'period' or 'hint'."""

    kind: str
    countries: tuple[str, ...] = ()  # ISO2, in the order named
    query: str | None = None  # content words to search for
    period: Period | None = field(default=None)

    @property
    def country(self) -> str | None:
        """Return the first country named, if any."""
        return self.countries[0] if self.countries else None


def parse_intent(text: str) -> Intent:
    """Read a plain message and return its intent; never raises."""
    words = _WORD.findall(text or "")
    period, used = _find_period(words)
    countries = _find_countries(words, used)
    rest = [w for i, w in enumerate(words) if i not in used and not _is_filler(w)]
    query = " ".join(rest) or None
    if query:
        return Intent("search", countries=countries, query=query, period=period)
    if countries:
        return Intent("country", countries=countries, period=period)
    if period:
        return Intent("period", period=period)
    return Intent("hint")


def _is_filler(word: str) -> bool:
    return word.lower().replace("’", "'") in FILLER


def _find_period(words: list[str]) -> tuple[Period | None, set[int]]:
    """Return the first period named and the positions of its words."""
    lowered = [w.lower() for w in words]
    for i in range(len(words)):
        for phrase, kind, amount in _RELATIVE:
            if tuple(lowered[i:i + len(phrase)]) == phrase:
                return Period(kind, amount), set(range(i, i + len(phrase)))
        if _is_month(words, i):
            return _month_period(lowered, i)
    return None, set()


def _is_month(words: list[str], i: int) -> bool:
    word = words[i].lower()
    if word not in MONTHS and word not in LED_MONTHS:
        return False
    if _after_lead(words, i) or _year(words, i + 1) is not None:
        return True
    return word in MONTHS and words[i][0].isupper() and word != "may"


def _after_lead(words: list[str], i: int) -> bool:
    return i > 0 and words[i - 1].lower() in _MONTH_LEADS


def _month_period(lowered: list[str], i: int) -> tuple[Period, set[int]]:
    """Return the month at *i* with its year, and the positions of its words (lead included:
    "seit", "für" are not filler)."""
    month = MONTHS.get(lowered[i]) or LED_MONTHS[lowered[i]]
    span = {i - 1, i} if _after_lead(lowered, i) else {i}
    year = _year(lowered, i + 1)
    if year:
        span.add(i + 1)
        if i + 2 < len(lowered) and lowered[i + 2] in _YEAR_WORDS:
            span.add(i + 2)
    return Period("month", month, year), span


def _year(words: list[str], i: int) -> int | None:
    """Return the year written at *i* ("2025", Russian "2025г"), if one is."""
    text = words[i].lower().removesuffix("г") if i < len(words) else ""
    if text.isdigit() and len(text) == 4 and 1900 <= int(text) <= 2100:
        return int(text)
    return None


def _find_countries(words: list[str], used: set[int]) -> tuple[str, ...]:
    """Return the countries named, longest runs first; their positions join *used*."""
    found: list[str] = []
    while len(found) < MAX_COUNTRIES:
        code, span = _find_country(words, used)
        if code is None:
            break
        used.update(span)
        if code not in found:
            found.append(code)
    return tuple(found)


def _find_country(words: list[str], used: set[int]) -> tuple[str | None, range]:
    """Return the country named by the longest free run of words, and where it is."""
    limit = min(len(words), MAX_QUESTION_WORDS)
    for size in range(min(MAX_COUNTRY_WORDS, limit), 0, -1):
        for start in range(limit - size + 1):
            span = range(start, start + size)
            if used.isdisjoint(span) and (code := _country_of(words[start:start + size])):
                return code, span
    return None, range(0)


def _country_of(run: list[str]) -> str | None:
    if _is_filler(run[0]) and len(run) > 1 and run[0].lower() != "the":
        return None  # "in india" must match as "india", leaving "in" as filler
    phrase = " ".join(run)
    # Short words ("in", "it", "us", "no") are codes only when typed in capitals ("US", "UK").
    if len(phrase) <= 3 and not phrase.isupper():
        return None
    if len(run) == 1 and _is_filler(phrase) and not phrase.isupper():
        return None
    try:
        return resolve_country(phrase)
    except UnknownCountryError:
        return None
