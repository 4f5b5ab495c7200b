"""Admin-only: document uploads, /sources, /stats. Everyone else is refused politely."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.telegram.buttons import pager
from bot.telegram.handlers.common import ctx_of, edit_message, is_admin, render, reply
from news.countries.lookup import display_country
from services import news

logger = logging.getLogger(__name__)

SOURCES_PAGE = 10
MB = 1024 * 1024


async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Load an uploaded document (admins only), checking its size before downloading."""
    if not is_admin(update, context):
        await reply(update, context, "admin_only", what="loading documents")
        return
    ctx = ctx_of(context)
    document = update.effective_message.document
    name = document.file_name or "upload"
    limit = ctx.settings.max_upload_bytes
    if document.file_size is not None and document.file_size > limit:
        await reply(update, context, "upload_too_big", name=name,
                    size_mb=_mb(document.file_size), max_mb=_mb(limit))
        return
    await update.effective_chat.send_action(ChatAction.TYPING)
    data = bytes(await (await document.get_file()).download_as_bytearray())
    # Parsing a big PDF takes seconds: a worker thread keeps the bot answering others.
    result = await asyncio.to_thread(ctx.ingestor.ingest_bytes, data, name,
                                     loaded_by=str(update.effective_user.id))
    logger.info("upload %s by %s: %s", name, update.effective_user.id, result.status)
    countries = [(display_country(code), n) for code, n in result.top_countries]
    await reply(update, context, "upload_result", name=name, result=result, countries=countries)


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: documents loaded, newest first, paged (admins only)."""
    if not is_admin(update, context):
        await reply(update, context, "admin_only", what="/sources")
        return
    text, keyboard = await _sources_view(context, 0)
    await update.effective_chat.send_message(text, reply_markup=keyboard)


async def sources_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The ◀/▶ buttons of /sources: show another page in the same message."""
    query = update.callback_query
    if not is_admin(update, context):
        await query.answer("Only for admins.")
        return
    await query.answer()
    page = pager.decode(query.data)
    if page is None:  # not a button this bot makes
        await reply(update, context, "expired")
        return
    text, keyboard = await _sources_view(context, page.offset)
    await edit_message(query, text, keyboard)  # a double tap changes nothing: no error


async def _sources_view(context: ContextTypes.DEFAULT_TYPE,
                        offset: int) -> tuple[str, InlineKeyboardMarkup | None]:
    ctx = ctx_of(context)
    page = await asyncio.to_thread(news.sources_page, ctx.sessions, offset, SOURCES_PAGE)
    keyboard = pager.pager_keyboard(pager.SOURCES, offset, SOURCES_PAGE, page.has_more)
    return render(context, "sources", page=page), keyboard


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: items, stories, subscribers, deliveries of the last day (admins only)."""
    if not is_admin(update, context):
        await reply(update, context, "admin_only", what="/stats")
        return
    ctx = ctx_of(context)
    counts = await asyncio.to_thread(news.stats, ctx.sessions, ctx.clock())
    await reply(update, context, "stats", counts=counts)


def _mb(size: int) -> str:
    return f"{size / MB:.3g}"  # "20", "25.3", "0.0238": never a misleading "0"
