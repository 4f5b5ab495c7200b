"""Helpers every handler shares: the command list, rendering, replying, admin checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.context import AppContext, app_context
from briefs.i18n import N_, _
from briefs.render import render_template
from news.countries.lookup import display_country
from storage.ingest.pipeline import IngestResult

logger = logging.getLogger(__name__)

# The short answers (toasts) to a button press that does nothing.
EXPIRED = N_("That button has expired")
ONLY_ADMINS = N_("Only for admins.")


@dataclass(frozen=True, slots=True)
class CommandInfo:
    """One bot command: what the menu says and the example /help shows."""

    name: str
    description: str
    example: str
    admin: bool = False
    aliases: tuple[str, ...] = ()  # shorter names that do the same; shown in /help, not the menu


# Every command, in menu and /help order (the subscription commands are handled in
# bot/telegram/handlers/subscribing.py but described here so the menu and /help stay complete).
COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("start", N_("Welcome and the main actions"), "/start"),
    CommandInfo("help", N_("Every command with an example"), "/help"),
    CommandInfo("latest", N_("Newest stories, for a country too"), N_("/latest India 5")),
    CommandInfo("search", N_("Search the stories"), "/search grain deal"),
    CommandInfo("brief", N_("A briefing now: daily, a country or a topic"), N_("/brief Russia")),
    CommandInfo("trends", N_("Chart of the most covered countries"), "/trends 14"),
    CommandInfo("subscribe", N_("Get a daily, country or topic briefing"), N_("/subscribe India"),
                aliases=("sub",)),
    CommandInfo("unsubscribe", N_("Stop a subscription"), "/unsubscribe", aliases=("unsub",)),
    CommandInfo("subscriptions", N_("What you are subscribed to"), "/subscriptions",
                aliases=("list",)),
    CommandInfo("language", N_("The language I answer in"), "/language ru"),
    CommandInfo("time", N_("When your briefing arrives"), "/time 07:30"),
    CommandInfo("timezone", N_("Your timezone (IANA name)"), "/timezone Europe/Berlin"),
    CommandInfo("channel", N_("Link a channel you administer, pick the chat to manage, or "
                              "/channel remove @name to stop managing one"),
                "/channel @yourchannel"),
    CommandInfo("sources", N_("Documents loaded, newest first"), "/sources", admin=True),
    CommandInfo("stats", N_("Items, stories, subscribers, deliveries"), "/stats", admin=True),
    CommandInfo("delete", N_("Delete a document, its items and stories"), "/delete 12", admin=True),
    CommandInfo("feeds", N_("Feeds polled for news: pause, poll now, remove"), "/feeds",
                admin=True),
    CommandInfo("addfeed", N_("Add a feed (or a site's feed), polled every 15 min or as given"),
                "/addfeed https://example.org/rss 30m", admin=True),
)


def names(command: str) -> list[str]:
    """Return a command's name and its aliases, for its CommandHandler."""
    info = next(c for c in COMMANDS if c.name == command)
    return [info.name, *info.aliases]


def ctx_of(context: ContextTypes.DEFAULT_TYPE) -> AppContext:
    """Return the AppContext of the running application."""
    return app_context(context)


def render(context: ContextTypes.DEFAULT_TYPE, template: str, /, **values: Any) -> str:
    """Render briefs/templates/bot/<template>.telegram.j2 with the shared environment."""
    return render_template(ctx_of(context).env, f"bot/{template}.telegram.j2", **values)


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE, template: str, /,
                keyboard: InlineKeyboardMarkup | None = None, **values: Any) -> Message:
    """Render one template and send it as a reply in the update's chat."""
    text = render(context, template, **values)
    return await update.effective_chat.send_message(text, reply_markup=keyboard,
                                                    message_thread_id=thread_of(update))


async def reply_upload_result(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str,
                              result: IngestResult) -> Message:
    """Answer a document loaded from chat (an upload, a link): items, duplicates, countries."""
    countries = [(display_country(code), n) for code, n in result.top_countries]
    return await reply(update, context, "upload_result", name=name, result=result,
                       countries=countries)


async def send_all(update: Update, messages: list[str],
                   keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Send already rendered messages in order; the keyboard goes on the last one."""
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        await update.effective_chat.send_message(text, reply_markup=keyboard if last else None,
                                                 message_thread_id=thread_of(update))


def thread_of(update: Update) -> int | None:
    """Return the forum topic the update happened in (replies go there too), or None."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None or not chat.is_forum or not message.is_topic_message:
        return None
    return message.message_thread_id


def parse_count(text: str, low: int, high: int) -> int | None:
    """Read a whole number a user typed: ASCII digits within low..high, else None.

    str.isdigit() also accepts "²" and "٣", which int() refuses or reads; and a 5,000-digit
    number makes int() raise: both are refused here before any conversion.
    """
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(high)):
        return None
    value = int(text)
    return value if low <= value <= high else None


async def edit_message(query: CallbackQuery, text: str,
                       keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit the clicked message in place; an unchanged message (a double tap) is no error."""
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise


async def take_keyboard(query: CallbackQuery) -> bool:
    """Remove the clicked message's buttons; False when they were gone already (a double tap)."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as exc:
        if not is_not_modified(exc):
            raise
        return False
    return True


def is_not_modified(exc: BadRequest) -> bool:
    """Tell Telegram's "message is not modified" answer (the edit changes nothing) from others."""
    return "not modified" in str(exc).lower()


async def answer_expired(query: CallbackQuery) -> None:
    """Answer a forged, stale or outdated button's press with the one "expired" toast."""
    await query.answer(_(EXPIRED))


async def answer_admins_only(query: CallbackQuery) -> None:
    """Answer a button press from someone who is not a configured admin."""
    await query.answer(_(ONLY_ADMINS))


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Tell whether the user behind the update is a configured admin."""
    user = update.effective_user
    return user is not None and user.id in ctx_of(context).settings.admin_ids
