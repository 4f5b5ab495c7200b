"""Buttons of /channel: pick the chat the next commands act on, or unlink one.

  chat:me        this private chat
  chat:-100…     a linked channel (only if the presser linked it: the handler checks)
  chat:rm:-100…  stop managing that linked channel from here (the same check)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import verified
from briefs.i18n import _
from services.chats import ChatPicker

# The whole family reaches the handler, so a malformed chat: button is answered "expired".
PATTERN = r"^chat:"
# Telegram's chat ids fit in 52 bits: 16 digits at most (a longer number is forged); written
# without leading zeros, as encode() does, so one button has one spelling.
_CHAT_ID = r"-?[1-9][0-9]{0,15}"
_PICK = re.compile(rf"chat:(me|{_CHAT_ID})")
_UNLINK = re.compile(rf"chat:rm:({_CHAT_ID})")
TITLE_CHARS = 40


@dataclass(frozen=True, slots=True)
class Pick:
    """Act on this chat from now on (None: the private chat the button is in)."""

    chat_id: int | None


@dataclass(frozen=True, slots=True)
class Unlink:
    """Stop managing this linked chat from the private chat (its subscriptions stay)."""

    chat_id: int


def encode(button: Pick | Unlink) -> str:
    """Return the callback data of a picker button."""
    if isinstance(button, Unlink):
        return verified(f"chat:rm:{button.chat_id}", button, decode)
    value = "me" if button.chat_id is None else str(button.chat_id)
    return verified(f"chat:{value}", button, decode)


def decode(data: str) -> Pick | Unlink | None:
    """Return the chat a button picks or unlinks, or None when the data is malformed."""
    if match := _UNLINK.fullmatch(data):
        return Unlink(int(match[1]))
    match = _PICK.fullmatch(data)
    if match is None:
        return None
    return Pick(None if match[1] == "me" else int(match[1]))


def picker_keyboard(picker: ChatPicker | None, own_label: str) -> InlineKeyboardMarkup | None:
    """Return a row per linked chat (pick it, ✖ unlink it) and one for the private chat, ✓ on
    the selected one."""
    if picker is None or not picker.links:
        return None
    unlink = _("✖ Unlink")
    rows = [[_button(link.title or str(link.chat_id), link.selected, link.chat_id),
             InlineKeyboardButton(unlink, callback_data=encode(Unlink(link.chat_id)))]
            for link in picker.links]
    rows.append([_button(own_label, picker.selected is None, None)])
    return InlineKeyboardMarkup(rows)


def _button(label: str, selected: bool, chat_id: int | None) -> InlineKeyboardButton:
    short = label if len(label) <= TITLE_CHARS else label[:TITLE_CHARS - 1] + "…"
    return InlineKeyboardButton(("✓ " if selected else "") + short,
                                callback_data=encode(Pick(chat_id)))
