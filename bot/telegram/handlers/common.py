"""Helpers every handler shares: the command list, rendering, replying, admin checks."""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.context import AppContext, app_context
from briefs.render import render_template

logger = logging.getLogger(__name__)

MAX_REMEMBERED_QUERIES = 2000


@dataclass(frozen=True, slots=True)
class CommandInfo:
    """One bot command: what the menu says and the example /help shows."""

    name: str
    description: str
    example: str
    admin: bool = False


# Every command, in menu and /help order (the subscription commands are handled in
# bot/telegram/handlers/subscribing.py but described here so the menu and /help stay complete).
COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("start", "Welcome and the main actions", "/start"),
    CommandInfo("help", "Every command with an example", "/help"),
    CommandInfo("latest", "Newest stories, for a country too", "/latest India 5"),
    CommandInfo("search", "Search the stories", "/search grain deal"),
    CommandInfo("brief", "A briefing now: daily, a country or a topic", "/brief Russia"),
    CommandInfo("trends", "Chart of the most covered countries", "/trends 14"),
    CommandInfo("subscribe", "Get a daily, country or topic briefing", "/subscribe India"),
    CommandInfo("unsubscribe", "Stop a subscription", "/unsubscribe"),
    CommandInfo("subscriptions", "What you are subscribed to", "/subscriptions"),
    CommandInfo("time", "When your briefing arrives", "/time 07:30"),
    CommandInfo("timezone", "Your timezone (IANA name)", "/timezone Europe/Berlin"),
    CommandInfo("sources", "Documents loaded, newest first", "/sources", admin=True),
    CommandInfo("stats", "Items, stories, subscribers, deliveries", "/stats", admin=True),
)


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
    return await update.effective_chat.send_message(text, reply_markup=keyboard)


async def send_all(update: Update, messages: list[str],
                   keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Send already rendered messages in order; the keyboard goes on the last one."""
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        await update.effective_chat.send_message(text, reply_markup=keyboard if last else None)


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


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Tell whether the user behind the update is a configured admin."""
    user = update.effective_user
    return user is not None and user.id in ctx_of(context).settings.admin_ids


def remember_query(context: ContextTypes.DEFAULT_TYPE, query: str, country: str | None) -> str:
    """Store a search for its "More" button and return a short key (callback data is 64 bytes)."""
    queries: OrderedDict[str, tuple[str, str | None]] = context.bot_data.setdefault(
        "queries", OrderedDict())
    key = secrets.token_urlsafe(6)  # random, so a button from before a restart never aliases
    queries[key] = (query, country)
    while len(queries) > MAX_REMEMBERED_QUERIES:  # oldest buttons expire first
        queries.popitem(last=False)
    return key


def recall_query(context: ContextTypes.DEFAULT_TYPE, key: str) -> tuple[str, str | None] | None:
    """Return the search stored under key, or None once it expired (or after a restart)."""
    return context.bot_data.get("queries", {}).get(key)
