"""Admin-only feeds: /feeds (with pause, poll now and remove buttons), /addfeed, OPML uploads and
links sent in a private chat. Everyone else is refused politely."""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import CallbackQuery, InlineKeyboardMarkup, MessageEntity, Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.telegram.buttons import feeds as buttons
from bot.telegram.handlers.common import (
    answer_admins_only,
    answer_expired,
    ctx_of,
    edit_message,
    is_admin,
    render,
    reply,
    reply_upload_result,
    take_keyboard,
)
from services.feeds import DEFAULT_INTERVAL, FeedRefused, load_link, parse_interval

logger = logging.getLogger(__name__)

# A message that is nothing but one web address (what a "share link" sends).
LINK = re.compile(r"^\s*(https?://\S+)\s*$", re.I)


async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feeds: every feed with its status, a row of buttons each, paged (admins only)."""
    if not is_admin(update, context):
        await reply(update, context, "admin_only", what="/feeds")
        return
    values, keyboard = await _list_values(context, 0)
    await reply(update, context, "feeds", keyboard=keyboard, **values)


async def add_feed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addfeed URL [interval]: add a feed, or the feed a site announces (admins only)."""
    if not is_admin(update, context):
        await reply(update, context, "admin_only", what="/addfeed")
        return
    args = context.args or []
    if not 1 <= len(args) <= 2:
        await reply(update, context, "feeds_add", step="usage")
        return
    try:
        interval = parse_interval(args[1]) if len(args) == 2 else DEFAULT_INTERVAL
    except ValueError as exc:
        await reply(update, context, "feeds_add", step="bad_interval", error=str(exc))
        return
    await update.effective_chat.send_action(ChatAction.TYPING)
    await _reply_added(update, context, args[0], interval)


async def _reply_added(update: Update, context: ContextTypes.DEFAULT_TYPE, url: str,
                       interval: int) -> None:
    try:
        added = await ctx_of(context).feeds.add_feed(url, interval=interval)
    except FeedRefused as exc:
        await reply(update, context, "feeds_add", step="refused", url=url, error=str(exc))
        return
    logger.info("feed %d %s added by %s", added.feed.id, added.feed.url, update.effective_user.id)
    await reply(update, context, "feeds_add", step="added", added=added)


async def link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A link sent in a private chat: an article is loaded like an upload, a feed or a site
    is offered as a feed (admins only)."""
    if not is_admin(update, context):
        await reply(update, context, "feeds_link", step="admin_only")
        return
    url = LINK.match(update.effective_message.text)[1]
    await update.effective_chat.send_action(ChatAction.TYPING)
    try:
        found = await load_link(ctx_of(context).feeds, url, str(update.effective_user.id))
    except FeedRefused as exc:
        await reply(update, context, "feeds_link", step="refused", url=url, error=str(exc))
        return
    logger.info("link %s from %s: %s", found.url, update.effective_user.id, found.kind)
    if found.ingest is not None:
        await reply_upload_result(update, context, found.url, found.ingest)
        return
    await reply(update, context, "feeds_link", step=found.kind, found=found,
                keyboard=buttons.add_keyboard())


async def import_opml(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str,
                      data: bytes) -> None:
    """Add the feeds of an uploaded OPML file (the caller checked the admin and the size)."""
    try:
        imported = await asyncio.to_thread(ctx_of(context).feeds.import_opml, data)
    except FeedRefused as exc:
        await reply(update, context, "feeds_import", name=name, error=str(exc), imported=[])
        return
    logger.info("OPML %s by %s: %d feeds", name, update.effective_user.id, len(imported))
    await reply(update, context, "feeds_import", name=name, error=None, imported=imported)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every feed: button (pages, pause, resume, poll now, remove, add a link's feed)."""
    query = update.callback_query
    if not is_admin(update, context):
        await answer_admins_only(query)
        return
    pressed = buttons.decode(query.data)
    if pressed is None or (isinstance(pressed, buttons.Remove)
                           and pressed.expired(ctx_of(context).clock())):
        await answer_expired(query)
        return
    if isinstance(pressed, buttons.Add):
        await _add_pressed(query, context)
    elif isinstance(pressed, buttons.Page):
        await query.answer()
        await _show(query, context, pressed.offset)
    elif isinstance(pressed, buttons.Remove):
        await _remove_pressed(query, context, pressed)
    else:
        await _action_pressed(query, context, pressed)


