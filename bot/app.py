"""Build the python-telegram-bot Application: settings in, handlers and jobs wired up.

The bot talks to `{api}/bot` and `{api}/file/bot`, so a self-hosted Bot API server (or the
tests' fake one) works like Telegram. Handlers are thin: see bot/telegram/handlers/; each
button family's callback data (format, parsing, pattern) lives in bot/telegram/buttons/.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.context import AppContext
from bot.delivery.jobs import register_delivery_jobs
from bot.metrics import instrument
from bot.telegram import throttle
from bot.telegram.buttons import more, pager, start_menu, subscribe, timezone, unsubscribe
from bot.telegram.handlers import admin, reading, start, subscribing
from bot.telegram.handlers.common import COMMANDS
from bot.telegram.handlers.errors import on_error
from bot.telegram.rate_limit import ReplyRateLimiter

logger = logging.getLogger(__name__)

# Plain questions are answered in private chats only: in groups the bot would be noise.
PRIVATE_TEXT = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE


def handlers() -> list[BaseHandler]:
    """Return every handler, in the order PTB tries them (so the catch-all ones come last)."""
    return [
        # Welcome and help, and the /start menu buttons.
        CommandHandler("start", start.start),
        CommandHandler("help", start.help_command),
        CallbackQueryHandler(start.action, pattern=start_menu.PATTERN),
        # News: newest, search, briefing now, chart; "More" pages.
        CommandHandler("latest", reading.latest),
        CommandHandler("search", reading.search),
        CommandHandler("brief", reading.brief),
        CommandHandler("trends", reading.trends),
        CallbackQueryHandler(reading.more, pattern=more.PATTERN),
        # Admin: uploads, loaded documents, figures (each refuses non-admins itself).
        MessageHandler(filters.Document.ALL, admin.upload),
        CommandHandler("sources", admin.sources),
        CommandHandler("stats", admin.stats),
        CallbackQueryHandler(admin.sources_page, pattern=pager.PATTERN),
        # Subscriptions: what to get, when, in which timezone; the menu and remove buttons.
        CommandHandler("subscribe", subscribing.subscribe),
        CommandHandler("unsubscribe", subscribing.unsubscribe),
        CommandHandler("subscriptions", subscribing.subscriptions),
        CommandHandler("time", subscribing.set_time),
        CommandHandler("timezone", subscribing.set_timezone),
        CallbackQueryHandler(subscribing.subscribe_button, pattern=subscribe.PATTERN),
        CallbackQueryHandler(subscribing.unsubscribe_button, pattern=unsubscribe.PATTERN),
        CallbackQueryHandler(subscribing.timezone_button, pattern=timezone.PATTERN),
        # Last resort: plain questions (private chats only) and unknown commands.
        MessageHandler(PRIVATE_TEXT, reading.plain_text),
        MessageHandler(filters.COMMAND, start.unknown_command),
    ]


def build_application(ctx: AppContext) -> Application:
    """Build the Application for ctx's settings, with every handler and job registered."""
    api = ctx.settings.telegram_api_url.rstrip("/")
    application = (
        Application.builder()
        .token(ctx.settings.token or "")
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=ctx.default_tz,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(ReplyRateLimiter())  # 30/s overall; a 429 is retried after retry_after
        .concurrent_updates(True)  # a slow upload must not hold up everyone else
        .post_init(_post_init)
        .build()
    )
    application.bot_data["ctx"] = ctx
    throttle.install(application)  # before every handler: a flooding user's updates stop there
    for handler in handlers():
        application.add_handler(instrument(handler))  # handler latency for /metrics
    application.add_error_handler(on_error)
    register_delivery_jobs(application)  # the scheduler tick and the outbox sender
    return application


async def _post_init(application: Application) -> None:
    """Register the command menu: everyone's commands, and admin ones in admins' chats."""
    ctx: AppContext = application.bot_data["ctx"]
    await application.bot.set_my_commands(_menu(c for c in COMMANDS if not c.admin))
    for admin_id in sorted(ctx.settings.admin_ids):
        await application.bot.set_my_commands(_menu(COMMANDS),
                                              scope=BotCommandScopeChat(admin_id))


def _menu(commands: Iterable[Any]) -> list[BotCommand]:
    return [BotCommand(c.name, c.description) for c in commands]
