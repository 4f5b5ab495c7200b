"""Inline keyboards for the news, start and admin messages (callback data <= 64 bytes).

Prefixes: "act:" start-menu actions, "more:" next page of stories (sent as a new
message), "page:" page of a list edited in place.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

logger = logging.getLogger(__name__)


def start_keyboard() -> InlineKeyboardMarkup:
    """Return the /start buttons for the common actions."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("📰 Latest", callback_data="act:latest"),
         InlineKeyboardButton("🗞 Daily briefing", callback_data="act:brief")],
        [InlineKeyboardButton("📈 Trends", callback_data="act:trends"),
         InlineKeyboardButton("❓ Help", callback_data="act:help")],
    ])


def more_search_keyboard(key: str, offset: int) -> InlineKeyboardMarkup:
    """Return the "More" button of a search page."""
    return _more(f"more:s:{key}:{offset}")


def more_latest_keyboard(country: str | None, size: int, offset: int) -> InlineKeyboardMarkup:
    """Return the "More" button of a /latest page."""
    return _more(f"more:l:{country or '-'}:{size}:{offset}")


def _more(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("More ▶", callback_data=data)]])


def pager_keyboard(name: str, offset: int, size: int, has_more: bool) -> InlineKeyboardMarkup | None:
    """Return ◀/▶ buttons for a list edited in place (None when it fits one page)."""
    buttons = []
    if offset > 0:
        buttons.append(InlineKeyboardButton("◀ Newer", callback_data=f"page:{name}:{max(0, offset - size)}"))
    if has_more:
        buttons.append(InlineKeyboardButton("Older ▶", callback_data=f"page:{name}:{offset + size}"))
    return InlineKeyboardMarkup([buttons]) if buttons else None
