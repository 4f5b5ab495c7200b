"""Handlers for /subscribe, /unsubscribe, /subscriptions, /time, /timezone and their buttons.

Each handler parses the update, calls one SubscriptionService method (in a worker thread,
so database work never blocks the event loop), renders one template and replies or edits.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.telegram.handlers.common import ctx_of, render, reply
from bot.telegram.keyboards_subscriptions import (
    subscribe_keyboard,
    subscriptions_keyboard,
    timezone_keyboard,
)
from briefs.render import render_template
from services.subscription_views import SubscribeResult, SubscriptionView

if TYPE_CHECKING:
    from services.subscriptions import SubscriptionService

logger = logging.getLogger(__name__)


def _args(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or [])


def _username(update: Update) -> str | None:
    return update.effective_user.username if update.effective_user else None


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /subscribe [India | topic X | daily [at HH:MM]]."""
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.subscribe, update.effective_chat.id, _args(context),
                                     username=_username(update))
    await reply(update, context, "subscribe", subscribe_keyboard(result), result=result)


async def subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /subscriptions: the list, each with a remove button."""
    listing = await asyncio.to_thread(ctx_of(context).subscriptions.listing, update.effective_chat.id)
    await reply(update, context, "subscriptions", subscriptions_keyboard(listing),
                listing=listing, result=None)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /unsubscribe [India | topic X | daily | all]; no argument shows remove buttons."""
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.unsubscribe, update.effective_chat.id, _args(context))
    await reply(update, context, "subscriptions", subscriptions_keyboard(result.listing),
                listing=result.listing, result=result)


async def set_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /time [07:30]."""
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.set_time, update.effective_chat.id, _args(context),
                                     username=_username(update))
    await reply(update, context, "time", result=result)


async def set_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /timezone [Europe/Berlin]; a typo gets suggestion buttons."""
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.set_timezone, update.effective_chat.id, _args(context),
                                     username=_username(update))
    await reply(update, context, "timezone", timezone_keyboard(result.suggestions), result=result)


def _toast(context: ContextTypes.DEFAULT_TYPE, event: str, view: SubscriptionView | None = None,
           name: str = "") -> str:
    env = ctx_of(context).env
    return render_template(env, "bot/subscriptions_toast.text.j2", event=event, view=view, name=name)


async def _edit(query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit the clicked message in place; an unchanged message is not an error."""
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def _page(parts: list[str], index: int) -> int | None:
    return int(parts[index]) if len(parts) > index and parts[index].isdigit() else None


async def subscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle sub: buttons: daily, a country, a topic, the topic prompt, menu pages."""
    query = update.callback_query
    service, chat_id = ctx_of(context).subscriptions, update.effective_chat.id
    parts = query.data.split(":", 2)
    action = parts[1] if len(parts) > 1 else ""
    if action == "p":
        result = await asyncio.to_thread(service.menu, chat_id, _page(parts, 2) or 0)
        await query.answer()
    elif action == "topic":
        await query.answer()
        await reply(update, context, "subscribe", result=service.add(chat_id, "topic", ""))
        return
    elif action in ("d", "c", "t"):
        result = await _subscribe_choice(service, chat_id, action, parts, _username(update))
        await query.answer(_toast(context, result.status, result.subscription))
    else:
        await query.answer(_toast(context, "expired"))
        return
    await _edit(query, render(context, "subscribe", result=result), subscribe_keyboard(result))


async def _subscribe_choice(service: SubscriptionService, chat_id: int, action: str,
                            parts: list[str], username: str | None) -> SubscribeResult:
    """Subscribe from a button: 'd[:page]', 'c:XX[:page]' or 't:words'."""
    if action == "t":
        return await asyncio.to_thread(service.add, chat_id, "topic", parts[2], username=username)
    if action == "d":
        kind, value, page = "daily", "", _page(parts, 2)
    else:
        code, _, page_text = (parts[2] if len(parts) > 2 else "").partition(":")
        kind, value, page = "country", code.upper(), int(page_text) if page_text.isdigit() else None
    return await asyncio.to_thread(service.add, chat_id, kind, value, username=username,
                                   menu_page=page)


async def unsubscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle unsub: buttons: remove one subscription, or show another page of the list."""
    query = update.callback_query
    service, chat_id = ctx_of(context).subscriptions, update.effective_chat.id
    _, target, page_text = (query.data.split(":", 2) + ["", ""])[:3]
    page = int(page_text) if page_text.isdigit() else 0
    if target == "p":
        listing, result = await asyncio.to_thread(service.listing, chat_id, page), None
        await query.answer()
    elif target.isdigit():
        result = await asyncio.to_thread(service.remove, chat_id, int(target), page)
        listing = result.listing
        await query.answer(_toast(context, result.status, (result.removed or (None,))[0]))
    else:
        await query.answer(_toast(context, "expired"))
        return
    text = render(context, "subscriptions", listing=listing, result=result)
    await _edit(query, text, subscriptions_keyboard(listing))


async def timezone_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle tz: buttons: set the suggested timezone."""
    query = update.callback_query
    service = ctx_of(context).subscriptions
    name = query.data.partition(":")[2]
    result = await asyncio.to_thread(service.set_timezone, update.effective_chat.id, name,
                                     username=_username(update))
    await query.answer(_toast(context, "timezone", name=result.schedule.timezone))
    await _edit(query, render(context, "timezone", result=result), timezone_keyboard(result.suggestions))


def subscription_handlers() -> list[BaseHandler]:
    """Return the handlers for the subscription commands and their buttons."""
    return [
        CommandHandler("subscribe", subscribe),
        CommandHandler("unsubscribe", unsubscribe),
        CommandHandler("subscriptions", subscriptions),
        CommandHandler("time", set_time),
        CommandHandler("timezone", set_timezone),
        CallbackQueryHandler(subscribe_button, pattern=r"^sub:"),
        CallbackQueryHandler(unsubscribe_button, pattern=r"^unsub:"),
        CallbackQueryHandler(timezone_button, pattern=r"^tz:"),
    ]
