"""Handlers for /subscribe, /unsubscribe, /subscriptions, /time, /timezone and their buttons.

Each handler parses the update, calls one SubscriptionService method (in a worker thread,
so database work never blocks the event loop), renders one template and replies or edits.
In a group, only its admins may change what it gets and when (bot/telegram/group_admins.py).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import ContextTypes

# Aliased: the command handlers below are named subscribe and unsubscribe too.
from bot.telegram.buttons import subscribe as subscribe_buttons
from bot.telegram.buttons import timezone as timezone_buttons
from bot.telegram.buttons import unsubscribe as unsubscribe_buttons
from bot.telegram.buttons.subscribe import subscribe_keyboard
from bot.telegram.buttons.timezone import timezone_keyboard
from bot.telegram.buttons.unsubscribe import subscriptions_keyboard
from bot.telegram.group_admins import may_change_settings, refuse_change
from bot.telegram.handlers.common import ctx_of, edit_message, render, reply
from briefs.render import render_template
from services.subscription_views import SubscriptionView

logger = logging.getLogger(__name__)


def _args(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or [])


async def _may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Check that the user may change the chat's settings (in a group: an admin); say if not."""
    if await may_change_settings(update, context):
        return True
    await refuse_change(update, context)
    return False


def _username(update: Update) -> str | None:
    return update.effective_user.username if update.effective_user else None


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /subscribe [India | topic X | daily [at HH:MM]]."""
    if _args(context).strip() and not await _may_change(update, context):
        return
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
    if _args(context).strip() and not await _may_change(update, context):
        return
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.unsubscribe, update.effective_chat.id, _args(context))
    await reply(update, context, "subscriptions", subscriptions_keyboard(result.listing),
                listing=result.listing, result=result)


async def set_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /time [07:30]."""
    if _args(context).strip() and not await _may_change(update, context):
        return
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.set_time, update.effective_chat.id, _args(context),
                                     username=_username(update))
    await reply(update, context, "time", result=result)


async def set_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /timezone [Europe/Berlin]; a typo gets suggestion buttons."""
    if _args(context).strip() and not await _may_change(update, context):
        return
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.set_timezone, update.effective_chat.id, _args(context),
                                     username=_username(update))
    await reply(update, context, "timezone", timezone_keyboard(result.suggestions), result=result)


def _toast(context: ContextTypes.DEFAULT_TYPE, event: str, view: SubscriptionView | None = None,
           name: str = "") -> str:
    env = ctx_of(context).env
    return render_template(env, "bot/subscriptions_toast.text.j2", event=event, view=view, name=name)


async def subscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle sub: buttons: daily, a country, a topic, the topic prompt, menu pages."""
    query = update.callback_query
    service, chat_id = ctx_of(context).subscriptions, update.effective_chat.id
    button = subscribe_buttons.decode(query.data)
    if isinstance(button, subscribe_buttons.MenuPage):
        result = await asyncio.to_thread(service.menu, chat_id, button.page)
        await query.answer()
    elif isinstance(button, subscribe_buttons.TopicPrompt):
        await query.answer()
        await reply(update, context, "subscribe", result=service.add(chat_id, "topic", ""))
        return
    elif isinstance(button, subscribe_buttons.Subscribe):
        if not await _may_change(update, context):
            return
        result = await asyncio.to_thread(service.add, chat_id, button.kind, button.value,
                                         username=_username(update), menu_page=button.page)
        await query.answer(_toast(context, result.status, result.subscription))
    else:
        await query.answer(_toast(context, "expired"))
        return
    await edit_message(query, render(context, "subscribe", result=result), subscribe_keyboard(result))


async def unsubscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle unsub: buttons: remove one subscription, or show another page of the list."""
    query = update.callback_query
    service, chat_id = ctx_of(context).subscriptions, update.effective_chat.id
    button = unsubscribe_buttons.decode(query.data)
    if isinstance(button, unsubscribe_buttons.ListPage):
        listing, result = await asyncio.to_thread(service.listing, chat_id, button.page), None
        await query.answer()
    elif isinstance(button, unsubscribe_buttons.Remove):
        if not await _may_change(update, context):
            return
        result = await asyncio.to_thread(service.remove, chat_id, button.subscription_id,
                                         button.page)
        listing = result.listing
        await query.answer(_toast(context, result.status, (result.removed or (None,))[0]))
    else:
        await query.answer(_toast(context, "expired"))
        return
    text = render(context, "subscriptions", listing=listing, result=result)
    await edit_message(query, text, subscriptions_keyboard(listing))


async def timezone_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle tz: buttons: set the suggested timezone."""
    query = update.callback_query
    button = timezone_buttons.decode(query.data)
    if button is None:
        await query.answer(_toast(context, "expired"))
        return
    if not await _may_change(update, context):
        return
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.set_timezone, update.effective_chat.id, button.name,
                                     username=_username(update))
    await query.answer(_toast(context, "timezone", name=result.schedule.timezone))
    await edit_message(query, render(context, "timezone", result=result), timezone_keyboard(result.suggestions))
