"""Buttons of /subscriptions and /unsubscribe: remove one subscription, or turn the page.

  unsub:ID:P   remove subscription ID, then show page P of the list
  unsub:p:P    show page P of the list
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import MAX_ID, NUMBER, page_row, verified
from briefs.i18n import _
from services.subscription_views import SubscriptionList, SubscriptionView

# The whole family reaches the handler, so a malformed unsub: button is answered "expired".
PATTERN = r"^unsub:"
_REMOVE = re.compile(rf"unsub:([0-9]{{1,10}}):({NUMBER})")
_LIST = re.compile(rf"unsub:p:({NUMBER})")


@dataclass(frozen=True, slots=True)
class Remove:
    """Remove subscription_id, then show page of the list."""

    subscription_id: int
    page: int


@dataclass(frozen=True, slots=True)
class ListPage:
    """Show page of the subscription list."""

    page: int


def encode(button: Remove | ListPage) -> str:
    """Return the callback data of a remove or page button."""
    if isinstance(button, Remove):
        data = f"unsub:{button.subscription_id}:{button.page}"
    else:
        data = f"unsub:p:{button.page}"
    return verified(data, button, decode)


def decode(data: str) -> Remove | ListPage | None:
    """Return what a remove or page button asks for, or None when the data is malformed."""
    if match := _LIST.fullmatch(data):
        return ListPage(int(match[1]))
    if (match := _REMOVE.fullmatch(data)) and 1 <= int(match[1]) <= MAX_ID:
        return Remove(int(match[1]), int(match[2]))
    return None


def _remove_label(sub: SubscriptionView) -> str:
    if sub.kind == "daily":
        return _("✖ Daily briefing")
    if sub.kind == "country":
        return f"✖ {sub.flag} {sub.name}"
    return _("✖ Topic: %(topic)s", topic=sub.name)


def subscriptions_keyboard(listing: SubscriptionList) -> InlineKeyboardMarkup | None:
    """Return one remove button per listed subscription, and the pager."""
    rows = [[InlineKeyboardButton(_remove_label(sub),
                                  callback_data=encode(Remove(sub.id, listing.page)))]
            for sub in listing.items]
    pager = page_row(listing.page, listing.pages, lambda page: encode(ListPage(page)))
    rows += [pager] if pager else []
    return InlineKeyboardMarkup(rows) if rows else None
