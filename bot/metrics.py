"""Process metrics for Prometheus: counters the bot bumps as it works.

Store-wide figures (items, stories, subscribers, outbox depth, deliveries by outcome) are read
from the database when /metrics is scraped (bot/web/metrics.py), so every process reports the
same truth; only what happens inside one process (429s it received, handler latency) is
counted here.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from telegram.error import RetryAfter
from telegram.ext import BaseHandler, CommandHandler

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

TELEGRAM_THROTTLED = Counter(
    "briefbot_telegram_429_total", "Times Telegram answered 429 Too Many Requests",
    registry=REGISTRY,
)
MESSAGES_SENT = Counter(
    "briefbot_delivery_messages_sent_total", "Briefing messages this process delivered",
    registry=REGISTRY,
)
HANDLER_LATENCY = Histogram(
    "briefbot_handler_seconds", "Time to answer one update, by handler", ["handler"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


def count_throttled() -> None:
    """Count one 429 answer from Telegram."""
    TELEGRAM_THROTTLED.inc()


def count_message_sent() -> None:
    """Count one delivered briefing message."""
    MESSAGES_SENT.inc()


def observe_handler(handler: str, seconds: float) -> None:
    """Record how long a handler took."""
    HANDLER_LATENCY.labels(handler=handler).observe(seconds)


def handler_name(handler: BaseHandler) -> str:
    """Return a short, stable label for a handler: `/command` or `module.function`."""
    if isinstance(handler, CommandHandler) and handler.commands:
        return "/" + sorted(handler.commands)[0]
    callback = handler.callback
    module = getattr(callback, "__module__", "") or ""
    return f"{module.rsplit('.', 1)[-1]}.{getattr(callback, '__name__', type(callback).__name__)}"


def instrument(handler: BaseHandler) -> BaseHandler:
    """Wrap the handler's callback so its run time lands in HANDLER_LATENCY (and 429s count)."""
    handler.callback = timed(handler_name(handler), handler.callback)
    return handler


def timed(name: str, callback: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Return callback wrapped to observe its duration under *name*, even when it raises."""
    @functools.wraps(callback)
    async def wrapper(update: object, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return await callback(update, context)
        except RetryAfter:
            count_throttled()  # a reply refused by Telegram's flood control
            raise
        finally:
            observe_handler(name, time.perf_counter() - started)

    return wrapper
