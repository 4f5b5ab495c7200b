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
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.context import AppContext
from bot.delivery.feed_jobs import register_feed_jobs
from bot.delivery.jobs import register_delivery_jobs
from bot.metrics import instrument
from bot.telegram import language, throttle
from bot.telegram.addressed import AddressedToBot
from bot.telegram.buttons import chats as chat_buttons
from bot.telegram.buttons import (
    delete,
    more,
    pager,
    start_menu,
    subscribe,
    timezone,
    unsubscribe,
)
from bot.telegram.buttons import feeds as feed_buttons
from bot.telegram.buttons import language as language_buttons
from bot.telegram.handlers import admin, chats, feeds, reading, start, subscribing
from bot.telegram.handlers import language as languages
from bot.telegram.handlers.common import COMMANDS, names
from bot.telegram.handlers.errors import on_error
from bot.telegram.rate_limit import ReplyRateLimiter
from briefs.i18n import _
from news.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, using_language

logger = logging.getLogger(__name__)

# Plain questions are answered in private chats; in groups only when the bot is mentioned or
# replied to (else it would be noise).
PRIVATE_TEXT = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
GROUP_QUESTION = filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS & AddressedToBot()
# A private message that is only a web address: a source to load, not a question.
PRIVATE_LINK = PRIVATE_TEXT & filters.Regex(feeds.LINK)


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
        # Chats: a channel linked from a private chat (/channel or a forwarded post, before
        # uploads and questions), the chat picker; the bot added, removed, blocked or demoted;
        # a group that became a supergroup.
        CommandHandler("channel", chats.channel),
        MessageHandler(chats.FORWARDED_CHANNEL_POST, chats.forwarded_post),
        CallbackQueryHandler(chats.pick, pattern=chat_buttons.PATTERN),
        ChatMemberHandler(chats.membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, chats.migrated),
        # Admin: uploads, loaded documents, figures, deleting a document after a confirmation
        # button (each refuses non-admins itself).
        MessageHandler(filters.Document.ALL, admin.upload),
        CommandHandler("sources", admin.sources),
        CommandHandler("stats", admin.stats),
        CommandHandler("delete", admin.delete),
        CallbackQueryHandler(admin.sources_page, pattern=pager.PATTERN),
        CallbackQueryHandler(admin.delete_button, pattern=delete.PATTERN),
        # Feeds (admins; each refuses others itself): /feeds and its buttons, /addfeed, and a
        # lone link in a private chat (an article is loaded, a feed or a site offered as one).
        CommandHandler("feeds", feeds.feeds),
        CommandHandler("addfeed", feeds.add_feed),
        CallbackQueryHandler(feeds.button, pattern=feed_buttons.PATTERN),
        MessageHandler(PRIVATE_LINK, feeds.link),
        # Subscriptions: what to get, when, in which timezone; the menu and remove buttons.
        # /sub, /unsub and /list: the names other feed bots use (COMMANDS' aliases).
        CommandHandler(names("subscribe"), subscribing.subscribe),
        CommandHandler(names("unsubscribe"), subscribing.unsubscribe),
        CommandHandler(names("subscriptions"), subscribing.subscriptions),
        CommandHandler("time", subscribing.set_time),
        CommandHandler("timezone", subscribing.set_timezone),
        CallbackQueryHandler(subscribing.subscribe_button, pattern=subscribe.PATTERN),
        CallbackQueryHandler(subscribing.unsubscribe_button, pattern=unsubscribe.PATTERN),
        CallbackQueryHandler(subscribing.timezone_button, pattern=timezone.PATTERN),
        # The language the chat is answered in.
        CommandHandler("language", languages.language),
        CallbackQueryHandler(languages.language_button, pattern=language_buttons.PATTERN),
        # Last resort: plain questions (private chats; groups when addressed) and unknown commands.
        MessageHandler(PRIVATE_TEXT, reading.plain_text),
        MessageHandler(GROUP_QUESTION, reading.plain_text),
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
    language.install(application)  # first: every reply follows the chat's or sender's language
    throttle.install(application)  # before every handler: a flooding user's updates stop there
    for handler in handlers():
        application.add_handler(instrument(handler))  # handler latency for /metrics
    application.add_error_handler(on_error)
    register_delivery_jobs(application)  # the scheduler tick and the outbox sender
    register_feed_jobs(application)  # polling the feeds that are due
    return application


async def _post_init(application: Application) -> None:
    """Register the command menu in every language: everyone's commands, and admin ones in
    admins' chats. Telegram shows the menu of the user's language, the default (English) else."""
    ctx: AppContext = application.bot_data["ctx"]
    for code in (None, *(c for c in SUPPORTED_LANGUAGES if c != DEFAULT_LANGUAGE)):
        with using_language(code):
            await application.bot.set_my_commands(_menu(c for c in COMMANDS if not c.admin),
                                                  language_code=code)
            for admin_id in sorted(ctx.settings.admin_ids):
                await application.bot.set_my_commands(_menu(COMMANDS),
                                                      scope=BotCommandScopeChat(admin_id),
                                                      language_code=code)


def _menu(commands: Iterable[Any]) -> list[BotCommand]:
    """Return the menu entries in the current language."""
    return [BotCommand(c.name, _(c.description)) for c in commands]
