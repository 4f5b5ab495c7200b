"""What every button family shares: Telegram's 64-byte limit, strict numbers, page buttons."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton

from briefs.i18n import _

LIMIT = 64  # bytes of callback data Telegram accepts
# ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
NUMBER = "[0-9]{1,9}"


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


def page_row(page: int, pages: int, data_of: Callable[[int], str]) -> list[InlineKeyboardButton]:
    """Return ◀/▶ buttons around a page (empty when everything fits one page)."""
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(_("◀ Back"), callback_data=data_of(page - 1)))
    if page + 1 < pages:
        row.append(InlineKeyboardButton(_("More ▶"), callback_data=data_of(page + 1)))
    return row
