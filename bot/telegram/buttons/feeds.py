"""Buttons of /feeds and of a link sent in chat:

  feed:pg:OFF        show the page of feeds starting at OFF
  feed:p:ID:OFF      pause feed ID, then show the page at OFF again
  feed:r:ID:OFF      resume it
  feed:n:ID:OFF      poll it now
  feed:x:ID:OFF      ask whether to remove it
  feed:X:ID:OFF:T    remove it; the question was asked at T (Unix seconds)
  feed:add           add the feed the message names (a link's reply shows the URL in <code>:
                     a URL does not fit Telegram's 64 bytes, and the message is the bot's own)

A removal confirmation is good for CONFIRM_SECONDS (buttons.common), like the one of /delete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import MAX_ID, confirmation_expired, page_row, verified
from briefs.i18n import _
from storage.records import FeedRecord

PAGE = 5  # feeds per page: each has its own row of buttons
# The whole family reaches the handler, so a malformed feed: button is answered "expired".
PATTERN = r"^feed:"
ADD = "feed:add"
_ID = "[1-9][0-9]{0,9}"  # no leading zeros: one spelling each
_OFFSET = "(?:0|[1-9][0-9]{0,8})"
_PAGE = re.compile(f"feed:pg:({_OFFSET})")
_ACTION = re.compile(f"feed:([prnx]):({_ID}):({_OFFSET})")
_CONFIRM = re.compile(f"feed:X:({_ID}):({_OFFSET}):([1-9][0-9]{{0,10}})")
ACTIONS = {"p": "pause", "r": "resume", "n": "poll", "x": "ask_remove"}
_CODES = {name: code for code, name in ACTIONS.items()}


@dataclass(frozen=True, slots=True)
class Page:
    """Show the feeds from offset on."""

    offset: int


@dataclass(frozen=True, slots=True)
class Action:
    """Pause, resume, poll or ask to remove feed_id, from the page at offset."""

    action: str  # pause | resume | poll | ask_remove
    feed_id: int
    offset: int


@dataclass(frozen=True, slots=True)
class Remove:
    """Remove feed_id (confirmed); the question was asked at asked_at (Unix seconds)."""

    feed_id: int
    offset: int
    asked_at: int

    def expired(self, now: datetime) -> bool:
        """Tell whether the button is too old (or claims to come from the future: forged)."""
        return confirmation_expired(self.asked_at, now)


@dataclass(frozen=True, slots=True)
class Add:
    """Add the feed whose URL the message shows."""


Button = Page | Action | Remove | Add


def encode(button: Button) -> str:
    """Return the callback data of a feeds button."""
    match button:
        case Page(offset):
            data = f"feed:pg:{offset}"
        case Action(action, feed_id, offset):
            data = f"feed:{_CODES[action]}:{feed_id}:{offset}"
        case Remove(feed_id, offset, asked_at):
            data = f"feed:X:{feed_id}:{offset}:{asked_at}"
        case _:
            data = ADD
    return verified(data, button, decode)


def decode(data: str) -> Button | None:
    """Return what a feeds button asks for, or None when the data is malformed."""
    if data == ADD:
        return Add()
    if match := _PAGE.fullmatch(data):
        return Page(int(match[1]))
    if (match := _ACTION.fullmatch(data)) and int(match[2]) <= MAX_ID:
        return Action(ACTIONS[match[1]], int(match[2]), int(match[3]))
    if (match := _CONFIRM.fullmatch(data)) and int(match[1]) <= MAX_ID:
        return Remove(int(match[1]), int(match[2]), int(match[3]))
    return None


def list_keyboard(feeds: list[FeedRecord], offset: int, total: int) -> InlineKeyboardMarkup | None:
    """Return a row of buttons per feed shown (pause or resume, poll now, remove) and ◀/▶."""
    rows = [_feed_row(feed, offset) for feed in feeds]
    pages = -(-total // PAGE)
    nav = page_row(offset // PAGE, pages, lambda page: encode(Page(page * PAGE)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def _feed_row(feed: FeedRecord, offset: int) -> list[InlineKeyboardButton]:
    toggle = (_("▶️ Resume"), "resume") if feed.paused else (_("⏸ Pause"), "pause")
    return [InlineKeyboardButton(f"{toggle[0]} #{feed.id}",
                                 callback_data=encode(Action(toggle[1], feed.id, offset))),
            InlineKeyboardButton(_("🔄 Poll #%(id)d", id=feed.id),
                                 callback_data=encode(Action("poll", feed.id, offset))),
            InlineKeyboardButton(f"🗑 #{feed.id}",
                                 callback_data=encode(Action("ask_remove", feed.id, offset)))]


def confirm_keyboard(feed_id: int, offset: int, now: datetime) -> InlineKeyboardMarkup:
    """Return the Remove / Keep buttons for feed_id, asked now (Keep shows the list again)."""
    remove = encode(Remove(feed_id, offset, int(now.timestamp())))
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("🗑 Remove"), callback_data=remove),
                                  InlineKeyboardButton(_("Keep"), callback_data=encode(Page(offset)))]])


def add_keyboard() -> InlineKeyboardMarkup:
    """Return the button offering to add the feed a link's reply names."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("➕ Add as a feed"), callback_data=ADD)]])
