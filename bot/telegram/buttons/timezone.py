"""Buttons of /timezone: tz:NAME sets one of the suggested IANA timezones."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import verified

# The whole family reaches the handler, so a malformed tz: button is answered "expired".
PATTERN = r"^tz:"
_DATA = re.compile(r"tz:([A-Za-z0-9_+/-]+)")  # every IANA name is made of these


@dataclass(frozen=True, slots=True)
class Timezone:
    """Set the IANA timezone name."""

    name: str


def encode(choice: Timezone) -> str:
    """Return the callback data of a timezone button."""
    return verified(f"tz:{choice.name}", choice, decode)


def decode(data: str) -> Timezone | None:
    """Return the timezone a button names, or None when the data is malformed."""
    match = _DATA.fullmatch(data)
    return Timezone(match[1]) if match else None


def timezone_keyboard(suggestions: tuple[str, ...]) -> InlineKeyboardMarkup | None:
    """Return one button per suggested timezone (skipping any that cannot be a button)."""
    rows = [[button] for button in map(_button, suggestions) if button]
    return InlineKeyboardMarkup(rows) if rows else None


def _button(name: str) -> InlineKeyboardButton | None:
    try:
        return InlineKeyboardButton(name, callback_data=encode(Timezone(name)))
    except ValueError:  # over 64 bytes: no IANA name is, but a suggestion list could change
        return None
