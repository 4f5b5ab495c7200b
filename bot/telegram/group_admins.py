"""Who may change a chat's subscriptions, delivery time and timezone: its admins only.

In a private chat the user owns the settings. In a group every member shares them, so only
the group's administrators (asked of Telegram with getChatMember, remembered for a minute)
and the bot's own admins may change them; anyone may still look. A channel is managed from a
private chat: the user must still be one of its administrators at every change, and linking
it also needs the bot to be an administrator allowed to post there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import ChatMember, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.telegram.handlers.common import is_admin, render, thread_of
from storage.records import ChatRef

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


async def may_change_settings(update: Update, context: ContextTypes.DEFAULT_TYPE,
                              target: ChatRef | None = None) -> bool:
    """Tell whether the update's user may change the target chat's subscriptions and schedule.

    *target* is the chat the change is for when it is not the update's own (a linked channel).
    """
    chat, user = update.effective_chat, update.effective_user
    if target is not None and chat is not None and target.chat_id != chat.id:
        return user is not None and await is_chat_admin(context, target.chat_id, user.id)
    if chat is None or chat.type not in _GROUPS:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous admin, writing as the group itself
    if user is None:
        return False
    if is_admin(update, context):
        return True
    return await is_chat_admin(context, chat.id, user.id)


async def is_chat_admin(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    """Tell whether the user administers the chat (asked of Telegram, remembered briefly)."""
    cache: AdminCache = context.bot_data.setdefault(_BOT_DATA_KEY, AdminCache())
    known = cache.get(chat_id, user_id)
    if known is None:
        known = await _is_chat_admin(context, chat_id, user_id)
        cache.put(chat_id, user_id, known)
    return known


async def channel_refusal(context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                          user_id: int) -> str | None:
    """Tell why the user may not link the channel (None: they may), asking Telegram afresh.

    Both must be administrators, and the bot must be allowed to post: else every briefing
    would fail there.
    """
    user = await _member(context, chat_id, user_id)
    if user is None or user.status not in _ADMIN_STATUSES:
        return "not_admin"
    context.bot_data.setdefault(_BOT_DATA_KEY, AdminCache()).put(chat_id, user_id, True)
    me = await _member(context, chat_id, context.bot.id)
    if me is None or me.status != ChatMemberStatus.ADMINISTRATOR:
        return "bot_not_admin"
    if not getattr(me, "can_post_messages", False):
        return "cannot_post"
    return None


async def refuse_change(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        target: ChatRef | None = None) -> None:
    """Tell a group member (or a button's presser) that only admins change these settings."""
    chat = update.effective_chat
    if target is not None and chat is not None and target.chat_id != chat.id:
        text = render(context, "channel", status="not_admin", title=target.title, picker=None)
    else:
        text = render(context, "group_admins_only")
    if update.callback_query is not None:
        await update.callback_query.answer(text)
    else:
        await update.effective_chat.send_message(text, message_thread_id=thread_of(update))


async def may_change(update: Update, context: ContextTypes.DEFAULT_TYPE,
                     target: ChatRef | None = None) -> bool:
    """Tell whether the user may change the target's settings, and say so when they may not."""
    if await may_change_settings(update, context, target):
        return True
    await refuse_change(update, context, target)
    return False


async def _is_chat_admin(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> bool:
    """Ask Telegram whether the user is the chat's owner or an administrator."""
    member = await _member(context, chat_id, user_id)
    # When in doubt (Telegram did not answer), the chat's settings stay as they are.
    return member is not None and member.status in _ADMIN_STATUSES


async def _member(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int) -> ChatMember | None:
    try:
        return await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        logger.warning("cannot check member %s of chat %s: %s", user_id, chat_id, exc)
        return None
