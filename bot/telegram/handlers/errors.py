"""The one global error handler: log with the traceback, apologise, keep running."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.telegram.handlers.common import render, thread_of

logger = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its traceback and tell the user, if there is one, briefly."""
    logger.error("error while handling an update: %r", update, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):  # stop the button's spinner if still possible
            await update.callback_query.answer()
    try:
        await update.effective_chat.send_message(render(context, "error"),
                                                 message_thread_id=thread_of(update))
    except TelegramError:
        # The apology itself failed (blocked, network): logging is all that is left.
        logger.warning("could not send the apology to chat %s", update.effective_chat.id,
                       exc_info=True)
