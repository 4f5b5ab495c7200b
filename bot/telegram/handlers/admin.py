"""Admin-only: document uploads, /sources, /stats, /delete. Everyone else is refused politely."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.telegram.buttons import delete as delete_buttons
from bot.telegram.buttons import pager
from bot.telegram.handlers import feeds
from bot.telegram.handlers.common import (
    answer_admins_only,
    answer_expired,
    ctx_of,
    edit_message,
    is_admin,
    parse_count,
    render,
    reply,
    reply_upload_result,
    take_keyboard,
)
from briefs.i18n import _
from news.opml import looks_like_opml
from services import documents, news

logger = logging.getLogger(__name__)

SOURCES_PAGE = 10
MB = 1024 * 1024


async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Load an uploaded document (admins only), checking its size before downloading."""
    if not is_admin(update, context):
        await reply(update, context, "admin_only", what=_("loading documents"))
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
    if looks_like_opml(name, document.mime_type, data):  # a list of feeds to add, not a document
        await feeds.import_opml(update, context, name, data)
        return
    # Parsing a big PDF takes seconds: a worker thread keeps the bot answering others.
    result = await asyncio.to_thread(ctx.ingestor.ingest_bytes, data, name,
                                     loaded_by=str(update.effective_user.id))
    logger.info("upload %s by %s: %s", name, update.effective_user.id, result.status)
    await reply_upload_result(update, context, name, result)


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
        await answer_admins_only(query)
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


async def delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delete ID: ask before deleting a document (admins only)."""
    if not is_admin(update, context):
        await reply(update, context, "admin_only", what="/delete")
        return
    ctx = ctx_of(context)
    document_id = parse_count(context.args[0], 1, delete_buttons.MAX_ID) if context.args else None
    if document_id is None:
        await reply(update, context, "delete", step="usage")
        return
    document = await asyncio.to_thread(documents.find_document, ctx.sessions, document_id)
    if document is None:
        await reply(update, context, "delete", step="missing", document_id=document_id)
        return
    await reply(update, context, "delete", step="ask", document=document,
                keyboard=delete_buttons.confirm_keyboard(document_id, ctx.clock()))


async def delete_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The Delete / Keep buttons of /delete."""
    query = update.callback_query
    if not is_admin(update, context):
        await answer_admins_only(query)
        return
    ctx = ctx_of(context)
    button = delete_buttons.decode(query.data)
    if button is None or (isinstance(button, delete_buttons.Confirm)
                          and button.expired(ctx.clock())):
        await answer_expired(query)
        return
    await query.answer()
    if not await take_keyboard(query):  # a double tap: the first press does the work
        return
    if isinstance(button, delete_buttons.Keep):
        await edit_message(query, render(context, "delete", step="kept"), None)
        return
    logger.info("deleting document %d, confirmed by %s", button.document_id,
                update.effective_user.id)
    await edit_message(query, await _delete(context, button.document_id), None)


async def _delete(context: ContextTypes.DEFAULT_TYPE, document_id: int) -> str:
    ctx = ctx_of(context)
    try:
        deleted = await asyncio.to_thread(documents.delete, ctx.sessions, [document_id],
                                          ctx.clock())
    except documents.UnknownDocumentsError:  # deleted meanwhile (another admin, the CLI)
        return render(context, "delete", step="missing", document_id=document_id)
    return render(context, "delete", step="done", document=deleted.documents[0],
                  deleted=deleted)


def _mb(size: int) -> str:
    return f"{size / MB:.3g}"  # "20", "25.3", "0.0238": never a misleading "0"
