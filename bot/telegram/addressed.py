"""Which group messages are meant for the bot: those that mention it or reply to it.

In a group the bot answers plain questions only when asked (it would be noise otherwise); the
mention is then no part of the question.
"""

from __future__ import annotations

import re

from telegram import Message, MessageEntity
from telegram.ext import filters


def _mentions_bot(message: Message) -> bool:
    mention = f"@{message.get_bot().username}".lower()
    return any(text.lower() == mention
               for text in message.parse_entities([MessageEntity.MENTION]).values())


def _replies_to_bot(message: Message) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id)


class AddressedToBot(filters.MessageFilter):
    """Let through messages that mention the bot by @name or reply to one of its messages."""

    def filter(self, message: Message) -> bool:
        """Tell whether the message is meant for the bot."""
        return _mentions_bot(message) or _replies_to_bot(message)


def question_text(message: Message) -> str:
    """Return a message's text without the bot's @mention (what the user asks)."""
    text = message.text or ""
    username = message.get_bot().username
    if not username:
        return text
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()
