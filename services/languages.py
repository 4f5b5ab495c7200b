"""The language a chat is answered in: read it, and change it with /language.

A chat (or forum topic, or linked channel) that never chose one is answered in each sender's
Telegram language, and gets its scheduled briefings in the default language; a chat that chose
one with /language gets everything in it. Codes are ISO 639-1 ("ru"); a regional tag ("ru-RU")
means its language.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from babel import Locale
from sqlalchemy.orm import Session, sessionmaker

from news.language import SUPPORTED_LANGUAGES, normalise_language
from services.subscriptions import NewChatDefaults
from storage.records import ChatRef
from storage.repositories import subscribers as repo

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LanguageResult:
    """What /language did: status "show" (no argument), "set" or "unknown" (query not supported)."""

    status: str
    language: str | None  # the chat's chosen language after the command (None: never chosen)
    query: str = ""
    supported: tuple[str, ...] = SUPPORTED_LANGUAGES


@functools.cache
def _by_name() -> dict[str, str]:
    """Return every supported language's name, in each supported language, -> its code."""
    return {Locale.parse(code).get_display_name(shown).casefold(): code
            for code in SUPPORTED_LANGUAGES for shown in SUPPORTED_LANGUAGES}


def stored_language(sessions: sessionmaker[Session], chat: ChatRef) -> str | None:
    """Return the language the chat chose, or None when it never chose one."""
    with sessions() as session:
        found = repo.subscriber_by_chat(session, chat.chat_id, chat.thread_id)
    return found.language if found else None


def choose_language(sessions: sessionmaker[Session], defaults: NewChatDefaults, chat: ChatRef,
                    text: str, *, username: str | None = None) -> LanguageResult:
    """Apply /language [code]: show the current choice, set a supported one, or refuse."""
    query = " ".join(text.split())
    if not query:
        return LanguageResult("show", stored_language(sessions, chat))
    language = normalise_language(query) or _by_name().get(query.casefold())
    if language is None:
        return LanguageResult("unknown", stored_language(sessions, chat), query=query)
    with sessions() as session:
        subscriber = repo.get_or_create_subscriber(
            session, chat.chat_id, username=username, timezone=defaults.timezone,
            delivery_time=defaults.delivery_time, thread_id=chat.thread_id, kind=chat.kind)
        repo.set_chat_language(session, subscriber, language)
        session.commit()
    logger.info("chat %s (topic %s) now reads %s", chat.chat_id, chat.thread_id, language)
    return LanguageResult("set", language, query=query)
