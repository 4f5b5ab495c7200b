"""Process metrics for Prometheus: counters the bot bumps as it works.

Store-wide figures (items, stories, subscribers, outbox depth, deliveries by outcome) are read
from the database when /metrics is scraped, so every process reports the same truth; only
what happens inside one process (429s it received, handler latency) is counted here.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

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
