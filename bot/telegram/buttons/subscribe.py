"""Buttons of /subscribe: the menu, country suggestions and the topic offer.

  sub:d[:P]      subscribe to the daily briefing (P: menu page to show again after)
  sub:c:XX[:P]   subscribe to country XX
  sub:t:WORDS    subscribe to a topic (only offered when it fits in 64 bytes)
  sub:topic      ask which topic
  sub:p:P        show page P of the menu
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import NUMBER, page_row, verified
from briefs.i18n import _
from services.subscription_views import SubscribeMenu, SubscribeResult

MENU_COLUMNS = 2
# The whole family reaches the handler, so a malformed sub: button is answered "expired".
PATTERN = r"^sub:"
_DAILY = re.compile(rf"sub:d(?::({NUMBER}))?")
_COUNTRY = re.compile(rf"sub:c:([A-Z]{{2}})(?::({NUMBER}))?")
_TOPIC = re.compile(r"sub:t:(\S+(?: \S+)*)")  # topic words as stored: single spaces, trimmed
_PROMPT = "sub:topic"
_MENU = re.compile(rf"sub:p:({NUMBER})")


@dataclass(frozen=True, slots=True)
class Subscribe:
    """Subscribe to kind ("daily", "country" or "topic") value; page: menu page to show after."""

    kind: str
    value: str = ""
    page: int | None = None


@dataclass(frozen=True, slots=True)
class TopicPrompt:
    """Ask which topic to follow."""


@dataclass(frozen=True, slots=True)
class MenuPage:
    """Show page of the subscribe menu."""

    page: int


SubscribeButton = Subscribe | TopicPrompt | MenuPage


def encode(button: SubscribeButton) -> str:
    """Return the callback data of a subscribe button."""
    return verified(_data(button), button, decode)


def _data(button: SubscribeButton) -> str:
    if isinstance(button, TopicPrompt):
        return _PROMPT
    if isinstance(button, MenuPage):
        return f"sub:p:{button.page}"
    page = "" if button.page is None else f":{button.page}"
    if button.kind == "daily":
        return f"sub:d{page}"
    if button.kind == "country":
        return f"sub:c:{button.value}{page}"
    return f"sub:t:{button.value}{page}"  # a topic with a page never decodes: refused


def decode(data: str) -> SubscribeButton | None:
    """Return what a subscribe button asks for, or None when the data is malformed."""
    if data == _PROMPT:
        return TopicPrompt()
    if match := _MENU.fullmatch(data):
        return MenuPage(int(match[1]))
    if match := _DAILY.fullmatch(data):
        return Subscribe("daily", "", _page(match[1]))
    if match := _COUNTRY.fullmatch(data):
        return Subscribe("country", match[1], _page(match[2]))
    if match := _TOPIC.fullmatch(data):
        return Subscribe("topic", match[1])
    return None


def _page(text: str | None) -> int | None:
    return None if text is None else int(text)


def subscribe_menu_keyboard(menu: SubscribeMenu) -> InlineKeyboardMarkup:
    """Return the /subscribe menu: daily, countries (two a row, ✓ when subscribed), topic, pages."""
    tick = "✓ " if menu.daily_subscribed else ""
    daily = _button(tick + _("🗞 Daily briefing (everything)"), Subscribe("daily", page=menu.page))
    buttons = [
        _button(f"{'✓ ' if c.subscribed else ''}{c.flag} {c.name}",
                Subscribe("country", c.code, menu.page))
        for c in menu.choices
    ]
    rows = [[daily], *(buttons[i:i + MENU_COLUMNS] for i in range(0, len(buttons), MENU_COLUMNS))]
    rows.append([_button(_("🔎 A topic…"), TopicPrompt())])
    pager = page_row(menu.page, menu.pages, lambda page: encode(MenuPage(page)))
    return InlineKeyboardMarkup(rows + ([pager] if pager else []))


def subscribe_keyboard(result: SubscribeResult) -> InlineKeyboardMarkup | None:
    """Return the keyboard that goes with a subscribe answer (menu, suggestions or none)."""
    if result.menu is not None:
        return subscribe_menu_keyboard(result.menu)
    rows = [[_button(f"{c.flag} {c.name}", Subscribe("country", c.code))]
            for c in result.suggestions]
    offer = _topic_offer(result.topic_offer) if result.topic_offer else None
    rows += [[offer]] if offer else []
    return InlineKeyboardMarkup(rows) if rows else None


def _topic_offer(topic: str) -> InlineKeyboardButton | None:
    """Return the button following topic, or None when its words do not fit in a button."""
    try:
        return _button(_("🔎 Follow the topic “%(topic)s”", topic=topic),
                       Subscribe("topic", topic))
    except ValueError:  # over 64 bytes: the reply still says how to type it
        return None


def _button(label: str, button: SubscribeButton) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(button))
