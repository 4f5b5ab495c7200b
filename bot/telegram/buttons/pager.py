"""◀/▶ buttons of a list edited in place: page:LIST:OFFSET.

LIST names the list; /sources ("src") is the only one today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import NUMBER, verified
from briefs.i18n import _

SOURCES = "src"
# Every page:src: button reaches the /sources handler, so a malformed one is answered.
PATTERN = rf"^page:{SOURCES}:"
_DATA = re.compile(rf"page:({SOURCES}):({NUMBER})")


@dataclass(frozen=True, slots=True)
class ListPage:
    """A page of the list named list_name, starting at item offset."""

    list_name: str
    offset: int


def encode(page: ListPage) -> str:
    """Return the callback data of a ◀/▶ button."""
    return verified(f"page:{page.list_name}:{page.offset}", page, decode)


def decode(data: str) -> ListPage | None:
    """Return the page a ◀/▶ button asks for, or None when the data is malformed."""
    match = _DATA.fullmatch(data)
    return ListPage(match[1], int(match[2])) if match else None


def pager_keyboard(list_name: str, offset: int, size: int,
                   has_more: bool) -> InlineKeyboardMarkup | None:
    """Return ◀/▶ buttons for a list edited in place (None when it fits one page)."""
    buttons = []
    if offset > 0:
        newer = ListPage(list_name, max(0, offset - size))
        buttons.append(InlineKeyboardButton(_("◀ Newer"), callback_data=encode(newer)))
    if has_more:
        older = ListPage(list_name, offset + size)
        buttons.append(InlineKeyboardButton(_("Older ▶"), callback_data=encode(older)))
    return InlineKeyboardMarkup([buttons]) if buttons else None
