"""The "More" button under a page of stories: the next page, sent as a new message.

  more:l:CC:SIZE:OFFSET   /latest (CC: ISO2 country code, or "-" for every country)
  more:s:KEY:OFFSET       a search, remembered under KEY (search words do not fit in 64 bytes)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import NUMBER, verified

MAX_PAGE_SIZE = 10  # stories on one page, at most (/latest India 10)
# The whole family reaches the handler, so a malformed more: button is answered "expired".
PATTERN = r"^more:"
_LATEST = re.compile(rf"more:l:([A-Z]{{2}}|-):({NUMBER}):({NUMBER})")
# Keys are URL-safe base64 (secrets.token_urlsafe), 8 characters today.
_SEARCH = re.compile(rf"more:s:([A-Za-z0-9_-]{{1,16}}):({NUMBER})")


@dataclass(frozen=True, slots=True)
class LatestPage:
    """The next page of /latest: country (None: all), stories per page, first story."""

    country: str | None
    size: int
    offset: int


@dataclass(frozen=True, slots=True)
class SearchPage:
    """The next page of a search remembered under key, from story offset."""

    key: str
    offset: int


def encode(page: LatestPage | SearchPage) -> str:
    """Return the callback data of a "More" button."""
    if isinstance(page, LatestPage):
        data = f"more:l:{page.country or '-'}:{page.size}:{page.offset}"
    else:
        data = f"more:s:{page.key}:{page.offset}"
    return verified(data, page, decode)


def decode(data: str) -> LatestPage | SearchPage | None:
    """Return the page a "More" button asks for, or None when the data is malformed."""
    if match := _LATEST.fullmatch(data):
        size = int(match[2])
        if not 1 <= size <= MAX_PAGE_SIZE:
            return None
        return LatestPage(None if match[1] == "-" else match[1], size, int(match[3]))
    if match := _SEARCH.fullmatch(data):
        return SearchPage(match[1], int(match[2]))
    return None


def more_keyboard(page: LatestPage | SearchPage) -> InlineKeyboardMarkup:
    """Return the "More" button that asks for page."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("More ▶", callback_data=encode(page))]])
