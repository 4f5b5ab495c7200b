"""The "More" button under a page of stories: the next page, sent as a new message.

The button carries everything the next page needs, so any process answers it, after a
restart too; HOUR is when the listing was first sent (hours since 1970, base 36), and a button
older than MAX_AGE is answered "expired".

  more:L:HOUR:CC:SIZE:OFFSET      /latest (CC: ISO2 country code, or "-" for every country)
  more:S:HOUR:CC:OFFSET:QUERY     a search (CC as above); QUERY is the rest, spaces single
  more:Q:HOUR:OFFSET:ID           a search too long for the 64 bytes, saved in the database
                                  under ID (with its country; storage.repositories.saved_queries)
Sent before, still on screen in chats:
  more:l:CC:SIZE:OFFSET           /latest, without an age (answered as it was)
  more:s:KEY:OFFSET               a search that was remembered in one process's memory: gone
                                  since, so it decodes to nothing and is answered "expired"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import NUMBER, fits, verified
from briefs.i18n import _

MAX_PAGE_SIZE = 10  # stories on one page, at most (/latest India 10)
MAX_AGE = timedelta(days=1)
# The whole family reaches the handler, so a malformed more: button is answered "expired".
PATTERN = r"^more:"
_HOUR = "[0-9a-z]{1,8}"
_COUNTRY = "[A-Z]{2}|-"
_LATEST = re.compile(rf"more:L:({_HOUR}):({_COUNTRY}):({NUMBER}):({NUMBER})")
_QUERY = re.compile(rf"more:S:({_HOUR}):({_COUNTRY}):({NUMBER}):(\S+(?: \S+)*)")
# Saved searches have random ids from 1 to 10**15 - 1 (storage.repositories.saved_queries).
_SAVED = re.compile(rf"more:Q:({_HOUR}):({NUMBER}):([1-9][0-9]{{0,14}})")
_OLD_LATEST = re.compile(rf"more:l:({_COUNTRY}):({NUMBER}):({NUMBER})")


@dataclass(frozen=True, slots=True)
class LatestPage:
    """The next page of /latest: country (None: all), stories per page, first story, and the
    hour the listing was sent (None: a button from before buttons carried it)."""

    country: str | None
    size: int
    offset: int
    hour: int | None = None


@dataclass(frozen=True, slots=True)
class QueryPage:
    """The next page of a search: its words, country (None: all), first story, hour sent."""

    query: str
    country: str | None
    offset: int
    hour: int


@dataclass(frozen=True, slots=True)
class SavedPage:
    """The next page of a search saved in the database under query_id, from story offset."""

    query_id: int
    offset: int
    hour: int


Page = LatestPage | QueryPage | SavedPage


def hour_of(moment: datetime) -> int:
    """Return the hour a button is stamped with: whole hours since 1970 (UTC)."""
    return int(moment.timestamp() // 3600)


def is_expired(page: Page, now: datetime) -> bool:
    """Tell whether a button is older than MAX_AGE (or stamped in the future: forged)."""
    hour = getattr(page, "hour", None)
    if hour is None:
        return False
    age = hour_of(now) - hour
    return not 0 <= age < MAX_AGE / timedelta(hours=1)


def query_fits(query: str, country: str | None, offset: int, now: datetime) -> bool:
    """Tell whether a search can travel in its button (else it is saved in the database)."""
    page = QueryPage(" ".join(query.split()), country, offset, hour_of(now))
    return bool(page.query) and fits(_data(page))


def encode(page: Page) -> str:
    """Return the callback data of a "More" button."""
    return verified(_data(page), page, decode)


def _data(page: Page) -> str:
    if isinstance(page, LatestPage) and page.hour is not None:
        return f"more:L:{_base36(page.hour)}:{page.country or '-'}:{page.size}:{page.offset}"
    if isinstance(page, LatestPage):
        return f"more:l:{page.country or '-'}:{page.size}:{page.offset}"
    if isinstance(page, QueryPage):
        return f"more:S:{_base36(page.hour)}:{page.country or '-'}:{page.offset}:{page.query}"
    return f"more:Q:{_base36(page.hour)}:{page.offset}:{page.query_id}"


def decode(data: str) -> Page | None:
    """Return the page a "More" button asks for, or None when the data is malformed."""
    if match := _LATEST.fullmatch(data):
        return _latest(match[2], match[3], match[4], int(match[1], 36))
    if match := _QUERY.fullmatch(data):
        return QueryPage(match[4], _country(match[2]), int(match[3]), int(match[1], 36))
    if match := _SAVED.fullmatch(data):
        return SavedPage(int(match[3]), int(match[2]), int(match[1], 36))
    if match := _OLD_LATEST.fullmatch(data):
        return _latest(match[1], match[2], match[3], None)
    return None


def _latest(country: str, size: str, offset: str, hour: int | None) -> LatestPage | None:
    if not 1 <= int(size) <= MAX_PAGE_SIZE:
        return None
    return LatestPage(_country(country), int(size), int(offset), hour)


def _country(text: str) -> str | None:
    return None if text == "-" else text


def _base36(number: int) -> str:
    if number < 0:
        raise ValueError(f"hour {number} cannot be sent as a button")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def more_keyboard(page: Page) -> InlineKeyboardMarkup:
    """Return the "More" button that asks for page."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("More ▶"), callback_data=encode(page))]])
