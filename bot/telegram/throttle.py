"""A per-user command throttle, so one user's flood never delays everyone else's answers.

Each user has a token bucket: BURST commands at once, then RATE a second. A user over the
limit is told once to slow down and is otherwise ignored until the bucket refills; the
updates are dropped before any handler runs, so they cost no database work and no reply.
Admins' document uploads are never throttled (loading a folder sends many at once).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.telegram.handlers.common import is_admin, render, thread_of

logger = logging.getLogger(__name__)

RATE = 1.0  # commands a second, sustained
BURST = 5  # commands at once
# A throttled user hears "slow down" at most once in this many seconds.
NOTICE_SECONDS = 30.0
# Above this many remembered users, those whose bucket is full again are forgotten.
MAX_USERS = 10_000
BOT_DATA_KEY = "throttle"
# The handler group the check runs in: before every other (PTB runs groups in ascending order
# and one handler per group, so it must not share a group with a real handler).
GROUP = -100


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    noticed_at: float | None = None


class Throttle:
    """Token buckets by user id: allow() says whether a user may run one more command."""

    def __init__(self, rate: float = RATE, burst: int = BURST,
                 notice_seconds: float = NOTICE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.notice_seconds = notice_seconds
        self.clock = clock
        self._buckets: dict[int, _Bucket] = {}

    def allow(self, user_id: int) -> bool:
        """Take one token from the user's bucket; False when it is empty."""
        now = self.clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[user_id] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True
        return False

    def should_notice(self, user_id: int) -> bool:
        """Say whether a throttled user should be told (once per notice window)."""
        bucket = self._buckets.get(user_id)
        now = self.clock()
        if bucket is None or (bucket.noticed_at is not None
                              and now - bucket.noticed_at < self.notice_seconds):
            return False
        bucket.noticed_at = now
        return True

    def _forget_idle(self, now: float) -> None:
        """Drop users whose bucket has refilled, once there are many (memory stays bounded)."""
        if len(self._buckets) < MAX_USERS:
            return
        refill = self.burst / self.rate
        self._buckets = {uid: b for uid, b in self._buckets.items()
                         if now - b.at < max(refill, self.notice_seconds)}


def install(application: Application, throttle: Throttle | None = None) -> None:
    """Put a throttle (a fresh default one unless given) in front of every handler."""
    application.bot_data[BOT_DATA_KEY] = throttle or Throttle()
    application.add_handler(TypeHandler(Update, check), group=GROUP)


def throttle_of(context: ContextTypes.DEFAULT_TYPE) -> Throttle:
    """Return the application's throttle (one per running bot)."""
    return context.bot_data.setdefault(BOT_DATA_KEY, Throttle())


async def check(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Run before every handler: let the update through, or stop it when its user floods."""
    if not isinstance(update, Update) or update.effective_user is None or _exempt(update, context):
        return
    throttle = throttle_of(context)
    user_id = update.effective_user.id
    if throttle.allow(user_id):
        return
    logger.info("throttling user %s", user_id)
    if throttle.should_notice(user_id):
        await _notice(update, context)
    elif update.callback_query is not None:
        await _quietly(update.callback_query.answer())  # stop the button's spinner
    raise ApplicationHandlerStop


def _exempt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Admins' uploads pass: loading many documents at once is their job."""
    message = update.effective_message
    return message is not None and message.document is not None and is_admin(update, context)


async def _notice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell a flooding user, once, to slow down."""
    text = render(context, "slow_down")
    if update.callback_query is not None:
        await _quietly(update.callback_query.answer(text))
    elif update.effective_chat is not None:
        await _quietly(update.effective_chat.send_message(text,
                                                          message_thread_id=thread_of(update)))


async def _quietly(call: Awaitable[object]) -> None:
    """Await a courtesy call; its failure (a flood, a blocked bot) is no reason to fail."""
    try:
        await call
    except TelegramError as exc:
        logger.info("throttle notice not delivered: %s", exc)
