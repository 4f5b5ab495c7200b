"""Understand plain messages: a country question, a topic search, or nothing to act on.

Pure: text in, an Intent out. Filler words ("what's new in", "any news on", "please") are
dropped; the longest run of words that names a country (name, short form or demonym, via
the gazetteer) becomes the country; the remaining content words become a search.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from news.countries.lookup import UnknownCountryError, resolve_country

logger = logging.getLogger(__name__)

MAX_COUNTRY_WORDS = 4
# A country is looked for among the first this many words only: each look-up of an unknown
# phrase costs milliseconds (close names are searched), and a 4,000-character message held the
# bot for 12 s. A real question names its country well before.
MAX_QUESTION_WORDS = 16
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
welcome morning evening afternoon night bot help
"""
FILLER = frozenset(_FILLER_WORDS.split())


@dataclass(frozen=True, slots=True)
class Intent:
    """What a plain message asks for: kind is 'country', 'search' or 'hint'."""

    kind: str
    country: str | None = None  # ISO2
    query: str | None = None  # content words to search for

def parse_intent(text: str) -> Intent:
    """Read a plain message and return its intent; never raises."""
    words = _WORD.findall(text or "")
    country, span = _find_country(words)
    rest = [w for i, w in enumerate(words) if i not in span and not _is_filler(w)]
    query = " ".join(rest) or None
    if country and not query:
        return Intent("country", country=country)
    if query:
        return Intent("search", country=country, query=query)
    return Intent("hint")


def _is_filler(word: str) -> bool:
    return word.lower().replace("’", "'") in FILLER


def _find_country(words: list[str]) -> tuple[str | None, range]:
    """Return the country named by the longest run of words, and where it is."""
    words = words[:MAX_QUESTION_WORDS]
    for size in range(min(MAX_COUNTRY_WORDS, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            code = _country_of(words[start:start + size])
            if code:
                return code, range(start, start + size)
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
