"""/start and /help, and the /start menu buttons."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.buttons import start_menu
from bot.telegram.handlers import reading
from bot.telegram.handlers.common import COMMANDS, ctx_of, is_admin, reply

logger = logging.getLogger(__name__)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome the user, say what the bot does, offer the common actions."""
    user = update.effective_user
    await reply(update, context, "start", keyboard=start_menu.start_keyboard(),
                name=user.first_name if user else None, admin=is_admin(update, context))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List every command with an example (admin commands for admins only)."""
    await reply(update, context, "help", commands=COMMANDS, admin=is_admin(update, context),
                max_mb=round(ctx_of(context).settings.max_upload_mb))


async def action(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /start menu button: run the action it names."""
    query = update.callback_query
    await query.answer()
    button = start_menu.decode(query.data)
    if button is None:  # not a button this bot makes
        await reply(update, context, "expired")
    elif button.name == "latest":
        await reading.show_latest(update, context, None, reading.PAGE_SIZE, 0)
    elif button.name == "brief":
        await reading.show_brief(update, context, "")
    elif button.name == "trends":
        await reading.show_trends(update, context, reading.DEFAULT_TREND_DAYS)
    else:
        await help_command(update, context)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a command the bot does not know with the short hint."""
    await reply(update, context, "unknown_command", text=update.effective_message.text.split()[0])
