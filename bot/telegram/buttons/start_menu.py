"""The /start menu: act:NAME runs one of the common actions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import verified
from briefs.i18n import _

ACTIONS = ("latest", "brief", "trends", "help")
# The whole family reaches the handler, so a malformed act: button is answered, not ignored.
PATTERN = r"^act:"
_DATA = re.compile(f"act:({'|'.join(ACTIONS)})")


@dataclass(frozen=True, slots=True)
class StartAction:
    """A /start menu button: the action it runs (one of ACTIONS)."""

    name: str


def encode(action: StartAction) -> str:
    """Return the callback data of a /start menu button."""
    return verified(f"act:{action.name}", action, decode)


def decode(data: str) -> StartAction | None:
    """Return the action a button names, or None for anything else."""
    match = _DATA.fullmatch(data)
    return StartAction(match[1]) if match else None


def start_keyboard() -> InlineKeyboardMarkup:
    """Return the /start buttons for the common actions."""
    return InlineKeyboardMarkup([
        [_button(_("📰 Latest"), "latest"), _button(_("🗞 Daily briefing"), "brief")],
        [_button(_("📈 Trends"), "trends"), _button(_("❓ Help"), "help")],
    ])


def _button(label: str, name: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(StartAction(name)))
