"""Which chat an update's commands act on: the chat (or forum topic) itself, or from a private
chat the linked channel its user picked with /channel."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.telegram.handlers.common import ctx_of, thread_of
from storage.records import ChatRef

logger = logging.getLogger(__name__)

CHANNEL = ChatType.CHANNEL.value


def chat_of(update: Update) -> ChatRef:
    """Return the chat the update happened in, with its forum topic (0: none or General)."""
    chat = update.effective_chat
    return ChatRef(chat.id, thread_of(update) or 0, chat.type, chat.title)


async def target_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> ChatRef:
    """Return the chat the update's subscription commands act on."""
    here = chat_of(update)
    user = update.effective_user
    if here.kind != ChatType.PRIVATE or user is None:
        return here
    link = await asyncio.to_thread(ctx_of(context).chats.selected, user.id)
    return ChatRef(link.chat_id, 0, CHANNEL, link.title) if link else here


def is_elsewhere(update: Update, target: ChatRef) -> bool:
    """Tell whether the target is another chat than the update's own (a linked channel)."""
    return target.chat_id != update.effective_chat.id
