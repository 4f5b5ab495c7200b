"""/latest, /search, /brief, /trends, plain-text questions, and their buttons."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

# Aliased: the "More" button's handler below is named more (its /metrics label).
from bot.telegram.buttons import more as more_buttons
from bot.telegram.buttons.more import MAX_PAGE_SIZE
from bot.telegram.handlers.common import (
    ctx_of,
    parse_count,
    recall_query,
    remember_query,
    render,
    reply,
    send_all,
    take_keyboard,
)
from news.countries.lookup import UnknownCountryError, display_country, resolve_country
from services import news
from services.intents import parse_intent

logger = logging.getLogger(__name__)

PAGE_SIZE = 5
TREND_DAYS = (2, 60)
DEFAULT_TREND_DAYS = 7


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/latest [country] [n]: the newest stories, n per page."""
    args = list(context.args or [])
    size: int | None = PAGE_SIZE
    if args and args[-1].isdigit():  # any digits ("²" too): a count, which must be valid
        size = parse_count(args.pop(), 1, MAX_PAGE_SIZE)
        if size is None:
            await _usage(update, context, f"Pick between 1 and {MAX_PAGE_SIZE} stories.",
                         "/latest India 5")
            return
    code = await _country_arg(update, context, " ".join(args), "/latest India 5")
    if code is not False:
        await show_latest(update, context, code, size, 0)


async def show_latest(update: Update, context: ContextTypes.DEFAULT_TYPE,
                      country: str | None, size: int, offset: int) -> None:
    """Send one page of the newest stories with a "More" button when there are more."""
    ctx = ctx_of(context)
    page = await asyncio.to_thread(news.latest_page, ctx.sessions, country, offset, size)
    next_page = more_buttons.LatestPage(country, size, page.next_offset)
    keyboard = more_buttons.more_keyboard(next_page) if page.has_more else None
    await reply(update, context, "stories", keyboard=keyboard, page=page)


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/search words: ranked stories with highlighted snippets."""
    query = " ".join(context.args or []).strip()
    if not query:
        await _usage(update, context, "Tell me what to search for.", "/search grain deal")
        return
    await show_search(update, context, query, None, 0, key=None)


async def show_search(update: Update, context: ContextTypes.DEFAULT_TYPE, query: str,
                      country: str | None, offset: int, key: str | None) -> None:
    """Send one page of search results with a "More" button when there are more."""
    ctx = ctx_of(context)
    page = await asyncio.to_thread(news.search_page, ctx.sessions, query, offset, PAGE_SIZE,
                                   country)
    keyboard = None
    if page.has_more:
        key = key or remember_query(context, query, country)
        keyboard = more_buttons.more_keyboard(more_buttons.SearchPage(key, page.next_offset))
    await reply(update, context, "stories", keyboard=keyboard, page=page)


async def brief(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/brief [country|topic]: a briefing now (the daily one without an argument)."""
    await show_brief(update, context, " ".join(context.args or []))


async def show_brief(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Build a briefing in a worker thread and send its messages."""
    ctx = ctx_of(context)
    await update.effective_chat.send_action(ChatAction.TYPING)
    try:
        messages = await asyncio.to_thread(news.brief_messages, ctx.briefings, text, ctx.default_tz)
    except UnknownCountryError as exc:
        await _unknown_country(update, context, exc, "/brief Russia")
        return
    await send_all(update, messages)


async def trends(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/trends [days]: a PNG chart of the most covered countries."""
    args = context.args or []
    low, high = TREND_DAYS
    days = parse_count(args[0], low, high) if args else DEFAULT_TREND_DAYS
    if days is None:
        await _usage(update, context, f"Give a number of days from {low} to {high}.", "/trends 14")
        return
    await show_trends(update, context, days)


async def show_trends(update: Update, context: ContextTypes.DEFAULT_TYPE, days: int) -> None:
    """Draw the chart in a worker thread and send it as a photo with a caption."""
    ctx = ctx_of(context)
    await update.effective_chat.send_action(ChatAction.UPLOAD_PHOTO)
    today = ctx.clock().astimezone(ctx.default_tz).date()
    figures, png = await asyncio.to_thread(news.trends_chart, ctx.sessions, today, days)
    await update.effective_chat.send_photo(png, caption=render(context, "trends", trends=figures,
                                                                days=days))


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a plain message: a country briefing, a search, or a short hint."""
    # Looking countries up takes a few milliseconds a phrase: off the event loop.
    intent = await asyncio.to_thread(parse_intent, update.effective_message.text or "")
    if intent.kind == "country":
        ctx = ctx_of(context)
        messages = await asyncio.to_thread(news.country_messages, ctx.briefings, intent.country)
        await send_all(update, messages)
    elif intent.kind == "search":
        await show_search(update, context, intent.query, intent.country, 0, key=None)
    else:
        await reply(update, context, "hint")


async def more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "More" button: drop it from the old page and send the next page."""
    query = update.callback_query
    await query.answer()
    if not await take_keyboard(query):
        return  # a double tap: the first one already sent the next page
    page = more_buttons.decode(query.data)
    search = recall_query(context, page.key) if isinstance(page, more_buttons.SearchPage) else None
    if isinstance(page, more_buttons.LatestPage):
        await show_latest(update, context, page.country, page.size, page.offset)
    elif search is not None:
        await show_search(update, context, *search, page.offset, key=page.key)
    else:  # forged, or a search forgotten since (a restart, or too old)
        await reply(update, context, "expired")


async def _country_arg(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                       example: str) -> str | None | bool:
    """Resolve an optional country argument; reply and return False when it is unknown."""
    if not text.strip():
        return None
    try:
        return resolve_country(text)
    except UnknownCountryError as exc:
        await _unknown_country(update, context, exc, example)
        return False


async def _unknown_country(update: Update, context: ContextTypes.DEFAULT_TYPE,
                           exc: UnknownCountryError, example: str) -> None:
    suggestions = [display_country(code) for code in exc.suggestions]
    await reply(update, context, "unknown_country", text=exc.text, suggestions=suggestions,
                example=example)


async def _usage(update: Update, context: ContextTypes.DEFAULT_TYPE, problem: str,
                 example: str) -> None:
    await reply(update, context, "usage", problem=problem, example=example)
