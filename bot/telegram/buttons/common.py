"""What every button family shares: Telegram's 64-byte limit, strict numbers, page buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram import InlineKeyboardButton

from briefs.i18n import _

LIMIT = 64  # bytes of callback data Telegram accepts
# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
NUMBER = "[0-9]{1,9}"
MAX_ID = 2**31 - 1  # row ids are 32-bit integers: a bigger one is forged
# A confirmation (delete a document, remove a feed) is good for this long: an old one, scrolled
# back to days later, must not act on what the admin no longer has in mind.
CONFIRM_SECONDS = 10 * 60


def fits(data: str) -> bool:
    """Tell whether callback data is within Telegram's limit."""
    return len(data.encode("utf-8")) <= LIMIT


def verified(data: str, value: object, decode: Callable[[str], object]) -> str:
    """Return data once it fits and decodes back to value; raise ValueError otherwise."""
    if not fits(data):
        raise ValueError(f"callback data over {LIMIT} bytes: {data!r}")
    if decode(data) != value:
        raise ValueError(f"{value!r} cannot be sent as a button ({data!r} does not decode to it)")
    return data


def confirmation_expired(asked_at: int, now: datetime) -> bool:
    """Tell whether a confirmation asked at asked_at (Unix seconds) is too old, or forged (future)."""
    age = now.timestamp() - asked_at
    return not -60 <= age <= CONFIRM_SECONDS  # a minute of clock skew between processes


def page_row(page: int, pages: int, data_of: Callable[[int], str]) -> list[InlineKeyboardButton]:
    """Return ◀/▶ buttons around a page (empty when everything fits one page)."""
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(_("◀ Back"), callback_data=data_of(page - 1)))
    if page + 1 < pages:
        row.append(InlineKeyboardButton(_("More ▶"), callback_data=data_of(page + 1)))
    return row
