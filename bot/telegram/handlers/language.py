"""/language [code] and its buttons: the language the chat is answered in."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.buttons import language as language_buttons
from bot.telegram.group_admins import may_change
from bot.telegram.handlers.common import answer_expired, ctx_of, edit_message, render, reply
from bot.telegram.language import cache_of
from bot.telegram.targets import is_elsewhere, target_of
from briefs.i18n import language_name
from news.language import SUPPORTED_LANGUAGES, current_language, set_language
from services.languages import LanguageResult, choose_language
from storage.records import ChatRef

logger = logging.getLogger(__name__)


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /language: the choices as buttons, or switch to the language named."""
    text = " ".join(context.args or [])
    target = await target_of(update, context)
    if text.strip() and not await may_change(update, context, target):
        return
    result = await _choose(update, context, target, text)
    keyboard = None if result.status == "set" else language_buttons.language_keyboard(result.language)
    await reply(update, context, "language", keyboard=keyboard, **_values(result))


async def language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /language button: switch, then show the choice in the new language."""
    query = update.callback_query
    button = language_buttons.decode(query.data)
    if button is None:  # forged, or a language no longer offered
        await answer_expired(query)
        return
    target = await target_of(update, context)
    if not await may_change(update, context, target):
        return
    result = await _choose(update, context, target, button.code)
    await query.answer()
    await edit_message(query, render(context, "language", **_values(result)), None)


async def _choose(update: Update, context: ContextTypes.DEFAULT_TYPE, target: ChatRef,
                  text: str) -> LanguageResult:
    ctx = ctx_of(context)
    user = update.effective_user
    username = None if is_elsewhere(update, target) or user is None else user.username
    result = await asyncio.to_thread(choose_language, ctx.sessions, ctx.settings, target, text,
                                     username=username)
    if result.status == "set":
        cache_of(context).put(target, result.language)
        if not is_elsewhere(update, target):  # the answer itself is already in the new language
            set_language(result.language)
    return result


def _values(result: LanguageResult) -> dict[str, object]:
    return {"result": result, "current": language_name(result.language or current_language()),
            "choices": [(code, language_name(code)) for code in SUPPORTED_LANGUAGES]}