async def _action_pressed(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE,
                          pressed: buttons.Action) -> None:
    service = ctx_of(context).feeds
    feed = await asyncio.to_thread(service.find_feed, pressed.feed_id)
    if feed is None:  # removed meanwhile (another admin, the CLI)
        await query.answer()
        await _show(query, context, pressed.offset, event="missing", feed_id=pressed.feed_id)
        return
    if pressed.action == "ask_remove":
        await query.answer()
        ask = render(context, "feeds_remove", feed=feed)
        await edit_message(query, ask, buttons.confirm_keyboard(
            feed.id, pressed.offset, ctx_of(context).clock()))
    elif pressed.action == "poll":
        await query.answer("🔄")
        polled = await service.poll_feeds([feed.id])  # [] while another process polls it
        await _show(query, context, pressed.offset, event="polled", feed=feed,
                    result=polled[0] if polled else None)
    else:
        await query.answer()
        paused = pressed.action == "pause"
        await asyncio.to_thread(service.set_paused, feed.id, paused)
        await _show(query, context, pressed.offset, event=pressed.action, feed=feed)


async def _remove_pressed(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE,
                          pressed: buttons.Remove) -> None:
    await query.answer()
    if not await take_keyboard(query):  # a double tap: the first press does the work
        return
    removed = await asyncio.to_thread(ctx_of(context).feeds.remove_feed, pressed.feed_id)
    logger.info("feed %d removed by %s", pressed.feed_id, query.from_user.id)
    event = "removed" if removed is not None else "missing"
    await _show(query, context, pressed.offset, event=event, feed=removed,
                feed_id=pressed.feed_id)


async def _add_pressed(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Add the feed the pressed message names in <code> (the bot's own message)."""
    shown = query.message.parse_entities([MessageEntity.CODE]) if query.message else {}
    url = next(iter(shown.values()), None)
    if url is None:
        await answer_expired(query)
        return
    await query.answer()
    if not await take_keyboard(query):
        return
    try:
        added = await ctx_of(context).feeds.add_feed(url)
    except FeedRefused as exc:
        await edit_message(query, render(context, "feeds_add", step="refused", url=url,
                                         error=str(exc)), None)
        return
    logger.info("feed %d %s added by %s", added.feed.id, added.feed.url, query.from_user.id)
    await edit_message(query, render(context, "feeds_add", step="added", added=added), None)


async def _show(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, offset: int,
                **notice: object) -> None:
    values, keyboard = await _list_values(context, offset, **notice)
    # A double tap changes nothing: no error.
    await edit_message(query, render(context, "feeds", **values), keyboard)


async def _list_values(context: ContextTypes.DEFAULT_TYPE, offset: int,
                       **notice: object) -> tuple[dict[str, object], InlineKeyboardMarkup | None]:
    """Return the values of the feeds page at offset (and what a press did), and its buttons."""
    listed = await asyncio.to_thread(ctx_of(context).feeds.list_feeds)
    if offset >= len(listed):  # the list shrank since the page was shown
        offset = max(0, (len(listed) - 1) // buttons.PAGE * buttons.PAGE)
    page = listed[offset:offset + buttons.PAGE]
    values = {"event": None, "feed": None, "feed_id": None, "result": None, **notice,
              "feeds": page, "offset": offset, "total": len(listed)}
    return values, buttons.list_keyboard(page, offset, len(listed))
