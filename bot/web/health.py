"""The /healthz report: database reachable, scheduler alive, outbox backlog.

Healthy means the database answers `SELECT 1` within `DB_TIMEOUT` and the scheduler tick
job ran within `TICK_STALE_AFTER` (or two tick intervals, if longer). The tick job records
its time (the context's clock) whether or not this process leads the scheduler: a
follower's tick is alive too, ready to take over. The outbox backlog and the feeds failing
for over a day are reported but do not fail the check: a long queue or a dead feed is
something to alert on through /metrics, not a reason for an orchestrator to restart the
process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application

from bot.context import AppContext
from bot.delivery.jobs import is_scheduler_leader, last_tick_at
from storage.repositories.feeds import feed_health
from storage.repositories.health import OutboxBacklog, outbox_backlog, ping

logger = logging.getLogger(__name__)

DB_TIMEOUT = 2.0  # s
TICK_STALE_AFTER = timedelta(minutes=2)  # the tick runs every minute
FEED_FAILING_TOO_LONG = timedelta(days=1)
STARTED_KEY = "web_started_at"


@dataclass(frozen=True, slots=True)
class DatabaseCheck:
    """What the database probe found."""

    ok: bool
    latency_ms: float | None = None
    error: str | None = None  # the exception's class name only: messages may hold hosts
    backlog: OutboxBacklog | None = None


def mark_started(application: Application) -> None:
    """Remember when serving began, so a scheduler that has not ticked yet is not stale."""
    application.bot_data.setdefault(STARTED_KEY, _ctx(application).clock())


async def health_report(application: Application) -> tuple[bool, dict[str, Any]]:
    """Return (healthy, the JSON-ready report) for this process."""
    ctx = _ctx(application)
    db = await check_database(ctx)
    now = ctx.clock()
    scheduler = scheduler_status(application, now)
    healthy = db.ok and scheduler["ok"]
    report = {
        "status": "ok" if healthy else "unhealthy",
        "database": {"ok": db.ok, "latency_ms": db.latency_ms, "error": db.error},
        "scheduler": scheduler,
        "outbox": backlog_status(db.backlog, now),
        "feeds": await feeds_status(ctx, now) if db.ok else None,
    }
    return healthy, report


async def check_database(ctx: AppContext, timeout: float = DB_TIMEOUT) -> DatabaseCheck:
    """Ping the database and read the outbox backlog, giving up after *timeout* seconds."""
    started = time.perf_counter()
    try:
        backlog = await asyncio.wait_for(asyncio.to_thread(_probe, ctx), timeout)
    except TimeoutError:
        return DatabaseCheck(False, error="timeout")
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        logger.warning("health check: database unreachable (%s)", type(exc).__name__)
        return DatabaseCheck(False, error=type(exc).__name__)
    return DatabaseCheck(True, round((time.perf_counter() - started) * 1000, 2), backlog=backlog)


def _probe(ctx: AppContext) -> OutboxBacklog:
    with ctx.sessions() as session:
        ping(session)
        return outbox_backlog(session)


def scheduler_status(application: Application, now: datetime) -> dict[str, Any]:
    """Describe the scheduler tick: when it last ran and whether that is recent enough."""
    last = last_tick_at(application)
    since = last or application.bot_data.get(STARTED_KEY) or now
    age = (now - since).total_seconds()
    limit = max(TICK_STALE_AFTER.total_seconds(), 2 * _ctx(application).settings.tick_seconds)
    return {
        "ok": age <= limit,
        "leader": is_scheduler_leader(application),
        "last_tick": last.isoformat() if last else None,
        "age_seconds": round(age, 3),
    }


def backlog_status(backlog: OutboxBacklog | None, now: datetime) -> dict[str, Any]:
    """Describe the outbox backlog (None values when the database could not be read)."""
    if backlog is None:
        return {"pending": None, "oldest_due_age_seconds": None}
    age = None if backlog.oldest_due is None else (now - backlog.oldest_due).total_seconds()
    return {"pending": backlog.pending,
            "oldest_due_age_seconds": None if age is None else round(max(age, 0.0), 3)}


async def feeds_status(ctx: AppContext, now: datetime) -> dict[str, Any] | None:
    """Report the feeds failing for over a day (reported, not a reason to be unhealthy)."""
    def read():
        with ctx.sessions() as session:
            return feed_health(session)
    try:
        health = await asyncio.wait_for(asyncio.to_thread(read), DB_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - the report must still answer
        logger.warning("health check: feeds unreadable (%s)", type(exc).__name__)
        return None
    stale = [{"id": i, "url": url, "failing_since": since.isoformat()}
             for i, url, since in health.failing_since if now - since > FEED_FAILING_TOO_LONG]
    return {"active": health.active, "failing": health.failing,
            "failing_over_a_day": stale[:20], "failing_over_a_day_count": len(stale)}


def _ctx(application: Application) -> AppContext:
    return application.bot_data["ctx"]
