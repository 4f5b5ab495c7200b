"""Buttons of /language: lang:CODE answers in one of the supported languages from now on."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import verified
from briefs.i18n import language_name
from news.language import SUPPORTED_LANGUAGES

# The whole family reaches the handler, so a malformed lang: button is answered "expired".
PATTERN = r"^lang:"
_DATA = re.compile(r"lang:([a-z]{2})")


@dataclass(frozen=True, slots=True)
class Language:
    """Answer the chat in code's language (one of SUPPORTED_LANGUAGES)."""

    code: str


def encode(choice: Language) -> str:
    """Return the callback data of a language button."""
    return verified(f"lang:{choice.code}", choice, decode)


def decode(data: str) -> Language | None:
    """Return the language a button names, or None when malformed or not supported."""
    match = _DATA.fullmatch(data)
    return Language(match[1]) if match and match[1] in SUPPORTED_LANGUAGES else None


def language_keyboard(current: str | None) -> InlineKeyboardMarkup:
    """Return one button per supported language, in its own name (✓ on the chosen one)."""
    row = [InlineKeyboardButton(("✓ " if code == current else "") + language_name(code),
                                callback_data=encode(Language(code)))
           for code in SUPPORTED_LANGUAGES]
    return InlineKeyboardMarkup([row])
