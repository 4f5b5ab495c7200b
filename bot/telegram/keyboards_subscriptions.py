"""Inline keyboards for /subscribe, /subscriptions, /unsubscribe and /timezone.

Callback data (always <= 64 bytes; prefixes owned by the subscription handlers):
  sub:d[:P]      subscribe to the daily briefing (P: menu page to show again after)
  sub:c:XX[:P]   subscribe to country XX
  sub:t:WORDS    subscribe to a topic (only offered when it fits in 64 bytes)
  sub:topic      ask which topic
  sub:p:P        show page P of the subscribe menu
  unsub:ID:P     remove subscription ID, then show page P of the list
  unsub:p:P      show page P of the list
  tz:NAME        set the IANA timezone NAME
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from services.subscription_views import (
    SubscribeMenu,
    SubscribeResult,
    SubscriptionList,
    SubscriptionView,
)

logger = logging.getLogger(__name__)

CALLBACK_LIMIT = 64
MENU_COLUMNS = 2


def _fits(data: str) -> bool:
    return len(data.encode("utf-8")) <= CALLBACK_LIMIT


def _pager(prefix: str, page: int, pages: int) -> list[InlineKeyboardButton]:
    """Return ◀/▶ buttons around a page (empty when everything fits one page)."""
    row = []
    if page > 0:
        row.append(InlineKeyboardButton("◀ Back", callback_data=f"{prefix}:p:{page - 1}"))
    if page + 1 < pages:
        row.append(InlineKeyboardButton("More ▶", callback_data=f"{prefix}:p:{page + 1}"))
    return row


def subscribe_menu_keyboard(menu: SubscribeMenu) -> InlineKeyboardMarkup:
    """Return the /subscribe menu: daily, countries (two a row, ✓ when subscribed), topic, pages."""
    tick = "✓ " if menu.daily_subscribed else ""
    rows = [[InlineKeyboardButton(f"{tick}🗞 Daily briefing (everything)", callback_data=f"sub:d:{menu.page}")]]
    buttons = [
        InlineKeyboardButton(f"{'✓ ' if c.subscribed else ''}{c.flag} {c.name}",
                             callback_data=f"sub:c:{c.code}:{menu.page}")
        for c in menu.choices
    ]
    rows += [buttons[i:i + MENU_COLUMNS] for i in range(0, len(buttons), MENU_COLUMNS)]
    rows.append([InlineKeyboardButton("🔎 A topic…", callback_data="sub:topic")])
    pager = _pager("sub", menu.page, menu.pages)
    return InlineKeyboardMarkup(rows + ([pager] if pager else []))


def subscribe_keyboard(result: SubscribeResult) -> InlineKeyboardMarkup | None:
    """Return the keyboard that goes with a subscribe answer (menu, suggestions or none)."""
    if result.menu is not None:
        return subscribe_menu_keyboard(result.menu)
    rows = [[InlineKeyboardButton(f"{c.flag} {c.name}", callback_data=f"sub:c:{c.code}")]
            for c in result.suggestions]
    topic = f"sub:t:{result.topic_offer}"
    if result.topic_offer and _fits(topic):
        rows.append([InlineKeyboardButton(f"🔎 Follow the topic “{result.topic_offer}”", callback_data=topic)])
    return InlineKeyboardMarkup(rows) if rows else None


def _remove_label(sub: SubscriptionView) -> str:
    if sub.kind == "daily":
        return "✖ Daily briefing"
    return f"✖ {sub.flag} {sub.name}" if sub.kind == "country" else f"✖ Topic: {sub.name}"


def subscriptions_keyboard(listing: SubscriptionList) -> InlineKeyboardMarkup | None:
    """Return one remove button per listed subscription, and the pager."""
    rows = [[InlineKeyboardButton(_remove_label(sub), callback_data=f"unsub:{sub.id}:{listing.page}")]
            for sub in listing.items]
    pager = _pager("unsub", listing.page, listing.pages)
    rows += [pager] if pager else []
    return InlineKeyboardMarkup(rows) if rows else None


def timezone_keyboard(suggestions: tuple[str, ...]) -> InlineKeyboardMarkup | None:
    """Return one button per suggested timezone."""
    rows = [[InlineKeyboardButton(name, callback_data=f"tz:{name}")]
            for name in suggestions if _fits(f"tz:{name}")]
    return InlineKeyboardMarkup(rows) if rows else None
