"""/latest, /search, /brief, /trends, plain-text questions, and their buttons."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

# Aliased: the "More" button's handler below is named more (its /metrics label).
from bot.telegram.addressed import question_text
from bot.telegram.buttons import more as more_buttons
from bot.telegram.buttons.more import MAX_PAGE_SIZE
from bot.telegram.handlers.common import (
    ctx_of,
    parse_count,
    render,
    reply,
    send_all,
    take_keyboard,
    thread_of,
)
from briefs.i18n import _
from news.countries.lookup import UnknownCountryError, display_country, resolve_country
from services import news, saved_searches
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
            await _usage(update, context, _("Pick between 1 and %(most)d stories.",
                                            most=MAX_PAGE_SIZE), _("/latest India 5"))
            return
    code = await _country_arg(update, context, " ".join(args), _("/latest India 5"))
    if code is not False:
        await show_latest(update, context, code, size, 0)


async def show_latest(update: Update, context: ContextTypes.DEFAULT_TYPE,
                      country: str | None, size: int, offset: int, hour: int | None = None) -> None:
    """Send one page of the newest stories with a "More" button when there are more."""
    ctx = ctx_of(context)
    now = ctx.clock()
    page = await asyncio.to_thread(news.latest_page, ctx.sessions, country, offset, size,
                                   now.date())
    next_page = more_buttons.LatestPage(country, size, page.next_offset,
                                        more_buttons.hour_of(now) if hour is None else hour)
    keyboard = more_buttons.more_keyboard(next_page) if page.has_more else None
    await reply(update, context, "stories", keyboard=keyboard, page=page)


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/search words: ranked stories with highlighted snippets."""
    query = " ".join(context.args or []).strip()
    if not query:
        await _usage(update, context, _("Tell me what to search for."), _("/search grain deal"))
        return
    await show_search(update, context, query, None, 0)


async def show_search(update: Update, context: ContextTypes.DEFAULT_TYPE, query: str,
                      country: str | None, offset: int, *, saved: int | None = None,
                      hour: int | None = None) -> None:
    """Send one page of search results with a "More" button when there are more."""
    ctx = ctx_of(context)
    page = await asyncio.to_thread(news.search_page, ctx.sessions, query, offset, PAGE_SIZE,
                                   country)
    keyboard = None
    if page.has_more:
        next_page = await _next_search(context, query, country, page.next_offset, saved, hour)
        keyboard = more_buttons.more_keyboard(next_page)
    await reply(update, context, "stories", keyboard=keyboard, page=page)


async def _next_search(context: ContextTypes.DEFAULT_TYPE, query: str, country: str | None,
                       offset: int, saved: int | None, hour: int | None) -> more_buttons.Page:
    """Return the next page's button: the search itself when it fits in 64 bytes."""
    ctx = ctx_of(context)
    now = ctx.clock()
    hour = more_buttons.hour_of(now) if hour is None else hour
    if saved is None and more_buttons.query_fits(query, country, offset, now):
        return more_buttons.QueryPage(" ".join(query.split()), country, offset, hour)
    if saved is None:  # too long to travel in the button: saved once, for every page
        saved = await asyncio.to_thread(saved_searches.save_search, ctx.sessions, query,
                                        country, now, more_buttons.MAX_AGE)
    return more_buttons.SavedPage(saved, offset, hour)


async def show_saved_search(update: Update, context: ContextTypes.DEFAULT_TYPE,
                            page: more_buttons.SavedPage) -> None:
    """Send the next page of a saved search, or "expired" when it is unknown or too old."""
    ctx = ctx_of(context)
    found = await asyncio.to_thread(saved_searches.saved_search, ctx.sessions, page.query_id,
                                    ctx.clock(), more_buttons.MAX_AGE)
    if found is None:  # made up, or deleted with age
        await reply(update, context, "expired")
    else:
        await show_search(update, context, found.query, found.country, page.offset,
                          saved=page.query_id, hour=page.hour)


async def brief(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/brief [country|topic]: a briefing now (the daily one without an argument)."""
    await show_brief(update, context, " ".join(context.args or []))


async def show_brief(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Build a briefing in a worker thread and send its messages."""
    ctx = ctx_of(context)
    await update.effective_chat.send_action(ChatAction.TYPING, message_thread_id=thread_of(update))
    try:
        messages = await asyncio.to_thread(news.brief_messages, ctx.briefings, text, ctx.default_tz)
    except UnknownCountryError as exc:
        await _unknown_country(update, context, exc, _("/brief Russia"))
        return
    await send_all(update, messages)


async def trends(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/trends [days]: a PNG chart of the most covered countries."""
    args = context.args or []
    low, high = TREND_DAYS
    days = parse_count(args[0], low, high) if args else DEFAULT_TREND_DAYS
    if days is None:
        await _usage(update, context, _("Give a number of days from %(low)d to %(high)d.",
                                        low=low, high=high), "/trends 14")
        return
    await show_trends(update, context, days)


async def show_trends(update: Update, context: ContextTypes.DEFAULT_TYPE, days: int) -> None:
    """Draw the chart in a worker thread and send it as a photo with a caption."""
    ctx = ctx_of(context)
    await update.effective_chat.send_action(ChatAction.UPLOAD_PHOTO,
                                           message_thread_id=thread_of(update))
    today = ctx.clock().astimezone(ctx.default_tz).date()
    figures, png = await asyncio.to_thread(news.trends_chart, ctx.sessions, today, days)
    caption = render(context, "trends", trends=figures, days=days)
    await update.effective_chat.send_photo(png, caption=caption,
                                           message_thread_id=thread_of(update))


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a plain message: countries or a period, a search, or a short hint."""
    # Looking countries up takes a few milliseconds a phrase: off the event loop.
    intent = await asyncio.to_thread(parse_intent, question_text(update.effective_message))
    if intent.kind == "hint":
        await reply(update, context, "hint")
    elif intent.kind == "search" and intent.period is None:  # pages with "More"
        await show_search(update, context, intent.query, intent.country, 0)
    else:
        ctx = ctx_of(context)
        await update.effective_chat.send_action(ChatAction.TYPING,
                                                message_thread_id=thread_of(update))
        messages = await asyncio.to_thread(news.question_messages, ctx.briefings, intent)
        await send_all(update, messages)


async def more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "More" button: drop it from the old page and send the next page."""
    query = update.callback_query
    await query.answer()
    if not await take_keyboard(query):
        return  # a double tap: the first one already sent the next page
    page = more_buttons.decode(query.data)
    if page is None or more_buttons.is_expired(page, ctx_of(context).clock()):
        await reply(update, context, "expired")  # forged, or older than a day
    elif isinstance(page, more_buttons.LatestPage):
        await show_latest(update, context, page.country, page.size, page.offset, page.hour)
    elif isinstance(page, more_buttons.QueryPage):
        await show_search(update, context, page.query, page.country, page.offset, hour=page.hour)
    else:
        await show_saved_search(update, context, page)


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
