"""Buttons of /delete: confirm deleting a document, or keep it.

  del:ID:T   delete document ID; the question was asked at T (Unix seconds)
  del:keep   keep it (the question goes away)

A confirmation is good for CONFIRM_SECONDS (buttons.common).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.buttons.common import MAX_ID, confirmation_expired, verified
from briefs.i18n import _

# The whole family reaches the handler, so a malformed del: button is answered "expired".
PATTERN = r"^del:"
_CONFIRM = re.compile(r"del:([1-9][0-9]{0,9}):([1-9][0-9]{0,10})")  # no leading zeros: one spelling each
KEEP = "del:keep"


@dataclass(frozen=True, slots=True)
class Confirm:
    """Delete document_id; the question was asked at asked_at (Unix seconds)."""

    document_id: int
    asked_at: int

    def expired(self, now: datetime) -> bool:
        """Tell whether the button is too old (or claims to come from the future: forged)."""
        return confirmation_expired(self.asked_at, now)


@dataclass(frozen=True, slots=True)
class Keep:
    """Keep the document."""


def encode(button: Confirm | Keep) -> str:
    """Return the callback data of a confirm or keep button."""
    data = KEEP if isinstance(button, Keep) else f"del:{button.document_id}:{button.asked_at}"
    return verified(data, button, decode)


def decode(data: str) -> Confirm | Keep | None:
    """Return what a /delete button asks for, or None when the data is malformed."""
    if data == KEEP:
        return Keep()
    if (match := _CONFIRM.fullmatch(data)) and 1 <= int(match[1]) <= MAX_ID:
        return Confirm(int(match[1]), int(match[2]))
    return None


def confirm_keyboard(document_id: int, now: datetime) -> InlineKeyboardMarkup:
    """Return the Delete / Keep buttons for document_id, asked now."""
    confirm = encode(Confirm(document_id, int(now.timestamp())))
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("🗑 Delete"), callback_data=confirm),
                                  InlineKeyboardButton(_("Keep"), callback_data=encode(Keep()))]])
