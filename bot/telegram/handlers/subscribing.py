"""Handlers for /subscribe, /unsubscribe, /subscriptions, /time, /timezone and their buttons.

Each handler parses the update, calls one SubscriptionService method (in a worker thread,
so database work never blocks the event loop), renders one template and replies or edits.
In a group, only its admins may change what it gets and when (bot/telegram/group_admins.py);
in a forum topic, the commands act on the topic; in a private chat, on the channel picked with
/channel (bot/telegram/targets.py), whose admins alone may change it.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

# Aliased: the command handlers below are named subscribe and unsubscribe too.
from bot.telegram.buttons import subscribe as subscribe_buttons
from bot.telegram.buttons import timezone as timezone_buttons
from bot.telegram.buttons import unsubscribe as unsubscribe_buttons
from bot.telegram.buttons.subscribe import subscribe_keyboard
from bot.telegram.buttons.timezone import timezone_keyboard
from bot.telegram.buttons.unsubscribe import subscriptions_keyboard
from bot.telegram.group_admins import may_change
from bot.telegram.handlers.common import answer_expired, ctx_of, edit_message, render, send_all
from bot.telegram.targets import is_elsewhere, target_of
from briefs.render import render_template
from services.subscription_views import SubscriptionView
from storage.records import ChatRef

logger = logging.getLogger(__name__)


def _args(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or [])


def _username(update: Update, target: ChatRef) -> str | None:
    if is_elsewhere(update, target) or update.effective_user is None:
        return None  # the user's name is not the channel's
    return update.effective_user.username


def _text(update: Update, context: ContextTypes.DEFAULT_TYPE, target: ChatRef, template: str,
          **values: object) -> str:
    """Render a reply, headed by the channel's name when it is about a linked channel."""
    body = render(context, template, **values)
    if not is_elsewhere(update, target):
        return body
    return f"{render(context, 'managing', title=target.title)}\n{body}"


async def _reply(update: Update, context: ContextTypes.DEFAULT_TYPE, target: ChatRef,
                 template: str, keyboard: InlineKeyboardMarkup | None = None,
                 **values: object) -> None:
    await send_all(update, [_text(update, context, target, template, **values)], keyboard)


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /subscribe [India | topic X | daily [at HH:MM]]."""
    target = await target_of(update, context)
    if _args(context).strip() and not await may_change(update, context, target):
        return
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.subscribe, target, _args(context),
                                     username=_username(update, target))
    await _reply(update, context, target, "subscribe", subscribe_keyboard(result), result=result)


async def subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /subscriptions: the list, each with a remove button."""
    target = await target_of(update, context)
    listing = await asyncio.to_thread(ctx_of(context).subscriptions.listing, target)
    await _reply(update, context, target, "subscriptions", subscriptions_keyboard(listing),
                 listing=listing, result=None)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /unsubscribe [India | topic X | daily | all]; no argument shows remove buttons."""
    target = await target_of(update, context)
    if _args(context).strip() and not await may_change(update, context, target):
        return
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.unsubscribe, target, _args(context))
    await _reply(update, context, target, "subscriptions", subscriptions_keyboard(result.listing),
                 listing=result.listing, result=result)


async def set_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /time [07:30]."""
    target = await target_of(update, context)
    if _args(context).strip() and not await may_change(update, context, target):
        return
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.set_time, target, _args(context),
                                     username=_username(update, target))
    await _reply(update, context, target, "time", result=result)


async def set_timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /timezone [Europe/Berlin]; a typo gets suggestion buttons."""
    target = await target_of(update, context)
    if _args(context).strip() and not await may_change(update, context, target):
        return
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.set_timezone, target, _args(context),
                                     username=_username(update, target))
    await _reply(update, context, target, "timezone", timezone_keyboard(result.suggestions),
                 result=result)


def _toast(context: ContextTypes.DEFAULT_TYPE, event: str, view: SubscriptionView | None = None,
           name: str = "") -> str:
    env = ctx_of(context).env
    return render_template(env, "bot/subscriptions_toast.text.j2", event=event, view=view, name=name)


async def subscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle sub: buttons: daily, a country, a topic, the topic prompt, menu pages."""
    query = update.callback_query
    service, target = ctx_of(context).subscriptions, await target_of(update, context)
    button = subscribe_buttons.decode(query.data)
    if isinstance(button, subscribe_buttons.MenuPage):
        result = await asyncio.to_thread(service.menu, target, button.page)
        await query.answer()
    elif isinstance(button, subscribe_buttons.TopicPrompt):
        await query.answer()
        await _reply(update, context, target, "subscribe", result=service.add(target, "topic", ""))
        return
    elif isinstance(button, subscribe_buttons.Subscribe):
        if not await may_change(update, context, target):
            return
        result = await asyncio.to_thread(service.add, target, button.kind, button.value,
                                         username=_username(update, target), menu_page=button.page)
        await query.answer(_toast(context, result.status, result.subscription))
    else:
        await answer_expired(query)
        return
    text = _text(update, context, target, "subscribe", result=result)
    await edit_message(query, text, subscribe_keyboard(result))


async def unsubscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle unsub: buttons: remove one subscription, or show another page of the list."""
    query = update.callback_query
    service, target = ctx_of(context).subscriptions, await target_of(update, context)
    button = unsubscribe_buttons.decode(query.data)
    if isinstance(button, unsubscribe_buttons.ListPage):
        listing, result = await asyncio.to_thread(service.listing, target, button.page), None
        await query.answer()
    elif isinstance(button, unsubscribe_buttons.Remove):
        if not await may_change(update, context, target):
            return
        result = await asyncio.to_thread(service.remove, target, button.subscription_id,
                                         button.page)
        listing = result.listing
        await query.answer(_toast(context, result.status, (result.removed or (None,))[0]))
    else:
        await answer_expired(query)
        return
    text = _text(update, context, target, "subscriptions", listing=listing, result=result)
    await edit_message(query, text, subscriptions_keyboard(listing))


async def timezone_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle tz: buttons: set the suggested timezone."""
    query = update.callback_query
    button = timezone_buttons.decode(query.data)
    if button is None:
        await answer_expired(query)
        return
    target = await target_of(update, context)
    if not await may_change(update, context, target):
        return
    service = ctx_of(context).subscriptions
    result = await asyncio.to_thread(service.set_timezone, target, button.name,
                                     username=_username(update, target))
    await query.answer(_toast(context, "timezone", name=result.schedule.timezone))
    text = _text(update, context, target, "timezone", result=result)
    await edit_message(query, text, timezone_keyboard(result.suggestions))
