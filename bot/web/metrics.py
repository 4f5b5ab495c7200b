"""The /metrics exposition: store-wide gauges read at scrape time plus process counters.

`StoreCollector` asks the database on every scrape (one short session), so every process
behind a load balancer reports the same store figures; the in-process counters and the
handler latency histogram come from `bot.metrics.REGISTRY`. When the database cannot be
read, `briefbot_database_up` is 0 and the store figures are left out of that scrape.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from bot.metrics import REGISTRY
from storage.repositories.deliveries import STATUSES, delivery_counts_since
from storage.repositories.feeds import FeedHealth, feed_health
from storage.repositories.health import delivery_totals, outbox_backlog
from storage.repositories.stats import store_counts

logger = logging.getLogger(__name__)

RECENT = timedelta(hours=24)


class StoreCollector(Collector):
    """Collect the store's figures from the database at scrape time."""

    def __init__(self, sessions: Callable[[], sessionmaker[Session]],
                 clock: Callable[[], datetime]) -> None:
        # `sessions` is a callable so the engine is only built (and may fail) at scrape time.
        self._sessions = sessions
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        """Yield the store gauges, or only `briefbot_database_up 0` when the store is down."""
        try:
            metrics = self._read()
        except Exception as exc:  # noqa: BLE001 - a scrape must still answer
            logger.warning("metrics: database unreadable (%s)", type(exc).__name__)
            yield _gauge("briefbot_database_up", "1 if the database answered this scrape", 0)
            return
        yield _gauge("briefbot_database_up", "1 if the database answered this scrape", 1)
        yield from metrics

    def _read(self) -> list[Metric]:
        now = self._clock()
        with self._sessions()() as session:
            counts = store_counts(session, now - RECENT)
            recent = delivery_counts_since(session, now - RECENT)
            totals = delivery_totals(session)
            backlog = outbox_backlog(session)
            feeds = feed_health(session)
        oldest = 0.0 if backlog.oldest_due is None else max(
            (now - backlog.oldest_due).total_seconds(), 0.0)
        return [
            _gauge("briefbot_documents", "Documents loaded", counts.documents),
            _gauge("briefbot_items", "Items stored (duplicates included)", counts.items),
            _gauge("briefbot_stories", "Story clusters", counts.stories),
            _gauge("briefbot_subscribers", "Active subscribers", counts.subscribers),
            _by_status("briefbot_deliveries", "Outbox rows by status, all time", totals),
            _by_status("briefbot_deliveries_24h",
                       "Outbox rows by status that finished (or were queued) in the last 24 h",
                       recent),
            _gauge("briefbot_outbox_depth", "Deliveries waiting in the outbox", backlog.pending),
            _gauge("briefbot_outbox_oldest_due_age_seconds",
                   "How long the oldest waiting delivery has been due (0 when none)", oldest),
            *_feed_metrics(feeds, now),
        ]


def _feed_metrics(feeds: FeedHealth, now: datetime) -> list[Metric]:
    oldest = 0.0 if feeds.oldest_success is None else max(
        (now - feeds.oldest_success).total_seconds(), 0.0)
    failures = GaugeMetricFamily("briefbot_feed_failures", "Feeds failing now, by reason",
                                 labels=["reason"])
    for kind, count in sorted(feeds.failures_by_kind.items()):
        failures.add_metric([kind], count)
    return [
        _gauge("briefbot_feeds", "Feeds polled (not paused)", feeds.active),
        _gauge("briefbot_feed_polls", "Feed polls, all feeds, all time", feeds.polls),
        _gauge("briefbot_feed_entries_loaded", "Feed entries loaded as documents", feeds.entries_loaded),
        failures,
        _gauge("briefbot_feed_oldest_success_age_seconds",
               "Age of the oldest last successful poll among active feeds (0 when none)", oldest),
    ]


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _by_status(name: str, documentation: str, counts: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["status"])
    for status in STATUSES:  # every status always present, so a rate() never sees gaps
        family.add_metric([status], counts.get(status, 0))
    return family


class _ProcessCollector(Collector):
    """Re-export the process registry (bot.metrics) inside a scrape registry."""

    def collect(self) -> Iterator[Metric]:
        """Yield every metric of bot.metrics.REGISTRY."""
        yield from REGISTRY.collect()


def scrape_registry(store: StoreCollector) -> CollectorRegistry:
    """Return a registry holding the store collector and the process metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ProcessCollector())
    registry.register(store)
    return registry


async def render_metrics(registry: CollectorRegistry) -> bytes:
    """Render the Prometheus text exposition (off the event loop: it queries the database)."""
    return await asyncio.to_thread(generate_latest, registry)
