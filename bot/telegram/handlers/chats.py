"""Handlers for chats beyond a private one: /channel and forwarded channel posts (linking a
channel), /channel remove and the chat picker's buttons (pick or unlink a chat), the bot's own
membership changes and group migrations.

Linking needs Telegram's word (getChatMember) that both the user and the bot administer the
channel and that the bot may post there (bot/telegram/group_admins.py); what is linked and
picked is kept by services.chats.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import Chat, ChatMember, Message, MessageOriginChannel, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes, filters

from bot.telegram.buttons import chats as chat_buttons
from bot.telegram.group_admins import channel_refusal, is_chat_admin
from bot.telegram.handlers.common import answer_expired, ctx_of, edit_message, render, reply
from briefs.i18n import _
from storage.records import ChatLinkRecord, ChatRef

logger = logging.getLogger(__name__)

_GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.BANNED})
# A chat is named by its @username (5-32 letters, digits, underscores) or its numeric id.
_CHAT_NAME = r"(?:@?[A-Za-z][A-Za-z0-9_]{3,31}|-?[0-9]{1,16})"
# "/channel remove <name>" (or unlink) stops managing a linked chat: its @name, title or id.
_REMOVE = frozenset({"remove", "unlink"})


class _FromChannel(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return isinstance(message.forward_origin, MessageOriginChannel)


# A channel post forwarded to the bot in a private chat links that channel.
FORWARDED_CHANNEL_POST = filters.ChatType.PRIVATE & _FromChannel()


def _own_label() -> str:
    return _("👤 This private chat")


async def channel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /channel [@name]: link a channel, or show the linked chats to pick from;
    /channel remove <name>: unlink one."""
    if update.effective_chat.type != ChatType.PRIVATE:
        await reply(update, context, "channel", status="private_only", title=None, picker=None)
        return
    words = context.args or []
    remove = bool(words) and words[0].casefold() in _REMOVE
    query = " ".join(words[1:] if remove else words).strip()
    if remove and query:
        await _unlink_named(update, context, query)
        return
    if not query:  # "/channel remove" alone too: the picker has a ✖ beside each chat
        picker = await asyncio.to_thread(ctx_of(context).chats.picker, update.effective_user.id)
        status = "picker" if picker.links else "usage"
        await reply(update, context, "channel", chat_buttons.picker_keyboard(picker, _own_label()),
                    status=status, title=None, picker=picker)
        return
    chat = await _find_chat(context, query)
    if chat is None:
        await reply(update, context, "channel", status="not_found", title=query, picker=None)
        return
    await _link(update, context, chat)


async def forwarded_post(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Link the channel a forwarded post comes from."""
    origin = update.effective_message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        await _link(update, context, origin.chat)


async def _find_chat(context: ContextTypes.DEFAULT_TYPE, query: str) -> Chat | None:
    if not re.fullmatch(_CHAT_NAME, query):
        return None  # never sent to Telegram: it cannot name a chat
    name = query if query.startswith("@") or query.lstrip("-").isdigit() else f"@{query}"
    try:
        return await context.bot.get_chat(name)
    except TelegramError as exc:
        logger.info("no chat %r: %s", query, exc)
        return None


async def _link(update: Update, context: ContextTypes.DEFAULT_TYPE, chat: Chat) -> None:
    title = chat.title or (f"@{chat.username}" if chat.username else str(chat.id))
    if chat.type != ChatType.CHANNEL:
        await reply(update, context, "channel", status="not_channel", title=title, picker=None)
        return
    user_id = update.effective_user.id
    refusal = await channel_refusal(context, chat.id, user_id)
    if refusal is not None:  # nothing is linked
        await reply(update, context, "channel", status=refusal, title=title, picker=None)
        return
    ref = ChatRef(chat.id, 0, ChatType.CHANNEL.value, title)
    picker = await asyncio.to_thread(ctx_of(context).chats.link, user_id, ref, chat.username)
    status = "linked" if picker is not None else "too_many"
    await reply(update, context, "channel", chat_buttons.picker_keyboard(picker, _own_label()),
                status=status, title=title, picker=picker)


async def pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle chat: buttons: the chat the next commands act on (a linked one, or this chat), or
    a linked chat to unlink."""
    query, user_id = update.callback_query, update.effective_user.id
    button = chat_buttons.decode(query.data)
    chats = ctx_of(context).chats
    links = (await asyncio.to_thread(chats.picker, user_id)).links
    linked = {link.chat_id: link for link in links}
    if button is None or (button.chat_id is not None and button.chat_id not in linked) \
            or update.effective_chat.type != ChatType.PRIVATE:
        await answer_expired(query)  # forged, or unlinked since
        return
    if isinstance(button, chat_buttons.Unlink):
        await _unlink(update, context, linked[button.chat_id])
        return
    if button.chat_id is not None and not await is_chat_admin(context, button.chat_id, user_id):
        title = linked[button.chat_id].title
        await query.answer(render(context, "channel", status="not_admin", title=title, picker=None))
        return
    picker = await asyncio.to_thread(chats.select, user_id, button.chat_id)
    if picker is None:  # unlinked between the two reads
        await answer_expired(query)
        return
    await query.answer()
    title = picker.selected.title if picker.selected else None
    text = render(context, "channel", status="picked", title=title, picker=picker)
    await edit_message(query, text, chat_buttons.picker_keyboard(picker, _own_label()))


async def _unlink(update: Update, context: ContextTypes.DEFAULT_TYPE,
                  link: ChatLinkRecord) -> None:
    """Stop managing a chat the user linked (no admin check: only their own link goes; the
    chat's subscriptions and briefings stay) and show what is left to pick."""
    query, user_id = update.callback_query, update.effective_user.id
    chats = ctx_of(context).chats
    if not await asyncio.to_thread(chats.unlink, user_id, link.chat_id):
        await answer_expired(query)  # a double tap: unlinked already
        return
    picker = await asyncio.to_thread(chats.picker, user_id)
    await query.answer()
    title = link.title or str(link.chat_id)
    text = render(context, "channel", status="unlinked", title=title, picker=picker)
    await edit_message(query, text, chat_buttons.picker_keyboard(picker, _own_label()))


async def _unlink_named(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str) -> None:
    """Stop managing the linked chat a user names, found among their links without asking
    Telegram (the bot may have been removed from it), and show what is left to pick."""
    result = await asyncio.to_thread(ctx_of(context).chats.unlink_named,
                                     update.effective_user.id, name)
    title = (result.link.title or str(result.link.chat_id)) if result.link else name
    keyboard = None if result.status == "not_linked" else \
        chat_buttons.picker_keyboard(result.picker, _own_label())
    await reply(update, context, "channel", keyboard, status=result.status, title=title,
                picker=result.picker)


async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added, removed, blocked, promoted or demoted: deliver only where it may post."""
    change = update.my_chat_member
    may_post = _may_post(change.new_chat_member, change.chat.type)
    await asyncio.to_thread(ctx_of(context).chats.set_active, change.chat.id, may_post)


def _may_post(member: ChatMember, chat_type: str) -> bool:
    if member.status in _GONE:
        return False
    if member.status == ChatMemberStatus.RESTRICTED:
        return bool(getattr(member, "is_member", False) and getattr(member, "can_send_messages", False))
    if chat_type == ChatType.CHANNEL and member.status != ChatMemberStatus.OWNER:
        return bool(getattr(member, "can_post_messages", False))  # a plain member cannot post
    return True


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: its subscribers move to the new chat id (once)."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    else:
        old, new = message.migrate_from_chat_id, message.chat.id
    await asyncio.to_thread(ctx_of(context).chats.migrate, old, new)
