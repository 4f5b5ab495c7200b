"""Who may change a group's subscriptions, delivery time and timezone: its admins only.

In a private chat the user owns the settings. In a group every member shares them, so only
the group's administrators (asked of Telegram with getChatMember, remembered for a minute)
and the bot's own admins may change them; anyone may still look.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.telegram.handlers.common import is_admin, render

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
MAX_CACHED = 10_000
_ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
_GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
_BOT_DATA_KEY = "group_admins"


class AdminCache:
    """Remember for a short while whether a user administers a chat."""

    def __init__(self, seconds: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._known: dict[tuple[int, int], tuple[bool, float]] = {}

    def get(self, chat_id: int, user_id: int) -> bool | None:
        """Return the remembered answer, or None when unknown or stale."""
        found = self._known.get((chat_id, user_id))
        if found is None or self.clock() - found[1] >= self.seconds:
            return None
        return found[0]

    def put(self, chat_id: int, user_id: int, admin: bool) -> None:
        """Remember an answer (forgetting everything once there are too many)."""
        if len(self._known) >= MAX_CACHED:
            self._known.clear()
        self._known[(chat_id, user_id)] = (admin, self.clock())


async def may_change_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Tell whether the update's user may change the chat's subscriptions and schedule."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type not in _GROUPS:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous admin, writing as the group itself
    if user is None:
        return False
    if is_admin(update, context):
        return True
    cache: AdminCache = context.bot_data.setdefault(_BOT_DATA_KEY, AdminCache())
    known = cache.get(chat.id, user.id)
    if known is None:
        known = await _is_chat_admin(context, chat.id, user.id)
        cache.put(chat.id, user.id, known)
    return known


async def refuse_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell a group member (or a button's presser) that only admins change these settings."""
    text = render(context, "group_admins_only")
    if update.callback_query is not None:
        await update.callback_query.answer(text)
    else:
        await update.effective_chat.send_message(text)


async def _is_chat_admin(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    """Ask Telegram whether the user is the chat's owner or an administrator."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        logger.warning("cannot check admins of chat %s: %s", chat_id, exc)
        return False  # when in doubt, the group's settings stay as they are
    return member.status in _ADMIN_STATUSES
