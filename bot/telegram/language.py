"""Which language an update is answered in, set before any handler runs.

The chat's choice (/language, stored on its subscriber) wins; else the sender's Telegram
language_code ("ru-RU" -> ru); else English. It is set as the task's display language
(news.language), which every render, date and country name reads, and which worker threads
started with asyncio.to_thread inherit. Choices are remembered briefly per process so an update
costs no database read; /language forgets the chat's at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.telegram.handlers.common import ctx_of
from bot.telegram.targets import chat_of
from news.language import set_language
from services.languages import stored_language
from storage.records import ChatRef

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
MAX_CACHED = 10_000
BOT_DATA_KEY = "chat_languages"
# Before the throttle (-100), so even "slow down" is in the reader's language.
GROUP = -200


class LanguageCache:
    """Remember each chat's chosen language (None: none chosen) for a short while."""

    def __init__(self, seconds: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._known: dict[ChatRef, tuple[str | None, float]] = {}

    def get(self, chat: ChatRef) -> tuple[bool, str | None]:
        """Return (known, language); known is False when never seen or stale."""
        found = self._known.get(chat)
        if found is None or self.clock() - found[1] >= self.seconds:
            return False, None
        return True, found[0]

    def put(self, chat: ChatRef, language: str | None) -> None:
        """Remember a chat's choice (forgetting everything once there are too many)."""
        if len(self._known) >= MAX_CACHED:
            self._known.clear()
        self._known[chat] = (language, self.clock())


def install(application: Application) -> None:
    """Set every update's display language before the other handlers run."""
    application.add_handler(TypeHandler(Update, choose), group=GROUP)


def cache_of(context: ContextTypes.DEFAULT_TYPE) -> LanguageCache:
    """Return the application's cache of chat languages."""
    return context.bot_data.setdefault(BOT_DATA_KEY, LanguageCache())


async def choose(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set the update's display language: the chat's choice, else the sender's."""
    if not isinstance(update, Update):
        set_language(None)
        return
    chosen = await chat_language(update, context) if update.effective_chat else None
    user = update.effective_user
    set_language(chosen or (user.language_code if user else None))


async def chat_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """Return the language the update's chat chose (None: none), remembered briefly."""
    chat, cache = chat_of(update), cache_of(context)
    known, language = cache.get(chat)
    if not known:
        language = await asyncio.to_thread(stored_language, ctx_of(context).sessions, chat)
        cache.put(chat, language)
    return language
