"""The languages the bot speaks, and the one being shown right now.

The display language is a context variable: each Telegram update runs in its own asyncio task
and `asyncio.to_thread` copies the context into its worker, so a Russian reader's reply and an
English reader's reply rendered at the same moment never see each other's language. Whatever
shows text to a reader (translations, dates, country names) asks `current_language()`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

logger = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "en"  # the source language of every message; missing translations fall back to it
SUPPORTED_LANGUAGES = ("en", "ru", "de")
_CURRENT: ContextVar[str] = ContextVar("display_language", default=DEFAULT_LANGUAGE)


def normalise_language(code: str | None) -> str | None:
    """Return the supported language of a tag ("ru-RU", "RU", "ru_RU" -> "ru"), else None."""
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED_LANGUAGES else None


def current_language() -> str:
    """Return the language text is being shown in (the default outside `using_language`)."""
    return _CURRENT.get()


@contextlib.contextmanager
def using_language(code: str | None) -> Iterator[str]:
    """Show text in code's language inside the block (unsupported or None: the default)."""
    language = normalise_language(code) or DEFAULT_LANGUAGE
    token = _CURRENT.set(language)
    try:
        yield language
    finally:
        _CURRENT.reset(token)


def set_language(code: str | None) -> str:
    """Show text in code's language for the rest of the current task (an update's handlers)."""
    language = normalise_language(code) or DEFAULT_LANGUAGE
    _CURRENT.set(language)
    return language
